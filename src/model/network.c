#include "model/network.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/layers.h"

recur_status net_state_init(net_state *s, const recur_model *m, int B, recur_error *err)
{
    memset(s, 0, sizeof *s);
    s->layers = m->cfg.layers;
    s->B = B;
    s->H = m->cfg.hidden;
    size_t n = (size_t)s->layers * (size_t)B * (size_t)s->H;
    s->h = calloc(n, sizeof *s->h);
    if (m->cfg.cell == RECUR_CELL_LSTM)
        s->c = calloc(n, sizeof *s->c);
    if (!s->h || (m->cfg.cell == RECUR_CELL_LSTM && !s->c)) {
        net_state_free(s);
        return recur_fail_nomem(err, "the recurrent state");
    }
    return RECUR_OK;
}

void net_state_zero(net_state *s)
{
    size_t n = (size_t)s->layers * (size_t)s->B * (size_t)s->H;
    memset(s->h, 0, n * sizeof *s->h);
    if (s->c)
        memset(s->c, 0, n * sizeof *s->c);
}

void net_state_free(net_state *s)
{
    free(s->h);
    free(s->c);
    memset(s, 0, sizeof *s);
}

/* Slices the arena; with base == NULL it only counts, so one function both
 * sizes and lays out the workspace. */
typedef struct carver {
    float *base;
    size_t used;
} carver;

static float *carve(carver *c, size_t n)
{
    float *p = c->base ? c->base + c->used : NULL;
    c->used += (n + 15) & ~(size_t)15; /* keep every slice 64-byte aligned */
    return p;
}

static void lay_out(const recur_model *m, net_workspace *ws, carver *c)
{
    const recur_config *cfg = &m->cfg;
    const size_t TB = (size_t)ws->T * ws->B, BH = (size_t)ws->B * cfg->hidden;
    const size_t E = (size_t)cfg->embed, H = (size_t)cfg->hidden, V = (size_t)cfg->vocab_size;
    const size_t G = (size_t)rnn_gate_count(cfg->cell);
    const int dropout = ws->training && cfg->dropout > 0.0f;
    ws->emb = carve(c, TB * E);
    for (int l = 0; l < cfg->layers; l++) {
        rnn_cache *k = &ws->cache[l];
        k->hs = carve(c, BH * ((size_t)ws->T + 1));
        k->cs = cfg->cell == RECUR_CELL_LSTM ? carve(c, BH * ((size_t)ws->T + 1)) : NULL;
        k->gates = carve(c, TB * G * H);
        k->aux = carve(c, TB * H);
        k->step = carve(c, (size_t)ws->B * G * H);
        rnn_shape shape = {ws->T, ws->B, l == 0 ? (int)E : (int)H, (int)H, cfg->cell, cfg->peephole};
        k->packed = rnn_packing_pays(&shape) ? carve(c, rnn_packed_size(&shape)) : NULL;
    }
    for (int l = 0; l <= cfg->layers; l++) {
        size_t width = l == 0 ? E : H;
        ws->drop_out[l] = dropout ? carve(c, TB * width) : NULL;
        ws->drop_mask[l] = dropout ? carve(c, TB * width) : NULL;
    }
    ws->logits = carve(c, TB * V);
    if (ws->training) {
        size_t wide = E > H ? E : H;
        ws->dgrad[0] = carve(c, TB * wide);
        ws->dgrad[1] = carve(c, TB * wide);
        rnn_shape s = {ws->T, ws->B, (int)E, (int)H, cfg->cell, cfg->peephole};
        ws->scratch = carve(c, rnn_backward_scratch(&s));
    }
}

recur_status net_workspace_init(net_workspace *ws, const recur_model *m, int T, int B, int training,
                                recur_error *err)
{
    memset(ws, 0, sizeof *ws);
    if (m->cfg.task != RECUR_TASK_LM || m->cfg.bidirectional)
        return recur_fail(err, RECUR_E_ARG, "this is a %s%s model, not a language model",
                          m->cfg.bidirectional ? "bidirectional " : "", recur_task_name(m->cfg.task));
    if (T < 1 || B < 1)
        return recur_fail(err, RECUR_E_ARG, "window must be at least 1 x 1, got %d x %d", T, B);
    ws->T = T;
    ws->B = B;
    ws->training = training;
    int L = m->cfg.layers;
    ws->cache = calloc((size_t)L, sizeof *ws->cache);
    ws->layer_in = calloc((size_t)L + 1, sizeof *ws->layer_in);
    ws->drop_out = calloc((size_t)L + 1, sizeof *ws->drop_out);
    ws->drop_mask = calloc((size_t)L + 1, sizeof *ws->drop_mask);
    if (!ws->cache || !ws->layer_in || !ws->drop_out || !ws->drop_mask) {
        net_workspace_free(ws);
        return recur_fail_nomem(err, "the network workspace");
    }
    carver c = {NULL, 0};
    lay_out(m, ws, &c);
    /* T*B and the layer sizes are bounded by the callers' checks; this guards
     * the arena's byte size itself. */
    if (c.used > ((size_t)1 << 36)) {
        net_workspace_free(ws);
        return recur_fail(err, RECUR_E_NOMEM, "a %d x %d window needs %zu MB of activations; lower --batch or --seq",
                          T, B, c.used * sizeof(float) >> 20);
    }
    ws->arena = aligned_alloc(64, c.used * sizeof(float));
    if (!ws->arena) {
        net_workspace_free(ws);
        return recur_fail(err, RECUR_E_NOMEM, "out of memory allocating %zu MB of activations; lower --batch or --seq",
                          c.used * sizeof(float) >> 20);
    }
    c.base = ws->arena;
    c.used = 0;
    lay_out(m, ws, &c);
    return RECUR_OK;
}

