/* Evaluation: mean cross-entropy over a token stream with carried state. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "eval/batched.h"
#include "nn/softmax.h"
#include "recur/sample.h"

static int stop_requested(const recur_eval_watch *w) { return w && w->cancel && *w->cancel; }

static void report(const recur_eval_watch *w, size_t done, size_t total)
{
    if (w && w->progress)
        w->progress(w->user, done, total);
}

/* One stream, one token at a time: the sampler's batch-1 path computes the
 * same logits as the network (to float rounding; tests/test_sampler.c) and
 * is several times faster at batch 1, where each step is a matrix-vector
 * product per layer. Sums -log p(next) over count - 1 predictions. */
static recur_status stepwise_loss(const recur_model *m, const int32_t *ids, size_t count, double *total,
                                  const recur_eval_watch *watch, recur_error *err)
{
    recur_sampler *s = NULL;
    recur_status st = recur_sampler_create(m, 0, &s, err);
    if (st)
        return st;
    const int V = m->cfg.vocab_size;
    float *z = malloc((size_t)V * sizeof *z);
    if (!z) {
        recur_sampler_free(s);
        return recur_fail_nomem(err, "evaluation buffers");
    }
    double sum = 0.0;
    for (size_t k = 0; k + 1 < count; k++) {
        /* A token of a wide model takes tens of milliseconds: look at the
         * stop request every token, report every 256. */
        if (stop_requested(watch)) {
            st = recur_fail(err, RECUR_E_INTERRUPTED, "evaluation stopped on request");
            break;
        }
        if (k % 256 == 0)
            report(watch, k, count - 1);
        if ((st = recur_sampler_feed(s, ids[k], err)))
            break;
        memcpy(z, recur_sampler_logits(s), (size_t)V * sizeof *z);
        double exp_sum;
        sum += softmax_row_xent(z, V, ids[k + 1], &exp_sum);
    }
    *total = sum;
    free(z);
    recur_sampler_free(s);
    return st;
}

recur_status recur_model_evaluate(const recur_model *m, const int32_t *ids, size_t count, int batch, int seq,
                                  recur_eval_result *out, recur_error *err)
{
    return recur_model_evaluate_watched(m, ids, count, batch, seq, NULL, out, err);
}

recur_status recur_model_evaluate_watched(const recur_model *m, const int32_t *ids, size_t count, int batch,
                                          int seq, const recur_eval_watch *watch, recur_eval_result *out,
                                          recur_error *err)
{
    recur_status st = eval_check(&m, 1, ids, count, batch, seq, "evaluation", err);
    if (st)
        return st;
    double total = 0.0;
    size_t n = count - 1;
    /* A --norm model takes the network's windows at batch 1 as well: batch
     * norm's step restarts with each window there, as in training, where a
     * sampler's counts from its start. */
    if (batch == 1 && recur_model_config(m)->norm == RECUR_NORM_NONE)
        st = stepwise_loss(m, ids, count, &total, watch, err);
    else
        st = eval_batched(&m, 1, ids, count, batch, seq, watch, &total, NULL, &n, err);
    if (st)
        return st;
    eval_result_fill(total, n, out);
    return isfinite(out->loss) ? RECUR_OK : recur_fail(err, RECUR_E_NONFINITE, "the loss is not finite");
}
