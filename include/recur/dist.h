/* Data-parallel training across processes: the communicator the trainer
 * calls to sum its gradient, agree on failures and gather its state.
 *
 * The library does not depend on MPI: a recur_comm is a small table of
 * collective operations over rank and size. recur_comm_mpi (built with
 * -DRECUR_USE_MPI=ON) wraps an MPI communicator the caller owns; any other
 * transport can fill the table itself. Every operation is collective: all
 * ranks of the communicator call it, in the same order, with the same
 * counts. */
#ifndef RECUR_DIST_H
#define RECUR_DIST_H

#include "recur/api.h"

#include "recur/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum recur_dtype {
    RECUR_DT_F32 = 0,
    RECUR_DT_F64,
    RECUR_DT_I64
} recur_dtype;

typedef enum recur_reduce_op {
    RECUR_REDUCE_SUM = 0,
    RECUR_REDUCE_MAX,
    RECUR_REDUCE_MIN
} recur_reduce_op;

typedef struct recur_comm recur_comm;
struct recur_comm {
    int rank, size;
    void *ctx; /* the implementation's */
    /* In place: data becomes the element-wise reduction over all ranks. */
    recur_status (*allreduce)(recur_comm *c, void *data, size_t count, recur_dtype type, recur_reduce_op op,
                              recur_error *err);
    /* root's bytes into every rank's data. */
    recur_status (*broadcast)(recur_comm *c, void *data, size_t bytes, int root, recur_error *err);
    /* Each rank sends bytes; root receives counts[r] bytes from rank r,
     * concatenated in rank order into recv (counts and recv: root only). */
    recur_status (*gather)(recur_comm *c, const void *send, size_t bytes, void *recv, const size_t *counts,
                           int root, recur_error *err);
    /* Ends every rank's process with this exit code (a last resort). */
    void (*abort)(recur_comm *c, int code);
    /* Frees what the implementation allocated, c included (recur_comm_free). */
    void (*destroy)(recur_comm *c);
    /* Optional (NULL when the transport has none): a nonblocking allreduce.
     * start begins the in-place reduction of data and returns at once with
     * *req naming it; data must not be read or written until wait(req)
     * has returned. A trainer summing its gradient layer by layer starts
     * each layer's slice while backward runs on the layers below; without
     * these it sums each slice with allreduce as it comes. */
    recur_status (*allreduce_start)(recur_comm *c, void *data, size_t count, recur_dtype type, recur_reduce_op op,
                                    void **req, recur_error *err);
    recur_status (*allreduce_wait)(recur_comm *c, void *req, recur_error *err);
};

RECUR_API void recur_comm_free(recur_comm *c);

/* Collective: whether any rank failed. Every rank passes its own status
 * (and err with its message); every rank returns the status of the lowest
 * failing rank with its message, as "rank R: message", or RECUR_OK when
 * none failed. A failure seen by one rank thus stops all of them instead of
 * leaving the others waiting in the next collective. */
RECUR_API recur_status recur_comm_agree(recur_comm *c, recur_status st, recur_error *err);

/* The first stream and the number of streams rank `rank` of `size` runs
 * when `batch` streams are split (the first batch % size ranks take one more). */
RECUR_API void recur_comm_split(int batch, int rank, int size, int *first, int *count);

/* Whether this build has recur_comm_mpi (-DRECUR_USE_MPI=ON). */
RECUR_API int recur_comm_have_mpi(void);

/* recur_model_evaluate split across the ranks: each evaluates its share of
 * the batch streams and the loss sums are added up; every rank receives the
 * result of the whole (to float rounding, the single-process figure).
 * Collective; comm NULL evaluates alone. */
RECUR_API recur_status recur_model_evaluate_comm(const recur_model *m, const int32_t *ids, size_t count, int batch, int seq,
                                                 recur_comm *comm, recur_eval_result *out, recur_error *err);

#ifdef MPI_VERSION
/* A communicator over a duplicate of comm (the caller keeps comm and its
 * own traffic on it; MPI must be initialised and stay so until
 * recur_comm_free). Errors are returned, with MPI's message, not fatal.
 * Include <mpi.h> before recur.h to see this declaration. */
RECUR_API recur_status recur_comm_mpi(MPI_Comm comm, recur_comm **out, recur_error *err);
#endif

#ifdef __cplusplus
}
#endif
#endif
