/* SGD (with momentum), Adam and RMSprop with PyTorch's update rules, so the
 * same hyperparameters mean the same thing in both. */
#include "train/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/reduce.h"

recur_status optim_init(optim_state *o, const recur_train_config *tc, size_t n, recur_error *err)
{
    memset(o, 0, sizeof *o);
    o->kind = tc->optimizer;
    o->n = n;
    int need_m = tc->optimizer == RECUR_OPT_ADAM || (tc->optimizer == RECUR_OPT_SGD && tc->momentum > 0.0f);
    int need_v = tc->optimizer == RECUR_OPT_ADAM || tc->optimizer == RECUR_OPT_RMSPROP;
    if (need_m && !(o->m = calloc(n, sizeof *o->m)))
        return recur_fail_nomem(err, "optimizer state");
    if (need_v && !(o->v = calloc(n, sizeof *o->v))) {
        optim_free(o);
        return recur_fail_nomem(err, "optimizer state");
    }
    return RECUR_OK;
}

void optim_free(optim_state *o)
{
    free(o->m);
    free(o->v);
    memset(o, 0, sizeof *o);
}

/* Each loop reads g[k] once, scaled, and leaves a zero in its place: one
 * pass over the gradient instead of a scaling pass, the update and a
 * clearing pass before the next step. */
void optim_step(optim_state *o, const recur_train_config *tc, float lr, float *p, float *g, float g_scale)
{
    optim_begin(o);
    optim_apply(o, tc, lr, p, g, g_scale, 0, o->n);
}

void optim_begin(optim_state *o) { o->t++; }

void optim_apply(optim_state *o, const recur_train_config *tc, float lr, float *p, float *g, float g_scale,
                 size_t from, size_t n)
{
    p += from;
    g += from;
    switch (o->kind) {
    case RECUR_OPT_SGD:
        if (o->m) {
            /* buf = momentum * buf + g; p -= lr * buf (torch.optim.SGD) */
            float mu = tc->momentum, *buf = o->m + from;
#pragma omp parallel for simd schedule(static) if (n >= 65536)
            for (size_t k = 0; k < n; k++) {
                float gk = g[k] * g_scale;
                g[k] = 0.0f;
                buf[k] = mu * buf[k] + gk;
                p[k] -= lr * buf[k];
            }
        } else {
#pragma omp parallel for simd schedule(static) if (n >= 65536)
            for (size_t k = 0; k < n; k++) {
                float gk = g[k] * g_scale;
                g[k] = 0.0f;
                p[k] -= lr * gk;
            }
        }
        break;
    case RECUR_OPT_ADAM: {
        const float b1 = tc->beta1, b2 = tc->beta2, eps = tc->eps;
        const double c1 = 1.0 - pow(b1, (double)o->t), c2 = 1.0 - pow(b2, (double)o->t);
        /* p -= lr / c1 * m / (sqrt(v / c2) + eps), as torch.optim.Adam */
        const float step = (float)(lr / c1), inv_sqrt_c2 = (float)(1.0 / sqrt(c2));
        float *m = o->m + from, *v = o->v + from;
#pragma omp parallel for simd schedule(static) if (n >= 65536)
        for (size_t k = 0; k < n; k++) {
            float gk = g[k] * g_scale;
            g[k] = 0.0f;
            m[k] = b1 * m[k] + (1.0f - b1) * gk;
            v[k] = b2 * v[k] + (1.0f - b2) * gk * gk;
            p[k] -= step * m[k] / (sqrtf(v[k]) * inv_sqrt_c2 + eps);
        }
        break;
    }
    case RECUR_OPT_RMSPROP: {
        const float a = tc->rms_alpha, eps = tc->eps;
        float *v = o->v + from;
#pragma omp parallel for simd schedule(static) if (n >= 65536)
        for (size_t k = 0; k < n; k++) {
            float gk = g[k] * g_scale;
            g[k] = 0.0f;
            v[k] = a * v[k] + (1.0f - a) * gk * gk;
            p[k] -= lr * gk / (sqrtf(v[k]) + eps);
        }
        break;
    }
    }
}

double block_sum_squares(const float *g, size_t n)
{
    /* Fixed chunks summed in a fixed order: the same result whatever the
     * thread count (a reduction clause would not promise that). */
    enum { CHUNK = 16384 };
    size_t chunks = (n + CHUNK - 1) / CHUNK;
    double total = 0.0;
    double partial[64];
    for (size_t c0 = 0; c0 < chunks; c0 += 64) {
        size_t c1 = c0 + 64 < chunks ? c0 + 64 : chunks;
#pragma omp parallel for schedule(static) if (n >= 65536)
        for (size_t c = c0; c < c1; c++) {
            size_t k1 = (c + 1) * CHUNK < n ? (c + 1) * CHUNK : n;
            partial[c - c0] = recur_dsum_squares(g + c * CHUNK, k1 - c * CHUNK);
        }
        for (size_t c = c0; c < c1; c++)
            total += partial[c - c0];
    }
    return total;
}
