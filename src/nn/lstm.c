/* LSTM, PyTorch's formulation with gates in the order i, f, g, o:
 *   i = s(Wii x + bii + Whi h + bhi [+ wci * c_prev])
 *   f = s(Wif x + bif + Whf h + bhf [+ wcf * c_prev])
 *   g = tanh(Wig x + big + Whg h + bhg)
 *   c = f * c_prev + i * g
 *   o = s(Wio x + bio + Who h + bho [+ wco * c])
 *   h = o * tanh(c)
 * The bracketed peephole terms (Graves 2013, "Generating Sequences With
 * Recurrent Neural Networks", eq. 7-11) are present only with peepholes. */
#include <stddef.h>
#include <string.h>

#include "core/gemm.h"
#include "core/vmath.h"
#include "nn/cells.h"

void lstm_cell(int n, size_t stride, float *g, const float *w_peep, const float *c_prev, float *c, float *tanh_c,
               float *h)
{
    float *gi = g, *gf = g + stride, *gg = g + 2 * stride, *go = g + 3 * stride;
    if (w_peep) {
        for (int j = 0; j < n; j++) {
            gi[j] += w_peep[j] * c_prev[j];
            gf[j] += w_peep[stride + j] * c_prev[j];
        }
    }
    recur_vsigmoid(gi, gi, (size_t)n);
    recur_vsigmoid(gf, gf, (size_t)n);
    recur_vtanh(gg, gg, (size_t)n);
    for (int j = 0; j < n; j++)
        c[j] = gf[j] * c_prev[j] + gi[j] * gg[j];
    if (w_peep)
        for (int j = 0; j < n; j++)
            go[j] += w_peep[2 * stride + j] * c[j];
    recur_vsigmoid(go, go, (size_t)n);
    recur_vtanh(tanh_c, c, (size_t)n);
    for (int j = 0; j < n; j++)
        h[j] = go[j] * tanh_c[j];
}

void lstm_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *cache, int b0, int b1, int t0, int t1)
{
    const int B = s->B, H = s->H, G4 = 4 * H;
    const size_t BH = (size_t)B * H;
    for (int t = t0; t < t1; t++) {
        float *g = cache->gates + ((size_t)t * B + b0) * G4;
        const float *h_prev = cache->hs + t * BH + (size_t)b0 * H;
        rnn_hidden_product(cache, 1, b1 - b0, G4, H, h_prev, H, w->w_hh, g, G4);
        for (int b = b0; b < b1; b++) {
            size_t o = (size_t)b * H;
            lstm_cell(H, (size_t)H, cache->gates + ((size_t)t * B + b) * G4, w->w_peep, cache->cs + t * BH + o,
                      cache->cs + (t + 1) * BH + o, cache->aux + t * BH + o, cache->hs + (t + 1) * BH + o);
        }
    }
}

/* Gate gradients of one stream at one step, without peepholes: a loop the
 * compiler vectorises once it knows the arrays are distinct (restrict:
 * without it, the alias checks for seven arrays exceed what it will emit).
 * dcn holds dL/dc_t from the future on entry and dL/dc_{t-1} on exit. */
static void lstm_cell_backward(int H, const float *restrict g, const float *restrict c_prev,
                               const float *restrict tc, const float *restrict dht, float *restrict dcn,
                               float *restrict dg)
{
    for (int j = 0; j < H; j++) {
        float i = g[j], f = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
        float dc = dcn[j] + dht[j] * og * (1.0f - tc[j] * tc[j]);
        dg[j] = dc * gg * i * (1.0f - i);
        dg[H + j] = dc * c_prev[j] * f * (1.0f - f);
        dg[2 * H + j] = dc * i * (1.0f - gg * gg);
        dg[3 * H + j] = dht[j] * tc[j] * og * (1.0f - og);
        dcn[j] = dc * f;
    }
}

/* The same with peepholes: the output gate also feeds dc, and dc_prev also
 * flows back through the input and forget gates' peepholes. */
