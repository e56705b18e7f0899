/* Gradient checks by central differences: every parameter of small models of
 * each cell type (and peepholes, tying, dropout, several layers), through the
 * whole network: embedding, recurrent stack, decoder, softmax cross-entropy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/network.h"
#include "test.h"

enum { T = 4, BMAX = 16 };

/* Streams of the current check: small models use 3 (the serial path); the
 * large check uses 16 streams of 256 units, enough for the layers to split
 * streams across threads and for the matrix products to be cut into slabs. */
static int B = 3;

/* Whether the checks below expect layer 0 to read through the projected
 * embedding table (net_uses_tokens); -1: either. */
static int expect_tokens = -1;

/* The loss of one window from a fixed initial state and a fixed dropout seed. */
static double window_loss(const recur_model *m, net_workspace *ws, const int32_t *x, const int32_t *y,
                          const net_state *init, float *grads)
{
    net_state s;
    net_state_init(&s, m, B, NULL);
    size_t n = (size_t)s.layers * B * s.H;
    memcpy(s.h, init->h, n * sizeof(float));
    if (s.c)
        memcpy(s.c, init->c, n * sizeof(float));
    /* The same key every call: the same masks for the analytic and every
     * numerical evaluation. */
    dropout_streams streams = {.key = dropout_window_key(99, 0)};
    net_dropout drop = {.streams = &streams};
    net_batch b = {.T = T, .B = B, .ids = x, .targets = y};
    double loss = net_forward(m, ws, &b, &s, m->cfg.dropout > 0 ? &drop : NULL, grads ? 1.0f : 0.0f);
    if (grads)
        net_backward(m, ws, grads);
    net_state_free(&s);
    return loss;
}

/* Checks every parameter, or with stride > 1 every stride-th one. */
static void check_model_stride(const char *label, recur_config cfg, size_t stride);

static void check_model(const char *label, recur_config cfg) { check_model_stride(label, cfg, 1); }

static void check_model_stride(const char *label, recur_config cfg, size_t stride)
{
    recur_model *m = NULL;
    recur_error err = {0};
    CHECK_MSG(model_alloc(&cfg, &m, &err) == RECUR_OK, "%s: %s", label, err.msg);
    if (!m)
        return;
    model_init_params(m, 7);
    /* Larger weights than the default make the nonlinearities matter. */
    for (size_t k = 0; k < m->n_params; k++)
        m->params[k] *= 1.5f;
    net_workspace ws;
    CHECK(net_workspace_init(&ws, m, &(net_options){.T = T, .B = B, .training = 1}, &err) == RECUR_OK);
    if (expect_tokens >= 0)
        CHECK_MSG(ws.tokens == expect_tokens, "%s: token table %d, expected %d", label, ws.tokens, expect_tokens);
    net_state init;
    net_state_init(&init, m, B, NULL);
    recur_rng rng;
    recur_rng_seed(&rng, 5);
    size_t n_state = (size_t)init.layers * B * init.H;
    for (size_t k = 0; k < n_state; k++) {
        init.h[k] = 0.5f * recur_rng_normal(&rng);
        if (init.c)
            init.c[k] = 0.5f * recur_rng_normal(&rng);
    }
    int32_t x[T * BMAX], y[T * BMAX];
    for (int k = 0; k < T * B; k++) {
        x[k] = (int32_t)recur_rng_below(&rng, (uint64_t)cfg.vocab_size);
        y[k] = (int32_t)recur_rng_below(&rng, (uint64_t)cfg.vocab_size);
    }
    float *grads = calloc(m->n_params, sizeof *grads);
    window_loss(m, &ws, x, y, &init, grads);
    int bad = 0;
    double worst = 0;
    for (size_t k = 0; k < m->n_params; k += stride) {
        float saved = m->params[k];
        const float h = 1e-2f;
        m->params[k] = saved + h;
        double lp = window_loss(m, &ws, x, y, &init, NULL);
        m->params[k] = saved - h;
        double lm = window_loss(m, &ws, x, y, &init, NULL);
        m->params[k] = saved;
        double numeric = (lp - lm) / (2.0 * h);
        double diff = fabs(numeric - grads[k]);
        double tol = 2e-3 + 2e-2 * fmax(fabs(numeric), fabs(grads[k]));
        if (diff > tol && cfg.cell == RECUR_CELL_RNN_RELU) {
            /* A ReLU kink inside [w - h, w + h] bends the central difference;
             * with a smaller step either the central difference is clean or,
             * at a kink, one one-sided difference lies on the side the
             * analytic gradient describes. */
            const float hs = 1e-3f;
            double l0 = window_loss(m, &ws, x, y, &init, NULL);
            m->params[k] = saved + hs;
            double fwd = (window_loss(m, &ws, x, y, &init, NULL) - l0) / hs;
            m->params[k] = saved - hs;
            double bwd = (l0 - window_loss(m, &ws, x, y, &init, NULL)) / hs;
            m->params[k] = saved;
            double central = 0.5 * (fwd + bwd);
            double side = fabs(fwd - grads[k]) < fabs(bwd - grads[k]) ? fwd : bwd;
            if (fabs(central - grads[k]) < fabs(side - grads[k]))
                side = central;
            diff = fabs(side - grads[k]);
            numeric = side;
            tol = 2e-2 + 5e-2 * fmax(fabs(side), fabs(grads[k]));
        }
        if (diff / tol > worst)
            worst = diff / tol;
        if (diff > tol && bad++ < 5)
            fprintf(stderr, "%s: parameter %zu: analytic %.6g numeric %.6g\n", label, k, grads[k], numeric);
    }
    CHECK_MSG(bad == 0, "%s: %d of %zu gradients off", label, bad, m->n_params);
    printf("%-28s %5zu parameters, worst error %.3f of tolerance\n", label, m->n_params, worst);
    free(grads);
    net_state_free(&init);
    net_workspace_free(&ws);
    recur_model_free(m);
}

