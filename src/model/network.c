#include "model/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/workspace.h"
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

static void lay_out(const recur_model *m, void *workspace, carver *c)
{
    net_workspace *ws = workspace;
    const recur_config *cfg = &m->cfg;
    const size_t TB = (size_t)ws->T * ws->B;
    const size_t E = (size_t)cfg->embed, H = (size_t)cfg->hidden, V = (size_t)cfg->vocab_size;
    rnn_shape first = {ws->T, ws->B, (int)E, (int)H, cfg->cell, cfg->peephole};
    if (ws->tokens)
        ws->token_table = carve(c, rnn_tokens_scratch(&first, (int)V));
    else
        ws->emb = carve(c, TB * E);
    for (int l = 0; l < cfg->layers; l++) {
        rnn_cache *k = &ws->cache[l];
        rnn_shape shape = {ws->T, ws->B, l == 0 ? (int)E : (int)H, (int)H, cfg->cell, cfg->peephole};
        carve_rnn_cache(c, k, &shape);
        k->packed = rnn_packing_pays(&shape) ? carve(c, rnn_packed_size(&shape)) : NULL;
    }
    layer_inputs_carve(&ws->inputs, c, cfg->layers, TB, E, H, ws->training && cfg->dropout > 0.0f);
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
    ws->tokens = net_uses_tokens(m, T, B, training);
    ws->cache = calloc((size_t)m->cfg.layers, sizeof *ws->cache);
    if (!ws->cache || layer_inputs_init(&ws->inputs, m->cfg.layers)) {
        net_workspace_free(ws);
        return recur_fail_nomem(err, "the network workspace");
    }
    const size_t max_floats = (size_t)1 << 36;
    size_t floats = 0;
    ws->arena = workspace_arena(m, ws, lay_out, max_floats, &floats);
    if (!ws->arena) {
        net_workspace_free(ws);
        size_t mb = floats * sizeof(float) >> 20;
        if (floats > max_floats)
            return recur_fail(err, RECUR_E_NOMEM,
                              "a %d x %d window needs %zu MB of activations; lower --batch or --seq", T, B, mb);
        return recur_fail(err, RECUR_E_NOMEM, "out of memory allocating %zu MB of activations; lower --batch or --seq",
                          mb);
    }
    return RECUR_OK;
}

int net_uses_tokens(const recur_model *m, int T, int B, int training)
{
    const recur_config *cfg = &m->cfg;
    rnn_shape first = {T, B, cfg->embed, cfg->hidden, cfg->cell, cfg->peephole};
    /* Dropout on the embedding's output would sit between the lookup and
     * the product, which the table fuses. */
    return rnn_tokens_pay(&first, cfg->vocab_size) && !(training && cfg->dropout > 0.0f);
}

static rnn_tokens first_layer_tokens(const recur_model *m, const net_workspace *ws)
{
    rnn_tokens tok = {m->params + m->enc_w, ws->ids, m->cfg.vocab_size, ws->token_table};
    return tok;
}

void net_workspace_free(net_workspace *ws)
{
    free(ws->arena);
    free(ws->cache);
    layer_inputs_free(&ws->inputs);
    memset(ws, 0, sizeof *ws);
}

/* Reads the caller's stop request (see net_workspace.cancel). */
static int net_stop_requested(net_workspace *ws)
{
    if (ws->cancel && *ws->cancel)
        ws->cancelled = 1;
    return ws->cancelled;
}

