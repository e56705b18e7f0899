/* Plain SGD skips the embedding rows a window never touched. A word model's
 * window reads a few hundred of its vocabulary's rows (PTB small: at most
 * 400 of 10,000); every other row's gradient is exactly zero, its SGD update
 * changes nothing, and its square adds nothing to the norm, yet reading and
 * writing them was about 40% of the norm's and the update's passes over the
 * parameters. Internal to src/train. */
#ifndef RECUR_TRAIN_SPARSE_ROWS_H
#define RECUR_TRAIN_SPARSE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "model/model_internal.h"
#include "train/optim.h"

typedef struct sparse_rows {
    uint8_t *seen;   /* [V] scratch, all zero between steps */
    int32_t *rows;   /* the current window's rows, ascending (room for min(window_all, V)) */
    size_t count;
    size_t from, end;  /* the embedding's range in the parameter block */
    int E;
} sparse_rows;

/* Sets sr up when the rule applies (plain SGD, no weight decay, an
 * embedding no other tensor shares, and a window of this process's streams
 * that leaves most rows out); otherwise leaves sr->seen NULL and returns
 * RECUR_OK. window is the tokens of this process's share of a window,
 * window_all those of the whole window over every rank (the rows collected).
 * RECUR_E_NOMEM when out of memory. */
recur_status sparse_rows_init(sparse_rows *sr, const recur_model *m, const recur_train_config *tc, size_t window,
                              size_t window_all, recur_error *err);
void sparse_rows_free(sparse_rows *sr);
/* Records the rows of the window's n input ids. */
void sparse_rows_collect(sparse_rows *sr, const int32_t *ids, size_t n);
/* The gradient's sum of squares over everything but the untouched rows. */
double sparse_rows_sum_squares(const sparse_rows *sr, const float *grads, size_t n_params);
/* optim_step over the same ranges (optim_begin included). */
void sparse_rows_step(const sparse_rows *sr, optim_state *o, const recur_train_config *tc, float lr, float *params,
                      float *grads, float g_scale);

#endif
