/* Normalisation kernels: layer normalisation (Ba, Kiros and Hinton 2016,
 * "Layer Normalization": statistics over the d features of one row) and
 * batch normalisation (Ioffe and Szegedy 2015: statistics of each feature
 * over the n rows of a batch; for recurrent layers one batch is one time
 * step, Cooijmans et al. 2017, "Recurrent Batch Normalization").
 *
 * Both give y = gain * xhat + bias with xhat = (x - mean) / sqrt(var + eps),
 * var the biased (population) variance, and keep xhat and 1 / sqrt(var + eps)
 * for backward. Rows are contiguous, n rows of d floats. Every function may
 * work in place (y == x, dx == dy): each reads its inputs before it writes. */
#ifndef RECUR_NN_NORM_H
#define RECUR_NN_NORM_H

#include <stddef.h>

#define NORM_EPS 1e-5f

/* bias may be NULL (no shift). rstd [n]. */
void layer_norm_forward(const float *x, size_t n, int d, const float *gain, const float *bias, float *xhat,
                        float *rstd, float *y);
/* dx = dL/dx from dy = dL/dy; adds dL/dgain into dgain and dL/dbias into
 * dbias (dbias may be NULL). */
void layer_norm_backward(const float *xhat, const float *rstd, size_t n, int d, const float *gain, const float *dy,
                         float *dgain, float *dbias, float *dx);

/* Training: the batch's own statistics. rstd, mean and var [d] receive
 * 1 / sqrt(var + eps), the batch mean and its biased variance (the last two
 * for the running averages). */
void batch_norm_forward(const float *x, size_t n, int d, const float *gain, const float *bias, float *xhat,
                        float *rstd, float *mean, float *var, float *y);
/* Evaluation: fixed statistics (the running averages), so each row is
 * normalised on its own. xhat may be NULL (nothing kept for backward). */
void batch_norm_forward_fixed(const float *x, size_t n, int d, const float *gain, const float *bias,
                              const float *mean, const float *var, float *xhat, float *rstd, float *y);
/* Backward of either: with fixed statistics the mean and variance are
 * constants, else they depend on every row. scratch: 2 * d floats. */
void batch_norm_backward(const float *xhat, const float *rstd, size_t n, int d, const float *gain, const float *dy,
                         int fixed, float *dgain, float *dbias, float *dx, float *scratch);

/* Running averages as PyTorch keeps them: r = (1 - momentum) r + momentum b,
 * with the batch variance unbiased by n / (n - 1) (left biased when n = 1). */
void batch_norm_update_running(float *run_mean, float *run_var, const float *mean, const float *var, size_t n,
                               int d, float momentum);

#endif
