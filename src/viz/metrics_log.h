/* Writing the trainer's metrics logs (JSON Lines): the lines that
 * metrics_log.c reads back (recur_metrics_log_read). A NaN or infinite
 * training loss or norm is written as null. Each line is flushed. */
#ifndef RECUR_VIZ_METRICS_LOG_H
#define RECUR_VIZ_METRICS_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void metrics_log_train_row(FILE *f, int64_t step, int epoch, double lr, double loss, double grad_norm, int clipped,
                           int skipped, double tokens_per_s, double elapsed_s);
/* batch: the validation's streams (1: every token predicted once). */
void metrics_log_val_row(FILE *f, int64_t step, int epoch, double elapsed_s, double val_loss, size_t tokens,
                         int batch);
/* ptb_word_lm.py's per-epoch figures. */
void metrics_log_epoch_row(FILE *f, int epoch, int64_t step, double lr, double train_ppl, double valid_ppl,
                           double words_per_s, double train_s, double elapsed_s);
void metrics_log_test_row(FILE *f, double ppl, size_t tokens, double seconds, double ppl_batched,
                          size_t tokens_batched, double seconds_batched, int batch, int seq, double elapsed_s);
/* {"settings":SETTINGS,"steps_done":N,"wall_s":S}, SETTINGS a JSON object. */
void metrics_log_settings_row(FILE *f, const char *settings, int64_t steps_done, double wall_s);

#endif
