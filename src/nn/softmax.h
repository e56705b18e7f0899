/* Softmax over one row of logits: the step that the fused softmax
 * cross-entropy (nn/softmax_xent.c), the ensembles' log-probabilities
 * (model/ensemble.c) and the task models' probabilities share. */
#ifndef RECUR_NN_SOFTMAX_H
#define RECUR_NN_SOFTMAX_H

#include <stdint.h>

/* -log softmax(z)[target] for one row of V logits. Overwrites z with
 * exp(z - max z) and leaves their sum in *sum, from which the caller can
 * finish the softmax itself. */
double softmax_row_xent(float *z, int V, int32_t target, double *sum);

/* p = softmax(z) over V logits, computed in double. */
void softmax_probs(const float *z, int V, float *p);

#endif
