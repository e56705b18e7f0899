#include "model/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/layer_run.h"
#include "model/workspace.h"
#include "nn/layers.h"

recur_status net_state_init(net_state *s, const recur_model *m, int B, recur_error *err)
{
    memset(s, 0, sizeof *s);
    if (m->dirs != 1)
        return recur_fail(err, RECUR_E_ARG, "a bidirectional model carries no state from one window to the next");
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

/* The packed W_hh product and the token table serve the language model's
 * windows, where they were measured. The task networks keep plain products,
 * so their results stay bit for bit what their trainers were checked with;
 * either path computes the same sums in another order. */
static int fused_paths_apply(const recur_model *m)
{
    return m->cfg.task == RECUR_TASK_LM && m->dirs == 1 && m->cfg.feature_embed == 0;
}

static int is_pooled(net_head h)
{
    return h == NET_HEAD_POOL_MEAN || h == NET_HEAD_POOL_LAST;
}

static void lay_out(const recur_model *m, void *workspace, carver *c)
{
    net_workspace *ws = workspace;
    const recur_config *cfg = &m->cfg;
    const int D = ws->dirs, L = cfg->layers;
    const size_t TB = (size_t)ws->T * ws->B, H = (size_t)cfg->hidden, E0 = (size_t)ws->E0;
    const size_t DH = (size_t)D * H, O = (size_t)model_output_size(cfg);
    if (ws->tokens) {
        rnn_shape first = {ws->T, ws->B, (int)E0, (int)H, cfg->cell, cfg->peephole};
        ws->token_table = carve(c, rnn_tokens_scratch(&first, cfg->vocab_size));
    } else {
        ws->emb = carve(c, TB * E0);
    }
    ws->rev = D == 2 ? (int32_t *)carve(c, TB) : NULL; /* int32 and float are both 4 bytes */
    for (int k = 0; k < L * D; k++) {
        rnn_cache *kc = &ws->cache[k];
        rnn_shape shape = {ws->T, ws->B, m->layers[k].in, (int)H, cfg->cell, cfg->peephole};
        carve_rnn_cache(c, kc, &shape);
        carve_layer_norm_cache(c, m, &shape, &ws->norm[k]);
        kc->packed = fused_paths_apply(m) && rnn_packing_pays(&shape) ? carve(c, rnn_packed_size(&shape)) : NULL;
    }
    for (int l = 0; l < L; l++) {
        ws->xrev[l] = D == 2 ? carve(c, TB * (size_t)m->layers[l * D].in) : NULL;
        ws->out[l] = D == 2 ? carve(c, TB * DH) : NULL; /* one direction: the cache's hs */
    }
    layer_inputs_carve(&ws->inputs, c, L, TB, E0, DH,
                       ws->training && (cfg->dropout > 0.0f || ws->input_p > 0.0f || ws->word_dropout));
    ws->pooled = is_pooled(ws->head) ? carve(c, (size_t)ws->B * DH) : NULL;
    ws->logits = carve(c, (is_pooled(ws->head) ? (size_t)ws->B : TB) * O);
    if (ws->training) {
        size_t wide = E0 > DH ? E0 : DH;
        ws->dgrad[0] = carve(c, TB * wide);
        ws->dgrad[1] = carve(c, TB * wide);
        ws->dh_rev = D == 2 ? carve(c, TB * H) : NULL;
        ws->dx_rev = D == 2 ? carve(c, TB * wide) : NULL;
        rnn_shape s = {ws->T, ws->B, (int)E0, (int)H, cfg->cell, cfg->peephole};
        ws->scratch = carve(c, layer_backward_scratch(m, &s));
    }
}

static net_head model_head(const recur_model *m)
{
    if (m->cfg.task != RECUR_TASK_CLASSIFY)
        return NET_HEAD_STEPS;
    return m->cfg.pool == RECUR_POOL_LAST ? NET_HEAD_POOL_LAST : NET_HEAD_POOL_MEAN;
}

recur_status net_workspace_init(net_workspace *ws, const recur_model *m, const net_options *o, recur_error *err)
{
    memset(ws, 0, sizeof *ws);
    const int T = o->T, B = o->B, K = o->K;
    if (T < 1 || B < 1 || K < 0 || T > (1 << 20) || B > (1 << 20) || K > 64)
        return recur_fail(err, RECUR_E_ARG, "a batch of %d x %d steps (%d features a step) is out of range", T, B, K);
    ws->T = T;
    ws->B = B;
    ws->K = K;
    ws->training = o->training;
    ws->head = o->head == NET_HEAD_MODEL ? model_head(m) : o->head;
    ws->dirs = m->dirs;
    ws->E0 = m->cfg.embed + m->cfg.feature_embed;
    ws->word_dropout = o->training && o->word_dropout;
    ws->input_p = !o->training ? 0.0f : o->own_input_dropout ? o->input_dropout : m->cfg.dropout;
    /* Word dropout, like dropout, sits between the lookup and the product. */
    ws->tokens = net_uses_tokens(m, T, B, ws->input_p) && !ws->word_dropout;
    const int L = m->cfg.layers;
    ws->cache = calloc((size_t)(L * ws->dirs), sizeof *ws->cache);
    ws->norm = calloc((size_t)(L * ws->dirs), sizeof *ws->norm);
    ws->xrev = calloc((size_t)L, sizeof *ws->xrev);
    ws->out = calloc((size_t)L, sizeof *ws->out);
    if (!ws->cache || !ws->norm || !ws->xrev || !ws->out || layer_inputs_init(&ws->inputs, L)) {
        net_workspace_free(ws);
        return recur_fail_nomem(err, "the network workspace");
    }
    const size_t max_floats = (size_t)1 << 36;
    size_t floats = 0;
    ws->arena = workspace_arena(m, ws, lay_out, max_floats, &floats);
    if (!ws->arena) {
        net_workspace_free(ws);
        size_t mb = floats * sizeof(float) >> 20;
        const char *lower = m->cfg.task == RECUR_TASK_LM ? "--batch or --seq" : "--batch";
        if (floats > max_floats)
            return recur_fail(err, RECUR_E_NOMEM, "a %d x %d window needs %zu MB of activations; lower %s", T, B, mb,
                              lower);
        return recur_fail(err, RECUR_E_NOMEM, "out of memory allocating %zu MB of activations; lower %s", mb, lower);
    }
    return RECUR_OK;
}

int net_uses_tokens(const recur_model *m, int T, int B, float input_p)
{
    const recur_config *cfg = &m->cfg;
    rnn_shape first = {T, B, cfg->embed, cfg->hidden, cfg->cell, cfg->peephole};
    /* Dropout on the embedding's output would sit between the lookup and
     * the product, which the table fuses. */
    return fused_paths_apply(m) && rnn_tokens_pay(&first, cfg->vocab_size) &&
           !(input_p > 0.0f);
}

static rnn_tokens first_layer_tokens(const recur_model *m, const net_workspace *ws)
{
    rnn_tokens tok = {m->params + m->enc_w, ws->batch.ids, m->cfg.vocab_size, ws->token_table};
    return tok;
}

void net_workspace_free(net_workspace *ws)
{
    free(ws->arena);
    free(ws->cache);
    free(ws->norm);
    free(ws->xrev);
    free(ws->out);
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

/* What layer l (the head at l == layers) reads: src after dropout when
 * training with it. */
static const float *feed(const recur_model *m, net_workspace *ws, int l, const float *src, int T, int B,
                         size_t width, const net_dropout *drop)
{
    const float p = l == 0 ? ws->input_p : m->cfg.dropout;
    if (drop && drop->streams)
        return layer_inputs_feed_streams(&ws->inputs, l, src, T, B, width, p, drop->streams);
    return layer_inputs_feed(&ws->inputs, l, src, (size_t)T * B * width, p, drop ? drop->rng : NULL);
}

/* Row gather: dst[r] = src[idx[r]], rows of width w. */
static void gather_rows(float *dst, const float *src, const int32_t *idx, size_t rows, size_t w)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(dst + r * w, src + (size_t)idx[r] * w, w * sizeof *dst);
}

/* Softmax cross-entropy over the rows that have a target (>= 0); the other
 * rows' gradients are zero. */
static double masked_xent(float *logits, int O, const int32_t *targets, size_t n, float grad_scale)
{
    double total = 0.0;
    for (size_t r = 0; r < n; r++) {
        float *z = logits + r * (size_t)O;
        if (targets[r] < 0) {
            if (grad_scale != 0.0f)
                memset(z, 0, (size_t)O * sizeof *z);
            continue;
        }
        total += softmax_xent(z, O, targets + r, 1, grad_scale);
    }
    return total;
}

static int steps_of(const net_batch *b, int s)
{
    return b->len ? b->len[s] : b->T;
}

/* Pools x [T][B][DH] into ws->pooled [B][DH]. */
static void pool(const recur_model *m, net_workspace *ws, const float *x)
{
    const net_batch *b = &ws->batch;
    const int B = b->B, H = m->cfg.hidden, D = ws->dirs, DH = D * H;
    for (int s = 0; s < B; s++) {
        float *p = ws->pooled + (size_t)s * DH;
        int n = steps_of(b, s);
        if (ws->head == NET_HEAD_POOL_LAST) {
            /* The forward half after the last step; the backward half after
             * it has read the whole sequence, which is at step 0. */
            memcpy(p, x + ((size_t)(n - 1) * B + s) * DH, (size_t)H * sizeof *p);
            if (D == 2)
                memcpy(p + H, x + (size_t)s * DH + H, (size_t)H * sizeof *p);
            continue;
        }
        memset(p, 0, (size_t)DH * sizeof *p);
        for (int t = 0; t < n; t++) {
            const float *row = x + ((size_t)t * B + s) * DH;
            for (int j = 0; j < DH; j++)
                p[j] += row[j];
        }
        for (int j = 0; j < DH; j++)
            p[j] /= (float)n;
    }
}

/* dL/d(head input) from the pooled gradient dp [B][DH] into d [T][B][DH]. */
static void unpool(const recur_model *m, const net_workspace *ws, const float *dp, float *d)
{
    const net_batch *b = &ws->batch;
    const int B = b->B, H = m->cfg.hidden, D = ws->dirs, DH = D * H;
    memset(d, 0, (size_t)b->T * B * DH * sizeof *d);
    for (int s = 0; s < B; s++) {
        const float *g = dp + (size_t)s * DH;
        int n = steps_of(b, s);
        if (ws->head == NET_HEAD_POOL_LAST) {
            memcpy(d + ((size_t)(n - 1) * B + s) * DH, g, (size_t)H * sizeof *d);
            if (D == 2)
                memcpy(d + (size_t)s * DH + H, g + H, (size_t)H * sizeof *d);
            continue;
        }
        for (int t = 0; t < n; t++) {
            float *row = d + ((size_t)t * B + s) * DH;
            for (int j = 0; j < DH; j++)
                row[j] = g[j] / (float)n;
        }
    }
}

/* Layer 0's input: the token's embedding, then the sum of its features'. */
static const float *embed(const recur_model *m, net_workspace *ws, const net_batch *b, const net_dropout *drop)
{
    const int E = m->cfg.embed, F = m->cfg.feature_embed;
    const size_t rows = (size_t)b->T * b->B, E0 = (size_t)ws->E0;
    embedding_forward_ld(m->params + m->enc_w, E, b->ids, rows, ws->emb, E0);
    if (F)
        embedding_bag_forward(m->params + m->feat_w, F, b->feats, b->K, rows, ws->emb + E, E0);
    return feed(m, ws, 0, ws->emb, b->T, b->B, E0, drop);
}

/* One direction of layer l over x, from the carried state or from zero. */
static void direction_forward(const recur_model *m, net_workspace *ws, int l, int d, const float *x,
                              net_state *state)
{
    const recur_config *cfg = &m->cfg;
    const int T = ws->batch.T, B = ws->batch.B, H = cfg->hidden, k = l * ws->dirs + d;
    const size_t BH = (size_t)B * H;
    rnn_cache *c = &ws->cache[k];
    if (state) {
        memcpy(c->hs, state->h + l * BH, BH * sizeof(float));
        if (c->cs)
            memcpy(c->cs, state->c + l * BH, BH * sizeof(float));
    } else {
        memset(c->hs, 0, BH * sizeof(float));
        if (c->cs)
            memset(c->cs, 0, BH * sizeof(float));
    }
    rnn_shape s = {T, B, m->layers[k].in, H, cfg->cell, cfg->peephole};
    rnn_tokens tok = first_layer_tokens(m, ws);
    layer_forward(m, k, &s, x, l == 0 && ws->tokens ? &tok : NULL, c, &ws->norm[k], ws->training, 0);
    if (state) {
        memcpy(state->h + l * BH, c->hs + (size_t)T * BH, BH * sizeof(float));
        if (c->cs)
            memcpy(state->c + l * BH, c->cs + (size_t)T * BH, BH * sizeof(float));
    }
}

double net_forward(const recur_model *m, net_workspace *ws, const net_batch *b, net_state *state,
                   const net_dropout *drop, float grad_scale)
{
    const recur_config *cfg = &m->cfg;
    const int T = b->T, B = b->B, H = cfg->hidden, D = ws->dirs, L = cfg->layers;
    const int O = model_output_size(cfg), DH = D * H;
    const size_t TB = (size_t)T * B, BH = (size_t)B * H;
    ws->batch = *b;
    ws->cancelled = 0;
    if (D == 2)
        for (int s = 0; s < B; s++)
            for (int t = 0; t < T; t++)
                ws->rev[(size_t)t * B + s] = (int32_t)((t < steps_of(b, s) ? steps_of(b, s) - 1 - t : t) * B + s);
    /* What layer l reads; with the token table layer 0 reads the ids. */
    const float *x = ws->tokens ? NULL : embed(m, ws, b, drop);
    for (int l = 0; l < L; l++) {
        if (net_stop_requested(ws))
            return NAN;
        direction_forward(m, ws, l, 0, x, state);
        const float *y = ws->cache[l * D].hs + BH;
        if (D == 2) {
            gather_rows(ws->xrev[l], x, ws->rev, TB, (size_t)m->layers[l * D].in);
            direction_forward(m, ws, l, 1, ws->xrev[l], NULL);
            const float *hr = ws->cache[l * D + 1].hs + BH;
            for (size_t r = 0; r < TB; r++) {
                memcpy(ws->out[l] + r * DH, y + r * H, (size_t)H * sizeof(float));
                memcpy(ws->out[l] + r * DH + H, hr + (size_t)ws->rev[r] * H, (size_t)H * sizeof(float));
            }
            y = ws->out[l];
        }
        x = feed(m, ws, l + 1, y, T, B, (size_t)DH, drop);
    }
    if (net_stop_requested(ws))
        return NAN;
    const float *dec_w = m->params + m->dec_w, *dec_b = m->params + m->dec_b;
    if (!is_pooled(ws->head)) {
        ws->out_rows = (int)TB;
        linear_forward(dec_w, dec_b, DH, O, x, TB, ws->logits);
        if (!b->targets)
            return 0.0;
        /* Padded sequences mark the steps without a loss; a window's every
         * step has one. */
        return b->len ? masked_xent(ws->logits, O, b->targets, TB, grad_scale)
                      : softmax_xent(ws->logits, O, b->targets, TB, grad_scale);
    }
    ws->out_rows = B;
    pool(m, ws, x);
    linear_forward(dec_w, dec_b, DH, O, ws->pooled, (size_t)B, ws->logits);
    if (!b->targets)
        return 0.0;
    return softmax_xent(ws->logits, O, b->targets, (size_t)B, grad_scale);
}

/* Backward through both directions of layer l: d [T][B][2H] holds the
 * gradient of its output on entry; dx receives that of its input. */
static void bidirectional_backward(const recur_model *m, net_workspace *ws, int l, float *d, float *dx,
                                   float *grads)
{
    const recur_config *cfg = &m->cfg;
    const int T = ws->batch.T, B = ws->batch.B, H = cfg->hidden, DH = 2 * H;
    const size_t TB = (size_t)T * B;
    const int I = m->layers[l * 2].in;
    rnn_shape s = {T, B, I, H, cfg->cell, cfg->peephole};
    /* Split [forward | backward] halves; the backward half goes back into
     * the reverse direction's own step order. d's rows become the forward
     * direction's dh (rnn_backward uses it as scratch). */
    for (size_t r = 0; r < TB; r++)
        memcpy(ws->dh_rev + (size_t)ws->rev[r] * H, d + r * DH + H, (size_t)H * sizeof *d);
    for (size_t r = 0; r < TB; r++)
        memmove(d + r * H, d + r * DH, (size_t)H * sizeof *d);
    layer_backward(m, l * 2, &s, grads, ws->inputs.in[l], &ws->cache[l * 2], &ws->norm[l * 2], d, dx, ws->scratch,
                   NULL, NULL);
    layer_backward(m, l * 2 + 1, &s, grads, ws->xrev[l], &ws->cache[l * 2 + 1], &ws->norm[l * 2 + 1], ws->dh_rev,
                   ws->dx_rev, ws->scratch, NULL, NULL);
    for (size_t r = 0; r < TB; r++) {
        float *dst = dx + r * I;
        const float *src = ws->dx_rev + (size_t)ws->rev[r] * I;
        for (int j = 0; j < I; j++)
            dst[j] += src[j];
    }
}

static void tap(net_workspace *ws, int l, const float *dh, int H)
{
    if (ws->tap.dh)
        ws->tap.dh(ws->tap.ctx, l, dh, ws->batch.T, ws->batch.B, H);
}

static void grads_final_from(net_workspace *ws, size_t from)
{
    if (ws->grads_ready)
        ws->grads_ready(ws->grads_ready_ctx, from);
}

void net_backward(const recur_model *m, net_workspace *ws, float *grads)
{
    const recur_config *cfg = &m->cfg;
    const net_batch *b = &ws->batch;
    const int T = b->T, B = b->B, H = cfg->hidden, D = ws->dirs, L = cfg->layers;
    const int O = model_output_size(cfg), DH = D * H;
    const size_t TB = (size_t)T * B;
    float *d = ws->dgrad[0], *d_next = ws->dgrad[1];
    /* The head: dlogits are already in ws->logits. d = dL/d(head input). */
    if (is_pooled(ws->head)) {
        /* d_next holds the pooled gradient for a moment. */
        linear_backward(m->params + m->dec_w, grads + m->dec_w, grads + m->dec_b, DH, O, ws->pooled, (size_t)B,
                        ws->logits, d_next);
        unpool(m, ws, d_next, d);
    } else {
        linear_backward(m->params + m->dec_w, grads + m->dec_w, grads + m->dec_b, DH, O, ws->inputs.in[L], TB,
                        ws->logits, d);
    }
    /* A tied decoder shares the embedding's rows, which layer 0 finishes. */
    grads_final_from(ws, cfg->tied ? m->dec_b : m->dec_w);
    for (int l = L - 1; l >= 0; l--) {
        if (net_stop_requested(ws))
            return;
        /* Through the dropout that fed layer l + 1 (or the head). */
        layer_inputs_backward(&ws->inputs, l + 1, d, TB * DH);
        if (D == 2) {
            bidirectional_backward(m, ws, l, d, d_next, grads);
            tap(ws, l, d, H);
        } else {
            rnn_shape s = {T, B, m->layers[l].in, H, cfg->cell, cfg->peephole};
            if (l == 0 && ws->tokens) {
                rnn_tokens tok = first_layer_tokens(m, ws);
                layer_backward_tokens(m, l, &s, grads, &tok, &ws->cache[0], &ws->norm[0], d, grads + m->enc_w,
                                      ws->scratch);
                tap(ws, l, d, H);
                grads_final_from(ws, 0);
                return;
            }
            layer_backward(m, l, &s, grads, ws->inputs.in[l], &ws->cache[l], &ws->norm[l], d, d_next, ws->scratch,
                           NULL, NULL);
            tap(ws, l, d, H);
        }
        grads_final_from(ws, m->layers[l * D].w_ih);
        float *tmp = d;
        d = d_next;
        d_next = tmp;
    }
    const size_t E0 = (size_t)ws->E0;
    layer_inputs_backward(&ws->inputs, 0, d, TB * E0);
    embedding_backward_ld(grads + m->enc_w, cfg->embed, b->ids, TB, d, E0);
    if (cfg->feature_embed)
        embedding_bag_backward(grads + m->feat_w, cfg->feature_embed, b->feats, b->K, TB, d + cfg->embed, E0);
    grads_final_from(ws, 0);
}
