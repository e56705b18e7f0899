#include "model/workspace.h"

#include <stdlib.h>

#include "nn/layers.h"

float *carve(carver *c, size_t n)
{
    float *p = c->base ? c->base + c->used : NULL;
    c->used += (n + 15) & ~(size_t)15; /* keep every slice 64-byte aligned */
    return p;
}

void carve_rnn_cache(carver *c, rnn_cache *k, const rnn_shape *s)
{
    const size_t TB = (size_t)s->T * (size_t)s->B, BH = (size_t)s->B * (size_t)s->H, H = (size_t)s->H;
    const size_t G = (size_t)rnn_gate_count(s->cell);
    k->hs = carve(c, BH * ((size_t)s->T + 1));
    k->cs = s->cell == RECUR_CELL_LSTM ? carve(c, BH * ((size_t)s->T + 1)) : NULL;
    k->gates = carve(c, TB * G * H);
    k->aux = carve(c, TB * H);
    k->step = carve(c, (size_t)s->B * G * H);
}

float *workspace_arena(const recur_model *m, void *ws, workspace_lay_out_fn lay_out, size_t max_floats,
                       size_t *floats)
{
    carver c = {NULL, 0};
    lay_out(m, ws, &c);
    *floats = c.used;
    /* T*B and the layer sizes are bounded by the callers' checks; this guards
     * the arena's byte size itself. */
    if (c.used > max_floats)
        return NULL;
    c.base = aligned_alloc(64, c.used * sizeof(float));
    if (!c.base)
        return NULL;
    c.used = 0;
    lay_out(m, ws, &c);
    return c.base;
}

int layer_inputs_init(layer_inputs *li, int layers)
{
    li->in = calloc((size_t)layers + 1, sizeof *li->in);
    li->dropped = calloc((size_t)layers + 1, sizeof *li->dropped);
    li->mask = calloc((size_t)layers + 1, sizeof *li->mask);
    return !li->in || !li->dropped || !li->mask;
}

void layer_inputs_free(layer_inputs *li)
{
    free((void *)li->in);
    free(li->dropped);
    free(li->mask);
    li->in = NULL;
    li->dropped = li->mask = NULL;
}

void layer_inputs_carve(layer_inputs *li, carver *c, int layers, size_t rows, size_t width0, size_t width,
                        int dropout)
{
    for (int l = 0; l <= layers; l++) {
        size_t w = l == 0 ? width0 : width;
        li->dropped[l] = dropout ? carve(c, rows * w) : NULL;
        li->mask[l] = dropout ? carve(c, rows * w) : NULL;
    }
}

const float *layer_inputs_feed(layer_inputs *li, int l, const float *src, size_t n, float p, recur_rng *rng)
{
    if (rng && li->dropped[l] && p > 0.0f) {
        dropout_mask(li->mask[l], n, p, rng);
        dropout_apply(li->dropped[l], src, li->mask[l], n);
        src = li->dropped[l];
    }
    li->in[l] = src;
    return src;
}

const float *layer_inputs_feed_streams(layer_inputs *li, int l, const float *src, int T, int B, size_t width, float p,
                                       const dropout_streams *drop)
{
    if (drop && li->dropped[l] && (p > 0.0f || (l == 0 && drop->word_p > 0.0f))) {
        size_t n = (size_t)T * B * width;
        dropout_mask_streams(li->mask[l], T, B, width, p, drop, l);
        dropout_apply(li->dropped[l], src, li->mask[l], n);
        src = li->dropped[l];
    }
    li->in[l] = src;
    return src;
}

void layer_inputs_backward(const layer_inputs *li, int l, float *d, size_t n)
{
    if (li->dropped[l] && li->in[l] == li->dropped[l])
        dropout_apply(d, d, li->mask[l], n);
}
