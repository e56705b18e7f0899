/* Layer and batch normalisation: the kernels against a double-precision
 * transcription, central-difference gradient checks of the gain, the shift
 * and the inputs, the running averages against a hand computation, and the
 * normalised recurrent layers (every cell, both norms): gradient checks of
 * every weight, gain, input and initial state, evaluation independent of the
 * other streams, and the one-step function equal to the window's forward. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/norm.h"
#include "nn/recurrent_norm.h"
#include "test.h"

static void fill(float *x, size_t n, float scale, recur_rng *rng)
{
    for (size_t k = 0; k < n; k++)
        x[k] = scale * recur_rng_normal(rng);
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += (double)a[k] * b[k];
    return s;
}

/* ---- kernels ---- */

enum { KN = 5, KD = 6 };

/* L = sum(coef * y) for y the norm of x, batch (over rows) or layer (over
 * columns), fixed statistics (mean, var) when given. */
static double kernel_loss(int batch, const float *x, const float *gain, const float *bias, const float *mean,
                          const float *var, const float *coef)
{
    float xhat[KN * KD], rstd[KN > KD ? KN : KD], mu[KD], v[KD], y[KN * KD];
    if (!batch)
        layer_norm_forward(x, KN, KD, gain, bias, xhat, rstd, y);
    else if (mean)
        batch_norm_forward_fixed(x, KN, KD, gain, bias, mean, var, xhat, rstd, y);
    else
        batch_norm_forward(x, KN, KD, gain, bias, xhat, rstd, mu, v, y);
    return dot(y, coef, KN * KD);
}

static void check_kernel(int batch, int fixed)
{
    const char *label = !batch ? "layer norm" : fixed ? "batch norm, fixed statistics" : "batch norm";
    recur_rng rng;
    recur_rng_seed(&rng, 11 + batch + fixed);
    float x[KN * KD], gain[KD], bias[KD], coef[KN * KD], mean[KD], var[KD];
    fill(x, KN * KD, 1.5f, &rng);
    for (int k = 0; k < KN * KD; k++)
        x[k] += (float)(k % KD); /* columns with different means */
    fill(gain, KD, 0.5f, &rng);
    fill(bias, KD, 0.5f, &rng);
    fill(coef, KN * KD, 1.0f, &rng);
    for (int j = 0; j < KD; j++) {
        mean[j] = 0.3f * (float)j;
        var[j] = 0.5f + 0.2f * (float)j;
    }
    /* Forward against the definition. */
    float xhat[KN * KD], rstd[KN > KD ? KN : KD], mu[KD], v[KD], y[KN * KD];
    if (!batch)
        layer_norm_forward(x, KN, KD, gain, bias, xhat, rstd, y);
    else if (fixed)
        batch_norm_forward_fixed(x, KN, KD, gain, bias, mean, var, xhat, rstd, y);
    else
        batch_norm_forward(x, KN, KD, gain, bias, xhat, rstd, mu, v, y);
    double worst = 0;
    for (int r = 0; r < KN; r++)
        for (int j = 0; j < KD; j++) {
            double m = 0, q = 0;
            int n = batch ? KN : KD;
            for (int k = 0; k < n; k++)
                m += batch ? x[k * KD + j] : x[r * KD + k];
            m /= n;
            for (int k = 0; k < n; k++) {
                double e = (batch ? x[k * KD + j] : x[r * KD + k]) - m;
                q += e * e;
            }
            q /= n;
            if (fixed) {
                m = mean[j];
                q = var[j];
            }
            double want = gain[j] * (x[r * KD + j] - m) / sqrt(q + NORM_EPS) + bias[j];
            worst = fmax(worst, fabs(want - y[r * KD + j]));
        }
    CHECK_MSG(worst < 1e-5, "%s: forward differs from the definition by %g", label, worst);
    /* Backward against central differences. */
    float dx[KN * KD], dgain[KD] = {0}, dbias[KD] = {0}, scratch[2 * KD];
    if (batch)
        batch_norm_backward(xhat, rstd, KN, KD, gain, coef, fixed, dgain, dbias, dx, scratch);
    else
        layer_norm_backward(xhat, rstd, KN, KD, gain, coef, dgain, dbias, dx);
    const float *fm = fixed ? mean : NULL, *fv = fixed ? var : NULL;
    struct {
        float *p, *grad;
        int n;
    } sets[] = {{x, dx, KN * KD}, {gain, dgain, KD}, {bias, dbias, KD}};
    int bad = 0;
    for (int s = 0; s < 3; s++)
        for (int k = 0; k < sets[s].n; k++) {
            float saved = sets[s].p[k];
            const float h = 1e-2f;
            sets[s].p[k] = saved + h;
            double lp = kernel_loss(batch, x, gain, bias, fm, fv, coef);
            sets[s].p[k] = saved - h;
            double lm = kernel_loss(batch, x, gain, bias, fm, fv, coef);
            sets[s].p[k] = saved;
            double numeric = (lp - lm) / (2.0 * h);
            if (fabs(numeric - sets[s].grad[k]) > 1e-3 + 1e-2 * fabs(numeric) && bad++ < 5)
                fprintf(stderr, "%s: %s[%d]: analytic %.6g numeric %.6g\n", label,
                        s == 0 ? "x" : s == 1 ? "gain" : "bias", k, sets[s].grad[k], numeric);
        }
    CHECK_MSG(bad == 0, "%s: %d gradients off", label, bad);
}

