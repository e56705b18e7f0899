/* Optimizers over the whole parameter block: one loop each. */
#ifndef RECUR_TRAIN_OPTIM_H
#define RECUR_TRAIN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "recur/train.h"

typedef struct optim_state {
    recur_optimizer kind;
    size_t n;
    float *m;       /* momentum buffer (SGD), first moment (Adam); NULL when unused */
    float *v;       /* second moment (Adam, RMSprop); NULL when unused */
    int64_t t;      /* updates made (Adam's bias correction) */
} optim_state;

recur_status optim_init(optim_state *o, const recur_train_config *tc, size_t n, recur_error *err);
void optim_free(optim_state *o);
/* params -= update(g_scale * grads) at learning rate lr (g_scale: 1, or the
 * factor that clips the gradient's norm). Leaves grads all zero, ready to
 * accumulate the next step's. */
void optim_step(optim_state *o, const recur_train_config *tc, float lr, float *params, float *grads, float g_scale);
/* The same step in parts: optim_begin once, then optim_apply over ranges
 * [from, from + n) of the block that cover every nonzero gradient. Only for
 * plain SGD may ranges be left out (their parameters stay as they are);
 * the other rules move parameters whose gradient is zero. */
void optim_begin(optim_state *o);
void optim_apply(optim_state *o, const recur_train_config *tc, float lr, float *params, float *grads, float g_scale,
                 size_t from, size_t n);

/* Sum of squares of a block, in double. */
double block_sum_squares(const float *g, size_t n);

#endif
