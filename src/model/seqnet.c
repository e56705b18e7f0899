#include "model/seqnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/workspace.h"
#include "nn/layers.h"

static void lay_out(const recur_model *m, void *workspace, carver *c)
{
    seqnet_ws *ws = workspace;
    const recur_config *cfg = &m->cfg;
    const int D = m->dirs, L = cfg->layers;
    const size_t TB = (size_t)ws->T * ws->B, H = (size_t)cfg->hidden;
    const size_t DH = (size_t)D * H, O = (size_t)model_output_size(cfg);
    ws->emb = carve(c, TB * (size_t)ws->E0);
    ws->rev = (int32_t *)carve(c, TB); /* int32 and float are both 4 bytes */
    for (int k = 0; k < L * D; k++) {
        rnn_shape shape = {ws->T, ws->B, m->layers[k].in, (int)H, cfg->cell, cfg->peephole};
        carve_rnn_cache(c, &ws->cache[k], &shape);
    }
    for (int l = 0; l < L; l++) {
        size_t in = (size_t)m->layers[l * D].in;
        ws->xrev[l] = D == 2 ? carve(c, TB * in) : NULL;
        ws->out[l] = D == 2 ? carve(c, TB * DH) : NULL; /* one direction: the cache's hs */
    }
    layer_inputs_carve(&ws->inputs, c, L, TB, (size_t)ws->E0, DH, ws->training && cfg->dropout > 0.0f);
    ws->pooled = cfg->task == RECUR_TASK_CLASSIFY ? carve(c, (size_t)ws->B * DH) : NULL;
    ws->logits = carve(c, (cfg->task == RECUR_TASK_CLASSIFY ? (size_t)ws->B : TB) * O);
    if (ws->training) {
        size_t wide = (size_t)ws->E0 > DH ? (size_t)ws->E0 : DH;
        ws->dgrad[0] = carve(c, TB * wide);
        ws->dgrad[1] = carve(c, TB * wide);
        ws->dh_rev = D == 2 ? carve(c, TB * H) : NULL;
        ws->dx_rev = D == 2 ? carve(c, TB * wide) : NULL;
        rnn_shape s = {ws->T, ws->B, ws->E0, (int)H, cfg->cell, cfg->peephole};
        ws->scratch = carve(c, rnn_backward_scratch(&s));
    }
}

recur_status seqnet_ws_init(seqnet_ws *ws, const recur_model *m, int T, int B, int K, int training,
                            recur_error *err)
{
    memset(ws, 0, sizeof *ws);
    if (m->cfg.task == RECUR_TASK_LM)
        return recur_fail(err, RECUR_E_ARG, "a language model has no sequence-task head");
    if (T < 1 || B < 1 || K < 0 || T > (1 << 20) || B > (1 << 20) || K > 64)
        return recur_fail(err, RECUR_E_ARG, "batch of %d sequences of %d steps (%d features) out of range", B, T, K);
    ws->T = T;
    ws->B = B;
    ws->K = K;
    ws->training = training;
    ws->E0 = m->cfg.embed + m->cfg.feature_embed;
    int L = m->cfg.layers, D = m->dirs;
    ws->cache = calloc((size_t)(L * D), sizeof *ws->cache);
    ws->xrev = calloc((size_t)L, sizeof *ws->xrev);
    ws->out = calloc((size_t)L, sizeof *ws->out);
    if (!ws->cache || !ws->xrev || !ws->out || layer_inputs_init(&ws->inputs, L)) {
        seqnet_ws_free(ws);
        return recur_fail_nomem(err, "the sequence network's workspace");
    }
    const size_t max_floats = (size_t)1 << 34;
    size_t floats = 0;
    ws->arena = workspace_arena(m, ws, lay_out, max_floats, &floats);
    if (!ws->arena) {
        seqnet_ws_free(ws);
        size_t mb = floats * sizeof(float) >> 20;
        if (floats > max_floats)
            return recur_fail(err, RECUR_E_NOMEM, "a batch of %d x %d needs %zu MB of activations; lower the batch", B,
                              T, mb);
        return recur_fail(err, RECUR_E_NOMEM, "out of memory allocating %zu MB of activations", mb);
    }
    return RECUR_OK;
}

void seqnet_ws_free(seqnet_ws *ws)
{
    free(ws->arena);
    free(ws->cache);
    layer_inputs_free(&ws->inputs);
    free(ws->xrev);
    free(ws->out);
    memset(ws, 0, sizeof *ws);
}