/* The running averages after two batches, by hand: r = 0.9 r + 0.1 b with
 * the unbiased batch variance. */
static void check_running_kernel(void)
{
    recur_rng rng;
    recur_rng_seed(&rng, 3);
    float x[2][KN * KD], gain[KD], xhat[KN * KD], rstd[KD], mu[KD], v[KD], y[KN * KD];
    float run_mean[KD], run_var[KD];
    fill(x[0], KN * KD, 2.0f, &rng);
    fill(x[1], KN * KD, 0.5f, &rng);
    for (int j = 0; j < KD; j++) {
        gain[j] = 1.0f;
        run_mean[j] = 0.0f;
        run_var[j] = 1.0f;
    }
    double want_mean[KD], want_var[KD];
    for (int j = 0; j < KD; j++) {
        want_mean[j] = 0.0;
        want_var[j] = 1.0;
    }
    for (int step = 0; step < 2; step++) {
        batch_norm_forward(x[step], KN, KD, gain, NULL, xhat, rstd, mu, v, y);
        batch_norm_update_running(run_mean, run_var, mu, v, KN, KD, 0.1f);
        for (int j = 0; j < KD; j++) {
            double m = 0, q = 0;
            for (int r = 0; r < KN; r++)
                m += x[step][r * KD + j];
            m /= KN;
            for (int r = 0; r < KN; r++)
                q += (x[step][r * KD + j] - m) * (x[step][r * KD + j] - m);
            want_mean[j] = 0.9 * want_mean[j] + 0.1 * m;
            want_var[j] = 0.9 * want_var[j] + 0.1 * q / (KN - 1);
        }
    }
    for (int j = 0; j < KD; j++) {
        CHECK_CLOSE(run_mean[j], want_mean[j], 1e-6);
        CHECK_CLOSE(run_var[j], want_var[j], 1e-6);
    }
}

/* ---- recurrent layers ---- */

enum { T = 4, BMAX = 5, I = 3, H = 4, GMAX = 4 };

typedef struct layer {
    rnn_shape s;
    float w_ih[GMAX * H * I], w_hh[GMAX * H * H], b_ih[GMAX * H], b_hh[GMAX * H];
    float gain_ih[GMAX * H], gain_hh[GMAX * H], gain_c[H], bias_c[H];
    float mean[3][T * GMAX * H], var[3][T * GMAX * H];
    rnn_norm nm;
    float x[T * BMAX * I], h0[BMAX * H], c0[BMAX * H];
    float coef[T * BMAX * H];
} layer;

