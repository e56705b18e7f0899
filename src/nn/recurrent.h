/* The recurrent layers: vanilla RNN (tanh or ReLU), LSTM (optional
 * peepholes) and GRU, each a forward/backward pair over a whole sequence.
 *
 * Layout is time-major throughout: a sequence of T steps for B streams is a
 * [T][B][features] array. Parameters follow PyTorch's nn.RNN/nn.LSTM/nn.GRU:
 * w_ih [G*H][I], w_hh [G*H][H], b_ih [G*H], b_hh [G*H], where G is the number
 * of gates (RNN 1, LSTM 4 in order i,f,g,o, GRU 3 in order r,z,n).
 *
 * Every layer computes the input projection of all T steps with ONE matrix
 * product, so only h_{t-1} W_hh^T remains per step, and in backward keeps all
 * gate gradients to form dW_ih, dW_hh and dX with one matrix product each. */
#ifndef RECUR_NN_RECURRENT_H
#define RECUR_NN_RECURRENT_H

#include <stddef.h>
#include <stdint.h>

#include "recur/model.h"

typedef struct rnn_shape {
    int T, B;       /* steps and streams of this call (at most the workspace's) */
    int I, H;       /* input and hidden features */
    recur_cell cell;
    int peephole;   /* LSTM only */
} rnn_shape;

/* Gates per cell: RNN 1, LSTM 4, GRU 3. */
int rnn_gate_count(recur_cell cell);

typedef struct rnn_weights {
    const float *w_ih, *w_hh, *b_ih, *b_hh;
    const float *w_peep;  /* LSTM peepholes: [3][H] = w_ci, w_cf, w_co; NULL without */
} rnn_weights;

typedef struct rnn_grads {
    float *w_ih, *w_hh, *b_ih, *b_hh, *w_peep;  /* accumulated into (+=) */
} rnn_grads;

/* What forward keeps for backward. Sizes for the workspace's T and B:
 *   hs    (T+1)*B*H   hs[0] = initial h, hs[t+1] = output at step t
 *   cs    (T+1)*B*H   LSTM cell states, cs[0] = initial c (NULL otherwise)
 *   gates T*B*G*H     pre-activations, then the activated gates
 *   aux   T*B*H       LSTM tanh(c_t); GRU (W_hn h + b_hn); unused for RNN */
typedef struct rnn_cache {
    float *hs, *cs, *gates, *aux;
    float *step;    /* B*G*H scratch for one step (GRU) */
    float *packed;  /* rnn_packed_size(s) floats for W_hh packed once per call
                       (core/gemm_packed.h); NULL: plain matrix products */
} rnn_cache;

/* Floats for rnn_cache.packed: W_hh^T for forward, W_hh for backward. */
size_t rnn_packed_size(const rnn_shape *s);
/* Whether packing W_hh pays for this shape. Measured on an AVX-512 Xeon
 * against OpenBLAS: 8% faster training for a 2x128 LSTM, 12% slower for a
 * 2x512 one, whose larger products OpenBLAS's own kernel runs better. */
int rnn_packing_pays(const rnn_shape *s);

/* Floats of scratch backward needs: T*B*G*H (gate gradients) plus, for the
 * GRU, another T*B*G*H (hidden-side gate gradients) and 2*B*H. */
size_t rnn_backward_scratch(const rnn_shape *s);

/* Runs the layer over x [T][B][I]; cache->hs[0] (and cs[0]) must hold the
 * initial state. Outputs land in cache->hs + B*H ([T][B][H]). */
void rnn_forward(const rnn_shape *s, const rnn_weights *w, const float *x, rnn_cache *cache);

/* Backpropagates through the window. dh [T][B][H] holds dL/dh_t from above on
 * entry and is used as scratch (the gradient stops at the window's start, as
 * truncated BPTT does). Adds parameter gradients into g; writes dL/dx into dx
 * [T][B][I] unless dx is NULL. scratch has rnn_backward_scratch(s) floats.
 * dh0 (B*H, may be NULL) receives dL/dh_0 and dc0 (LSTM, may be NULL) dL/dc_0,
 * for tools that follow the gradient past the window. */
void rnn_backward(const rnn_shape *s, const rnn_weights *w, rnn_grads *g, const float *x,
                  const rnn_cache *cache, float *dh, float *dx, float *scratch, float *dh0, float *dc0);

/* Layer 0 of a language model reads embedding rows, x_r = emb[ids[r]]. When
 * the vocabulary is smaller than the window, x W_ih^T is better found in a
 * V x G*H table, emb W_ih^T, computed once per window: a lookup per row then
 * replaces the window's input product, and backward sums the gate gradients
 * of each token into a V x G*H table first, so dW_ih and the embedding
 * gradient come from V rows instead of T*B. Same sums, another order. */
typedef struct rnn_tokens {
    const float *emb;     /* [V][I] embedding table */
    const int32_t *ids;   /* [T][B] token of each row */
    int V;
    float *table;         /* rnn_tokens_scratch floats: the projected table, then its gradient */
} rnn_tokens;

/* Whether the table beats the dense input product for this window. */
int rnn_tokens_pay(const rnn_shape *s, int V);
size_t rnn_tokens_scratch(const rnn_shape *s, int V);

/* The input side through the table: gates [T*B][G*H] = emb[ids] W_ih^T,
 * plus the biases when with_bias (the normalised layers add them after
 * their norm). Uses tok->table. */
void rnn_tokens_gates(const rnn_shape *s, const rnn_weights *w, const rnn_tokens *tok, int with_bias, float *gates);
/* Its backward from dgx, the gradient of every row's gates: adds dW_ih,
 * b_ih's gradient when with_bias, and the embedding's gradient into d_emb
 * ([V][I]). Uses tok->table. */
void rnn_tokens_input_backward(const rnn_shape *s, const rnn_weights *w, rnn_grads *g, const rnn_tokens *tok,
                               const float *dgx, int with_bias, float *d_emb);
/* rnn_forward for x = tok->emb[tok->ids]. */
void rnn_forward_tokens(const rnn_shape *s, const rnn_weights *w, const rnn_tokens *tok, rnn_cache *cache);
/* rnn_backward for x = tok->emb[tok->ids]; adds the embedding's gradient
 * into d_emb ([V][I]) instead of writing dx. */
void rnn_backward_tokens(const rnn_shape *s, const rnn_weights *w, rnn_grads *g, const rnn_tokens *tok,
                         const rnn_cache *cache, float *dh, float *d_emb, float *scratch);

#endif
