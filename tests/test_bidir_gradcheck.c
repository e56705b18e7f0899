/* Gradient checks by central differences for the sequence-task network:
 * bidirectional (and forward-only) stacks of every cell type, with padding
 * (sequences of different lengths in one batch), dropout, word features,
 * per-token heads (tag, cloze) and pooled heads (classify, mean and last).
 * Also: a padded batch gives each sequence the outputs it gets alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/network.h"
#include "test.h"

enum { T = 5, B = 3, K = 2 };
static const int lens[B] = {5, 2, 4};

typedef struct fixture {
    int32_t ids[T * B], feats[T * B * K], targets[T * B], labels[B];
    int len[B];
} fixture;

static void make_fixture(fixture *fx, const recur_config *cfg, uint64_t seed)
{
    recur_rng rng;
    recur_rng_seed(&rng, seed);
    memcpy(fx->len, lens, sizeof lens);
    int O = model_output_size(cfg);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            int r = t * B + b, real = t < lens[b];
            fx->ids[r] = (int32_t)recur_rng_below(&rng, (uint64_t)cfg->vocab_size);
            /* Padding and, for variety, one real step carry no loss. */
            fx->targets[r] = real && r != 4 ? (int32_t)recur_rng_below(&rng, (uint64_t)O) : -1;
            for (int k = 0; k < K; k++)
                fx->feats[r * K + k] =
                    cfg->feature_size && (k == 0 || real) ? (int32_t)recur_rng_below(&rng, (uint64_t)cfg->feature_size)
                                                         : -1;
        }
    for (int b = 0; b < B; b++)
        fx->labels[b] = (int32_t)recur_rng_below(&rng, (uint64_t)O);
}

static double batch_loss(const recur_model *m, net_workspace *ws, const fixture *fx, float *grads)
{
    net_batch b = {T, B, fx->ids, m->cfg.feature_size ? fx->feats : NULL, K, fx->len,
                   m->cfg.task == RECUR_TASK_CLASSIFY ? fx->labels : fx->targets};
    recur_rng rng;
    recur_rng_seed(&rng, 99);
    net_dropout drop = {.rng = &rng};
    double loss = net_forward(m, ws, &b, NULL, m->cfg.dropout > 0 ? &drop : NULL, grads ? 1.0f : 0.0f);
    if (grads)
        net_backward(m, ws, grads);
    return loss;
}

static void check_model(const char *label, recur_config cfg)
{
    recur_model *m = NULL;
    recur_error err = {0};
    CHECK_MSG(model_alloc(&cfg, &m, &err) == RECUR_OK, "%s: %s", label, err.msg);
    if (!m)
        return;
    model_init_params(m, 7);
    for (size_t k = 0; k < m->n_params; k++)
        m->params[k] *= 1.5f;
    net_workspace ws;
    CHECK(net_workspace_init(&ws, m, &(net_options){.T = T, .B = B, .K = K, .training = 1}, &err) == RECUR_OK);
    fixture fx;
    make_fixture(&fx, &cfg, 5);
    float *grads = calloc(m->n_params, sizeof *grads);
    batch_loss(m, &ws, &fx, grads);
    int bad = 0;
    double worst = 0;
    for (size_t k = 0; k < m->n_params; k++) {
        float saved = m->params[k];
        const float h = 1e-2f;
        m->params[k] = saved + h;
        double lp = batch_loss(m, &ws, &fx, NULL);
        m->params[k] = saved - h;
        double lm = batch_loss(m, &ws, &fx, NULL);
        m->params[k] = saved;
        double numeric = (lp - lm) / (2.0 * h);
        double diff = fabs(numeric - grads[k]);
        double tol = 2e-3 + 2e-2 * fmax(fabs(numeric), fabs(grads[k]));
        if (diff > tol && cfg.cell == RECUR_CELL_RNN_RELU) {
            /* At a ReLU kink one of the one-sided differences (small step)
             * matches the analytic gradient. */
            const float hs = 1e-3f;
            double l0 = batch_loss(m, &ws, &fx, NULL);
            m->params[k] = saved + hs;
            double fwd = (batch_loss(m, &ws, &fx, NULL) - l0) / hs;
            m->params[k] = saved - hs;
            double bwd = (l0 - batch_loss(m, &ws, &fx, NULL)) / hs;
            m->params[k] = saved;
            double central = 0.5 * (fwd + bwd);
            double best = fabs(fwd - grads[k]) < fabs(bwd - grads[k]) ? fwd : bwd;
            if (fabs(central - grads[k]) < fabs(best - grads[k]))
                best = central;
            diff = fabs(best - grads[k]);
            numeric = best;
            tol = 2e-2 + 5e-2 * fmax(fabs(best), fabs(grads[k]));
        }
        if (diff / tol > worst)
            worst = diff / tol;
        if (diff > tol && bad++ < 5)
            fprintf(stderr, "%s: parameter %zu: analytic %.6g numeric %.6g\n", label, k, grads[k], numeric);
    }
    CHECK_MSG(bad == 0, "%s: %d of %zu gradients off", label, bad, m->n_params);
    printf("%-34s %5zu parameters, worst error %.3f of tolerance\n", label, m->n_params, worst);
    free(grads);
    net_workspace_free(&ws);
    recur_model_free(m);
}