static void layer_init(layer *L, recur_cell cell, recur_norm kind, int B, int steps, uint64_t seed)
{
    memset(L, 0, sizeof *L);
    rnn_shape s = {T, B, I, H, cell, 0};
    L->s = s;
    recur_rng rng;
    recur_rng_seed(&rng, seed);
    const int GH = rnn_gate_count(cell) * H;
    fill(L->w_ih, (size_t)GH * I, 0.8f, &rng);
    fill(L->w_hh, (size_t)GH * H, 0.8f, &rng);
    fill(L->b_ih, (size_t)GH, 0.4f, &rng);
    fill(L->b_hh, (size_t)GH, 0.4f, &rng);
    /* Gains away from their initial values, so that they matter. */
    for (int k = 0; k < GH; k++) {
        L->gain_ih[k] = 0.6f + 0.5f * recur_rng_uniform(&rng);
        L->gain_hh[k] = 0.6f + 0.5f * recur_rng_uniform(&rng);
    }
    for (int k = 0; k < H; k++) {
        L->gain_c[k] = 0.6f + 0.5f * recur_rng_uniform(&rng);
        L->bias_c[k] = 0.3f * recur_rng_normal(&rng);
    }
    for (int site = 0; site < 3; site++)
        for (int k = 0; k < T * GMAX * H; k++) {
            L->mean[site][k] = 0.2f * recur_rng_normal(&rng);
            L->var[site][k] = 0.5f + recur_rng_uniform(&rng);
        }
    fill(L->x, (size_t)T * B * I, 1.0f, &rng);
    fill(L->h0, (size_t)B * H, 0.5f, &rng);
    fill(L->c0, (size_t)B * H, 0.5f, &rng);
    fill(L->coef, (size_t)T * B * H, 1.0f, &rng);
    rnn_norm nm = {kind, L->gain_ih, L->gain_hh, NULL, NULL, steps, L->mean[0], L->var[0], L->mean[1], L->var[1],
                   NULL, NULL, 0, 0, 0.0f};
    if (cell == RECUR_CELL_LSTM) {
        nm.gain_c = L->gain_c;
        nm.bias_c = L->bias_c;
        nm.mean_c = L->mean[2];
        nm.var_c = L->var[2];
    }
    L->nm = nm;
}

static rnn_weights layer_weights(const layer *L)
{
    rnn_weights w = {L->w_ih, L->w_hh, L->b_ih, L->b_hh, NULL};
    return w;
}

/* The buffers of one forward. */
typedef struct run {
    rnn_cache cache;
    rnn_norm_cache nc;
    float *block;
} run;

static void run_alloc(run *r, const rnn_shape *s)
{
    const size_t BH = (size_t)s->B * s->H, GH = (size_t)rnn_gate_count(s->cell) * s->H;
    const size_t TB = (size_t)s->T * s->B;
    size_t n = 2 * BH * (s->T + 1) + TB * GH + TB * s->H + s->B * GH + rnn_norm_cache_size(s);
    r->block = calloc(n, sizeof(float));
    float *p = r->block;
    r->cache.hs = p, p += BH * (s->T + 1);
    r->cache.cs = p, p += BH * (s->T + 1);
    r->cache.gates = p, p += TB * GH;
    r->cache.aux = p, p += TB * s->H;
    r->cache.step = p, p += s->B * GH;
    r->cache.packed = NULL;
    rnn_norm_cache_lay_out(&r->nc, s, p);
}

static void layer_forward(layer *L, run *r, int fixed)
{
    const size_t BH = (size_t)L->s.B * H;
    memcpy(r->cache.hs, L->h0, BH * sizeof(float));
    memcpy(r->cache.cs, L->c0, BH * sizeof(float));
    rnn_weights w = layer_weights(L);
    L->nm.fixed = fixed;
    rnn_norm_forward(&L->s, &w, &L->nm, L->x, &r->cache, &r->nc);
}