int main(void)
{
    recur_config base;
    recur_config_default(&base);
    base.layers = 2;
    base.hidden = 5;
    base.embed = 4;
    base.vocab_size = 7;
    base.forget_bias = 0.0f;
    static const recur_cell cells[] = {RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU, RECUR_CELL_LSTM, RECUR_CELL_GRU};
    for (int i = 0; i < 4; i++) {
        recur_config c = base;
        c.cell = cells[i];
        check_model(recur_cell_name(c.cell), c);
        c.layers = 1;
        c.embed = 5;
        c.tied = 1;
        char label[64];
        snprintf(label, sizeof label, "%s 1 layer tied", recur_cell_name(c.cell));
        check_model(label, c);
        c = base;
        c.cell = cells[i];
        c.layers = 3;
        c.dropout = 0.3f;
        snprintf(label, sizeof label, "%s 3 layers dropout", recur_cell_name(c.cell));
        check_model(label, c);
    }
    /* Five tokens against a window of 12 rows: layer 0 reads the projected
     * table, alone and with the decoder tied to the embedding. */
    expect_tokens = 1;
    for (int i = 0; i < 4; i++) {
        recur_config c = base;
        c.cell = cells[i];
        c.vocab_size = 5;
        char label[64];
        snprintf(label, sizeof label, "%s token table", recur_cell_name(c.cell));
        check_model(label, c);
        c.layers = 1;
        c.embed = 5;
        c.tied = 1;
        c.peephole = cells[i] == RECUR_CELL_LSTM;
        snprintf(label, sizeof label, "%s token table tied", recur_cell_name(c.cell));
        check_model(label, c);
    }
    expect_tokens = -1;
    recur_config p = base;
    p.cell = RECUR_CELL_LSTM;
    p.peephole = 1;
    check_model("lstm peephole", p);
    B = 16;
    for (int i = 0; i < 4; i++) {
        recur_config big = base;
        big.cell = cells[i];
        big.hidden = 256;
        big.embed = 16;
        big.peephole = cells[i] == RECUR_CELL_LSTM;
        char label[64];
        snprintf(label, sizeof label, "%s 2x256, 16 streams", recur_cell_name(big.cell));
        check_model_stride(label, big, 997);
    }
    return test_report();
}
