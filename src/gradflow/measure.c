/* recur_gradflow_measure: |dL_t/dh^l_{t-k}| for k = 0..K, per layer.
 *
 * B windows at random places in the text run forward together (time-major
 * [T][B], T = K + 1), after a warm-up that brings the state to what it is in
 * the middle of a text. Only the last step's prediction gets a loss; its
 * gradient enters the top layer at step T-1 alone and flows back through
 * rnn_backward, which leaves the full dL/dh_t of every step in its dh buffer
 * (the recurrent contributions included). Reading that buffer at step
 * T-1-k gives lag k; dL/dx of a layer is the gradient from above of the layer
 * below. The network is the model's forward without dropout: embedding,
 * recurrent stack, linear decoder, softmax cross-entropy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "model/model_internal.h"
#include "nn/layers.h"
#include "nn/recurrent.h"
#include "recur/gradflow.h"

void recur_gradflow_options_default(recur_gradflow_options *opt)
{
    opt->max_lag = 100;
    opt->positions = 64;
    opt->warmup = 50;
    opt->seed = 1;
}

void recur_gradflow_result_free(recur_gradflow_result *r)
{
    if (!r)
        return;
    free(r->norm);
    free(r->relative);
    free(r->sigma_whh);
    memset(r, 0, sizeof *r);
}

/* Every buffer of one measurement. */
typedef struct gf_work {
    int T, B, L, E, H, V, G;
    float *emb;        /* [T][B][E] */
    rnn_cache *cache;  /* per layer */
    float *state_h;    /* [L][B][H], carried from the warm-up */
    float *state_c;    /* LSTM */
    float *logits;     /* [B][V] */
    float *d[2];       /* [T][B][H] gradients, ping-pong */
    float *scratch;
    float *grads;      /* a parameter-shaped block the backward adds into; discarded */
    int32_t *ids;      /* [T][B] */
    int32_t *targets;  /* [B] */
    double *norms;     /* [L][T][B] */
} gf_work;

static void gf_work_free(gf_work *w)
{
    if (w->cache)
        for (int l = 0; l < w->L; l++) {
            free(w->cache[l].hs);
            free(w->cache[l].cs);
            free(w->cache[l].gates);
            free(w->cache[l].aux);
            free(w->cache[l].step);
        }
    free(w->cache);
    free(w->emb);
    free(w->state_h);
    free(w->state_c);
    free(w->logits);
    free(w->d[0]);
    free(w->d[1]);
    free(w->scratch);
    free(w->grads);
    free(w->ids);
    free(w->targets);
    free(w->norms);
    memset(w, 0, sizeof *w);
}

