/* recur_gradflow_measure: |dL_t/dh^l_{t-k}| for k = 0..K, per layer.
 *
 * B windows at random places in the text run forward together (time-major
 * [T][B], T = K + 1), after a warm-up that brings the state to what it is in
 * the middle of a text. Only the last step's prediction gets a loss; its
 * gradient enters the top layer at step T-1 alone and flows back through
 * rnn_backward, which leaves the full dL/dh_t of every step in its dh buffer
 * (the recurrent contributions included). Reading that buffer at step
 * T-1-k gives lag k; the network's tap (model/network.h) hands it over.
 * The network is the model's own without dropout, its head on the last
 * step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "model/model_internal.h"
#include "model/network.h"
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

/* What one measurement holds besides the network's workspace. */
typedef struct gf_work {
    int T, B, L;
    net_workspace ws;  /* training buffers, a head on the last step */
    net_state state;   /* carried from the warm-up */
    float *grads;      /* a parameter-shaped block the backward adds into; discarded */
    int32_t *ids;      /* [T][B] */
    int32_t *targets;  /* [B] */
    double *norms;     /* [L][T][B] */
} gf_work;

static void gf_work_free(gf_work *w)
{
    net_workspace_free(&w->ws);
    net_state_free(&w->state);
    free(w->grads);
    free(w->ids);
    free(w->targets);
    free(w->norms);
    memset(w, 0, sizeof *w);
}

static recur_status gf_work_init(gf_work *w, const recur_model *m, int T, int B, recur_error *err)
{
    memset(w, 0, sizeof *w);
    w->T = T;
    w->B = B;
    w->L = m->cfg.layers;
    const size_t TB = (size_t)T * B;
    /* Only the last step's prediction has a loss: the head reads that step
     * alone. */
    net_options o = {.T = T, .B = B, .training = 1, .head = NET_HEAD_POOL_LAST};
    recur_status st = net_workspace_init(&w->ws, m, &o, err);
    if (!st)
        st = net_state_init(&w->state, m, B, err);
    if (st) {
        gf_work_free(w);
        return st;
    }
    w->grads = calloc(m->n_params, sizeof *w->grads);
    w->ids = malloc(TB * sizeof *w->ids);
    w->targets = malloc((size_t)B * sizeof *w->targets);
    w->norms = malloc((size_t)w->L * TB * sizeof *w->norms);
    if (!w->grads || !w->ids || !w->targets || !w->norms) {
        gf_work_free(w);
        return recur_fail_nomem(err, "the gradient-flow buffers");
    }
    return RECUR_OK;
}

/* Loads steps [s0, s0 + T) of every window (window b starts at start[b]). */
static void load_ids(gf_work *w, const int32_t *ids, const size_t *start, size_t s0, int T)
{
    for (int t = 0; t < T; t++)
        for (int b = 0; b < w->B; b++)
            w->ids[(size_t)t * w->B + b] = ids[start[b] + s0 + (size_t)t];
}

/* The network's tap: |dL/dh^l_t| of every step t and window b. */
static void record_norms(void *ctx, int l, const float *dh, int T, int B, int H)
{
    gf_work *w = ctx;
    const size_t BH = (size_t)B * H;
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            const float *v = dh + (size_t)t * BH + (size_t)b * H;
            double ss = 0.0;
            for (int j = 0; j < H; j++)
                ss += (double)v[j] * v[j];
            w->norms[((size_t)l * T + t) * B + b] = sqrt(ss);
        }
}

recur_status recur_gradflow_measure(const recur_model *m, const int32_t *ids, size_t count,
                                    const recur_gradflow_options *opt, recur_gradflow_result *out,
                                    recur_error *err)
{
    if (!m || !ids || !opt || !out)
        return recur_fail(err, RECUR_E_ARG, "recur_gradflow_measure: NULL argument");
    memset(out, 0, sizeof *out);
    if (m->cfg.task != RECUR_TASK_LM)
        return recur_fail(err, RECUR_E_ARG, "gradient flow is measured on a language model, not a %s model",
                          recur_task_name(m->cfg.task));
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
    recur_status st = gf_work_init(&w, m, T, B, err);
    if (st)
        return st;
    size_t *start = malloc((size_t)B * sizeof *start);
    out->norm = calloc((size_t)L * T, sizeof *out->norm);
    out->relative = calloc((size_t)L * T, sizeof *out->relative);
    out->sigma_whh = calloc((size_t)L, sizeof *out->sigma_whh);
    if (!start || !out->norm || !out->relative || !out->sigma_whh) {
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
        net_batch warm = {.T = n, .B = B, .ids = w.ids};
        net_forward(m, &w.ws, &warm, &w.state, NULL, 0.0f);
    }
    load_ids(&w, ids, start, (size_t)opt->warmup, T);
    net_batch window = {.T = T, .B = B, .ids = w.ids, .targets = w.targets};
    double loss = net_forward(m, &w.ws, &window, &w.state, NULL, 1.0f);
    w.ws.tap = (net_tap){record_norms, &w};
    net_backward(m, &w.ws, w.grads);

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
        st = recur_model_whh_sigma(m, l, -1, &out->sigma_whh[l], err);
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