void net_workspace_free(net_workspace *ws)
{
    free(ws->arena);
    free(ws->cache);
    free((void *)ws->layer_in);
    free(ws->drop_out);
    free(ws->drop_mask);
    memset(ws, 0, sizeof *ws);
}

/* The input a layer (or the decoder, l == layers) sees: its source after
 * dropout when training with dropout, else the source itself. */
static const float *maybe_drop(net_workspace *ws, int l, const float *src, size_t n, float p, recur_rng *rng)
{
    if (!rng || !ws->drop_out[l])
        return src;
    dropout_mask(ws->drop_mask[l], n, p, rng);
    dropout_apply(ws->drop_out[l], src, ws->drop_mask[l], n);
    return ws->drop_out[l];
}

double net_forward(const recur_model *m, net_workspace *ws, const int32_t *ids, const int32_t *targets,
                   int T, net_state *state, recur_rng *rng, float grad_scale)
{
    const recur_config *cfg = &m->cfg;
    const int B = ws->B, E = cfg->embed, H = cfg->hidden, V = cfg->vocab_size;
    const size_t TB = (size_t)T * B, BH = (size_t)B * H;
    ws->ids = ids;
    ws->cur_T = T;
    embedding_forward(m->params + m->enc_w, E, ids, TB, ws->emb);
    const float *x = maybe_drop(ws, 0, ws->emb, TB * E, cfg->dropout, rng);
    for (int l = 0; l < cfg->layers; l++) {
        rnn_cache *k = &ws->cache[l];
        ws->layer_in[l] = x;
        memcpy(k->hs, state->h + l * BH, BH * sizeof(float));
        if (k->cs)
            memcpy(k->cs, state->c + l * BH, BH * sizeof(float));
        rnn_shape s = {T, B, m->layers[l].in, H, cfg->cell, cfg->peephole};
        rnn_weights w = model_layer_weights(m, l, m->params);
        rnn_forward(&s, &w, x, k);
        memcpy(state->h + l * BH, k->hs + (size_t)T * BH, BH * sizeof(float));
        if (k->cs)
            memcpy(state->c + l * BH, k->cs + (size_t)T * BH, BH * sizeof(float));
        x = maybe_drop(ws, l + 1, k->hs + BH, TB * H, cfg->dropout, rng);
    }
    ws->layer_in[cfg->layers] = x;
    linear_forward(m->params + m->dec_w, m->params + m->dec_b, H, V, x, TB, ws->logits);
    if (!targets)
        return 0.0;
    return softmax_xent(ws->logits, V, targets, TB, grad_scale);
}

void net_backward(const recur_model *m, net_workspace *ws, float *grads)
{
    const recur_config *cfg = &m->cfg;
    const int T = ws->cur_T, B = ws->B, E = cfg->embed, H = cfg->hidden, V = cfg->vocab_size;
    const size_t TB = (size_t)T * B;
    const int L = cfg->layers;
    float *d = ws->dgrad[0], *d_next = ws->dgrad[1];
    /* Decoder: dlogits are already in ws->logits. d = dL/d(decoder input). */
    linear_backward(m->params + m->dec_w, grads + m->dec_w, grads + m->dec_b, H, V, ws->layer_in[L], TB,
                    ws->logits, d);
    for (int l = L - 1; l >= 0; l--) {
        /* Through the dropout that fed layer l + 1 (or the decoder). */
        if (ws->drop_out[l + 1] && ws->layer_in[l + 1] == ws->drop_out[l + 1])
            dropout_apply(d, d, ws->drop_mask[l + 1], TB * H);
        rnn_shape s = {T, B, m->layers[l].in, H, cfg->cell, cfg->peephole};
        rnn_weights w = model_layer_weights(m, l, m->params);
        rnn_grads g = model_layer_grads(m, l, grads);
        rnn_backward(&s, &w, &g, ws->layer_in[l], &ws->cache[l], d, d_next, ws->scratch, NULL, NULL);
        float *tmp = d;
        d = d_next;
        d_next = tmp;
    }
    if (ws->drop_out[0] && ws->layer_in[0] == ws->drop_out[0])
        dropout_apply(d, d, ws->drop_mask[0], TB * E);
    embedding_backward(grads + m->enc_w, E, ws->ids, TB, d);
}
