/* The first layer fed through the projected embedding table (rnn_tokens)
 * against the plain path (embedding rows, then rnn_forward/rnn_backward):
 * the same outputs and the same gradients to float rounding, for each cell,
 * with peepholes, on one thread's step loop and on split streams. Also that
 * the language model picks the table exactly when it pays. */
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/model_internal.h"
#include "model/network.h"
#include "nn/layers.h"
#include "nn/recurrent.h"
#include "test.h"

static float *randn(size_t n, float scale, recur_rng *rng)
{
    float *p = malloc(n * sizeof *p);
    for (size_t k = 0; k < n; k++)
        p[k] = scale * recur_rng_normal(rng);
    return p;
}

/* The largest |a - b| over n floats, relative to the largest |a|: a sum of
 * many terms carries rounding on the scale of its terms, not of its value. */
static double worst_gap(const float *a, const float *b, size_t n)
{
    double gap = 0, scale = 1e-30;
    for (size_t k = 0; k < n; k++) {
        gap = fmax(gap, fabs((double)a[k] - b[k]));
        scale = fmax(scale, fabs((double)a[k]));
    }
    return gap / scale;
}

typedef struct layer_run {
    rnn_cache cache;
    float *dh, *scratch, *g_ih, *g_hh, *gb_ih, *gb_hh, *g_peep, *d_emb;
} layer_run;

static void run_alloc(layer_run *r, const rnn_shape *s, int V)
{
    size_t G = (size_t)rnn_gate_count(s->cell), H = (size_t)s->H, I = (size_t)s->I;
    size_t TB = (size_t)s->T * s->B, BH = (size_t)s->B * H;
    memset(r, 0, sizeof *r);
    r->cache.hs = calloc(BH * (s->T + 1), sizeof(float));
    r->cache.cs = calloc(BH * (s->T + 1), sizeof(float));
    r->cache.gates = calloc(TB * G * H, sizeof(float));
    r->cache.aux = calloc(TB * H, sizeof(float));
    r->cache.step = calloc(BH * G, sizeof(float));
    r->cache.packed = rnn_packing_pays(s) ? calloc(rnn_packed_size(s), sizeof(float)) : NULL;
    r->dh = calloc(TB * H, sizeof(float));
    r->scratch = calloc(rnn_backward_scratch(s), sizeof(float));
    r->g_ih = calloc(G * H * I, sizeof(float));
    r->g_hh = calloc(G * H * H, sizeof(float));
    r->gb_ih = calloc(G * H, sizeof(float));
    r->gb_hh = calloc(G * H, sizeof(float));
    r->g_peep = calloc(3 * H, sizeof(float));
    r->d_emb = calloc((size_t)V * I, sizeof(float));
}

static void run_free(layer_run *r)
{
    free(r->cache.hs), free(r->cache.cs), free(r->cache.gates), free(r->cache.aux), free(r->cache.step);
    free(r->cache.packed), free(r->dh), free(r->scratch), free(r->g_ih), free(r->g_hh);
    free(r->gb_ih), free(r->gb_hh), free(r->g_peep), free(r->d_emb);
}

