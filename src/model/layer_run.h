/* One recurrent layer (or direction) of a model over a window, plain
 * (nn/recurrent.h) or normalised (nn/recurrent_norm.h) as the model's
 * configuration says: what every network of src/model runs for a layer, so
 * that each path gets the normalisation from one place. Internal to
 * src/model. */
#ifndef RECUR_MODEL_LAYER_RUN_H
#define RECUR_MODEL_LAYER_RUN_H

#include "model/workspace.h"

/* The normalisation buffers of one layer of shape s (nothing without). */
void carve_layer_norm_cache(carver *c, const recur_model *m, const rnn_shape *s, rnn_norm_cache *nc);
/* Floats of backward scratch for shape s, whichever form the layer takes. */
size_t layer_backward_scratch(const recur_model *m, const rnn_shape *s);

/* Forward of entry l (layer * dirs + direction) over x, as rnn_forward, or
 * when tok is not NULL (layer 0 of a language model) over its embedding
 * rows through the projected token table. In training (training != 0) a
 * batch norm normalises by each step's batch and updates the running
 * averages; otherwise it uses them. t0: the index of the window's first
 * step in its sequence (0 for a window of its own). */
void layer_forward(const recur_model *m, int l, const rnn_shape *s, const float *x, const rnn_tokens *tok,
                   rnn_cache *k, rnn_norm_cache *nc, int training, int t0);
/* Backward of the last layer_forward of entry l, as rnn_backward, adding
 * every gradient into grads (laid out like m->params). */
void layer_backward(const recur_model *m, int l, const rnn_shape *s, float *grads, const float *x,
                    const rnn_cache *k, const rnn_norm_cache *nc, float *dh, float *dx, float *scratch, float *dh0,
                    float *dc0);
/* layer_backward after a layer_forward through the token table: the
 * embedding's gradient is added into d_emb. */
void layer_backward_tokens(const recur_model *m, int l, const rnn_shape *s, float *grads, const rnn_tokens *tok,
                           const rnn_cache *k, const rnn_norm_cache *nc, float *dh, float *d_emb, float *scratch);

#endif
