/* The two ways of summing the gradient. Layers mode hands the communicator
 * slices in the order backward finishes them (the decoder, the top layer,
 * ..., the embedding); with a nonblocking allreduce the transfer of one
 * slice overlaps the backward pass of the layers below it. */
#include <stdlib.h>

#include "core/error.h"
#include "train/grad_sum.h"

recur_status grad_sum_init(grad_sum *g, recur_comm *comm, int max_slices, recur_error *err)
{
    *g = (grad_sum){.comm = comm, .cap = max_slices};
    g->reqs = calloc((size_t)max_slices, sizeof *g->reqs);
    return g->reqs ? RECUR_OK : recur_fail_nomem(err, "the gradient's slices");
}

void grad_sum_free(grad_sum *g)
{
    free(g->reqs);
    g->reqs = NULL;
}

void grad_sum_begin(grad_sum *g, float *grads, size_t n)
{
    g->grads = grads;
    g->end = n;
    g->n_reqs = 0;
    g->st = RECUR_OK;
}

/* Starts summing grads[from, end): nonblocking where the communicator can. */
static void start_slice(grad_sum *g, size_t from)
{
    recur_comm *c = g->comm;
    float *data = g->grads + from;
    size_t count = g->end - from;
    g->end = from;
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

void grad_sum_ready(void *ctx, size_t from)
{
    grad_sum *g = ctx;
    if (g->mode == RECUR_GRAD_SUM_LAYERS && from < g->end)
        start_slice(g, from);
}

recur_status grad_sum_finish(grad_sum *g, recur_error *err)
{
    start_slice(g, 0);
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
    if (g->st && err)
        *err = g->err;
    return g->st;
}
