/* Evaluation: mean cross-entropy over a token stream with carried state. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/network.h"
#include "nn/softmax.h"
#include "recur/sample.h"

/* One stream, one token at a time: the sampler's batch-1 path computes the
 * same logits as the network (to float rounding; tests/test_sampler.c) and
 * is several times faster at batch 1, where each step is a matrix-vector
 * product per layer. Sums -log p(next) over count - 1 predictions. */
static int stop_requested(const recur_eval_watch *w) { return w && w->cancel && *w->cancel; }

static void report(const recur_eval_watch *w, size_t done, size_t total)
{
    if (w && w->progress)
        w->progress(w->user, done, total);
}

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
    if (batch < 1 || seq < 1)
        return recur_fail(err, RECUR_E_ARG, "batch and seq must be positive (got %d and %d)", batch, seq);
    recur_status lm = model_require_lm(m, "evaluation", err);
    if (lm)
        return lm;
    size_t stream_len = count / (size_t)batch;
    if (stream_len < 2)
        return recur_fail(err, RECUR_E_ARG, "the text has %zu tokens, too few for %d streams; lower --batch", count,
                          batch);
    for (size_t k = 0; k < count; k++)
        if (ids[k] < 0 || ids[k] >= m->cfg.vocab_size)
            return recur_fail(err, RECUR_E_ARG, "token %zu has id %d outside the vocabulary", k, (int)ids[k]);
    const size_t predictions = stream_len - 1; /* per stream */
    if (batch == 1) {
        double total = 0.0;
        recur_status st = stepwise_loss(m, ids, count, &total, watch, err);
        if (st)
            return st;
        out->tokens = predictions;
        out->loss = total / (double)predictions;
        out->bits_per_token = out->loss / log(2.0);
        out->perplexity = exp(out->loss);
        return isfinite(out->loss) ? RECUR_OK : recur_fail(err, RECUR_E_NONFINITE, "the loss is not finite");
    }
    int T = (size_t)seq < predictions ? seq : (int)predictions;
    net_workspace ws;
    net_state state;
    recur_status st = net_workspace_init(&ws, m, &(net_options){.T = T, .B = batch}, err);
    if (st)
        return st;
    st = net_state_init(&state, m, batch, err);
    ws.cancel = watch ? watch->cancel : NULL;
    int32_t *x = malloc((size_t)T * batch * sizeof *x), *y = malloc((size_t)T * batch * sizeof *y);
    if (!st && (!x || !y))
        st = recur_fail_nomem(err, "evaluation buffers");
    double total = 0.0;
    for (size_t pos = 0; !st && pos < predictions; pos += (size_t)T) {
        int steps = predictions - pos < (size_t)T ? (int)(predictions - pos) : T;
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++) {
                const int32_t *stream = ids + (size_t)b * stream_len;
                x[t * batch + b] = stream[pos + t];
                y[t * batch + b] = stream[pos + t + 1];
            }
        report(watch, pos * (size_t)batch, predictions * (size_t)batch);
        net_batch b = {.T = steps, .B = batch, .ids = x, .targets = y};
        total += net_forward(m, &ws, &b, &state, NULL, 0.0f);
        if (ws.cancelled || stop_requested(watch))
            st = recur_fail(err, RECUR_E_INTERRUPTED, "evaluation stopped on request");
    }
    if (!st) {
        size_t n = predictions * (size_t)batch;
        out->tokens = n;
        out->loss = total / (double)n;
        out->bits_per_token = out->loss / log(2.0);
        out->perplexity = exp(out->loss);
        if (!isfinite(out->loss))
            st = recur_fail(err, RECUR_E_NONFINITE, "the loss is not finite");
    }
    free(x);
    free(y);
    net_state_free(&state);
    net_workspace_free(&ws);
    return st;
}