static double layer_loss(layer *L, run *r, int fixed)
{
    layer_forward(L, r, fixed);
    const size_t BH = (size_t)L->s.B * H;
    return dot(r->cache.hs + BH, L->coef, (size_t)T * BH);
}

static const char *norm_label(recur_norm kind) { return kind == RECUR_NORM_BATCH ? "batch" : "layer"; }

static void check_layer_grads(recur_cell cell, recur_norm kind, int fixed)
{
    const int B = 3;
    layer L;
    layer_init(&L, cell, kind, B, T, 21 + (uint64_t)cell);
    const rnn_shape *s = &L.s;
    const int GH = rnn_gate_count(cell) * H;
    run r;
    run_alloc(&r, s);
    /* Analytic gradients. */
    layer_forward(&L, &r, fixed);
    float g_ih[GMAX * H * I] = {0}, g_hh[GMAX * H * H] = {0}, gb_ih[GMAX * H] = {0}, gb_hh[GMAX * H] = {0};
    float gg_ih[GMAX * H] = {0}, gg_hh[GMAX * H] = {0}, gg_c[H] = {0}, gbias_c[H] = {0};
    float dx[T * BMAX * I], dh0[BMAX * H], dc0[BMAX * H], dh[T * BMAX * H];
    memcpy(dh, L.coef, sizeof dh);
    rnn_grads g = {g_ih, g_hh, gb_ih, gb_hh, NULL};
    rnn_norm_grads ng = {gg_ih, gg_hh, gg_c, gbias_c};
    float *scratch = calloc(rnn_norm_backward_scratch(s), sizeof(float));
    rnn_weights w = layer_weights(&L);
    rnn_norm_backward(s, &w, &L.nm, &g, &ng, L.x, &r.cache, &r.nc, dh, dx, scratch, dh0,
                      cell == RECUR_CELL_LSTM ? dc0 : NULL);
    free(scratch);
    struct {
        const char *name;
        float *p, *grad;
        int n;
    } sets[] = {
        {"w_ih", L.w_ih, g_ih, GH * I},      {"w_hh", L.w_hh, g_hh, GH * H},     {"b_ih", L.b_ih, gb_ih, GH},
        {"b_hh", L.b_hh, gb_hh, GH},         {"gain_ih", L.gain_ih, gg_ih, GH},  {"gain_hh", L.gain_hh, gg_hh, GH},
        {"x", L.x, dx, T * B * I},           {"h0", L.h0, dh0, B * H},           {"gain_c", L.gain_c, gg_c, H},
        {"bias_c", L.bias_c, gbias_c, H},    {"c0", L.c0, dc0, B * H},
    };
    int n_sets = cell == RECUR_CELL_LSTM ? 11 : 8;
    int bad = 0, checked = 0;
    double worst = 0;
    for (int k = 0; k < n_sets; k++)
        for (int e = 0; e < sets[k].n; e++) {
            float saved = sets[k].p[e];
            /* A batch of 3 streams gives some features a small variance,
             * where the norm bends sharply: a step of 1e-2 measures the
             * curvature (errors shrink as the step does), 2e-3 does not. */
            float h = cell == RECUR_CELL_RNN_RELU ? 1e-3f : 2e-3f;
            sets[k].p[e] = saved + h;
            double lp = layer_loss(&L, &r, fixed);
            sets[k].p[e] = saved - h;
            double lm = layer_loss(&L, &r, fixed);
            sets[k].p[e] = saved;
            double numeric = (lp - lm) / (2.0 * h), analytic = sets[k].grad[e];
            double tol = (cell == RECUR_CELL_RNN_RELU ? 1e-2 : 2e-3) + 2e-2 * fmax(fabs(numeric), fabs(analytic));
            double diff = fabs(numeric - analytic);
            if (cell == RECUR_CELL_RNN_RELU && diff > tol) {
                /* A ReLU kink inside [p - h, p + h]: one of the one-sided
                 * differences lies on the side the analytic gradient takes. */
                double l0 = layer_loss(&L, &r, fixed);
                double side = fmin(fabs((lp - l0) / h - analytic), fabs((l0 - lm) / h - analytic));
                diff = fmin(diff, side);
            }
            worst = fmax(worst, diff / tol);
            checked++;
            if (diff > tol && bad++ < 5)
                fprintf(stderr, "%s %s norm%s: %s[%d]: analytic %.6g numeric %.6g\n", recur_cell_name(cell),
                        norm_label(kind), fixed ? " (running statistics)" : "", sets[k].name, e, analytic, numeric);
        }
    CHECK_MSG(bad == 0, "%s %s norm: %d of %d gradients off", recur_cell_name(cell), norm_label(kind), bad, checked);
    printf("%-10s %s norm%-22s %4d gradients, worst error %.3f of tolerance\n", recur_cell_name(cell),
           norm_label(kind), fixed ? " (running statistics)" : "", checked, worst);
    free(r.block);
}

