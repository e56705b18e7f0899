/* Sequence-level driver for the recurrent layers: the input projection of all
 * steps as one matrix product before the step loop, and the weight gradients
 * as one matrix product each after the backward step loop. */
#include "nn/recurrent.h"

#include <string.h>

#include "core/gemm.h"
#include "core/gemm_packed.h"
#include "nn/cells.h"
#include "nn/step_tasks.h"

/* Splitting the streams pays only when each share still makes a useful
 * matrix product per step. */
static int parallel_worth(const rnn_shape *s)
{
    return s->B >= 8 && (long)s->B * s->H >= 2048 && recur_gemm_concurrent_ok();
}

int rnn_gate_count(recur_cell cell)
{
    switch (cell) {
    case RECUR_CELL_LSTM: return 4;
    case RECUR_CELL_GRU: return 3;
    default: return 1;
    }
}

void rnn_hidden_product(const rnn_cache *c, int trans, int m, int n, int k, const float *a, int lda,
                        const float *w_hh, float *out, int ldc)
{
    if (c->packed)
        recur_sgemm_packed(m, n, k, a, lda, c->packed, out, ldc);
    else
        recur_sgemm(0, trans, m, n, k, 1.0f, a, lda, w_hh, trans ? k : n, 1.0f, out, ldc);
}

int rnn_packing_pays(const rnn_shape *s)
{
    /* The vector kernels beat OpenBLAS's per-call packing at the sizes of
     * a step (25 x 2048 x 512 on one core: AVX-512 86 against 66 GFLOP/s,
     * AVX2 on Zen 3 68 against 44); the plain-C one only while W_hh is
     * small. */
    return recur_packed_outruns_gemm() || (size_t)rnn_gate_count(s->cell) * s->H * s->H <= 131072;
}

size_t rnn_packed_size(const rnn_shape *s)
{
    int GH = rnn_gate_count(s->cell) * s->H;
    size_t fwd = recur_packed_size(s->H, GH), bwd = recur_packed_size(GH, s->H);
    return fwd > bwd ? fwd : bwd;
}

size_t rnn_backward_scratch(const rnn_shape *s)
{
    size_t gh = (size_t)rnn_gate_count(s->cell) * (size_t)s->H;
    size_t rows = (size_t)s->T * (size_t)s->B;
    size_t n = rows * gh + 2 * (size_t)s->B * (size_t)s->H;
    if (s->cell == RECUR_CELL_GRU)
        n += rows * gh;
    return n;
}

/* Each row of gates starts as b_ih + b_hh, except the GRU's candidate slice,
 * whose hidden bias sits inside r * (W_hn h + b_hn) and is added per step. */
void rnn_fill_bias_rows(const rnn_shape *s, const rnn_weights *w, float *gates, size_t rows)
{
    int GH = rnn_gate_count(s->cell) * s->H;
    int hidden_bias_cols = s->cell == RECUR_CELL_GRU ? 2 * s->H : GH;
    float *bias = gates; /* build row 0, then copy it */
    for (int j = 0; j < GH; j++)
        bias[j] = w->b_ih[j] + (j < hidden_bias_cols ? w->b_hh[j] : 0.0f);
#pragma omp parallel for schedule(static) if (rows * (size_t)GH >= 65536)
    for (size_t r = 1; r < rows; r++)
        memcpy(gates + r * (size_t)GH, bias, (size_t)GH * sizeof *gates);
}

/* What a task of the step loop needs besides its ranges (step_tasks.h). */
typedef struct steps_job {
    const rnn_shape *s;
    const rnn_weights *w;
    rnn_cache *cache;            /* forward */
    const rnn_cache *kept;       /* backward */
    float *dh, *dgx, *extra, *dgh, *dh0, *dc0;
} steps_job;

static void forward_task(void *ctx, int b0, int b1, int t0, int t1)
{
    const steps_job *j = ctx;
    switch (j->s->cell) {
    case RECUR_CELL_LSTM: lstm_forward_steps(j->s, j->w, j->cache, b0, b1, t0, t1); break;
    case RECUR_CELL_GRU: gru_forward_steps(j->s, j->w, j->cache, b0, b1, t0, t1); break;
    default: elman_forward_steps(j->s, j->w, j->cache, b0, b1, t0, t1); break;
    }
}

