/* One training update from an accumulated gradient, the same for every
 * trainer (the language model's and the tasks'): the course's penalties,
 * the global norm, clipping, the non-finite policy and the optimizer step.
 * Internal to the library. */
#ifndef RECUR_TRAIN_UPDATE_H
#define RECUR_TRAIN_UPDATE_H

#include "model/model_internal.h"
#include "train/optim.h"
#include "train/sparse_rows.h"

typedef struct train_update {
    double penalty;   /* l2/2 |W|^2 + l1 |W|_1 over the weight matrices (its gradient was added) */
    double grad_norm; /* global norm before clipping, penalties included; NaN when not finite */
    int clipped;      /* the gradient was scaled down to tc->clip */
    int skipped;      /* the gradient was not finite: no update, grads cleared */
} train_update;

/* Adds the penalties' gradient to grads, measures the global norm (over the
 * rows sparse says were touched, when sparse is set up), clips it to
 * tc->clip and applies the optimizer at lr. A non-finite norm skips the
 * update. Either way grads is left all zero for the next step. */
void train_update_apply(const recur_model *m, const recur_train_config *tc, optim_state *opt,
                        const sparse_rows *sparse, float lr, float *grads, train_update *out);

/* The learning rate of a 1-based epoch under tc's schedule (before the
 * plateau factor, which recur_trainer_lr applies). */
double train_lr_for_epoch(const recur_train_config *tc, int epoch);

/* The learning rate of the step that follows `step` steps in epoch `epoch`:
 * the epoch's rate, times the warm-up ramp over tc->warmup_steps and, for
 * the cosine and linear schedules, their fall over progress (the share of
 * the run done, clamped to [0, 1]). */
double train_lr_at(const recur_train_config *tc, int epoch, int64_t step, double progress);

/* The share of the run done after `step` steps: step / tc->decay_steps,
 * or told (a caller's count, such as wall time) if that is further. */
double train_progress(const recur_train_config *tc, int64_t step, double told);

/* A step whose loss was not finite: nothing to apply; clears grads. */
void train_update_skip(const recur_model *m, float *grads, train_update *out);

#endif