/* Training with batch norm: the running averages of the input side, for
 * every step, and of the hidden side at step 0 (from h0), by hand. steps =
 * T - 1, so the last row takes the last two steps in turn. */
static void check_layer_running(void)
{
    const int B = 4, steps = T - 1;
    layer L;
    layer_init(&L, RECUR_CELL_LSTM, RECUR_NORM_BATCH, B, steps, 5);
    const int GH = 4 * H;
    double want_ih[T][GMAX * H], want_hh0[GMAX * H];
    for (int k = 0; k < steps; k++)
        for (int j = 0; j < GH; j++)
            want_ih[k][j] = L.mean[0][k * GH + j];
    double want_var_ih[T][GMAX * H];
    for (int k = 0; k < steps; k++)
        for (int j = 0; j < GH; j++)
            want_var_ih[k][j] = L.var[0][k * GH + j];
    double want_var_hh0[GMAX * H];
    for (int j = 0; j < GH; j++) {
        want_hh0[j] = L.mean[1][j];
        want_var_hh0[j] = L.var[1][j];
    }
    const double m = 0.1;
    for (int t = 0; t < T; t++) {
        int row = t < steps ? t : steps - 1;
        for (int j = 0; j < GH; j++) {
            double pre[BMAX], mean = 0, var = 0;
            for (int b = 0; b < B; b++) {
                pre[b] = 0;
                for (int i = 0; i < I; i++)
                    pre[b] += (double)L.w_ih[j * I + i] * L.x[(t * B + b) * I + i];
                mean += pre[b];
            }
            mean /= B;
            for (int b = 0; b < B; b++)
                var += (pre[b] - mean) * (pre[b] - mean);
            want_ih[row][j] = (1 - m) * want_ih[row][j] + m * mean;
            want_var_ih[row][j] = (1 - m) * want_var_ih[row][j] + m * var / (B - 1);
            if (t == 0) {
                double hm = 0, hv = 0, hp[BMAX];
                for (int b = 0; b < B; b++) {
                    hp[b] = 0;
                    for (int k = 0; k < H; k++)
                        hp[b] += (double)L.w_hh[j * H + k] * L.h0[b * H + k];
                    hm += hp[b];
                }
                hm /= B;
                for (int b = 0; b < B; b++)
                    hv += (hp[b] - hm) * (hp[b] - hm);
                want_hh0[j] = (1 - m) * want_hh0[j] + m * hm;
                want_var_hh0[j] = (1 - m) * want_var_hh0[j] + m * hv / (B - 1);
            }
        }
    }
    run r;
    run_alloc(&r, &L.s);
    L.nm.momentum = 0.1f;
    layer_forward(&L, &r, 0);
    double worst = 0;
    for (int k = 0; k < steps; k++)
        for (int j = 0; j < GH; j++) {
            worst = fmax(worst, fabs(L.mean[0][k * GH + j] - want_ih[k][j]));
            worst = fmax(worst, fabs(L.var[0][k * GH + j] - want_var_ih[k][j]));
        }
    for (int j = 0; j < GH; j++) {
        worst = fmax(worst, fabs(L.mean[1][j] - want_hh0[j]));
        worst = fmax(worst, fabs(L.var[1][j] - want_var_hh0[j]));
    }
    CHECK_MSG(worst < 1e-5, "running averages differ from the hand computation by %g", worst);
    free(r.block);
}