/* Row gather: dst[r] = src[idx[r]], rows of width w. */
static void gather_rows(float *dst, const float *src, const int32_t *idx, size_t rows, size_t w)
{
    for (size_t r = 0; r < rows; r++)
        memcpy(dst + r * w, src + (size_t)idx[r] * w, w * sizeof *dst);
}

/* Layer 0's input: the token's embedding, then the sum of its features'. */
static void embed(const recur_model *m, seqnet_ws *ws, const seq_batch *b)
{
    const int E = m->cfg.embed, F = m->cfg.feature_embed, E0 = ws->E0;
    const size_t rows = (size_t)b->T * b->B;
    const float *enc = m->params + m->enc_w;
    for (size_t r = 0; r < rows; r++) {
        float *dst = ws->emb + r * E0;
        memcpy(dst, enc + (size_t)b->ids[r] * E, (size_t)E * sizeof *dst);
        if (!F)
            continue;
        float *f = dst + E;
        memset(f, 0, (size_t)F * sizeof *f);
        for (int k = 0; b->feats && k < b->K; k++) {
            int32_t id = b->feats[r * (size_t)b->K + k];
            if (id < 0)
                continue;
            const float *row = m->params + m->feat_w + (size_t)id * F;
            for (int j = 0; j < F; j++)
                f[j] += row[j];
        }
    }
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

double seqnet_forward(const recur_model *m, seqnet_ws *ws, const seq_batch *b, recur_rng *rng, float grad_scale)
{
    const recur_config *cfg = &m->cfg;
    const int T = b->T, B = b->B, H = cfg->hidden, D = m->dirs, L = cfg->layers;
    const int O = model_output_size(cfg), DH = D * H;
    const size_t TB = (size_t)T * B, BH = (size_t)B * H;
    ws->batch = *b;
    for (int s = 0; s < B; s++)
        for (int t = 0; t < T; t++)
            ws->rev[(size_t)t * B + s] = (int32_t)((t < b->len[s] ? b->len[s] - 1 - t : t) * B + s);
    embed(m, ws, b);
    const float *x = layer_inputs_feed(&ws->inputs, 0, ws->emb, TB * ws->E0, cfg->dropout, rng);
    for (int l = 0; l < L; l++) {
        int I = m->layers[l * D].in;
        rnn_shape s = {T, B, I, H, cfg->cell, cfg->peephole};
        for (int d = 0; d < D; d++) {
            rnn_cache *k = &ws->cache[l * D + d];
            memset(k->hs, 0, BH * sizeof(float));
            if (k->cs)
                memset(k->cs, 0, BH * sizeof(float));
            rnn_weights w = model_layer_weights(m, l * D + d, m->params);
            if (d == 1)
                gather_rows(ws->xrev[l], x, ws->rev, TB, (size_t)I);
            rnn_forward(&s, &w, d == 0 ? x : ws->xrev[l], k);
        }
        const float *y;
        if (D == 2) {
            const float *hf = ws->cache[l * D].hs + BH, *hr = ws->cache[l * D + 1].hs + BH;
            for (size_t r = 0; r < TB; r++) {
                memcpy(ws->out[l] + r * DH, hf + r * H, (size_t)H * sizeof(float));
                memcpy(ws->out[l] + r * DH + H, hr + (size_t)ws->rev[r] * H, (size_t)H * sizeof(float));
            }
            y = ws->out[l];
        } else {
            y = ws->cache[l].hs + BH;
        }
        x = layer_inputs_feed(&ws->inputs, l + 1, y, TB * DH, cfg->dropout, rng);
    }
    const float *dec_w = m->params + m->dec_w, *dec_b = m->params + m->dec_b;
    if (cfg->task != RECUR_TASK_CLASSIFY) {
        ws->out_rows = (int)TB;
        linear_forward(dec_w, dec_b, DH, O, x, TB, ws->logits);
        if (!b->targets)
            return 0.0;
        return masked_xent(ws->logits, O, b->targets, TB, grad_scale);
    }
    ws->out_rows = B;
    for (int s = 0; s < B; s++) {
        float *p = ws->pooled + (size_t)s * DH;
        int n = b->len[s];
        if (cfg->pool == RECUR_POOL_LAST) {
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
    linear_forward(dec_w, dec_b, DH, O, ws->pooled, (size_t)B, ws->logits);
    if (!b->targets)
        return 0.0;
    return softmax_xent(ws->logits, O, b->targets, (size_t)B, grad_scale);
}

/* dL/d(head input) from the pooled gradient dp [B][DH] into d [T][B][DH]. */
static void unpool(const recur_model *m, const seqnet_ws *ws, const float *dp, float *d)
{
    const seq_batch *b = &ws->batch;
    const int B = b->B, H = m->cfg.hidden, D = m->dirs, DH = D * H;
    memset(d, 0, (size_t)b->T * B * DH * sizeof *d);
    for (int s = 0; s < B; s++) {
        const float *g = dp + (size_t)s * DH;
        int n = b->len[s];
        if (m->cfg.pool == RECUR_POOL_LAST) {
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

void seqnet_backward(const recur_model *m, seqnet_ws *ws, float *grads)
{
    const recur_config *cfg = &m->cfg;
    const seq_batch *b = &ws->batch;
    const int T = b->T, B = b->B, H = cfg->hidden, D = m->dirs, L = cfg->layers;
    const int O = model_output_size(cfg), DH = D * H, E = cfg->embed, F = cfg->feature_embed;
    const size_t TB = (size_t)T * B;
    float *d = ws->dgrad[0], *d_next = ws->dgrad[1];
    if (cfg->task == RECUR_TASK_CLASSIFY) {
        /* dgrad[1] holds the pooled gradient for a moment. */
        linear_backward(m->params + m->dec_w, grads + m->dec_w, grads + m->dec_b, DH, O, ws->pooled, (size_t)B,
                        ws->logits, d_next);
        unpool(m, ws, d_next, d);
    } else {
        linear_backward(m->params + m->dec_w, grads + m->dec_w, grads + m->dec_b, DH, O, ws->inputs.in[L], TB,
                        ws->logits, d);
    }
    for (int l = L - 1; l >= 0; l--) {
        layer_inputs_backward(&ws->inputs, l + 1, d, TB * DH);
        int I = m->layers[l * D].in;
        rnn_shape s = {T, B, I, H, cfg->cell, cfg->peephole};
        rnn_weights w = model_layer_weights(m, l * D, m->params);
        rnn_grads g = model_layer_grads(m, l * D, grads);
        if (D == 1) {
            rnn_backward(&s, &w, &g, ws->inputs.in[l], &ws->cache[l], d, d_next, ws->scratch, NULL, NULL);
        } else {
            /* Split [forward | backward] halves; the backward half goes back
             * into the reverse direction's own step order. d's rows become
             * the forward direction's dh (rnn_backward uses it as scratch). */
            for (size_t r = 0; r < TB; r++)
                memcpy(ws->dh_rev + (size_t)ws->rev[r] * H, d + r * DH + H, (size_t)H * sizeof *d);
            for (size_t r = 0; r < TB; r++)
                memmove(d + r * H, d + r * DH, (size_t)H * sizeof *d);
            rnn_backward(&s, &w, &g, ws->inputs.in[l], &ws->cache[l * D], d, d_next, ws->scratch, NULL, NULL);
            rnn_weights wr = model_layer_weights(m, l * D + 1, m->params);
            rnn_grads gr = model_layer_grads(m, l * D + 1, grads);
            rnn_backward(&s, &wr, &gr, ws->xrev[l], &ws->cache[l * D + 1], ws->dh_rev, ws->dx_rev, ws->scratch,
                         NULL, NULL);
            for (size_t r = 0; r < TB; r++) {
                float *dst = d_next + r * I;
                const float *src = ws->dx_rev + (size_t)ws->rev[r] * I;
                for (int j = 0; j < I; j++)
                    dst[j] += src[j];
            }
        }
        float *tmp = d;
        d = d_next;
        d_next = tmp;
    }
    layer_inputs_backward(&ws->inputs, 0, d, TB * ws->E0);
    float *genc = grads + m->enc_w;
    for (size_t r = 0; r < TB; r++) {
        const float *row = d + r * ws->E0;
        float *dst = genc + (size_t)b->ids[r] * E;
        for (int j = 0; j < E; j++)
            dst[j] += row[j];
        for (int k = 0; F && b->feats && k < b->K; k++) {
            int32_t id = b->feats[r * (size_t)b->K + k];
            if (id < 0)
                continue;
            float *gf = grads + m->feat_w + (size_t)id * F;
            for (int j = 0; j < F; j++)
                gf[j] += row[E + j];
        }
    }
}
