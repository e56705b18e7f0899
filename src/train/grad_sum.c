/* The ways of summing the gradient. Layers mode hands the communicator
 * slices in the order backward finishes them (the decoder, the top layer,
 * ..., the embedding); with a nonblocking allreduce the transfer of one
 * slice may overlap the backward pass of the layers below it. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "train/grad_sum.h"

recur_status grad_sum_init(grad_sum *g, recur_comm *comm, int max_slices, const sparse_rows *rows,
                           size_t max_rows, recur_error *err)
{
    /* The packed rows and the ranges either side of the embedding are
     * three slices of their own. */
    *g = (grad_sum){.comm = comm, .cap = max_slices + 3};
    g->reqs = calloc((size_t)g->cap, sizeof *g->reqs);
    if (rows && rows->seen) {
        g->rows = rows;
        g->packed = malloc(max_rows * (size_t)rows->E * sizeof *g->packed);
    }
    if (!g->reqs || (g->rows && !g->packed)) {
        grad_sum_free(g);
        return recur_fail_nomem(err, "the gradient's slices");
    }
    return RECUR_OK;
}

void grad_sum_free(grad_sum *g)
{
    free(g->reqs);
    free(g->packed);
    g->reqs = NULL;
    g->packed = NULL;
}

void grad_sum_begin(grad_sum *g, float *grads, size_t n)
{
    g->grads = grads;
    g->end = n;
    g->n_reqs = 0;
    g->st = RECUR_OK;
}

/* Starts summing count floats at data: nonblocking where the communicator
 * can and the mode asks for it. */
static void start(grad_sum *g, float *data, size_t count)
{
    recur_comm *c = g->comm;
    if (g->st || !count)
        return;
    if (g->mode == RECUR_GRAD_SUM_BLOCK || !c->allreduce_start || g->n_reqs == g->cap) {
        g->st = c->allreduce(c, data, count, RECUR_DT_F32, RECUR_REDUCE_SUM, &g->err);
        return;
    }
    void *req = NULL;
    g->st = c->allreduce_start(c, data, count, RECUR_DT_F32, RECUR_REDUCE_SUM, &req, &g->err);
    if (!g->st && req)
        g->reqs[g->n_reqs++] = req;
}

/* The touched embedding rows into the packed buffer (pack) or back. */
static void move_rows(grad_sum *g, int pack)
{
    const sparse_rows *sr = g->rows;
    const size_t E = (size_t)sr->E;
    for (size_t k = 0; k < sr->count; k++) {
        float *row = g->grads + sr->from + (size_t)sr->rows[k] * E, *slot = g->packed + k * E;
        memcpy(pack ? slot : row, pack ? row : slot, E * sizeof *row);
    }
}

/* Starts grads[from, end): the embedding, when it falls inside and its rows
 * are sparse, as its touched rows only. */
static void start_down_to(grad_sum *g, size_t from)
{
    const sparse_rows *sr = g->rows;
    size_t to = g->end;
    g->end = from;
    if (!sr || to <= sr->from || from >= sr->end) {
        start(g, g->grads + from, to - from);
        return;
    }
    start(g, g->grads + sr->end, to - sr->end);
    move_rows(g, 1);
    start(g, g->packed, sr->count * (size_t)sr->E);
    start(g, g->grads + from, sr->from - from);
}

void grad_sum_ready(void *ctx, size_t from)
{
    grad_sum *g = ctx;
    if (g->mode == RECUR_GRAD_SUM_LAYERS && from < g->end)
        start_down_to(g, from);
}

recur_status grad_sum_finish(grad_sum *g, recur_error *err)
{
    if (g->end > 0)
        start_down_to(g, 0);
    /* Every started slice is waited for, even after a failure: the buffers
     * stay the transport's until then. */
    for (int i = 0; i < g->n_reqs; i++) {
        recur_error local;
        recur_status st = g->comm->allreduce_wait(g->comm, g->reqs[i], &local);
        if (st && !g->st) {
            g->st = st;
            g->err = local;
        }
    }
    g->n_reqs = 0;
    const sparse_rows *sr = g->rows;
    if (!g->st && sr)
        move_rows(g, 0);
    if (g->st && err)
        *err = g->err;
    return g->st;
}