static void compare(recur_cell cell, int peephole, int T, int B, int I, int H, int V)
{
    rnn_shape s = {T, B, I, H, cell, peephole};
    const size_t G = (size_t)rnn_gate_count(cell), TB = (size_t)T * B, BH = (size_t)B * H;
    recur_rng rng;
    recur_rng_seed(&rng, 11);
    float *emb = randn((size_t)V * I, 1.0f, &rng);
    float *w_ih = randn(G * H * I, 0.3f, &rng), *w_hh = randn(G * H * H, 0.3f, &rng);
    float *b_ih = randn(G * H, 0.2f, &rng), *b_hh = randn(G * H, 0.2f, &rng);
    float *w_peep = randn(3 * (size_t)H, 0.3f, &rng);
    float *h0 = randn(BH, 0.5f, &rng), *c0 = randn(BH, 0.5f, &rng), *dh_top = randn(TB * H, 1.0f, &rng);
    int32_t *ids = malloc(TB * sizeof *ids);
    for (size_t r = 0; r < TB; r++)
        ids[r] = (int32_t)recur_rng_below(&rng, (uint64_t)V);
    rnn_weights w = {w_ih, w_hh, b_ih, b_hh, peephole ? w_peep : NULL};

    layer_run plain, tab;
    run_alloc(&plain, &s, V);
    run_alloc(&tab, &s, V);
    float *x = malloc(TB * I * sizeof *x), *dx = malloc(TB * I * sizeof *dx);
    float *table = malloc(rnn_tokens_scratch(&s, V) * sizeof *table);
    layer_run *runs[2] = {&plain, &tab};
    for (int k = 0; k < 2; k++) {
        layer_run *r = runs[k];
        memcpy(r->cache.hs, h0, BH * sizeof(float));
        memcpy(r->cache.cs, c0, BH * sizeof(float));
        memcpy(r->dh, dh_top, TB * H * sizeof(float));
        rnn_grads g = {r->g_ih, r->g_hh, r->gb_ih, r->gb_hh, peephole ? r->g_peep : NULL};
        rnn_tokens tok = {emb, ids, V, table};
        if (k == 0) {
            embedding_forward(emb, I, ids, TB, x);
            rnn_forward(&s, &w, x, &r->cache);
            rnn_backward(&s, &w, &g, x, &r->cache, r->dh, dx, r->scratch, NULL, NULL);
            embedding_backward(r->d_emb, I, ids, TB, dx);
        } else {
            rnn_forward_tokens(&s, &w, &tok, &r->cache);
            rnn_backward_tokens(&s, &w, &g, &tok, &r->cache, r->dh, r->d_emb, r->scratch);
        }
    }
    const double tol = 2e-5;
    char label[96];
    snprintf(label, sizeof label, "%s%s T=%d B=%d I=%d H=%d V=%d", recur_cell_name(cell),
             peephole ? " peephole" : "", T, B, I, H, V);
    CHECK_MSG(worst_gap(plain.cache.hs, tab.cache.hs, BH * (T + 1)) <= tol, "%s: outputs", label);
    CHECK_MSG(worst_gap(plain.g_ih, tab.g_ih, G * H * I) <= tol, "%s: dW_ih", label);
    CHECK_MSG(worst_gap(plain.g_hh, tab.g_hh, G * H * H) <= tol, "%s: dW_hh", label);
    CHECK_MSG(worst_gap(plain.gb_ih, tab.gb_ih, G * H) <= tol, "%s: db_ih", label);
    CHECK_MSG(worst_gap(plain.gb_hh, tab.gb_hh, G * H) <= tol, "%s: db_hh", label);
    CHECK_MSG(worst_gap(plain.d_emb, tab.d_emb, (size_t)V * I) <= tol, "%s: embedding gradient", label);
    if (peephole)
        CHECK_MSG(worst_gap(plain.g_peep, tab.g_peep, 3 * (size_t)H) <= tol, "%s: peepholes", label);
    printf("%-48s outputs %.1e, dW_ih %.1e, d_emb %.1e\n", label,
           worst_gap(plain.cache.hs, tab.cache.hs, BH * (T + 1)), worst_gap(plain.g_ih, tab.g_ih, G * H * I),
           worst_gap(plain.d_emb, tab.d_emb, (size_t)V * I));
    run_free(&plain);
    run_free(&tab);
    free(emb), free(w_ih), free(w_hh), free(b_ih), free(b_hh), free(w_peep), free(h0), free(c0);
    free(dh_top), free(ids), free(x), free(dx), free(table);
}

/* The language model takes the table for a small vocabulary and a wide
 * window, and not with dropout on the embedding or a vocabulary as large as
 * the window. */
static void check_choice(void)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.vocab_size = 65;
    recur_model *m = NULL;
    recur_error err = {0};
    CHECK(model_alloc(&cfg, &m, &err) == RECUR_OK);
    if (!m)
        return;
    CHECK(net_uses_tokens(m, 50, 50, 0.0f));
    CHECK(!net_uses_tokens(m, 8, 8, 0.0f)); /* 64 rows for 65 tokens */
    CHECK(!net_uses_tokens(m, 50, 50, 0.5f)); /* dropout on the embedding's output */
    /* What counts is the input's own rate: the model's dropout elsewhere
     * (--input-dropout 0) keeps the table, as evaluation (no dropout) does. */
    m->cfg.dropout = 0.5f;
    CHECK(net_uses_tokens(m, 50, 50, 0.0f));
    recur_model_free(m);
}

int main(void)
{
    static const recur_cell cells[] = {RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU, RECUR_CELL_LSTM, RECUR_CELL_GRU};
    for (int i = 0; i < 4; i++) {
        compare(cells[i], 0, 6, 3, 5, 7, 4);      /* one thread's step loop */
        compare(cells[i], 0, 7, 24, 20, 200, 30); /* streams split across threads */
    }
    compare(RECUR_CELL_LSTM, 1, 6, 3, 5, 7, 4);
    compare(RECUR_CELL_LSTM, 1, 7, 24, 20, 200, 30);
    check_choice();
    return test_report();
}
