/* Summing the gradient block over the ranks of a data-parallel run: in one
 * allreduce after backward, or slice by slice while backward runs, each
 * slice started as soon as the network has finished adding to it. */
#ifndef RECUR_TRAIN_GRAD_SUM_H
#define RECUR_TRAIN_GRAD_SUM_H

#include <stddef.h>

#include "recur/dist.h"
#include "recur/train.h"

typedef struct grad_sum {
    recur_comm *comm;
    recur_grad_sum mode;
    float *grads;
    size_t end;        /* grads[end, n) are being summed already */
    void **reqs;       /* the slices started and not yet waited for */
    int n_reqs, cap;
    recur_status st;   /* the first failure of a slice, reported by grad_sum_finish */
    recur_error err;
} grad_sum;

/* Room for at most max_slices slices a step (comm is borrowed). */
recur_status grad_sum_init(grad_sum *g, recur_comm *comm, int max_slices, recur_error *err);
void grad_sum_free(grad_sum *g);

/* Before a backward pass over grads[0, n). */
void grad_sum_begin(grad_sum *g, float *grads, size_t n);
/* The network's hook (net_workspace.grads_ready): grads[from, n) are final.
 * In layers mode this starts summing the part not started yet. */
void grad_sum_ready(void *g, size_t from);
/* After backward: sums what is left and waits for every slice. */
recur_status grad_sum_finish(grad_sum *g, recur_error *err);

#endif
