/* recur_comm over MPI (built with -DRECUR_USE_MPI=ON). The communicator is
 * a duplicate of the caller's, so recur's collectives never match the
 * caller's own messages, and it returns errors instead of aborting, so each
 * failure reaches the caller with MPI's words for it. */
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>

#include "core/error.h"
#include "recur/dist.h"

/* Nonblocking allreduces in flight at once (a trainer starts one a layer). */
enum { MAX_PENDING = 64 };

typedef struct mpi_ctx {
    MPI_Comm comm;
    MPI_Request pending[MAX_PENDING]; /* MPI_REQUEST_NULL where free */
    int busy[MAX_PENDING];            /* handed out and not yet waited for */
} mpi_ctx;

static MPI_Comm comm_of(recur_comm *c) { return ((mpi_ctx *)c->ctx)->comm; }

static recur_status mpi_fail(recur_error *err, int code, const char *what)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        len = 0;
    text[len < MPI_MAX_ERROR_STRING ? len : MPI_MAX_ERROR_STRING - 1] = '\0';
    return recur_fail(err, RECUR_E_IO, "%s failed: %s", what, len ? text : "unknown MPI error");
}

static MPI_Datatype mpi_type(recur_dtype t, size_t *size)
{
    switch (t) {
    case RECUR_DT_F64:
        *size = sizeof(double);
        return MPI_DOUBLE;
    case RECUR_DT_I64:
        *size = sizeof(int64_t);
        return MPI_INT64_T;
    default:
        *size = sizeof(float);
        return MPI_FLOAT;
    }
}

static MPI_Op mpi_op(recur_reduce_op op)
{
    return op == RECUR_REDUCE_MAX ? MPI_MAX : op == RECUR_REDUCE_MIN ? MPI_MIN : MPI_SUM;
}

/* MPI counts are ints: a block of more than INT_MAX elements goes in pieces. */
enum { MAX_PIECE = 1 << 30 };

static recur_status mpi_allreduce(recur_comm *c, void *data, size_t count, recur_dtype type, recur_reduce_op op,
                                  recur_error *err)
{
    size_t elem;
    MPI_Datatype dt = mpi_type(type, &elem);
    for (size_t from = 0; from < count; from += MAX_PIECE) {
        size_t n = count - from < MAX_PIECE ? count - from : MAX_PIECE;
        int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)data + from * elem, (int)n, dt, mpi_op(op), comm_of(c));
        if (rc != MPI_SUCCESS)
            return mpi_fail(err, rc, "MPI_Allreduce");
    }
    return RECUR_OK;
}

/* Open MPI moves a nonblocking collective on only inside MPI calls (it has
 * no progress thread by default): each start also tests the slices already
 * in flight, so they advance while the caller's backward pass runs. */
static void progress_pending(mpi_ctx *x)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (x->busy[i] && x->pending[i] != MPI_REQUEST_NULL) {
            int done = 0;
            MPI_Test(&x->pending[i], &done, MPI_STATUS_IGNORE);
        }
}

static recur_status mpi_allreduce_start(recur_comm *c, void *data, size_t count, recur_dtype type,
                                        recur_reduce_op op, void **req, recur_error *err)
{
    mpi_ctx *x = c->ctx;
    *req = NULL;
    progress_pending(x);
    int slot = 0;
    while (slot < MAX_PENDING && x->busy[slot])
        slot++;
    /* No free slot, or a slice too long for one MPI call: summed now. */
    if (slot == MAX_PENDING || count > MAX_PIECE)
        return mpi_allreduce(c, data, count, type, op, err);
    size_t elem;
    MPI_Datatype dt = mpi_type(type, &elem);
    int rc = MPI_Iallreduce(MPI_IN_PLACE, data, (int)count, dt, mpi_op(op), x->comm, &x->pending[slot]);
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, rc, "MPI_Iallreduce");
    x->busy[slot] = 1;
    *req = &x->pending[slot];
    return RECUR_OK;
}

