/* The normalised layers at one and two threads, on a step wide enough (40
 * streams x 2,048 gates) that any loop made parallel would split: the norm
 * kernels give the one-thread result bit for bit, and a normalised layer's
 * outputs, gradients and running averages the same to float rounding (its
 * products are cut into slabs by thread count), for both norms, batch norm
 * with its own and with fixed statistics, and every cell. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/norm.h"
#include "nn/recurrent_norm.h"
#include "recur.h"
#include "test.h"

enum { N = 40, D = 2048, T = 3, B = 40, I = 64, H = 512 };

static float *random_floats(size_t n, float offset, float scale, recur_rng *rng)
{
    float *x = malloc(n * sizeof *x);
    for (size_t k = 0; k < n; k++)
        x[k] = offset + scale * recur_rng_normal(rng);
    return x;
}

/* Everything the kernel passes write: three passes (layer norm, batch norm
 * with its own and with fixed statistics), each with its own outputs. */
enum { PASS_OUT = 3 * N * D + 5 * D + 2 * D, KERNEL_OUT = 3 * PASS_OUT + N * D };

static void kernels(const float *x, const float *gain, const float *bias, const float *dy, const float *mean,
                    const float *var, float *out)
{
    memset(out, 0, KERNEL_OUT * sizeof *out);
    for (int pass = 0; pass < 3; pass++) {
        float *y = out + pass * PASS_OUT, *xhat = y + N * D, *dx = xhat + N * D;
        float *rstd = dx + N * D, *mu = rstd + D, *v = mu + D, *dgain = v + D, *dbias = dgain + D;
        float *scratch = dbias + D; /* 2 * D */
        if (pass == 0) {
            layer_norm_forward(x, N, D, gain, bias, xhat, rstd, y);
            layer_norm_backward(xhat, rstd, N, D, gain, dy, dgain, dbias, dx);
            /* in place, dx == dy */
            float *dxi = out + 3 * PASS_OUT;
            memcpy(dxi, dy, N * D * sizeof *dxi);
            layer_norm_backward(xhat, rstd, N, D, gain, dxi, dgain, dbias, dxi);
            continue;
        }
        int fixed = pass == 2;
        if (fixed)
            batch_norm_forward_fixed(x, N, D, gain, bias, mean, var, xhat, rstd, y);
        else
            batch_norm_forward(x, N, D, gain, bias, xhat, rstd, mu, v, y);
        batch_norm_backward(xhat, rstd, N, D, gain, dy, fixed, dgain, dbias, dx, scratch);
    }
}

static void check_kernels(void)
{
    recur_rng rng;
    recur_rng_seed(&rng, 3);
    float *x = random_floats(N * D, 0.3f, 1.0f, &rng), *dy = random_floats(N * D, 0.0f, 1.0f, &rng);
    float *gain = random_floats(D, 1.0f, 0.2f, &rng), *bias = random_floats(D, 0.0f, 0.3f, &rng);
    float *mean = random_floats(D, 0.0f, 0.2f, &rng), *var = random_floats(D, 1.0f, 0.1f, &rng);
    float *one = malloc(KERNEL_OUT * sizeof *one), *two = malloc(KERNEL_OUT * sizeof *two);
    recur_set_threads(1);
    kernels(x, gain, bias, dy, mean, var, one);
    recur_set_threads(2);
    kernels(x, gain, bias, dy, mean, var, two);
    CHECK_MSG(memcmp(one, two, KERNEL_OUT * sizeof *one) == 0, "norm kernels differ between 1 and 2 threads");
    free(x), free(dy), free(gain), free(bias), free(mean), free(var), free(one), free(two);
}

/* One normalised layer's parameters, and everything a forward and backward
 * of it writes, in one block each. */
typedef struct layer_run {
    size_t n_params, n_out;
    float *params, *out;
} layer_run;

static size_t layer_params(const rnn_shape *s)
{
    const size_t GH = (size_t)rnn_gate_count(s->cell) * H;
    return GH * I + GH * H + 2 * GH + 2 * GH + 2 * (size_t)H + 6 * (size_t)T * GH;
}

/* Forward and backward of the layer at the current thread count: outputs,
 * every gradient and dx (and the running averages a training batch norm
 * moves) land in out. */