static float *falloc(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

static int gf_work_init(gf_work *w, const recur_model *m, int T, int B)
{
    const recur_config *cfg = &m->cfg;
    memset(w, 0, sizeof *w);
    w->T = T;
    w->B = B;
    w->L = cfg->layers;
    w->E = m->layers[0].in;
    w->H = cfg->hidden;
    w->V = cfg->vocab_size;
    w->G = rnn_gate_count(cfg->cell);
    const size_t TB = (size_t)T * B, BH = (size_t)B * w->H, LBH = (size_t)w->L * BH;
    const int lstm = cfg->cell == RECUR_CELL_LSTM;
    w->cache = calloc((size_t)w->L, sizeof *w->cache);
    if (!w->cache)
        return 0;
    int ok = 1;
    for (int l = 0; l < w->L; l++) {
        rnn_cache *k = &w->cache[l];
        k->hs = falloc(((size_t)T + 1) * BH);
        k->cs = lstm ? falloc(((size_t)T + 1) * BH) : NULL;
        k->gates = falloc(TB * w->G * w->H);
        k->aux = falloc(TB * w->H);
        k->step = falloc(BH * w->G);
        ok = ok && k->hs && (!lstm || k->cs) && k->gates && k->aux && k->step;
    }
    rnn_shape widest = {T, B, w->E > w->H ? w->E : w->H, w->H, cfg->cell, cfg->peephole};
    w->emb = falloc(TB * w->E);
    w->state_h = falloc(LBH);
    w->state_c = lstm ? falloc(LBH) : NULL;
    w->logits = falloc((size_t)B * w->V);
    w->d[0] = falloc(TB * w->H);
    w->d[1] = falloc(TB * (w->E > w->H ? w->E : w->H));
    w->scratch = falloc(rnn_backward_scratch(&widest));
    w->grads = falloc(m->n_params);
    w->ids = malloc(TB * sizeof *w->ids);
    w->targets = malloc((size_t)B * sizeof *w->targets);
    w->norms = malloc((size_t)w->L * TB * sizeof *w->norms);
    return ok && w->emb && w->state_h && (!lstm || w->state_c) && w->logits && w->d[0] && w->d[1] &&
           w->scratch && w->grads && w->ids && w->targets && w->norms;
}

/* Runs the recurrent stack over w->ids[0..T) from the carried state and
 * leaves the final state in it. */
static void stack_forward(const recur_model *m, gf_work *w, int T)
{
    const size_t BH = (size_t)w->B * w->H;
    embedding_forward(m->params + m->enc_w, w->E, w->ids, (size_t)T * w->B, w->emb);
    const float *x = w->emb;
    for (int l = 0; l < w->L; l++) {
        rnn_cache *k = &w->cache[l];
        memcpy(k->hs, w->state_h + l * BH, BH * sizeof(float));
        if (k->cs)
            memcpy(k->cs, w->state_c + l * BH, BH * sizeof(float));
        rnn_shape s = {T, w->B, m->layers[l].in, w->H, m->cfg.cell, m->cfg.peephole};
        rnn_weights wt = model_layer_weights(m, l, m->params);
        rnn_forward(&s, &wt, x, k);
        memcpy(w->state_h + l * BH, k->hs + (size_t)T * BH, BH * sizeof(float));
        if (k->cs)
            memcpy(w->state_c + l * BH, k->cs + (size_t)T * BH, BH * sizeof(float));
        x = k->hs + BH;
    }
}

/* Loads steps [s0, s0 + T) of every window (window b starts at start[b]). */
static void load_ids(gf_work *w, const int32_t *ids, const size_t *start, size_t s0, int T)
{
    for (int t = 0; t < T; t++)
        for (int b = 0; b < w->B; b++)
            w->ids[(size_t)t * w->B + b] = ids[start[b] + s0 + (size_t)t];
}

/* The last step's loss, backpropagated through every layer; fills w->norms. */
static double backward_norms(const recur_model *m, gf_work *w)
{
    const int T = w->T, B = w->B, H = w->H, V = w->V, L = w->L;
    const size_t BH = (size_t)B * H, TBH = (size_t)T * BH;
    const float *top = w->cache[L - 1].hs + (size_t)T * BH; /* h of the last step */
    linear_forward(m->params + m->dec_w, m->params + m->dec_b, H, V, top, (size_t)B, w->logits);
    double loss = softmax_xent(w->logits, V, w->targets, (size_t)B, 1.0f);
    float *d = w->d[0], *d_next = w->d[1];
    memset(d, 0, TBH * sizeof *d);
    linear_backward(m->params + m->dec_w, w->grads + m->dec_w, w->grads + m->dec_b, H, V, top, (size_t)B,
                    w->logits, d + (size_t)(T - 1) * BH);
    for (int l = L - 1; l >= 0; l--) {
        rnn_shape s = {T, B, m->layers[l].in, H, m->cfg.cell, m->cfg.peephole};
        rnn_weights wt = model_layer_weights(m, l, m->params);
        rnn_grads g = model_layer_grads(m, l, w->grads);
        const float *x = l == 0 ? w->emb : w->cache[l - 1].hs + BH;
        rnn_backward(&s, &wt, &g, x, &w->cache[l], d, l > 0 ? d_next : NULL, w->scratch, NULL, NULL);
        /* d now holds the full dL/dh^l_t of every step t. */
        for (int t = 0; t < T; t++)
            for (int b = 0; b < B; b++) {
                const float *v = d + (size_t)t * BH + (size_t)b * H;
                double ss = 0.0;
                for (int j = 0; j < H; j++)
                    ss += (double)v[j] * v[j];
                w->norms[((size_t)l * T + t) * B + b] = sqrt(ss);
            }
        float *tmp = d;
        d = d_next;
        d_next = tmp;
    }
    return loss;
}

recur_status recur_gradflow_measure(const recur_model *m, const int32_t *ids, size_t count,
                                    const recur_gradflow_options *opt, recur_gradflow_result *out,
                                    recur_error *err)
{
    if (!m || !ids || !opt || !out)
        return recur_fail(err, RECUR_E_ARG, "recur_gradflow_measure: NULL argument");
    memset(out, 0, sizeof *out);
    if (opt->max_lag < 1 || opt->max_lag > 4096)
        return recur_fail(err, RECUR_E_ARG, "the largest lag must be in 1..4096, got %d", opt->max_lag);
    if (opt->positions < 1 || opt->positions > 4096)
        return recur_fail(err, RECUR_E_ARG, "positions must be in 1..4096, got %d", opt->positions);
    if (opt->warmup < 0 || opt->warmup > 1000000)
        return recur_fail(err, RECUR_E_ARG, "warm-up must be in 0..1000000 steps, got %d", opt->warmup);
    const int K = opt->max_lag, T = K + 1, B = opt->positions, L = m->cfg.layers;
    /* A window reads warmup + T inputs and one more token as its target. */
    const size_t span = (size_t)opt->warmup + (size_t)T + 1;
    if (count < span)
        return recur_fail(err, RECUR_E_ARG,
                          "the text has %zu tokens; a warm-up of %d and lags up to %d need at least %zu", count,
                          opt->warmup, K, span);
    for (size_t i = 0; i < count; i++)
        if (ids[i] < 0 || ids[i] >= m->cfg.vocab_size)
            return recur_fail(err, RECUR_E_ARG, "token %zu has id %d, outside the model's vocabulary of %d", i,
                              (int)ids[i], m->cfg.vocab_size);

    gf_work w;
    size_t *start = malloc((size_t)B * sizeof *start);
    out->norm = calloc((size_t)L * T, sizeof *out->norm);
    out->relative = calloc((size_t)L * T, sizeof *out->relative);
    out->sigma_whh = calloc((size_t)L, sizeof *out->sigma_whh);
    if (!gf_work_init(&w, m, T, B) || !start || !out->norm || !out->relative || !out->sigma_whh) {
        gf_work_free(&w);
        free(start);
        recur_gradflow_result_free(out);
        return recur_fail_nomem(err, "the gradient-flow buffers");
    }
    out->layers = L;
    out->max_lag = K;
    out->positions = B;

    recur_rng rng;
    recur_rng_seed(&rng, opt->seed);
    for (int b = 0; b < B; b++)
        start[b] = (size_t)recur_rng_below(&rng, (uint64_t)(count - span + 1));
    for (int b = 0; b < B; b++)
        w.targets[b] = ids[start[b] + span - 1];

    /* Warm-up in chunks of at most T steps, carrying the state. */
    for (int s0 = 0; s0 < opt->warmup; s0 += T) {
        int n = opt->warmup - s0 < T ? opt->warmup - s0 : T;
        load_ids(&w, ids, start, (size_t)s0, n);
        stack_forward(m, &w, n);
    }
    load_ids(&w, ids, start, (size_t)opt->warmup, T);
    stack_forward(m, &w, T);
    double loss = backward_norms(m, &w);

    /* A position counts only if all its norms are finite. Step t is lag T-1-t. */
    int used = 0;
    for (int b = 0; b < B; b++) {
        int finite = 1;
        for (size_t i = 0; i < (size_t)L * T && finite; i++)
            finite = isfinite(w.norms[i * B + b]);
        if (!finite) {
            out->nonfinite++;
            continue;
        }
        used++;
        for (int l = 0; l < L; l++)
            for (int t = 0; t < T; t++)
                out->norm[(size_t)l * T + (T - 1 - t)] += w.norms[((size_t)l * T + t) * B + b];
    }
    for (int l = 0; l < L; l++) {
        double *nl = out->norm + (size_t)l * T, *rl = out->relative + (size_t)l * T;
        for (int k = 0; k < T; k++) {
            nl[k] = used ? nl[k] / used : NAN;
            rl[k] = nl[0] > 0.0 ? nl[k] / nl[0] : NAN;
        }
        recur_status st = recur_model_whh_sigma(m, l, -1, &out->sigma_whh[l], err);
        if (st != RECUR_OK) {
            gf_work_free(&w);
            free(start);
            recur_gradflow_result_free(out);
            return st;
        }
    }
    out->loss = loss / B;
    gf_work_free(&w);
    free(start);
    return RECUR_OK;
}
