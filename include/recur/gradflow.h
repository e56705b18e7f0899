/* Gradient flow through time: how strongly the loss at step t still depends
 * on the hidden state k steps earlier, |dL_t/dh_{t-k}|, per layer. The
 * vanishing and exploding gradients of Bengio et al. 1994 and Pascanu et al.
 * 2013, measured on a real model and a real text. */
#ifndef RECUR_GRADFLOW_H
#define RECUR_GRADFLOW_H

#include "recur/api.h"

#include <stddef.h>
#include <stdint.h>

#include "recur/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct recur_gradflow_options {
    int max_lag;     /* K: lags 0..K are measured (1..4096) */
    int positions;   /* windows measured at once, at random places in the text */
    int warmup;      /* steps run before each window (no gradient) so the state is typical */
    uint64_t seed;   /* where the windows start */
} recur_gradflow_options;

/* max_lag 100, positions 64, warmup 50, seed 1. */
RECUR_API void recur_gradflow_options_default(recur_gradflow_options *opt);

typedef struct recur_gradflow_result {
    int layers, max_lag, positions;
    /* [layers][max_lag + 1]: the mean over positions of |dL_t/dh^l_{t-k}|
     * (Euclidean norm over the H units of layer l), where L_t is the
     * cross-entropy of the window's last prediction only. */
    double *norm;
    /* [layers][max_lag + 1]: norm / norm at lag 0 of the same layer, so a
     * curve starts at 1 and its slope on a log axis is the decay per step. */
    double *relative;
    /* [layers]: the largest singular value of the layer's whole W_hh
     * ([G*H][H]; G = 1 for an RNN, 4 for an LSTM, 3 for a GRU). */
    double *sigma_whh;
    double loss;     /* mean cross-entropy (nats) of the measured predictions */
    int nonfinite;   /* positions whose gradient was NaN or infinite (left out of the means) */
} recur_gradflow_result;

/* Measures the gradient flow of m over ids (count tokens; at least
 * warmup + max_lag + 2). Each of the positions windows runs warmup steps
 * without gradient, then max_lag + 1 steps; only the last step's loss is
 * backpropagated, through every layer. No dropout. */
RECUR_API recur_status recur_gradflow_measure(const recur_model *m, const int32_t *ids, size_t count,
                                              const recur_gradflow_options *opt, recur_gradflow_result *out,
                                              recur_error *err);
RECUR_API void recur_gradflow_result_free(recur_gradflow_result *r);

/* The largest singular value of a row-major rows x cols matrix (row stride
 * cols), by power iteration on W^T W in double precision (to a relative
 * change under 1e-12, at most 2000 iterations). 0 for a zero or empty
 * matrix; NaN if its work vectors cannot be allocated. */
RECUR_API double recur_largest_singular_value(const float *w, int rows, int cols);

/* The largest singular value of layer's W_hh: gate < 0 the whole [G*H][H]
 * matrix, else gate block g alone (rows g*H .. (g+1)*H; LSTM i,f,g,o; GRU
 * r,z,n). A bad layer or gate is RECUR_E_ARG. */
RECUR_API recur_status recur_model_whh_sigma(const recur_model *m, int layer, int gate, double *sigma,
                                             recur_error *err);

#ifdef __cplusplus
}
#endif
#endif
