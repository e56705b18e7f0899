/* The training run's parts shared by run.c (the loop), run_options.c (the
 * option table and its log), run_presets.c and run_files.c (checkpoints and
 * the run record). Not part of the public API. */
#ifndef RECUR_TRAIN_RUN_INTERNAL_H
#define RECUR_TRAIN_RUN_INTERNAL_H

#include <stdio.h>

#include "recur/run.h"

/* Applies the named preset's settings; -1 when there is no such preset. */
int run_preset_apply(recur_run_options *o, const char *name);
/* "ptb-small, ptb-medium, ..." into buf. */
void run_preset_names(char *buf, size_t size);

/* The learning-rate decay in effect (the plateau schedule's own default). */
float run_lr_decay(const recur_run_options *o);
/* Whether recur_run_options_set was called for name ("lr-decay"). */
int run_options_was_set(const recur_run_options *o, const char *name);
/* The set log: "--name" SEP value SEP ... (SEP = 0x1f), as a state saves it. */
const char *run_options_log(const recur_run_options *o, size_t *len);
/* A deep copy: the log and every string owned by dst. */
recur_status run_options_copy(recur_run_options *dst, const recur_run_options *src, recur_error *err);
/* Puts a state's saved log before o's and rebuilds the options from both. */
recur_status run_options_merge_saved(recur_run_options *o, const char *saved, recur_error *err);
/* "recur train --data x --hidden 512 ...": the options that shaped the
 * model, those that differ from the defaults (under the preset), without the
 * outputs (--out, --log, ...) so that the same training records the same
 * text (malloc'd; NULL when out of memory). */
char *run_options_command(const recur_run_options *o);

#endif
