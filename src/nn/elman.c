/* The vanilla (Elman) RNN: h = act(W_ih x + b_ih + W_hh h_prev + b_hh), with
 * act tanh or ReLU. The course's "vanilla RNN", PyTorch's nn.RNN. */
#include <stddef.h>
#include <string.h>

#include "core/gemm.h"
#include "core/vmath.h"
#include "nn/cells.h"

void elman_cell(int H, recur_cell cell, const float *g, float *h)
{
    if (cell == RECUR_CELL_RNN_RELU) {
        for (int j = 0; j < H; j++)
            h[j] = g[j] > 0.0f ? g[j] : 0.0f;
    } else {
        recur_vtanh(h, g, (size_t)H);
    }
}

void elman_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *cache, int b0, int b1, int t0, int t1)
{
    const int B = s->B, H = s->H;
    const size_t BH = (size_t)B * H, o0 = (size_t)b0 * H;
    for (int t = t0; t < t1; t++) {
        float *g = cache->gates + t * BH + o0;
        rnn_hidden_product(cache, 1, b1 - b0, H, H, cache->hs + t * BH + o0, H, w->w_hh, g, H);
        elman_cell((b1 - b0) * H, s->cell, g, cache->hs + (t + 1) * BH + o0);
    }
}

void elman_backward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_cache *cache, float *dh,
                          float *dgx, float *dh0, int b0, int b1, int t0, int t1)
{
    const int B = s->B, H = s->H, nb = b1 - b0;
    const size_t BH = (size_t)B * H, o0 = (size_t)b0 * H, n = (size_t)nb * H;
    const int relu = s->cell == RECUR_CELL_RNN_RELU;
    for (int t = t1 - 1; t >= t0; t--) {
        const float *h = cache->hs + (t + 1) * BH + o0;
        const float *d = dh + t * BH + o0;
        float *da = dgx + t * BH + o0;
        if (relu)
            for (size_t k = 0; k < n; k++)
                da[k] = h[k] > 0.0f ? d[k] : 0.0f;
        else
            for (size_t k = 0; k < n; k++)
                da[k] = d[k] * (1.0f - h[k] * h[k]);
        if (t > 0) {
            rnn_hidden_product(cache, 0, nb, H, H, da, H, w->w_hh, dh + (t - 1) * BH + o0, H);
        } else if (dh0) {
            memset(dh0 + o0, 0, n * sizeof *dh0);
            rnn_hidden_product(cache, 0, nb, H, H, da, H, w->w_hh, dh0 + o0, H);
        }
    }
}
