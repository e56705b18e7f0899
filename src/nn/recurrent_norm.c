/* The normalised recurrent layers (see recurrent_norm.h). The input side is
 * projected for all T steps with one matrix product and normalised step by
 * step; each step then projects h_{t-1} for every stream at once, since a
 * batch norm needs the whole step's rows before any stream can go on. */
#include "nn/recurrent_norm.h"

#include <string.h>

#include "core/gemm.h"
#include "core/gemm_packed.h"
#include "core/vmath.h"
#include "nn/cells.h"
#include "nn/norm.h"

enum site { SITE_IH, SITE_HH, SITE_C };

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

size_t rnn_norm_cache_size(const rnn_shape *s)
{
    const size_t T = (size_t)s->T, B = (size_t)s->B, H = (size_t)s->H;
    const size_t GH = (size_t)rnn_gate_count(s->cell) * H;
    size_t n = 2 * T * B * GH + 2 * T * max_size(B, GH) + 2 * GH;
    if (s->cell == RECUR_CELL_LSTM)
        n += T * B * H + T * max_size(B, H);
    return n;
}

void rnn_norm_cache_lay_out(rnn_norm_cache *nc, const rnn_shape *s, float *block)
{
    const size_t T = (size_t)s->T, B = (size_t)s->B, H = (size_t)s->H;
    const size_t GH = (size_t)rnn_gate_count(s->cell) * H;
    memset(nc, 0, sizeof *nc);
    nc->xhat_ih = block;
    nc->xhat_hh = nc->xhat_ih + T * B * GH;
    nc->rstd_ih = nc->xhat_hh + T * B * GH;
    nc->rstd_hh = nc->rstd_ih + T * max_size(B, GH);
    nc->stats = nc->rstd_hh + T * max_size(B, GH);
    if (s->cell == RECUR_CELL_LSTM) {
        nc->xhat_c = nc->stats + 2 * GH;
        nc->rstd_c = nc->xhat_c + T * B * H;
    }
}

size_t rnn_norm_backward_scratch(const rnn_shape *s)
{
    const size_t T = (size_t)s->T, B = (size_t)s->B, H = (size_t)s->H;
    const size_t GH = (size_t)rnn_gate_count(s->cell) * H;
    /* dgx and dgh for every step, dc from the future and one step's dc. */
    return 2 * T * B * GH + 2 * B * H + 2 * GH;
}

int rnn_norm_running_row(const rnn_norm *nm, int step)
{
    if (step >= nm->steps)
        step = nm->steps - 1;
    return step < 0 ? 0 : step;
}

/* One site's gain, shift and running averages. */
typedef struct site_view {
    const float *gain, *bias;
    float *mean, *var;
    int width;
} site_view;

static site_view site_of(const rnn_shape *s, const rnn_norm *nm, enum site site)
{
    const int GH = rnn_gate_count(s->cell) * s->H;
    site_view v = {0};
    switch (site) {
    case SITE_IH: v = (site_view){nm->gain_ih, NULL, nm->mean_ih, nm->var_ih, GH}; break;
    case SITE_HH: v = (site_view){nm->gain_hh, NULL, nm->mean_hh, nm->var_hh, GH}; break;
    case SITE_C: v = (site_view){nm->gain_c, nm->bias_c, nm->mean_c, nm->var_c, s->H}; break;
    }
    return v;
}

/* Normalises, in place, the B rows x of one step t (of the window) at one
 * site, keeping xhat and rstd (both may be NULL with fixed statistics). */
static void norm_step(const rnn_shape *s, const rnn_norm *nm, enum site site, int t, int fixed, float *x,
                      float *xhat, float *rstd, float *stats)
{
    const site_view v = site_of(s, nm, site);
    const size_t B = (size_t)s->B;
    if (nm->kind == RECUR_NORM_LAYER) {
        layer_norm_forward(x, B, v.width, v.gain, v.bias, xhat ? xhat : x, rstd ? rstd : stats, x);
        return;
    }
    const size_t row = (size_t)rnn_norm_running_row(nm, nm->t0 + t) * (size_t)v.width;
    if (fixed) {
        batch_norm_forward_fixed(x, B, v.width, v.gain, v.bias, v.mean + row, v.var + row, xhat,
                                 rstd ? rstd : stats, x);
        return;
    }
    float *mean = stats, *var = stats + v.width;
    batch_norm_forward(x, B, v.width, v.gain, v.bias, xhat, rstd, mean, var, x);
    if (nm->momentum > 0.0f && v.mean)
        batch_norm_update_running(v.mean + row, v.var + row, mean, var, B, v.width, nm->momentum);
}

