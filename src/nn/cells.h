/* The per-step parts of each recurrent cell, shared by recurrent.c (whole
 * sequences), generation (one step) and the sampler (a range of units).
 * Internal to src/nn and src/sample. */
#ifndef RECUR_NN_CELLS_H
#define RECUR_NN_CELLS_H

#include "nn/recurrent.h"

/* The streams are independent through the whole recurrence, so the step
 * loop of a window is cut into tasks, a range of streams [b0, b1) over a
 * range of steps [t0, t1), that threads take in turn (step_tasks.h); a
 * task needs only the one before it on the same streams. */

/* C (m x n) += A (m x k) x W, where W is W_hh^T in forward and W_hh in
 * backward: through the packed copy when the cache has one, else a plain
 * product with the stored W_hh (trans: W is its transpose). */
void rnn_hidden_product(const rnn_cache *c, int trans, int m, int n, int k, const float *a, int lda,
                        const float *w_hh, float *out, int ldc);

/* The step loops of a whole window, each thread on its share of the
 * streams. Forward starts once cache->gates holds the input projection with
 * the biases. Backward fills the input-side gate gradients, which it
 * returns (scratch as for rnn_backward), and adds the hidden-side
 * parameter gradients (dW_hh, b_hh, peepholes) into g; the input side is
 * the caller's. */
void rnn_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *cache);
float *rnn_backward_steps(const rnn_shape *s, const rnn_weights *w, rnn_grads *g, const rnn_cache *cache,
                          float *dh, float *scratch, float *dh0, float *dc0);

/* Sets each of `rows` rows of gates to the biases of the input side (b_ih,
 * plus b_hh where the cell adds it outside the gates). */
void rnn_fill_bias_rows(const rnn_shape *s, const rnn_weights *w, float *gates, size_t rows);
/* dst[j] += sum over rows of m[r][j], in one order whatever the thread count. */
void rnn_add_column_sums(float *dst, const float *m, size_t rows, int cols);

/* Forward over steps [t0, t1) of streams [b0, b1); the input projection
 * (with biases) is already in cache->gates, and the state of step t0 in the
 * cache. */
void elman_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *c, int b0, int b1, int t0, int t1);
void lstm_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *c, int b0, int b1, int t0, int t1);
void gru_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *c, int b0, int b1, int t0, int t1);

/* Backward over steps [t0, t1) of streams [b0, b1), latest first, after
 * the steps from t1 on: fills dgx (gradients of the input-side
 * pre-activations, T*B*G*H) and dgh (hidden-side; the same array as dgx
 * except for the GRU) and propagates dh. dh0 / dc0 (may be NULL) receive the
 * gradient at the initial state. The LSTM's dc_scratch (B*H) carries dL/dc
 * from one range of steps to the one before. */
void elman_backward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_cache *c, float *dh,
                          float *dgx, float *dh0, int b0, int b1, int t0, int t1);
void lstm_backward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_cache *c, float *dh,
                         float *dgx, float *dc_scratch, float *dh0, float *dc0, int b0, int b1, int t0, int t1);
void gru_backward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_cache *c, float *dh,
                        float *dgx, float *dgh, float *dh0, int b0, int b1, int t0, int t1);
/* Peephole weight gradients from the gate gradients and cell states. */
void lstm_peephole_grads(const rnn_shape *s, const rnn_cache *c, const float *dgx, float *g_peep);

/* One cell update for one stream from its full pre-activations g (G*H,
 * input and hidden sides summed; the GRU takes them apart as gx and gh). */
void elman_cell(int H, recur_cell cell, const float *g, float *h);
/* The LSTM's over n units whose gates (i, f, g, o) and peephole weights lie
 * stride apart (stride H for a whole stream; the sampler updates a thread's
 * range of units). c may be c_prev; tanh_c may be the g gate's slot. */
void lstm_cell(int n, size_t stride, float *g, const float *w_peep, const float *c_prev, float *c, float *tanh_c,
               float *h);
/* The GRU's over n units whose gates (r, z, n) lie stride apart in gx and
 * gh (stride H for a whole stream); see gru.c. */
void gru_cell(int n, size_t stride, float *gx, const float *gh, const float *b_hn, const float *h_prev, float *ghn,
              float *h);

#endif
