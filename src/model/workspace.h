/* Laying out a network's activations (model/network.c): the buffers go in
 * one arena, laid out by one function run twice: once to count, once to
 * slice. Internal to src/model. */
#ifndef RECUR_MODEL_WORKSPACE_H
#define RECUR_MODEL_WORKSPACE_H

#include <stddef.h>

#include "core/rng.h"
#include "nn/layers.h"
#include "model/model_internal.h"

/* Slices the arena; with base == NULL it only counts, so one function both
 * sizes and lays out the workspace. */
typedef struct carver {
    float *base;
    size_t used;
} carver;

/* n floats, 64-byte aligned (NULL while counting). */
float *carve(carver *c, size_t n);

/* The forward buffers of one recurrent layer (or direction) of shape s:
 * states, gates and step scratch. Its packed weights are the caller's. */
void carve_rnn_cache(carver *c, rnn_cache *k, const rnn_shape *s);

/* Lays the workspace out over one arena: a counting pass of lay_out sizes
 * it, a second lays it out in it. Returns the arena (free() it), or NULL
 * when it would take more than max_floats floats or cannot be allocated;
 * *floats receives its size either way, for the caller's message. */
typedef void (*workspace_lay_out_fn)(const recur_model *m, void *ws, carver *c);
float *workspace_arena(const recur_model *m, void *ws, workspace_lay_out_fn lay_out, size_t max_floats,
                       size_t *floats);

/* What each layer of a network read, kept for the backward pass: its input
 * after dropout (in[layers]: the head's input), and the dropout's copies and
 * masks (NULL where there is no dropout). */
typedef struct layer_inputs {
    const float **in;
    float **dropped, **mask;
} layer_inputs;

/* Allocates the per-layer arrays of a network of `layers` layers and a head
 * (all NULL). Returns non-zero when out of memory (then free it). */
int layer_inputs_init(layer_inputs *li, int layers);
void layer_inputs_free(layer_inputs *li);

/* Carves the dropout copies and masks, `rows` rows wide width0 for layer 0
 * and width above it; nothing without dropout. */
void layer_inputs_carve(layer_inputs *li, carver *c, int layers, size_t rows, size_t width0, size_t width,
                        int dropout);

/* Layer l (the head at l == layers) reads src, n floats: after dropout with
 * rate p when rng != NULL (training) and the layer has dropout buffers.
 * Records and returns what it reads. */
const float *layer_inputs_feed(layer_inputs *li, int l, const float *src, size_t n, float p, recur_rng *rng);
/* The same for a [T][B][width] window whose masks are drawn per stream
 * (drop != NULL: training; see dropout_streams). */
const float *layer_inputs_feed_streams(layer_inputs *li, int l, const float *src, int T, int B, size_t width, float p,
                                       const dropout_streams *drop);

/* Takes d, the gradient of what layer l read (n floats), back through its
 * dropout, in place. */
void layer_inputs_backward(const layer_inputs *li, int l, float *d, size_t n);

#endif
