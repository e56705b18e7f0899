/* DropConnect on the recurrent weights (Wan et al. 2013), as AWD-LSTM's
 * weight drop (Merity et al. 2018): for each window, every layer's W_hh is
 * multiplied by a mask of 0 and 1/(1-p) shared by all streams and steps, so
 * the regulariser reaches the recurrent connections without touching the
 * recurrent kernels. The trainer masks the weights in place before forward,
 * and after backward masks their gradient (dL/dW = dL/dW' * mask) and puts
 * the weights back before the update. */
#ifndef RECUR_TRAIN_WEIGHT_DROP_H
#define RECUR_TRAIN_WEIGHT_DROP_H

#include <stdint.h>

#include "model/model_internal.h"

typedef struct weight_drop {
    float p;             /* 0: off */
    size_t n;            /* floats of every W_hh together */
    float *saved, *mask; /* [n]: the weights as they were, and this window's mask */
    int masked;          /* the model holds masked weights now */
} weight_drop;

recur_status weight_drop_init(weight_drop *wd, const recur_model *m, float p, recur_error *err);
void weight_drop_free(weight_drop *wd);
/* Masks every W_hh of m for the window with this key (the same on every rank). */
void weight_drop_apply(weight_drop *wd, recur_model *m, uint64_t key);
/* Puts the weights back (a cancelled or skipped step). */
void weight_drop_restore(weight_drop *wd, recur_model *m);
/* The gradient of the unmasked weights from that of the masked ones, and the weights back. */
void weight_drop_backward(weight_drop *wd, recur_model *m, float *grads);

#endif