/* Evaluation: each stream's outputs are those of the stream alone (batch
 * norm by the running averages, layer norm by its own statistics), and the
 * one-step function gives the window's outputs step by step. */
static void check_layer_eval(recur_cell cell, recur_norm kind)
{
    const int B = 5;
    layer L;
    layer_init(&L, cell, kind, B, 2, 77 + (uint64_t)cell); /* steps 2 < T: later steps use row 1 */
    run r;
    run_alloc(&r, &L.s);
    layer_forward(&L, &r, 1);
    const size_t BH = (size_t)B * H;
    const int GH = rnn_gate_count(cell) * H;
    double worst_alone = 0, worst_step = 0;
    for (int b = 0; b < B; b++) {
        layer one;
        layer_init(&one, cell, kind, 1, 2, 77 + (uint64_t)cell);
        for (int t = 0; t < T; t++)
            memcpy(one.x + t * I, L.x + (t * B + b) * I, I * sizeof(float));
        memcpy(one.h0, L.h0 + b * H, H * sizeof(float));
        memcpy(one.c0, L.c0 + b * H, H * sizeof(float));
        run r1;
        run_alloc(&r1, &one.s);
        layer_forward(&one, &r1, 1);
        /* The step function from the same state. */
        float h[H], c[H], pre[GMAX * H];
        float *work = calloc(rnn_norm_step_work(&one.s), sizeof(float));
        memcpy(h, one.h0, sizeof h);
        memcpy(c, one.c0, sizeof c);
        rnn_weights w = layer_weights(&one);
        for (int t = 0; t < T; t++) {
            for (int j = 0; j < GH; j++) {
                double a = 0;
                for (int i = 0; i < I; i++)
                    a += (double)one.w_ih[j * I + i] * one.x[t * I + i];
                pre[j] = (float)a;
            }
            rnn_norm_step(&one.s, &w, &one.nm, t, pre, work, h, c);
            for (int j = 0; j < H; j++) {
                float want = r.cache.hs[(t + 1) * BH + b * H + j];
                worst_alone = fmax(worst_alone, fabs(r1.cache.hs[(t + 1) * H + j] - want));
                worst_step = fmax(worst_step, fabs(h[j] - want));
            }
        }
        free(work);
        free(r1.block);
    }
    CHECK_MSG(worst_alone < 1e-5, "%s %s norm: a stream evaluated with others differs from it alone by %g",
              recur_cell_name(cell), norm_label(kind), worst_alone);
    CHECK_MSG(worst_step < 1e-5, "%s %s norm: the step function differs from the window by %g",
              recur_cell_name(cell), norm_label(kind), worst_step);
    free(r.block);
}

int main(void)
{
    check_kernel(0, 0);
    check_kernel(1, 0);
    check_kernel(1, 1);
    check_running_kernel();
    static const recur_cell cells[] = {RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU, RECUR_CELL_LSTM, RECUR_CELL_GRU};
    for (int i = 0; i < 4; i++) {
        check_layer_grads(cells[i], RECUR_NORM_LAYER, 0);
        check_layer_grads(cells[i], RECUR_NORM_BATCH, 0);
        check_layer_eval(cells[i], RECUR_NORM_LAYER);
        check_layer_eval(cells[i], RECUR_NORM_BATCH);
    }
    check_layer_grads(RECUR_CELL_LSTM, RECUR_NORM_BATCH, 1);
    check_layer_running();
    return test_report();
}
