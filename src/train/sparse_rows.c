#include "train/sparse_rows.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/reduce.h"

recur_status sparse_rows_init(sparse_rows *sr, const recur_model *m, const recur_train_config *tc, size_t window,
                              size_t window_all, recur_error *err)
{
    memset(sr, 0, sizeof *sr);
    const recur_config *c = &m->cfg;
    int plain_sgd = tc->optimizer == RECUR_OPT_SGD && tc->momentum == 0.0f && tc->l1 == 0.0f && tc->l2 == 0.0f;
    /* A tied decoder reads every row of the shared matrix. */
    if (!plain_sgd || c->task != RECUR_TASK_LM || m->dec_w == m->enc_w)
        return RECUR_OK;
    size_t V = (size_t)c->vocab_size, most = window < V ? window : V;
    /* Worth it only when a window leaves most rows out. Over several
     * ranks the whole window touches more rows than one rank's share, but
     * still few of a large vocabulary (PTB, 16 ranks of 20 x 35 tokens:
     * about a third), and only those rows need to cross the network. */
    if (2 * most > V)
        return RECUR_OK;
    most = window_all < V ? window_all : V;
    sr->seen = calloc(V, 1);
    sr->rows = malloc(most * sizeof *sr->rows);
    if (!sr->seen || !sr->rows) {
        sparse_rows_free(sr);
        return recur_fail_nomem(err, "the training buffers");
    }
    sr->E = c->embed;
    sr->from = m->enc_w;
    sr->end = m->enc_w + V * (size_t)c->embed;
    return RECUR_OK;
}

void sparse_rows_free(sparse_rows *sr)
{
    free(sr->seen);
    free(sr->rows);
    memset(sr, 0, sizeof *sr);
}

void sparse_rows_collect(sparse_rows *sr, const int32_t *ids, size_t n)
{
    size_t distinct = 0;
    for (size_t k = 0; k < n; k++)
        if (!sr->seen[ids[k]]) {
            sr->seen[ids[k]] = 1;
            distinct++;
        }
    /* Ascending, so the sums keep one order whatever the window's order;
     * the marks are cleared for the next window on the way. */
    sr->count = 0;
    for (size_t v = 0; sr->count < distinct; v++)
        if (sr->seen[v]) {
            sr->seen[v] = 0;
            sr->rows[sr->count++] = (int32_t)v;
        }
}

double sparse_rows_sum_squares(const sparse_rows *sr, const float *grads, size_t n_params)
{
    double total = block_sum_squares(grads, sr->from);
    for (size_t k = 0; k < sr->count; k++)
        total += recur_dsum_squares(grads + sr->from + (size_t)sr->rows[k] * sr->E, (size_t)sr->E);
    return total + block_sum_squares(grads + sr->end, n_params - sr->end);
}

void sparse_rows_step(const sparse_rows *sr, optim_state *o, const recur_train_config *tc, float lr, float *params,
                      float *grads, float g_scale)
{
    optim_begin(o);
    optim_apply(o, tc, lr, params, grads, g_scale, 0, sr->from);
    for (size_t k = 0; k < sr->count; k++)
        optim_apply(o, tc, lr, params, grads, g_scale, sr->from + (size_t)sr->rows[k] * sr->E, (size_t)sr->E);
    optim_apply(o, tc, lr, params, grads, g_scale, sr->end, o->n - sr->end);
}
