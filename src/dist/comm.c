/* What every communicator shares: agreeing on failures, splitting the
 * streams, and the evaluation split across ranks. */
#include <math.h>
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

recur_status recur_model_evaluate_comm(const recur_model *m, const int32_t *ids, size_t count, int batch, int seq,
                                       recur_comm *comm, recur_eval_result *out, recur_error *err)
{
    if (!comm || comm->size == 1)
        return recur_model_evaluate(m, ids, count, batch, seq, out, err);
    if (batch < 1 || seq < 1)
        return recur_fail(err, RECUR_E_ARG, "batch and seq must be positive (got %d and %d)", batch, seq);
    /* batch 1 reads the whole text as one stream; batch B > 1 drops the
     * tail, so streams [first, first + n) are ids[first * len, ...) laid out
     * as a batch of n on their own: the same windows, the same carried state. */
    size_t stream_len = batch == 1 ? count : count / (size_t)batch;
    int first, n;
    recur_comm_split(batch, comm->rank, comm->size, &first, &n);
    recur_eval_result mine = {0};
    recur_status st = RECUR_OK;
    if (n > 0) {
        const int32_t *from = ids + (size_t)first * stream_len;
        st = recur_model_evaluate(m, from, (size_t)n * stream_len, n, seq, &mine, err);
    }
    if ((st = recur_comm_agree(comm, st, err)))
        return st;
    double sums[2] = {n > 0 ? mine.loss * (double)mine.tokens : 0.0, (double)(n > 0 ? mine.tokens : 0)};
    if ((st = comm->allreduce(comm, sums, 2, RECUR_DT_F64, RECUR_REDUCE_SUM, err)))
        return st;
    out->tokens = (size_t)sums[1];
    out->loss = sums[0] / sums[1];
    out->bits_per_token = out->loss / log(2.0);
    out->perplexity = exp(out->loss);
    return RECUR_OK;
}