static recur_status mpi_allreduce_wait(recur_comm *c, void *req, recur_error *err)
{
    mpi_ctx *x = c->ctx;
    if (!req)
        return RECUR_OK;
    MPI_Request *r = req;
    int rc = MPI_Wait(r, MPI_STATUS_IGNORE);
    x->busy[r - x->pending] = 0;
    return rc == MPI_SUCCESS ? RECUR_OK : mpi_fail(err, rc, "MPI_Wait");
}

static recur_status mpi_broadcast(recur_comm *c, void *data, size_t bytes, int root, recur_error *err)
{
    for (size_t from = 0; from < bytes; from += MAX_PIECE) {
        size_t n = bytes - from < MAX_PIECE ? bytes - from : MAX_PIECE;
        int rc = MPI_Bcast((char *)data + from, (int)n, MPI_BYTE, root, comm_of(c));
        if (rc != MPI_SUCCESS)
            return mpi_fail(err, rc, "MPI_Bcast");
    }
    return RECUR_OK;
}

static recur_status mpi_gather(recur_comm *c, const void *send, size_t bytes, void *recv, const size_t *counts,
                               int root, recur_error *err)
{
    int *rcounts = NULL, *displs = NULL;
    recur_status st = RECUR_OK;
    int bad = bytes > INT_MAX;
    if (c->rank == root) {
        rcounts = malloc((size_t)c->size * sizeof *rcounts);
        displs = malloc((size_t)c->size * sizeof *displs);
        if (!rcounts || !displs)
            st = recur_fail_nomem(err, "the gather's counts");
        size_t at = 0;
        for (int r = 0; !st && r < c->size; r++) {
            if (counts[r] > INT_MAX || at > INT_MAX)
                bad = 1;
            rcounts[r] = (int)counts[r];
            displs[r] = (int)at;
            at += counts[r];
        }
    }
    if (!st && bad)
        st = recur_fail(err, RECUR_E_ARG, "a gather of more than 2 GB is not supported");
    if (!st) {
        int rc = MPI_Gatherv(send, (int)bytes, MPI_BYTE, recv, rcounts, displs, MPI_BYTE, root, comm_of(c));
        if (rc != MPI_SUCCESS)
            st = mpi_fail(err, rc, "MPI_Gatherv");
    }
    free(rcounts);
    free(displs);
    return st;
}

static void mpi_abort(recur_comm *c, int code) { MPI_Abort(comm_of(c), code); }

static void mpi_destroy(recur_comm *c)
{
    mpi_ctx *x = c->ctx;
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized)
        MPI_Comm_free(&x->comm);
    free(x);
    free(c);
}

recur_status recur_comm_mpi(MPI_Comm comm, recur_comm **out, recur_error *err)
{
    *out = NULL;
    int ready = 0;
    MPI_Initialized(&ready);
    if (!ready)
        return recur_fail(err, RECUR_E_ARG, "MPI is not initialised (call MPI_Init first)");
    recur_comm *c = calloc(1, sizeof *c);
    mpi_ctx *x = calloc(1, sizeof *x);
    if (x)
        for (int i = 0; i < MAX_PENDING; i++)
            x->pending[i] = MPI_REQUEST_NULL;
    if (!c || !x) {
        free(c);
        free(x);
        return recur_fail_nomem(err, "the MPI communicator");
    }
    int rc = MPI_Comm_dup(comm, &x->comm);
    if (rc != MPI_SUCCESS) {
        free(c);
        free(x);
        return mpi_fail(err, rc, "MPI_Comm_dup");
    }
    MPI_Comm_set_errhandler(x->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(x->comm, &c->rank);
    MPI_Comm_size(x->comm, &c->size);
    c->ctx = x;
    c->allreduce = mpi_allreduce;
    c->broadcast = mpi_broadcast;
    c->allreduce_start = mpi_allreduce_start;
    c->allreduce_wait = mpi_allreduce_wait;
    c->gather = mpi_gather;
    c->abort = mpi_abort;
    c->destroy = mpi_destroy;
    *out = c;
    return RECUR_OK;
}
