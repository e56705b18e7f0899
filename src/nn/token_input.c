/* The first layer of a language model fed through a projected embedding
 * table (see rnn_tokens in recurrent.h): for a character model the window
 * holds far more rows (T*B = 2,500 for 50 x 50) than the vocabulary has
 * tokens (65 for Shakespeare), so projecting the V embedding rows once costs
 * a fraction of projecting every row, and backward likewise works on V rows. */
#include <string.h>

#include "core/gemm.h"
#include "nn/cells.h"

int rnn_tokens_pay(const rnn_shape *s, int V)
{
    /* Products of V rows instead of T*B, for a lookup and a scatter of
     * T*B rows of G*H floats: plenty while V is at most half the window. */
    return V > 0 && 2L * V <= (long)s->T * s->B;
}

size_t rnn_tokens_scratch(const rnn_shape *s, int V)
{
    return (size_t)V * (size_t)rnn_gate_count(s->cell) * (size_t)s->H;
}

void rnn_tokens_gates(const rnn_shape *s, const rnn_weights *w, const rnn_tokens *tok, int with_bias, float *gates)
{
    const int GH = rnn_gate_count(s->cell) * s->H;
    const size_t rows = (size_t)s->T * (size_t)s->B, row_bytes = (size_t)GH * sizeof(float);
    /* table = (biases) + emb W_ih^T, then each row of gates is its token's row. */
    if (with_bias)
        rnn_fill_bias_rows(s, w, tok->table, (size_t)tok->V);
    recur_sgemm(0, 1, tok->V, GH, s->I, 1.0f, tok->emb, s->I, w->w_ih, s->I, with_bias ? 1.0f : 0.0f, tok->table,
                GH);
#pragma omp parallel for schedule(static) if (rows * (size_t)GH >= 65536)
    for (size_t r = 0; r < rows; r++)
        memcpy(gates + r * (size_t)GH, tok->table + (size_t)tok->ids[r] * (size_t)GH, row_bytes);
}

void rnn_forward_tokens(const rnn_shape *s, const rnn_weights *w, const rnn_tokens *tok, rnn_cache *cache)
{
    rnn_tokens_gates(s, w, tok, 1, cache->gates);
    rnn_forward_steps(s, w, cache);
}

/* dtable[ids[r]] += dg[r] over all rows. Threads take blocks of columns, so
 * every sum keeps one order whatever the thread count. */
static void scatter_rows(float *dtable, const float *dg, const int32_t *ids, size_t rows, int cols)
{
    enum { BLOCK = 128 };
#pragma omp parallel for schedule(static) if (rows * (size_t)cols >= 65536)
    for (int j0 = 0; j0 < cols; j0 += BLOCK) {
        const int n = j0 + BLOCK < cols ? BLOCK : cols - j0;
        for (size_t r = 0; r < rows; r++) {
            float *restrict dst = dtable + (size_t)ids[r] * (size_t)cols + j0;
            const float *restrict src = dg + r * (size_t)cols + j0;
            for (int j = 0; j < n; j++)
                dst[j] += src[j];
        }
    }
}

void rnn_tokens_input_backward(const rnn_shape *s, const rnn_weights *w, rnn_grads *g, const rnn_tokens *tok,
                               const float *dgx, int with_bias, float *d_emb)
{
    const int GH = rnn_gate_count(s->cell) * s->H, V = tok->V;
    const size_t rows = (size_t)s->T * (size_t)s->B;
    float *dtable = tok->table;
    memset(dtable, 0, (size_t)V * (size_t)GH * sizeof *dtable);
    scatter_rows(dtable, dgx, tok->ids, rows, GH);
    /* With X = emb[ids]: dW_ih += dG^T X = dtable^T emb, b_ih by the column
     * sums, and emb's gradient row v is the sum of dX = dG W_ih over v's
     * rows, dtable W_ih. */
    recur_sgemm(1, 0, GH, s->I, V, 1.0f, dtable, GH, tok->emb, s->I, 1.0f, g->w_ih, s->I);
    if (with_bias)
        rnn_add_column_sums(g->b_ih, dtable, (size_t)V, GH);
    recur_sgemm(0, 0, V, s->I, GH, 1.0f, dtable, GH, w->w_ih, s->I, 1.0f, d_emb, s->I);
}

void rnn_backward_tokens(const rnn_shape *s, const rnn_weights *w, rnn_grads *g, const rnn_tokens *tok,
                         const rnn_cache *cache, float *dh, float *d_emb, float *scratch)
{
    const float *dgx = rnn_backward_steps(s, w, g, cache, dh, scratch, NULL, NULL);
    rnn_tokens_input_backward(s, w, g, tok, dgx, 1, d_emb);
}
