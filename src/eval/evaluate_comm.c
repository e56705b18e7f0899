/* recur_model_evaluate split across the ranks of a communicator: each
 * evaluates its share of the streams, the sums are added up. */
#include "core/error.h"
#include "eval/batched.h"
#include "model/token_streams.h"
#include "recur/dist.h"

recur_status recur_model_evaluate_comm(const recur_model *m, const int32_t *ids, size_t count, int batch, int seq,
                                       recur_comm *comm, recur_eval_result *out, recur_error *err)
{
    if (!comm || comm->size == 1)
        return recur_model_evaluate(m, ids, count, batch, seq, out, err);
    if (batch < 1 || seq < 1)
        return recur_fail(err, RECUR_E_ARG, "batch and seq must be positive (got %d and %d)", batch, seq);
    /* The tail past batch streams is dropped, so streams [first, first + n)
     * are ids[first * len, ...) laid out as a batch of n on their own: the
     * same windows, the same carried state. */
    size_t stream_len = token_streams_cut(ids, count, batch).len;
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
    eval_result_fill(sums[0], (size_t)sums[1], out);
    return RECUR_OK;
}
