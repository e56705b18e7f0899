/* --auto: the shape of a training run chosen for its time budget, from the
 * text and from this machine's measured speed (auto_choice.c). */
#ifndef RECUR_TRAIN_AUTO_CHOICE_H
#define RECUR_TRAIN_AUTO_CHOICE_H

#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "recur/run.h"

/* Chooses every option --auto owns that the caller did not set (width,
 * embedding and tying, dropout, learning rate, warm-up, schedule,
 * validation interval) by timing a few training steps of each candidate
 * width on the training ids, and sets them through recur_run_options_set so
 * that the run, its state and its model record them. Appends to notes what
 * was measured and chosen, with the command that repeats the choice by hand.
 * *spent gets the seconds the measurement took (part of the budget). */
recur_status run_auto_choose(recur_run_options *o, const recur_vocab *vocab, const int32_t *ids, size_t n,
                             recur_strbuf *notes, double *spent, recur_error *err);

#endif
