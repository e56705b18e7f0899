/* Normalised recurrent layers: the vanilla RNN, LSTM and GRU of recurrent.h
 * with the input-to-hidden and hidden-to-hidden pre-activations normalised
 * separately, and the LSTM's cell before its output tanh (Cooijmans et al.
 * 2017, "Recurrent Batch Normalization", eq. 6-8; Ba et al. 2016, "Layer
 * Normalization", section 3.1):
 *
 *   pre = N(W_ih x; gain_ih) + N(W_hh h; gain_hh) + b_ih + b_hh
 *   LSTM: c = f * c_prev + i * g,  h = o * tanh(N(c; gain_c, bias_c))
 *   GRU:  n = tanh(N(W_in x) + b_in + r * (N(W_hn h) + b_hn))
 *
 * The two pre-activation norms have a gain and no shift of their own: b_ih
 * and b_hh are their shift, as in the paper (which fixes those betas at 0).
 * N is batch normalisation (statistics of each feature over the B streams of
 * one time step, running averages per step for evaluation) or layer
 * normalisation (statistics over the G*H pre-activations, or the H cell
 * units, of one stream; the same in training and evaluation).
 *
 * Batch statistics couple the streams, so the step loop runs over all of
 * them at once; within a step the products use every thread, the norms and
 * cells one (on a region of their own each, threads that sleep between
 * regions cost more to wake than these loops take: measured 1.39x slower
 * with GOMP_SPINCOUNT=0). LSTM peepholes are not combined with
 * normalisation. */
#ifndef RECUR_NN_RECURRENT_NORM_H
#define RECUR_NN_RECURRENT_NORM_H

#include "nn/recurrent.h"

/* The paper's initial gain for batch normalisation, small enough to keep
 * the sigmoids and tanh out of saturation; layer normalisation starts at 1. */
#define RNN_BATCH_NORM_GAIN 0.1f
#define RNN_NORM_MOMENTUM 0.1f

/* A layer's normalisation parameters, and how one call uses them. */
typedef struct rnn_norm {
    recur_norm kind;              /* RECUR_NORM_BATCH or RECUR_NORM_LAYER */
    const float *gain_ih, *gain_hh; /* [G*H] */
    const float *gain_c, *bias_c;   /* LSTM only: [H] */
    /* Batch normalisation's running averages, [steps][width] per site
     * (width G*H, or H for the cell): step k of a sequence uses row k, and
     * steps at or beyond `steps` use the last row. */
    int steps;
    float *mean_ih, *var_ih, *mean_hh, *var_hh, *mean_c, *var_c;
    int t0;         /* index of this window's first step in its sequence */
    int fixed;      /* batch norm: normalise by the running averages (evaluation) */
    float momentum; /* batch norm in training: weight of this batch in the
                       running averages; 0 leaves them as they are */
} rnn_norm;

typedef struct rnn_norm_grads {
    float *gain_ih, *gain_hh, *gain_c, *bias_c; /* accumulated into (+=) */
} rnn_norm_grads;

/* What forward keeps for backward besides rnn_cache: the normalised values
 * and 1 / sqrt(var + eps) of each site. */
typedef struct rnn_norm_cache {
    float *xhat_ih, *xhat_hh, *xhat_c; /* T*B*G*H, T*B*G*H, T*B*H (LSTM) */
    float *rstd_ih, *rstd_hh, *rstd_c; /* T * max(B, width) */
    float *stats;                      /* 2*G*H: one step's batch mean and variance */
    int fixed;                         /* the last forward used fixed statistics */
} rnn_norm_cache;

/* Floats for an rnn_norm_cache of shape s, and its layout from one block. */
size_t rnn_norm_cache_size(const rnn_shape *s);
void rnn_norm_cache_lay_out(rnn_norm_cache *nc, const rnn_shape *s, float *block);

/* Floats of scratch rnn_norm_backward needs. */
size_t rnn_norm_backward_scratch(const rnn_shape *s);

/* The running averages' row for a step of the sequence (t0 + t in a window). */
int rnn_norm_running_row(const rnn_norm *nm, int step);

/* As rnn_forward: x [T][B][I], cache->hs[0] (and cs[0]) hold the initial
 * state, outputs land in cache->hs + B*H. In training (nm->fixed == 0) a
 * batch norm updates the running averages of steps t0 .. t0 + T - 1. */
void rnn_norm_forward(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, const float *x,
                      rnn_cache *cache, rnn_norm_cache *nc);

/* rnn_norm_forward after its input product: cache->gates holds x W_ih^T
 * (T*B rows, no biases), as the token table gives it too. */
void rnn_norm_forward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, rnn_cache *cache,
                            rnn_norm_cache *nc);

/* As rnn_backward, adding the norms' gradients into ng as well. */
void rnn_norm_backward(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, rnn_grads *g,
                       rnn_norm_grads *ng, const float *x, const rnn_cache *cache, const rnn_norm_cache *nc,
                       float *dh, float *dx, float *scratch, float *dh0, float *dc0);
/* rnn_norm_backward without the input side's two products: every gradient
 * but dW_ih and dx, and the gradient of x W_ih^T for each of the T*B rows
 * (inside scratch), from which the caller finds those two. */
const float *rnn_norm_backward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, rnn_grads *g,
                                     rnn_norm_grads *ng, const rnn_cache *cache, const rnn_norm_cache *nc,
                                     float *dh, float *scratch, float *dh0, float *dc0);

/* Floats of work rnn_norm_step needs for s->B streams. */
size_t rnn_norm_step_work(const rnn_shape *s);

/* One step t (the step's index in its sequence) for generation, with the
 * running averages for a batch norm whatever nm->fixed says: pre holds
 * x W_ih^T WITHOUT the biases (G*H per stream) and is scratch; work has
 * rnn_norm_step_work(s) floats; h and c (LSTM) are updated in place. */
void rnn_norm_step(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, int t, float *pre, float *work,
                   float *h, float *c);

/* The same once the hidden side is projected too, for a caller with its own
 * products (the sampler's packed rows): hh holds h W_hh^T without the
 * biases (G*H per stream) and is scratch like pre; work has
 * rnn_norm_step_cells_work(s) floats. */
size_t rnn_norm_step_cells_work(const rnn_shape *s);
void rnn_norm_step_cells(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, int t, float *pre, float *hh,
                         float *work, float *h, float *c);

#endif