double net_forward(const recur_model *m, net_workspace *ws, const int32_t *ids, const int32_t *targets,
                   int T, net_state *state, const dropout_streams *drop, float grad_scale)
{
    const recur_config *cfg = &m->cfg;
    const int B = ws->B, E = cfg->embed, H = cfg->hidden, V = cfg->vocab_size;
    const size_t TB = (size_t)T * B, BH = (size_t)B * H;
    ws->ids = ids;
    ws->cur_T = T;
    ws->cancelled = 0;
    const float *x = NULL; /* what layer l reads; layer 0 reads tokens through the table instead */
    if (!ws->tokens) {
        embedding_forward(m->params + m->enc_w, E, ids, TB, ws->emb);
        x = layer_inputs_feed_streams(&ws->inputs, 0, ws->emb, T, B, (size_t)E, cfg->dropout, drop);
    }
    for (int l = 0; l < cfg->layers; l++) {
        if (net_stop_requested(ws))
            return NAN;
        rnn_cache *k = &ws->cache[l];
        memcpy(k->hs, state->h + l * BH, BH * sizeof(float));
        if (k->cs)
            memcpy(k->cs, state->c + l * BH, BH * sizeof(float));
        rnn_shape s = {T, B, m->layers[l].in, H, cfg->cell, cfg->peephole};
        rnn_weights w = model_layer_weights(m, l, m->params);
        if (l == 0 && ws->tokens) {
            rnn_tokens tok = first_layer_tokens(m, ws);
            rnn_forward_tokens(&s, &w, &tok, k);
        } else {
            rnn_forward(&s, &w, x, k);
        }
        memcpy(state->h + l * BH, k->hs + (size_t)T * BH, BH * sizeof(float));
        if (k->cs)
            memcpy(state->c + l * BH, k->cs + (size_t)T * BH, BH * sizeof(float));
        x = layer_inputs_feed_streams(&ws->inputs, l + 1, k->hs + BH, T, B, (size_t)H, cfg->dropout, drop);
    }
    if (net_stop_requested(ws))
        return NAN;
    linear_forward(m->params + m->dec_w, m->params + m->dec_b, H, V, x, TB, ws->logits);
    if (!targets)
        return 0.0;
    return softmax_xent(ws->logits, V, targets, TB, grad_scale);
}

static void grads_final_from(net_workspace *ws, size_t from)
{
    if (ws->grads_ready)
        ws->grads_ready(ws->grads_ready_ctx, from);
}

void net_backward(const recur_model *m, net_workspace *ws, float *grads)
{
    const recur_config *cfg = &m->cfg;
    const int T = ws->cur_T, B = ws->B, E = cfg->embed, H = cfg->hidden, V = cfg->vocab_size;
    const size_t TB = (size_t)T * B;
    const int L = cfg->layers;
    float *d = ws->dgrad[0], *d_next = ws->dgrad[1];
    /* Decoder: dlogits are already in ws->logits. d = dL/d(decoder input). */
    linear_backward(m->params + m->dec_w, grads + m->dec_w, grads + m->dec_b, H, V, ws->inputs.in[L], TB,
                    ws->logits, d);
    /* A tied decoder shares the embedding's rows, which layer 0 finishes. */
    grads_final_from(ws, cfg->tied ? m->dec_b : m->dec_w);
    for (int l = L - 1; l >= 0; l--) {
        if (net_stop_requested(ws))
            return;
        /* Through the dropout that fed layer l + 1 (or the decoder). */
        layer_inputs_backward(&ws->inputs, l + 1, d, TB * H);
        rnn_shape s = {T, B, m->layers[l].in, H, cfg->cell, cfg->peephole};
        rnn_weights w = model_layer_weights(m, l, m->params);
        rnn_grads g = model_layer_grads(m, l, grads);
        if (l == 0 && ws->tokens) {
            rnn_tokens tok = first_layer_tokens(m, ws);
            rnn_backward_tokens(&s, &w, &g, &tok, &ws->cache[0], d, grads + m->enc_w, ws->scratch);
            grads_final_from(ws, 0);
            return;
        }
        rnn_backward(&s, &w, &g, ws->inputs.in[l], &ws->cache[l], d, d_next, ws->scratch, NULL, NULL);
        grads_final_from(ws, m->layers[l].w_ih);
        float *tmp = d;
        d = d_next;
        d_next = tmp;
    }
    layer_inputs_backward(&ws->inputs, 0, d, TB * E);
    embedding_backward(grads + m->enc_w, E, ws->ids, TB, d);
    grads_final_from(ws, 0);
}
