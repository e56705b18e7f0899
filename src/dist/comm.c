/* What every communicator shares: agreeing on failures and splitting the
 * streams. (The evaluation split across ranks is src/eval/evaluate_comm.c.) */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "recur/dist.h"

void recur_comm_free(recur_comm *c)
{
    if (c && c->destroy)
        c->destroy(c);
}

int recur_comm_have_mpi(void)
{
#ifdef RECUR_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

void recur_comm_split(int batch, int rank, int size, int *first, int *count)
{
    int base = batch / size, extra = batch % size;
    *count = base + (rank < extra);
    *first = rank * base + (rank < extra ? rank : extra);
}

recur_status recur_comm_agree(recur_comm *c, recur_status st, recur_error *err)
{
    if (!c || c->size == 1)
        return st;
    /* The lowest failing rank, or size when none failed. */
    int64_t failing = st ? c->rank : c->size;
    recur_error local;
    recur_status cst = c->allreduce(c, &failing, 1, RECUR_DT_I64, RECUR_REDUCE_MIN, &local);
    if (cst) {
        if (err)
            *err = local;
        return cst;
    }
    if (failing == c->size)
        return RECUR_OK;
    /* The failing rank's status and message, sent to every rank. */
    struct {
        int64_t status;
        char msg[sizeof local.msg];
    } what;
    memset(&what, 0, sizeof what);
    if (c->rank == failing) {
        what.status = st;
        if (err)
            memcpy(what.msg, err->msg, sizeof what.msg);
        what.msg[sizeof what.msg - 1] = '\0';
    }
    if ((cst = c->broadcast(c, &what, sizeof what, (int)failing, &local))) {
        if (err)
            *err = local;
        return cst;
    }
    recur_status failed = (recur_status)what.status;
    if (failed == RECUR_OK)
        failed = RECUR_E_ARG;
    return recur_fail(err, failed, "rank %lld: %s", (long long)failing, what.msg[0] ? what.msg : "failed");
}
