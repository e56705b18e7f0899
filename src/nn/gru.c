/* GRU, PyTorch's formulation with gates in the order r, z, n:
 *   r = s(Wir x + bir + Whr h + bhr)
 *   z = s(Wiz x + biz + Whz h + bhz)
 *   n = tanh(Win x + bin + r * (Whn h + bhn))
 *   h' = (1 - z) * n + z * h
 * The hidden-side candidate term (Whn h + bhn) is kept per step for backward,
 * and the input-side and hidden-side gate gradients differ in the n slice. */
#include <stddef.h>
#include <string.h>

#include "core/gemm.h"
#include "core/vmath.h"
#include "nn/cells.h"

/* Over n units whose gates (r, z, n) lie stride apart in gx and gh:
 * gx the input-side pre-activations (b_ih and the r, z parts of b_hh
 * included), gh the hidden-side W_hh h (r, z with b_hh; n without), b_hn the
 * n slice of b_hh. Leaves r, z, n in gx and W_hn h + b_hn in ghn, which may
 * be gh's n slice itself. h may be h_prev. */
void gru_cell(int n, size_t stride, float *gx, const float *gh, const float *b_hn, const float *h_prev, float *ghn,
              float *h)
{
    float *r = gx, *z = gx + stride, *c = gx + 2 * stride;
    const float *hr = gh, *hz = gh + stride, *hc = gh + 2 * stride;
    for (int j = 0; j < n; j++) {
        r[j] += hr[j];
        z[j] += hz[j];
    }
    recur_vsigmoid(r, r, (size_t)n);
    recur_vsigmoid(z, z, (size_t)n);
    for (int j = 0; j < n; j++) {
        float hn = hc[j] + b_hn[j];
        ghn[j] = hn;
        c[j] += r[j] * hn;
    }
    recur_vtanh(c, c, (size_t)n);
    for (int j = 0; j < n; j++)
        h[j] = (1.0f - z[j]) * c[j] + z[j] * h_prev[j];
}

void gru_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *cache, int b0, int b1, int t0, int t1)
{
    const int B = s->B, H = s->H, G3 = 3 * H;
    const size_t BH = (size_t)B * H;
    for (int t = t0; t < t1; t++) {
        const float *h_prev = cache->hs + t * BH;
        float *gh = cache->step;
        memset(gh + (size_t)b0 * G3, 0, (size_t)(b1 - b0) * G3 * sizeof *gh);
        rnn_hidden_product(cache, 1, b1 - b0, G3, H, h_prev + (size_t)b0 * H, H, w->w_hh, gh + (size_t)b0 * G3, G3);
        for (int b = b0; b < b1; b++) {
            /* The r, z slices of b_hh are already in gates (see recurrent.c). */
            float *ghb = gh + (size_t)b * G3;
            size_t o = (size_t)b * H;
            gru_cell(H, (size_t)H, cache->gates + ((size_t)t * B + b) * G3, ghb, w->b_hh + 2 * H, h_prev + o,
                     cache->aux + t * BH + o, cache->hs + (t + 1) * BH + o);
        }
    }
}

/* Gate gradients of one stream at one step (input side ax, hidden side ah)
 * and the direct path z * dh into dh_prev (when there is one). restrict
 * lets the compiler vectorise the loop; the arrays never overlap. */
static void gru_cell_backward(int H, const float *restrict g, const float *restrict h_prev,
                              const float *restrict ghn, const float *restrict dht, float *restrict ax,
                              float *restrict ah, float *restrict dprev)
{
    for (int j = 0; j < H; j++) {
        float r = g[j], z = g[H + j], n = g[2 * H + j], d = dht[j];
        float dn = d * (1.0f - z) * (1.0f - n * n);
        float dz = d * (h_prev[j] - n) * z * (1.0f - z);
        float dr = dn * ghn[j] * r * (1.0f - r);
        ax[j] = ah[j] = dr;
        ax[H + j] = ah[H + j] = dz;
        ax[2 * H + j] = dn;
        ah[2 * H + j] = dn * r;
    }
    if (dprev)
        for (int j = 0; j < H; j++)
            dprev[j] += dht[j] * g[H + j];
}

void gru_backward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_cache *cache, float *dh,
                        float *dgx, float *dgh, float *dh0, int b0, int b1, int t0, int t1)
{
    const int B = s->B, H = s->H, G3 = 3 * H;
    const size_t BH = (size_t)B * H;
    for (int t = t1 - 1; t >= t0; t--) {
        /* dL/dh_{t-1}: the direct path z * dh lands here, W_hh's path below. */
        float *dprev = t > 0 ? dh + (t - 1) * BH : dh0;
        if (t == 0 && dh0)
            for (size_t k = (size_t)b0 * H; k < (size_t)b1 * H; k++)
                dh0[k] = 0.0f;
        for (int b = b0; b < b1; b++) {
            size_t o = (size_t)b * H, row = (size_t)t * B + b;
            gru_cell_backward(H, cache->gates + row * G3, cache->hs + t * BH + o, cache->aux + t * BH + o,
                              dh + t * BH + o, dgx + row * G3, dgh + row * G3, dprev ? dprev + o : NULL);
        }
        if (dprev)
            rnn_hidden_product(cache, 0, b1 - b0, H, G3, dgh + ((size_t)t * B + b0) * G3, G3, w->w_hh,
                               dprev + (size_t)b0 * H, H);
    }
}