/* Backward of norm_step: dy (B rows) becomes dL/d(raw pre-activation). */
static void norm_step_backward(const rnn_shape *s, const rnn_norm *nm, rnn_norm_grads *ng, enum site site,
                               int fixed, const float *xhat, const float *rstd, float *dy, float *scratch)
{
    const site_view v = site_of(s, nm, site);
    float *dgain = site == SITE_IH ? ng->gain_ih : site == SITE_HH ? ng->gain_hh : ng->gain_c;
    float *dbias = site == SITE_C ? ng->bias_c : NULL;
    if (nm->kind == RECUR_NORM_LAYER)
        layer_norm_backward(xhat, rstd, (size_t)s->B, v.width, v.gain, dy, dgain, dbias, dy);
    else
        batch_norm_backward(xhat, rstd, (size_t)s->B, v.width, v.gain, dy, fixed, dgain, dbias, dy, scratch);
}

static size_t rstd_stride(const rnn_shape *s, enum site site)
{
    size_t width = site == SITE_C ? (size_t)s->H : (size_t)rnn_gate_count(s->cell) * (size_t)s->H;
    return max_size((size_t)s->B, width);
}

/* Adds the biases to one step's normalised input side: b_ih, and b_hh
 * except the GRU's candidate slice, which sits inside r * (...). */
static void add_biases(const rnn_shape *s, const rnn_weights *w, float *g, size_t rows)
{
    const int GH = rnn_gate_count(s->cell) * s->H;
    const int hidden_cols = s->cell == RECUR_CELL_GRU ? 2 * s->H : GH;
    for (size_t r = 0; r < rows; r++) {
        float *gr = g + r * (size_t)GH;
        for (int j = 0; j < GH; j++)
            gr[j] += w->b_ih[j] + (j < hidden_cols ? w->b_hh[j] : 0.0f);
    }
}

/* The LSTM's update after its pre-activations, for B streams: gates
 * activated in place, c_new raw, the normalised cell's tanh in tc, h. cn is
 * B*H scratch. */
static void lstm_norm_update(const rnn_shape *s, const rnn_norm *nm, int t, int fixed, float *g, const float *c_prev,
                             float *c_new, float *cn, float *xhat_c, float *rstd_c, float *stats, float *tc,
                             float *h)
{
    const int B = s->B, H = s->H, G4 = 4 * H;
    for (int b = 0; b < B; b++) {
        float *gb = g + (size_t)b * G4;
        recur_vsigmoid(gb, gb, 2 * (size_t)H);
        recur_vtanh(gb + 2 * H, gb + 2 * H, (size_t)H);
        recur_vsigmoid(gb + 3 * H, gb + 3 * H, (size_t)H);
        const float *cp = c_prev + (size_t)b * H;
        float *cb = c_new + (size_t)b * H;
        for (int j = 0; j < H; j++)
            cb[j] = gb[H + j] * cp[j] + gb[j] * gb[2 * H + j];
    }
    memcpy(cn, c_new, (size_t)B * H * sizeof *cn);
    norm_step(s, nm, SITE_C, t, fixed, cn, xhat_c, rstd_c, stats);
    recur_vtanh(tc, cn, (size_t)B * H);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++)
            h[(size_t)b * H + j] = g[(size_t)b * G4 + 3 * H + j] * tc[(size_t)b * H + j];
}

/* The cell update of one step for all streams once g holds the input side
 * with the biases and hh the normalised hidden side. */
