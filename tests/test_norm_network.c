/* Normalised recurrent layers inside the network (--norm batch and layer):
 * central-difference gradient checks of every parameter, the new gains and
 * shifts among them, for every cell in a stacked language model and in a
 * bidirectional, padded tagger; evaluation with batch norm reads the running
 * averages, so a stream's log-probabilities do not depend on the other
 * streams of its batch; a training forward moves the running averages and
 * an evaluation leaves them; checkpoints keep the norm's tensors by name. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/network.h"
#include "recur.h"
#include "test.h"

enum { T = 4, B = 5, V = 7 };
static const int lens[B] = {4, 2, 3, 4, 1};

typedef struct fixture {
    int32_t x[T * B], y[T * B];
    int len[B];
} fixture;

static void make_fixture(fixture *fx, int padded, int O, uint64_t seed)
{
    recur_rng rng;
    recur_rng_seed(&rng, seed);
    /* Distinct tokens at each step: two streams reading one token give a
     * feature of the step two values, whose batch norm flips sign where
     * they cross, a jump that central differences straddle. */
    for (int t = 0; t < T; t++) {
        int32_t perm[V];
        for (int v = 0; v < V; v++)
            perm[v] = v;
        for (int v = V - 1; v > 0; v--) {
            int u = (int)recur_rng_below(&rng, (uint64_t)v + 1);
            int32_t tmp = perm[v];
            perm[v] = perm[u];
            perm[u] = tmp;
        }
        for (int b = 0; b < B; b++) {
            fx->x[t * B + b] = perm[b];
            fx->y[t * B + b] = padded && t >= lens[b] ? -1 : (int32_t)recur_rng_below(&rng, (uint64_t)O);
        }
    }
    memcpy(fx->len, lens, sizeof lens);
}

static double loss_of(const recur_model *m, net_workspace *ws, const fixture *fx, int padded, float *grads)
{
    net_batch b = {.T = T, .B = B, .ids = fx->x, .targets = fx->y, .len = padded ? fx->len : NULL};
    double loss = net_forward(m, ws, &b, NULL, NULL, grads ? 1.0f : 0.0f);
    if (grads)
        net_backward(m, ws, grads);
    return loss;
}

/* Whether parameter k is one of batch norm's running averages: they take
 * no gradient and do not enter a training forward. */
static int is_running(const recur_model *m, size_t k)
{
    for (int i = 0; i < m->n_tensors; i++) {
        const model_tensor *t = &m->tensors[i];
        if (k >= t->offset && k < t->offset + t->size)
            return strstr(t->name, ".running_") != NULL;
    }
    return 0;
}

static recur_config small_config(recur_cell cell, recur_norm norm)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = cell;
    c.layers = 2;
    c.hidden = 5;
    c.embed = 4;
    c.vocab_size = V;
    c.norm = norm;
    c.norm_steps = norm == RECUR_NORM_BATCH ? T : 0;
    return c;
}

static void check_grads(const char *label, recur_config cfg, int padded)
{
    recur_model *m = NULL;
    recur_error err = {0};
    CHECK_MSG(model_alloc(&cfg, &m, &err) == RECUR_OK, "%s: %s", label, err.msg);
    if (!m)
        return;
    model_init_params(m, 7);
    /* Weights and gains away from their initial values (the gains of batch
     * norm start at 0.1, where the cells are nearly linear). */
    for (size_t k = 0; k < m->n_params; k++)
        if (!is_running(m, k))
            m->params[k] *= 1.5f;
    for (int i = 0; i < m->n_tensors; i++)
        if (strstr(m->tensors[i].name, ".weight") && strstr(m->tensors[i].name, "norm_"))
            for (size_t k = 0; k < m->tensors[i].size; k++)
                m->params[m->tensors[i].offset + k] = 0.7f + 0.05f * (float)(k % 9);
    net_workspace ws;
    net_options o = {.T = T, .B = B, .training = 1};
    CHECK_MSG(net_workspace_init(&ws, m, &o, &err) == RECUR_OK, "%s: %s", label, err.msg);
    /* The language model's layer 0 reads its inputs through the projected
     * token table (the window has more rows than twice the vocabulary); the
     * bidirectional tagger through the dense product. */
    CHECK_MSG(ws.tokens == (cfg.task == RECUR_TASK_LM), "%s: token table %s", label, ws.tokens ? "used" : "not used");
    fixture fx;
    make_fixture(&fx, padded, model_output_size(&cfg), 5);
    float *grads = calloc(m->n_params, sizeof *grads);
    loss_of(m, &ws, &fx, padded, grads);
    int bad = 0, checked = 0, norm_params = 0;
    double worst = 0;
    for (size_t k = 0; k < m->n_params; k++) {
        if (is_running(m, k)) {
            CHECK(grads[k] == 0.0f);
            continue;
        }
        float saved = m->params[k];
        /* Batch statistics over five streams bend sharply where a
         * feature's variance is small: a short step (see test_norm.c). */
        const float h = cfg.cell == RECUR_CELL_RNN_RELU ? 1e-3f : 2e-3f;
        m->params[k] = saved + h;
        double lp = loss_of(m, &ws, &fx, padded, NULL);
        m->params[k] = saved - h;
        double lm = loss_of(m, &ws, &fx, padded, NULL);
        m->params[k] = saved;
        double numeric = (lp - lm) / (2.0 * h), analytic = grads[k];
        double diff = fabs(numeric - analytic);
        double tol = (cfg.cell == RECUR_CELL_RNN_RELU ? 1e-2 : 3e-3) + 2e-2 * fmax(fabs(numeric), fabs(analytic));
        if (cfg.cell == RECUR_CELL_RNN_RELU && diff > tol) {
            /* A ReLU kink inside [p - h, p + h]: with a shorter step either
             * the central difference is clean or, at the kink, one of the
             * one-sided differences lies on the side the analytic gradient
             * takes (as tests/test_gradcheck.c does). */
            const float hs = 2.5e-4f;
            double l0 = loss_of(m, &ws, &fx, padded, NULL);
            m->params[k] = saved + hs;
            double fwd = (loss_of(m, &ws, &fx, padded, NULL) - l0) / hs;
            m->params[k] = saved - hs;
            double bwd = (l0 - loss_of(m, &ws, &fx, padded, NULL)) / hs;
            m->params[k] = saved;
            diff = fmin(fabs(0.5 * (fwd + bwd) - analytic), fmin(fabs(fwd - analytic), fabs(bwd - analytic)));
            tol = 2e-2 + 5e-2 * fmax(fabs(numeric), fabs(analytic));
        }
        worst = fmax(worst, diff / tol);
        checked++;
        if (diff > tol && bad++ < 5)
            fprintf(stderr, "%s: parameter %zu: analytic %.6g numeric %.6g\n", label, k, analytic, numeric);
    }
    for (int i = 0; i < m->n_tensors; i++)
        norm_params += strstr(m->tensors[i].name, "norm_") && !strstr(m->tensors[i].name, "running");
    CHECK_MSG(norm_params > 0, "%s: no norm tensors", label);
    CHECK_MSG(bad == 0, "%s: %d of %d gradients off", label, bad, checked);
    printf("%-34s %4d parameters checked (%d norm tensors), worst error %.3f of tolerance\n", label, checked,
           norm_params, worst);
    free(grads);
    net_workspace_free(&ws);
    recur_model_free(m);
}

