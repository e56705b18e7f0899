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

#include "core/gemm.h"
#include "core/vmath.h"
#include "nn/cells.h"

void lstm_cell(int H, float *g, const float *w_peep, const float *c_prev, float *c, float *tanh_c, float *h)
{
    float *gi = g, *gf = g + H, *gg = g + 2 * H, *go = g + 3 * H;
    if (w_peep) {
        for (int j = 0; j < H; j++) {
            gi[j] += w_peep[j] * c_prev[j];
            gf[j] += w_peep[H + j] * c_prev[j];
        }
    }
    recur_vsigmoid(gi, gi, 2 * (size_t)H); /* i and f are adjacent */
    recur_vtanh(gg, gg, (size_t)H);
    for (int j = 0; j < H; j++)
        c[j] = gf[j] * c_prev[j] + gi[j] * gg[j];
    if (w_peep)
        for (int j = 0; j < H; j++)
            go[j] += w_peep[2 * H + j] * c[j];
    recur_vsigmoid(go, go, (size_t)H);
    recur_vtanh(tanh_c, c, (size_t)H);
    for (int j = 0; j < H; j++)
        h[j] = go[j] * tanh_c[j];
}

void lstm_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *cache)
{
    const int B = s->B, H = s->H, G4 = 4 * H;
    const size_t BH = (size_t)B * H;
    for (int t = 0; t < s->T; t++) {
        float *g = cache->gates + (size_t)t * B * G4;
        const float *h_prev = cache->hs + (size_t)t * BH;
        recur_sgemm(0, 1, B, G4, H, 1.0f, h_prev, H, w->w_hh, H, 1.0f, g, G4);
        for (int b = 0; b < B; b++) {
            size_t o = (size_t)b * H;
            lstm_cell(H, g + (size_t)b * G4, w->w_peep, cache->cs + t * BH + o, cache->cs + (t + 1) * BH + o,
                      cache->aux + t * BH + o, cache->hs + (t + 1) * BH + o);
        }
    }
}

void lstm_backward_steps(const rnn_shape *s, const rnn_weights *w, rnn_grads *grads, const rnn_cache *cache,
                         float *dh, float *dgx, float *dc_next, float *dh0, float *dc0)
{
    const int B = s->B, H = s->H, G4 = 4 * H;
    const size_t BH = (size_t)B * H;
    const float *wp = w->w_peep;
    float *gp = grads->w_peep;
    for (size_t k = 0; k < BH; k++)
        dc_next[k] = 0.0f;
    for (int t = s->T - 1; t >= 0; t--) {
        for (int b = 0; b < B; b++) {
            size_t o = (size_t)b * H;
            const float *g = cache->gates + ((size_t)t * B + b) * G4;
            const float *c_prev = cache->cs + t * BH + o, *c = cache->cs + (t + 1) * BH + o;
            const float *tc = cache->aux + t * BH + o;
            const float *dht = dh + t * BH + o;
            float *dcn = dc_next + o;
            float *dg = dgx + ((size_t)t * B + b) * G4;
            for (int j = 0; j < H; j++) {
                float i = g[j], f = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
                float d_o = dht[j] * tc[j] * og * (1.0f - og);
                float dc = dcn[j] + dht[j] * og * (1.0f - tc[j] * tc[j]);
                if (wp)
                    dc += d_o * wp[2 * H + j];
                float d_i = dc * gg * i * (1.0f - i);
                float d_f = dc * c_prev[j] * f * (1.0f - f);
                float d_g = dc * i * (1.0f - gg * gg);
                float dcp = dc * f;
                if (wp) {
                    dcp += d_i * wp[j] + d_f * wp[H + j];
                    gp[j] += d_i * c_prev[j];
                    gp[H + j] += d_f * c_prev[j];
                    gp[2 * H + j] += d_o * c[j];
                }
                dcn[j] = dcp;
                dg[j] = d_i;
                dg[H + j] = d_f;
                dg[2 * H + j] = d_g;
                dg[3 * H + j] = d_o;
            }
        }
        /* dL/dh_{t-1} += dG_t W_hh; at t = 0 it leaves the window. */
        const float *dgt = dgx + (size_t)t * B * G4;
        if (t > 0)
            recur_sgemm(0, 0, B, H, G4, 1.0f, dgt, G4, w->w_hh, H, 1.0f, dh + (t - 1) * BH, H);
        else if (dh0)
            recur_sgemm(0, 0, B, H, G4, 1.0f, dgt, G4, w->w_hh, H, 0.0f, dh0, H);
    }
    if (dc0)
        for (size_t k = 0; k < BH; k++)
            dc0[k] = dc_next[k];
}
