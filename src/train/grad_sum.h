/* Summing the gradient block over the ranks of a data-parallel run: in one
 * allreduce after backward, or slice by slice while backward runs, each
 * slice started as soon as the network has finished adding to it. With
 * plain SGD's sparse embedding rows (train/sparse_rows.h) only the rows the
 * whole window touched are sent: every rank knows them, as each holds the
 * whole window's inputs, and every other row's gradient is zero on all. */
#ifndef RECUR_TRAIN_GRAD_SUM_H
#define RECUR_TRAIN_GRAD_SUM_H

#include <stddef.h>

#include "recur/dist.h"
#include "recur/train.h"
#include "train/sparse_rows.h"

typedef struct grad_sum {
    recur_comm *comm;
    recur_grad_sum mode;
    float *grads;
    size_t end;               /* grads[end, n) are being summed already */
    const sparse_rows *rows;  /* this step's touched embedding rows, or NULL: the embedding goes whole */
    float *packed;            /* the touched rows' gradient, side by side while it is summed */
    void **reqs;              /* the slices started and not yet waited for */
    int n_reqs, cap;
    recur_status st;          /* the first failure of a slice, reported by grad_sum_finish */
    recur_error err;
} grad_sum;

/* Room for at most max_slices slices a step and, when rows is set up
 * (rows->seen), for packing its rows (comm and rows are borrowed). */
recur_status grad_sum_init(grad_sum *g, recur_comm *comm, int max_slices, const sparse_rows *rows,
                           size_t max_rows, recur_error *err);
void grad_sum_free(grad_sum *g);

/* Before a backward pass over grads[0, n) (the sparse rows, when used,
 * already collected for this window). */
void grad_sum_begin(grad_sum *g, float *grads, size_t n);
/* The network's hook (net_workspace.grads_ready): grads[from, n) are final.
 * In layers mode this starts summing the part not started yet. */
void grad_sum_ready(void *g, size_t from);
/* After backward: sums what is left and waits for every slice. */
recur_status grad_sum_finish(grad_sum *g, recur_error *err);

#endif