static void cell_update(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, int t, int fixed, float *g,
                        const float *hh, const float *h_prev, const float *c_prev, float *c_new, float *cn,
                        float *xhat_c, float *rstd_c, float *stats, float *aux, float *h)
{
    const int B = s->B, H = s->H, GH = rnn_gate_count(s->cell) * H;
    if (s->cell == RECUR_CELL_GRU) {
        for (int b = 0; b < B; b++)
            gru_cell(H, (size_t)H, g + (size_t)b * GH, hh + (size_t)b * GH, w->b_hh + 2 * H, h_prev + (size_t)b * H,
                     aux + (size_t)b * H, h + (size_t)b * H);
        return;
    }
    for (size_t k = 0; k < (size_t)B * GH; k++)
        g[k] += hh[k];
    if (s->cell == RECUR_CELL_LSTM)
        lstm_norm_update(s, nm, t, fixed, g, c_prev, c_new, cn, xhat_c, rstd_c, stats, aux, h);
    else
        for (int b = 0; b < B; b++)
            elman_cell(H, s->cell, g + (size_t)b * GH, h + (size_t)b * H);
}

void rnn_norm_forward(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, const float *x,
                      rnn_cache *cache, rnn_norm_cache *nc)
{
    const int GH = rnn_gate_count(s->cell) * s->H;
    recur_sgemm(0, 1, s->T * s->B, GH, s->I, 1.0f, x, s->I, w->w_ih, s->I, 0.0f, cache->gates, GH);
    rnn_norm_forward_steps(s, w, nm, cache, nc);
}

void rnn_norm_forward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, rnn_cache *cache,
                            rnn_norm_cache *nc)
{
    const int T = s->T, B = s->B, H = s->H, GH = rnn_gate_count(s->cell) * H;
    const size_t BH = (size_t)B * H, BG = (size_t)B * GH;
    const int fixed = nm->kind == RECUR_NORM_BATCH && nm->fixed;
    const size_t rs_g = rstd_stride(s, SITE_IH), rs_c = rstd_stride(s, SITE_C);
    nc->fixed = fixed;
    for (int t = 0; t < T; t++) {
        float *g = cache->gates + t * BG;
        norm_step(s, nm, SITE_IH, t, fixed, g, nc->xhat_ih + t * BG, nc->rstd_ih + t * rs_g, nc->stats);
        add_biases(s, w, g, (size_t)B);
    }
    float *hh = cache->step;
    if (cache->packed) /* the steps compute h W_hh^T: pack W_hh^T (H x GH) once */
        recur_pack_b(1, H, GH, w->w_hh, H, cache->packed);
    for (int t = 0; t < T; t++) {
        const float *h_prev = cache->hs + t * BH;
        memset(hh, 0, BG * sizeof *hh);
        rnn_hidden_product(cache, 1, B, GH, H, h_prev, H, w->w_hh, hh, GH);
        norm_step(s, nm, SITE_HH, t, fixed, hh, nc->xhat_hh + t * BG, nc->rstd_hh + t * rs_g, nc->stats);
        int lstm = s->cell == RECUR_CELL_LSTM;
        /* The LSTM's normalised cell goes through hh, free once added. */
        cell_update(s, w, nm, t, fixed, cache->gates + t * BG, hh, h_prev, lstm ? cache->cs + t * BH : NULL,
                    lstm ? cache->cs + (t + 1) * BH : NULL, hh, lstm ? nc->xhat_c + t * BH : NULL,
                    lstm ? nc->rstd_c + t * rs_c : NULL, nc->stats, cache->aux + t * BH,
                    cache->hs + (t + 1) * BH);
    }
}

/* Gate gradients of one step for all streams: dgx (input side), dgh
 * (hidden side, before its norm) and the GRU's direct path into dprev. dc
 * (LSTM) holds dL/dc_t from the future on entry and dL/dc_{t-1} on exit;
 * dcn is B*H scratch. */