static void lstm_cell_backward_peephole(int H, const float *restrict g, const float *restrict wp,
                                        const float *restrict c_prev, const float *restrict tc,
                                        const float *restrict dht, float *restrict dcn, float *restrict dg)
{
    for (int j = 0; j < H; j++) {
        float i = g[j], f = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
        float d_o = dht[j] * tc[j] * og * (1.0f - og);
        float dc = dcn[j] + dht[j] * og * (1.0f - tc[j] * tc[j]) + d_o * wp[2 * H + j];
        float d_i = dc * gg * i * (1.0f - i);
        float d_f = dc * c_prev[j] * f * (1.0f - f);
        dg[j] = d_i;
        dg[H + j] = d_f;
        dg[2 * H + j] = dc * i * (1.0f - gg * gg);
        dg[3 * H + j] = d_o;
        dcn[j] = dc * f + d_i * wp[j] + d_f * wp[H + j];
    }
}

void lstm_backward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_cache *cache, float *dh, float *dgx,
                         float *dc_next, float *dh0, float *dc0, int b0, int b1, int t0, int t1)
{
    const int B = s->B, H = s->H, G4 = 4 * H, nb = b1 - b0;
    const size_t BH = (size_t)B * H, o0 = (size_t)b0 * H;
    if (t1 == s->T) /* dc_next carries dL/dc from one block of steps to the one before */
        for (size_t k = o0; k < (size_t)b1 * H; k++)
            dc_next[k] = 0.0f;
    for (int t = t1 - 1; t >= t0; t--) {
        for (int b = b0; b < b1; b++) {
            size_t o = (size_t)b * H, row = (size_t)t * B + b;
            const float *g = cache->gates + row * G4, *c_prev = cache->cs + t * BH + o;
            const float *tc = cache->aux + t * BH + o, *dht = dh + t * BH + o;
            if (w->w_peep)
                lstm_cell_backward_peephole(H, g, w->w_peep, c_prev, tc, dht, dc_next + o, dgx + row * G4);
            else
                lstm_cell_backward(H, g, c_prev, tc, dht, dc_next + o, dgx + row * G4);
        }
        /* dL/dh_{t-1} += dG_t W_hh; at t = 0 it leaves the window. */
        const float *dgt = dgx + ((size_t)t * B + b0) * G4;
        if (t > 0) {
            rnn_hidden_product(cache, 0, nb, H, G4, dgt, G4, w->w_hh, dh + (t - 1) * BH + o0, H);
        } else if (dh0) {
            memset(dh0 + o0, 0, (size_t)nb * H * sizeof *dh0);
            rnn_hidden_product(cache, 0, nb, H, G4, dgt, G4, w->w_hh, dh0 + o0, H);
        }
    }
    if (dc0 && t0 == 0)
        for (size_t k = o0; k < (size_t)b1 * H; k++)
            dc0[k] = dc_next[k];
}

/* One stream's step of the peephole gradients (restrict: vectorised). */
static void peephole_grads_row(int H, const float *restrict dg, const float *restrict c_prev,
                               const float *restrict c, float *restrict gp)
{
    for (int j = 0; j < H; j++) {
        gp[j] += dg[j] * c_prev[j];
        gp[H + j] += dg[H + j] * c_prev[j];
        gp[2 * H + j] += dg[3 * H + j] * c[j];
    }
}

void lstm_peephole_grads(const rnn_shape *s, const rnn_cache *cache, const float *dgx, float *gp)
{
    const int B = s->B, H = s->H, G4 = 4 * H;
    const size_t BH = (size_t)B * H;
    for (int t = 0; t < s->T; t++)
        for (int b = 0; b < B; b++) {
            const float *c_prev = cache->cs + t * BH + (size_t)b * H;
            peephole_grads_row(H, dgx + ((size_t)t * B + b) * G4, c_prev, c_prev + BH, gp);
        }
}