static void backward_task(void *ctx, int b0, int b1, int t0, int t1)
{
    const steps_job *j = ctx;
    switch (j->s->cell) {
    case RECUR_CELL_LSTM:
        lstm_backward_steps(j->s, j->w, j->kept, j->dh, j->dgx, j->extra, j->dh0, j->dc0, b0, b1, t0, t1);
        break;
    case RECUR_CELL_GRU: gru_backward_steps(j->s, j->w, j->kept, j->dh, j->dgx, j->dgh, j->dh0, b0, b1, t0, t1); break;
    default: elman_backward_steps(j->s, j->w, j->kept, j->dh, j->dgx, j->dh0, b0, b1, t0, t1); break;
    }
}

void rnn_forward_steps(const rnn_shape *s, const rnn_weights *w, rnn_cache *cache)
{
    int GH = rnn_gate_count(s->cell) * s->H;
    if (cache->packed) /* the steps compute h W_hh^T: pack W_hh^T (H x GH) once */
        recur_pack_b(1, s->H, GH, w->w_hh, s->H, cache->packed);
    steps_job job = {.s = s, .w = w, .cache = cache};
    rnn_run_step_tasks(s->B, s->T, 0, parallel_worth(s), forward_task, &job);
}

void rnn_forward(const rnn_shape *s, const rnn_weights *w, const float *x, rnn_cache *cache)
{
    int GH = rnn_gate_count(s->cell) * s->H;
    int rows = s->T * s->B;
    rnn_fill_bias_rows(s, w, cache->gates, (size_t)rows);
    recur_sgemm(0, 1, rows, GH, s->I, 1.0f, x, s->I, w->w_ih, s->I, 1.0f, cache->gates, GH);
    rnn_forward_steps(s, w, cache);
}

/* dst[j] += sum over rows of m[r][j]; threads take blocks of columns, so
 * each sum keeps one order whatever the thread count. */
void rnn_add_column_sums(float *dst, const float *m, size_t rows, int cols)
{
    enum { BLOCK = 64 };
#pragma omp parallel for schedule(static) if (rows * (size_t)cols >= 65536)
    for (int j0 = 0; j0 < cols; j0 += BLOCK) {
        int j1 = j0 + BLOCK < cols ? j0 + BLOCK : cols;
        for (size_t r = 0; r < rows; r++) {
            const float *row = m + r * (size_t)cols;
            for (int j = j0; j < j1; j++)
                dst[j] += row[j];
        }
    }
}

float *rnn_backward_steps(const rnn_shape *s, const rnn_weights *w, rnn_grads *g, const rnn_cache *cache,
                          float *dh, float *scratch, float *dh0, float *dc0)
{
    int GH = rnn_gate_count(s->cell) * s->H;
    int rows = s->T * s->B;
    float *dgx = scratch;
    float *extra = dgx + (size_t)rows * GH;
    float *dgh = s->cell == RECUR_CELL_GRU ? extra : dgx;
    if (cache->packed) /* the steps compute dG W_hh: pack W_hh (GH x H) once */
        recur_pack_b(0, GH, s->H, w->w_hh, s->H, cache->packed);
    steps_job job = {.s = s, .w = w, .kept = cache, .dh = dh, .dgx = dgx, .extra = extra, .dgh = dgh, .dh0 = dh0,
                     .dc0 = dc0};
    rnn_run_step_tasks(s->B, s->T, 1, parallel_worth(s), backward_task, &job);
    if (g->w_peep)
        lstm_peephole_grads(s, cache, dgx, g->w_peep);
    /* dW_hh += dGh^T [h_0 .. h_{T-1}], b_hh by column sums. */
    recur_sgemm(1, 0, GH, s->H, rows, 1.0f, dgh, GH, cache->hs, s->H, 1.0f, g->w_hh, s->H);
    rnn_add_column_sums(g->b_hh, dgh, (size_t)rows, GH);
    return dgx;
}

void rnn_backward(const rnn_shape *s, const rnn_weights *w, rnn_grads *g, const float *x,
                  const rnn_cache *cache, float *dh, float *dx, float *scratch, float *dh0, float *dc0)
{
    int GH = rnn_gate_count(s->cell) * s->H;
    int rows = s->T * s->B;
    float *dgx = rnn_backward_steps(s, w, g, cache, dh, scratch, dh0, dc0);
    /* dW_ih += dGx^T X, b_ih by column sums, dX = dGx W_ih. */
    recur_sgemm(1, 0, GH, s->I, rows, 1.0f, dgx, GH, x, s->I, 1.0f, g->w_ih, s->I);
    rnn_add_column_sums(g->b_ih, dgx, (size_t)rows, GH);
    if (dx)
        recur_sgemm(0, 0, rows, s->I, GH, 1.0f, dgx, GH, w->w_ih, s->I, 0.0f, dx, s->I);
}