static void gate_grads(const rnn_shape *s, const rnn_norm *nm, rnn_norm_grads *ng, const rnn_cache *cache,
                       const rnn_norm_cache *nc, int t, const float *dht, float *dgx, float *dgh, float *dprev,
                       float *dc, float *dcn, float *scratch)
{
    const int B = s->B, H = s->H, GH = rnn_gate_count(s->cell) * H;
    const size_t BH = (size_t)B * H;
    const float *g = cache->gates + (size_t)t * B * GH;
    if (s->cell == RECUR_CELL_LSTM) {
        const float *tc = cache->aux + t * BH, *c_prev = cache->cs + t * BH;
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++) {
                size_t k = (size_t)b * H + j;
                float og = g[(size_t)b * GH + 3 * H + j];
                dgx[(size_t)b * GH + 3 * H + j] = dht[k] * tc[k] * og * (1.0f - og);
                dcn[k] = dht[k] * og * (1.0f - tc[k] * tc[k]);
            }
        norm_step_backward(s, nm, ng, SITE_C, nc->fixed, nc->xhat_c + t * BH, nc->rstd_c + t * rstd_stride(s, SITE_C),
                           dcn, scratch);
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++) {
                size_t k = (size_t)b * H + j;
                const float *gb = g + (size_t)b * GH;
                float *db = dgx + (size_t)b * GH;
                float i = gb[j], f = gb[H + j], gg = gb[2 * H + j];
                float d = dc[k] + dcn[k];
                db[j] = d * gg * i * (1.0f - i);
                db[H + j] = d * c_prev[k] * f * (1.0f - f);
                db[2 * H + j] = d * i * (1.0f - gg * gg);
                dc[k] = d * f;
            }
        memcpy(dgh, dgx, (size_t)B * GH * sizeof *dgh);
    } else if (s->cell == RECUR_CELL_GRU) {
        const float *h_prev = cache->hs + t * BH, *hn = cache->aux + t * BH;
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++) {
                size_t k = (size_t)b * H + j;
                const float *gb = g + (size_t)b * GH;
                float *ax = dgx + (size_t)b * GH, *ah = dgh + (size_t)b * GH;
                float r = gb[j], z = gb[H + j], n = gb[2 * H + j], d = dht[k];
                float dn = d * (1.0f - z) * (1.0f - n * n);
                float dz = d * (h_prev[k] - n) * z * (1.0f - z);
                float dr = dn * hn[k] * r * (1.0f - r);
                ax[j] = ah[j] = dr;
                ax[H + j] = ah[H + j] = dz;
                ax[2 * H + j] = dn;
                ah[2 * H + j] = dn * r;
                if (dprev)
                    dprev[k] += d * z;
            }
    } else {
        const float *h = cache->hs + (t + 1) * BH;
        for (size_t k = 0; k < BH; k++)
            dgx[k] = s->cell == RECUR_CELL_RNN_RELU ? (h[k] > 0.0f ? dht[k] : 0.0f) : dht[k] * (1.0f - h[k] * h[k]);
        memcpy(dgh, dgx, BH * sizeof *dgh);
    }
}

void rnn_norm_backward(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, rnn_grads *g,
                       rnn_norm_grads *ng, const float *x, const rnn_cache *cache, const rnn_norm_cache *nc,
                       float *dh, float *dx, float *scratch, float *dh0, float *dc0)
{
    const int GH = rnn_gate_count(s->cell) * s->H, rows = s->T * s->B;
    const float *dgx = rnn_norm_backward_steps(s, w, nm, g, ng, cache, nc, dh, scratch, dh0, dc0);
    recur_sgemm(1, 0, GH, s->I, rows, 1.0f, dgx, GH, x, s->I, 1.0f, g->w_ih, s->I);
    if (dx)
        recur_sgemm(0, 0, rows, s->I, GH, 1.0f, dgx, GH, w->w_ih, s->I, 0.0f, dx, s->I);
}

