/* Ensembles: several models read the same token stream, each with its own
 * carried state, and their predicted distributions are averaged:
 * p(y) = (1/K) sum_k p_k(y). The ensemble's loss is -log of that mean, which
 * is at most the mean of the members' losses (Jensen), and usually below the
 * best member's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "eval/batched.h"
#include "recur/text.h"
#include "text/vocab_internal.h"

/* The members must predict over the same tokens in the same order. */
static recur_status check_same_vocab(const recur_model *const *models, int n, recur_error *err)
{
    const recur_vocab *v0 = models[0]->vocab;
    for (int k = 1; k < n; k++) {
        const recur_vocab *v = models[k]->vocab;
        int i = recur_vocab_first_difference(v0, v);
        if (i < 0)
            continue;
        if (recur_vocab_size(v) != recur_vocab_size(v0) || recur_vocab_level(v) != recur_vocab_level(v0))
            return recur_fail(err, RECUR_E_ARG, "model %d has %d tokens, model 1 has %d: an ensemble needs one vocabulary",
                              k + 1, recur_vocab_size(v), recur_vocab_size(v0));
        return recur_fail(err, RECUR_E_ARG,
                          "model %d's token %d is '%s' where model 1 has '%s': an ensemble needs one vocabulary", k + 1,
                          i, recur_vocab_token(v, i), recur_vocab_token(v0, i));
    }
    return RECUR_OK;
}

recur_status recur_ensemble_evaluate(const recur_model *const *models, int n_models, const int32_t *ids, size_t count,
                                     int batch, int seq, recur_eval_result *each, recur_eval_result *ensemble,
                                     recur_error *err)
{
    if (!models || n_models < 1)
        return recur_fail(err, RECUR_E_ARG, "an ensemble needs at least one model (got %d)", n_models);
    recur_status st = eval_check(models, n_models, ids, count, batch, seq, "an ensemble", err);
    if (!st)
        st = check_same_vocab(models, n_models, err);
    if (st)
        return st;
    double *totals = malloc((size_t)n_models * sizeof *totals), total = 0.0;
    if (!totals)
        return recur_fail_nomem(err, "ensemble buffers");
    size_t n = 0;
    st = eval_batched(models, n_models, ids, count, batch, seq, NULL, totals, &total, &n, err);
    if (!st) {
        for (int k = 0; k < n_models; k++)
            if (each)
                eval_result_fill(totals[k], n, &each[k]);
        eval_result_fill(total, n, ensemble);
        if (!isfinite(ensemble->loss))
            st = recur_fail(err, RECUR_E_NONFINITE, "the ensemble's loss is not finite");
    }
    free(totals);
    return st;
}