static void run_layer(const rnn_shape *s, recur_norm kind, int fixed, float *params, float *out, size_t n_out,
                      const float *x, const float *dh_in)
{
    const size_t GH = (size_t)rnn_gate_count(s->cell) * H, BH = (size_t)B * H, TB = (size_t)T * B;
    float *p = params;
    rnn_weights w = {p, p + GH * I, p + GH * I + GH * H, p + GH * I + GH * H + GH, NULL};
    float *gains = p + GH * I + GH * H + 2 * GH, *running = gains + 2 * GH + 2 * H;
    /* A copy of the running averages, so that both thread counts start from
     * the same ones and the moved ones can be compared. */
    float *run = out;
    memcpy(run, running, 6 * (size_t)T * GH * sizeof *run);
    rnn_norm nm = {kind,     gains, gains + GH, NULL, NULL, T, run, run + T * GH, run + 2 * T * GH, run + 3 * T * GH,
                   NULL,     NULL,  0,          fixed, RNN_NORM_MOMENTUM};
    if (s->cell == RECUR_CELL_LSTM) {
        nm.gain_c = gains + 2 * GH;
        nm.bias_c = gains + 2 * GH + H;
        nm.mean_c = run + 4 * T * GH;
        nm.var_c = run + 5 * T * GH;
    }
    float *o = run + 6 * (size_t)T * GH;
    rnn_cache cache = {0};
    cache.hs = o, o += BH * (T + 1);
    cache.cs = o, o += BH * (T + 1);
    cache.gates = o, o += TB * GH;
    cache.aux = o, o += TB * H;
    cache.step = o, o += B * GH;
    rnn_norm_cache nc;
    rnn_norm_cache_lay_out(&nc, s, o);
    o += rnn_norm_cache_size(s);
    rnn_grads g = {o, o + GH * I, o + GH * I + GH * H, o + GH * I + GH * H + GH, NULL};
    o += GH * I + GH * H + 2 * GH;
    rnn_norm_grads ng = {o, o + GH, o + 2 * GH, o + 2 * GH + H};
    o += 2 * GH + 2 * (size_t)H;
    float *dx = o, *dh = dx + TB * I, *dh0 = dh + TB * H, *dc0 = dh0 + BH;
    o = dc0 + BH;
    CHECK((size_t)(o - out) <= n_out);
    for (size_t k = 0; k < BH; k++)
        cache.hs[k] = cache.cs[k] = 0.1f * (float)(k % 7) - 0.3f;
    rnn_norm_forward(s, &w, &nm, x, &cache, &nc);
    memcpy(dh, dh_in, TB * H * sizeof *dh);
    float *scratch = calloc(rnn_norm_backward_scratch(s), sizeof *scratch);
    rnn_norm_backward(s, &w, &nm, &g, &ng, x, &cache, &nc, dh, dx, scratch, dh0,
                      s->cell == RECUR_CELL_LSTM ? dc0 : NULL);
    free(scratch);
}

static void check_layer(recur_cell cell, recur_norm kind, int fixed)
{
    const rnn_shape s = {T, B, I, H, cell, 0};
    const size_t GH = (size_t)rnn_gate_count(cell) * H;
    recur_rng rng;
    recur_rng_seed(&rng, 11 + (uint64_t)cell);
    const size_t n_params = layer_params(&s);
    float *params = random_floats(n_params, 0.0f, 0.05f, &rng);
    /* gains near 1, variances positive */
    for (size_t k = 0; k < 2 * GH + 2 * (size_t)H; k++)
        params[GH * I + GH * H + 2 * GH + k] = 1.0f + 0.1f * recur_rng_normal(&rng);
    for (size_t k = 0; k < 6 * (size_t)T * GH; k++)
        params[n_params - 6 * (size_t)T * GH + k] = 1.0f + 0.5f * recur_rng_uniform(&rng);
    float *x = random_floats((size_t)T * B * I, 0.0f, 1.0f, &rng);
    float *dh = random_floats((size_t)T * B * H, 0.0f, 1.0f, &rng);
    const size_t n_out = 6 * (size_t)T * GH + 2 * (size_t)B * H * (T + 1) + (size_t)T * B * (GH + H) + B * GH +
                         rnn_norm_cache_size(&s) + n_params + (size_t)T * B * (I + H) + 2 * (size_t)B * H;
    float *one = calloc(n_out, sizeof *one), *two = calloc(n_out, sizeof *two);
    recur_set_threads(1);
    run_layer(&s, kind, fixed, params, one, n_out, x, dh);
    recur_set_threads(2);
    run_layer(&s, kind, fixed, params, two, n_out, x, dh);
    /* The step loops give each thread whole rows and add nothing across
     * them, but the layer's matrix products are cut into more slabs at two
     * threads, and OpenBLAS may sum a slab in another order: the layer is
     * compared to float rounding, the kernels above bit for bit. */
    double worst = 0.0;
    for (size_t k = 0; k < n_out; k++)
        worst = fmax(worst, fabs((double)one[k] - two[k]) / (1.0 + fabs((double)one[k])));
    CHECK_MSG(worst < 1e-5, "%s, %s norm%s: 1 and 2 threads differ by %g", recur_cell_name(cell),
              kind == RECUR_NORM_BATCH ? "batch" : "layer", fixed ? " (fixed)" : "", worst);
    free(params), free(x), free(dh), free(one), free(two);
}

int main(void)
{
    check_kernels();
    static const recur_cell cells[] = {RECUR_CELL_RNN_TANH, RECUR_CELL_LSTM, RECUR_CELL_GRU};
    for (int c = 0; c < 3; c++) {
        check_layer(cells[c], RECUR_NORM_LAYER, 0);
        check_layer(cells[c], RECUR_NORM_BATCH, 0);
        check_layer(cells[c], RECUR_NORM_BATCH, 1);
    }
    return test_report();
}
