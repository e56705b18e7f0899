/* The non-recurrent layers: embedding lookup (and summed bags of ids),
 * linear decoder, fused softmax cross-entropy and inverted dropout. Rows are
 * time-major [T*B] throughout. */
#ifndef RECUR_NN_LAYERS_H
#define RECUR_NN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

/* out[r] = table[ids[r]] for n rows of width E. */
void embedding_forward(const float *table, int E, const int32_t *ids, size_t n, float *out);
/* dtable[ids[r]] += dout[r]. */
void embedding_backward(float *dtable, int E, const int32_t *ids, size_t n, const float *dout);
/* The same with rows of out / dout ld >= E floats apart (more columns follow). */
void embedding_forward_ld(const float *table, int E, const int32_t *ids, size_t n, float *out, size_t ld);
void embedding_backward_ld(float *dtable, int E, const int32_t *ids, size_t n, const float *dout, size_t ld);
/* A bag of K ids per row (ids [n][K], -1 an empty slot; ids NULL: all empty):
 * out[r] = sum of table[ids[r][k]], rows of width F ld floats apart; and its
 * backward, dtable[ids[r][k]] += dout[r]. */
void embedding_bag_forward(const float *table, int F, const int32_t *ids, int K, size_t n, float *out, size_t ld);
void embedding_bag_backward(float *dtable, int F, const int32_t *ids, int K, size_t n, const float *dout, size_t ld);

/* y [n][O] = x [n][I] W^T + b, W [O][I] (PyTorch's nn.Linear layout). */
void linear_forward(const float *w, const float *b, int I, int O, const float *x, size_t n, float *y);
/* dW += dy^T x, db += column sums of dy, dx = dy W (dx may be NULL). */
void linear_backward(const float *w, float *dw, float *db, int I, int O, const float *x, size_t n,
                     const float *dy, float *dx);

/* For each of n rows of V logits: loss -= log softmax(row)[target]. Returns
 * the summed loss in double. When grad_scale != 0 the row is overwritten with
 * grad_scale * (softmax(row) - onehot(target)), the gradient of
 * grad_scale * loss. */
double softmax_xent(float *logits, int V, const int32_t *targets, size_t n, float grad_scale);

/* Inverted dropout: mask[k] = 0 with probability p, else 1 / (1 - p);
 * y = x * mask. Drawn from rng in index order, so a seed fixes the masks. */
void dropout_mask(float *mask, size_t n, float p, recur_rng *rng);

/* The language model's dropout draws each stream's masks from that stream
 * alone: row (t, b) of a [T][B] window takes its units from a generator
 * keyed by the window, the site (which layer's input), the stream's global
 * index first + b and t. A stream's masks are then the same whichever
 * batch, process or rank runs it, which data-parallel training needs. */
typedef struct dropout_streams {
    uint64_t key; /* the run's seed and the window's number (dropout_window_key) */
    int first;    /* global index of the window's first stream */
    /* Variational ("locked") dropout (Gal and Ghahramani 2016): each stream
     * keeps one mask per site for the whole window instead of a new one
     * every step. */
    int locked;
    /* Word dropout on the embedding (site 0; Gal and Ghahramani 2016, as
     * AWD-LSTM's embedding dropout): every occurrence of a dropped token id
     * in the window loses its whole embedding, the others are scaled by
     * 1/(1-word_p). ids [T][B] are the window's inputs. */
    float word_p;
    const int32_t *ids;
} dropout_streams;

uint64_t dropout_window_key(uint64_t seed, int64_t window);
/* mask [T][B][width] for one site. */
void dropout_mask_streams(float *mask, int T, int B, size_t width, float p, const dropout_streams *ds, int site);
/* DropConnect (Wan et al. 2013; AWD-LSTM's weight drop on W_hh): mask [n]
 * of 0 and 1/(1-p), drawn from (key, site), one per window for every
 * stream and step. */
void dropout_mask_weights(float *mask, size_t n, float p, uint64_t key, int site);
void dropout_apply(float *y, const float *x, const float *mask, size_t n);

#endif