/* Each sequence alone (B = 1, no padding) gets the logits it gets inside the
 * padded batch: padding reaches no real output in either direction. */
static void check_padding(recur_config cfg)
{
    recur_model *m = NULL;
    CHECK(model_alloc(&cfg, &m, NULL) == RECUR_OK);
    if (!m)
        return;
    model_init_params(m, 3);
    fixture fx;
    make_fixture(&fx, &cfg, 11);
    net_workspace all, one;
    CHECK(net_workspace_init(&all, m, &(net_options){.T = T, .B = B, .K = K}, NULL) == RECUR_OK);
    CHECK(net_workspace_init(&one, m, &(net_options){.T = T, .B = 1, .K = K}, NULL) == RECUR_OK);
    net_batch b = {T, B, fx.ids, NULL, K, fx.len, NULL};
    net_forward(m, &all, &b, NULL, NULL, 0.0f);
    int O = model_output_size(&cfg);
    double worst = 0;
    for (int s = 0; s < B; s++) {
        int32_t ids[T];
        for (int t = 0; t < lens[s]; t++)
            ids[t] = fx.ids[t * B + s];
        net_batch b1 = {lens[s], 1, ids, NULL, K, &lens[s], NULL};
        net_forward(m, &one, &b1, NULL, NULL, 0.0f);
        int steps = cfg.task == RECUR_TASK_CLASSIFY ? 1 : lens[s];
        for (int t = 0; t < steps; t++)
            for (int j = 0; j < O; j++) {
                float a = all.logits[((size_t)t * B + s) * O + j];
                if (cfg.task == RECUR_TASK_CLASSIFY)
                    a = all.logits[(size_t)s * O + j];
                worst = fmax(worst, fabs(a - one.logits[(size_t)t * O + j]));
            }
    }
    CHECK_MSG(worst < 1e-5, "%s %s pool %d: padded batch differs from single sequences by %g",
              recur_cell_name(cfg.cell), recur_task_name(cfg.task), (int)cfg.pool, worst);
    net_workspace_free(&all);
    net_workspace_free(&one);
    recur_model_free(m);
}

int main(void)
{
    recur_config base;
    recur_config_default(&base);
    base.layers = 2;
    base.hidden = 4;
    base.embed = 3;
    base.vocab_size = 6;
    base.forget_bias = 0.0f;
    base.bidirectional = 1;
    base.task = RECUR_TASK_TAG;
    base.labels = 4;
    static const recur_cell cells[] = {RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU, RECUR_CELL_LSTM, RECUR_CELL_GRU};
    char label[80];
    for (int i = 0; i < 4; i++) {
        recur_config c = base;
        c.cell = cells[i];
        snprintf(label, sizeof label, "bi-%s 2 layers tag", recur_cell_name(c.cell));
        check_model(label, c);
        c.bidirectional = 0;
        snprintf(label, sizeof label, "%s 2 layers tag", recur_cell_name(c.cell));
        check_model(label, c);
        c = base;
        c.cell = cells[i];
        c.task = RECUR_TASK_CLASSIFY;
        c.layers = 1;
        c.pool = i % 2 ? RECUR_POOL_LAST : RECUR_POOL_MEAN;
        snprintf(label, sizeof label, "bi-%s classify %s", recur_cell_name(c.cell), i % 2 ? "last" : "mean");
        check_model(label, c);
        c.pool = i % 2 ? RECUR_POOL_MEAN : RECUR_POOL_LAST;
        check_padding(c);
        c = base;
        c.cell = cells[i];
        check_padding(c);
    }
    recur_config c = base;
    c.cell = RECUR_CELL_LSTM;
    c.layers = 3;
    c.dropout = 0.3f;
    c.feature_size = 5;
    c.feature_embed = 2;
    check_model("bi-lstm 3 layers dropout features", c);
    c = base;
    c.cell = RECUR_CELL_LSTM;
    c.peephole = 1;
    check_model("bi-lstm peephole tag", c);
    c = base;
    c.cell = RECUR_CELL_GRU;
    c.task = RECUR_TASK_CLOZE;
    c.labels = 0;
    check_model("bi-gru cloze", c);
    c.task = RECUR_TASK_CLASSIFY;
    c.labels = 3;
    c.bidirectional = 0;
    c.pool = RECUR_POOL_LAST;
    check_model("gru classify last", c);
    check_padding(c);
    /* A bidirectional language model is refused. */
    c = base;
    c.task = RECUR_TASK_LM;
    c.labels = 0;
    recur_model *m = NULL;
    recur_error err = {0};
    CHECK(model_alloc(&c, &m, &err) == RECUR_E_ARG && strstr(err.msg, "language model"));
    return test_report();
}