const float *rnn_norm_backward_steps(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, rnn_grads *g,
                                     rnn_norm_grads *ng, const rnn_cache *cache, const rnn_norm_cache *nc,
                                     float *dh, float *scratch, float *dh0, float *dc0)
{
    const int T = s->T, B = s->B, H = s->H, GH = rnn_gate_count(s->cell) * H;
    const size_t BH = (size_t)B * H, BG = (size_t)B * GH, rows = (size_t)T * B;
    const size_t rs_g = rstd_stride(s, SITE_IH);
    float *dgx = scratch, *dgh = dgx + rows * GH, *dc = dgh + rows * GH, *dcn = dc + BH, *bn = dcn + BH;
    memset(dc, 0, BH * sizeof *dc);
    if (cache->packed) /* the steps compute dG W_hh: pack W_hh (GH x H) once */
        recur_pack_b(0, GH, H, w->w_hh, H, cache->packed);
    for (int t = T - 1; t >= 0; t--) {
        float *dprev = t > 0 ? dh + (t - 1) * BH : dh0;
        if (t == 0 && dh0)
            memset(dh0, 0, BH * sizeof *dh0);
        float *dgx_t = dgx + t * BG, *dgh_t = dgh + t * BG;
        gate_grads(s, nm, ng, cache, nc, t, dh + t * BH, dgx_t, dgh_t, dprev, dc, dcn, bn);
        /* b_hh shifts the normalised hidden side; W_hh sees it through the norm. */
        rnn_add_column_sums(g->b_hh, dgh_t, (size_t)B, GH);
        norm_step_backward(s, nm, ng, SITE_HH, nc->fixed, nc->xhat_hh + t * BG, nc->rstd_hh + t * rs_g, dgh_t, bn);
        if (dprev)
            rnn_hidden_product(cache, 0, B, H, GH, dgh_t, GH, w->w_hh, dprev, H);
    }
    if (dc0)
        memcpy(dc0, dc, BH * sizeof *dc0);
    recur_sgemm(1, 0, GH, H, (int)rows, 1.0f, dgh, GH, cache->hs, H, 1.0f, g->w_hh, H);
    rnn_add_column_sums(g->b_ih, dgx, rows, GH);
    for (int t = 0; t < T; t++)
        norm_step_backward(s, nm, ng, SITE_IH, nc->fixed, nc->xhat_ih + t * BG, nc->rstd_ih + t * rs_g, dgx + t * BG,
                           bn);
    return dgx;
}

size_t rnn_norm_step_work(const rnn_shape *s)
{
    const size_t B = (size_t)s->B, GH = (size_t)rnn_gate_count(s->cell) * (size_t)s->H;
    /* the hidden side, then rnn_norm_step_cells' work */
    return B * GH + rnn_norm_step_cells_work(s);
}

size_t rnn_norm_step_cells_work(const rnn_shape *s)
{
    const size_t B = (size_t)s->B, GH = (size_t)rnn_gate_count(s->cell) * (size_t)s->H;
    /* the new cell, and rstd / statistics */
    return B * (size_t)s->H + 2 * max_size(B, GH);
}

void rnn_norm_step_cells(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, int t, float *pre, float *hh,
                         float *work, float *h, float *c)
{
    const int B = s->B, H = s->H;
    float *c_new = work, *stats = c_new + (size_t)B * H;
    rnn_norm at = *nm;
    at.t0 = t;
    norm_step(s, &at, SITE_IH, 0, 1, pre, NULL, NULL, stats);
    add_biases(s, w, pre, (size_t)B);
    norm_step(s, &at, SITE_HH, 0, 1, hh, NULL, NULL, stats);
    int lstm = s->cell == RECUR_CELL_LSTM;
    /* aux: the GRU keeps W_hn h there, the LSTM tanh(c); neither is needed
     * after the step, so c_new's slot serves the GRU and hh the LSTM. */
    cell_update(s, w, &at, 0, 1, pre, hh, h, c, c_new, hh, NULL, NULL, stats, lstm ? hh : c_new, h);
    if (lstm)
        memcpy(c, c_new, (size_t)B * H * sizeof *c);
}

void rnn_norm_step(const rnn_shape *s, const rnn_weights *w, const rnn_norm *nm, int t, float *pre, float *work,
                   float *h, float *c)
{
    const int B = s->B, H = s->H, GH = rnn_gate_count(s->cell) * H;
    float *hh = work;
    recur_sgemm(0, 1, B, GH, H, 1.0f, h, H, w->w_hh, H, 0.0f, hh, GH);
    rnn_norm_step_cells(s, w, nm, t, pre, hh, hh + (size_t)B * GH, h, c);
}