/* The logit rows of an evaluation batch of nb streams. One stream's window
 * is too short for the token table, so check_eval compares the table's
 * path (nb = B) with the dense one (nb = 1). */
static void eval_logits(const recur_model *m, const int32_t *x, int nb, float *out)
{
    net_workspace ws;
    recur_error err = {0};
    net_options o = {.T = T, .B = nb, .training = 0};
    CHECK(net_workspace_init(&ws, m, &o, &err) == RECUR_OK);
    CHECK(ws.tokens == (nb == B));
    net_batch b = {.T = T, .B = nb, .ids = x};
    net_forward(m, &ws, &b, NULL, NULL, 0.0f);
    memcpy(out, ws.logits, (size_t)T * nb * V * sizeof *out);
    net_workspace_free(&ws);
}

static void check_eval(recur_cell cell, recur_norm norm)
{
    recur_config cfg = small_config(cell, norm);
    recur_model *m = NULL;
    recur_error err = {0};
    CHECK(model_alloc(&cfg, &m, &err) == RECUR_OK);
    if (!m)
        return;
    model_init_params(m, 3);
    fixture fx;
    make_fixture(&fx, 0, V, 9);
    /* A few training forwards give the running averages their own values. */
    net_workspace tw;
    net_options to = {.T = T, .B = B, .training = 1};
    CHECK(net_workspace_init(&tw, m, &to, &err) == RECUR_OK);
    float *before = malloc(m->n_params * sizeof *before);
    memcpy(before, m->params, m->n_params * sizeof *before);
    for (int k = 0; k < 3; k++)
        loss_of(m, &tw, &fx, 0, NULL);
    size_t moved = 0, running = 0;
    for (size_t k = 0; k < m->n_params; k++) {
        running += is_running(m, k);
        moved += m->params[k] != before[k];
        CHECK(is_running(m, k) || m->params[k] == before[k]);
    }
    if (norm == RECUR_NORM_BATCH)
        CHECK_MSG(moved > running / 2, "training moved %zu of %zu running averages", moved, running);
    else
        CHECK(moved == 0 && running == 0);
    net_workspace_free(&tw);
    float all[T * B * V], one[T * V];
    memcpy(before, m->params, m->n_params * sizeof *before);
    eval_logits(m, fx.x, B, all);
    CHECK_MSG(memcmp(before, m->params, m->n_params * sizeof *before) == 0, "evaluation moved a parameter");
    double worst = 0;
    for (int b = 0; b < B; b++) {
        int32_t x1[T];
        for (int t = 0; t < T; t++)
            x1[t] = fx.x[t * B + b];
        eval_logits(m, x1, 1, one);
        for (int t = 0; t < T; t++)
            for (int v = 0; v < V; v++)
                worst = fmax(worst, fabs(one[t * V + v] - all[(t * B + b) * V + v]));
    }
    CHECK_MSG(worst < 1e-5, "%s %s norm: a stream's evaluation depends on its batch by %g", recur_cell_name(cell),
              recur_norm_name(norm), worst);
    free(before);
    recur_model_free(m);
}

int main(void)
{
    static const recur_cell cells[] = {RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU, RECUR_CELL_LSTM, RECUR_CELL_GRU};
    static const recur_norm norms[] = {RECUR_NORM_BATCH, RECUR_NORM_LAYER};
    for (int i = 0; i < 4; i++)
        for (int n = 0; n < 2; n++) {
            char label[80];
            recur_config c = small_config(cells[i], norms[n]);
            snprintf(label, sizeof label, "%s 2 layers, %s norm", recur_cell_name(c.cell), recur_norm_name(c.norm));
            check_grads(label, c, 0);
            c.task = RECUR_TASK_TAG;
            c.labels = 4;
            c.bidirectional = 1;
            snprintf(label, sizeof label, "%s bidirectional tagger, %s norm", recur_cell_name(c.cell),
                     recur_norm_name(c.norm));
            check_grads(label, c, 1);
            check_eval(cells[i], norms[n]);
        }
    return test_report();
}
