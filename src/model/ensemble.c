/* Ensembles: several models read the same token stream, each with its own
 * carried state, and their predicted distributions are averaged:
 * p(y) = (1/K) sum_k p_k(y). The ensemble's loss is -log of that mean, which
 * is at most the mean of the members' losses (Jensen), and usually below the
 * best member's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/network.h"
#include "nn/softmax.h"

/* log softmax(z)[target] for each of n rows of V logits (overwrites z). */
static void target_log_probs(float *logits, int V, const int32_t *targets, size_t n, double *out)
{
#pragma omp parallel for schedule(static) if (n * (size_t)V >= 32768)
    for (size_t r = 0; r < n; r++) {
        double sum;
        out[r] = -softmax_row_xent(logits + r * (size_t)V, V, targets[r], &sum);
    }
}

/* The members must predict over the same tokens in the same order. */
static recur_status check_same_vocab(const recur_model *const *models, int n, recur_error *err)
{
    const recur_vocab *v0 = models[0]->vocab;
    for (int k = 1; k < n; k++) {
        const recur_vocab *v = models[k]->vocab;
        if (recur_vocab_size(v) != recur_vocab_size(v0) || recur_vocab_level(v) != recur_vocab_level(v0))
            return recur_fail(err, RECUR_E_ARG, "model %d has %d tokens, model 1 has %d: an ensemble needs one vocabulary",
                              k + 1, recur_vocab_size(v), recur_vocab_size(v0));
        for (int i = 0; i < recur_vocab_size(v0); i++)
            if (strcmp(recur_vocab_token(v, i), recur_vocab_token(v0, i)) != 0)
                return recur_fail(err, RECUR_E_ARG,
                                  "model %d's token %d is '%s' where model 1 has '%s': an ensemble needs one vocabulary",
                                  k + 1, i, recur_vocab_token(v, i), recur_vocab_token(v0, i));
    }
    return RECUR_OK;
}

static void fill_result(double total, size_t n, recur_eval_result *r)
{
    r->tokens = n;
    r->loss = total / (double)n;
    r->bits_per_token = r->loss / log(2.0);
    r->perplexity = exp(r->loss);
}

recur_status recur_ensemble_evaluate(const recur_model *const *models, int n_models, const int32_t *ids, size_t count,
                                     int batch, int seq, recur_eval_result *each, recur_eval_result *ensemble,
                                     recur_error *err)
{
    if (!models || n_models < 1)
        return recur_fail(err, RECUR_E_ARG, "an ensemble needs at least one model (got %d)", n_models);
    if (batch < 1 || seq < 1)
        return recur_fail(err, RECUR_E_ARG, "batch and seq must be positive (got %d and %d)", batch, seq);
    for (int k = 0; k < n_models; k++) {
        recur_status lm = model_require_lm(models[k], "an ensemble", err);
        if (lm)
            return lm;
    }
    recur_status st = check_same_vocab(models, n_models, err);
    if (st)
        return st;
    const int V = models[0]->cfg.vocab_size;
    size_t stream_len = count / (size_t)batch;
    if (stream_len < 2)
        return recur_fail(err, RECUR_E_ARG, "the text has %zu tokens, too few for %d streams; lower --batch", count,
                          batch);
    for (size_t k = 0; k < count; k++)
        if (ids[k] < 0 || ids[k] >= V)
            return recur_fail(err, RECUR_E_ARG, "token %zu has id %d outside the vocabulary", k, (int)ids[k]);
    const size_t predictions = stream_len - 1; /* per stream */
    const int T = (size_t)seq < predictions ? seq : (int)predictions;
    const size_t TB = (size_t)T * batch;
    const int K = n_models;
    net_workspace *ws = calloc((size_t)K, sizeof *ws);
    net_state *state = calloc((size_t)K, sizeof *state);
    double *totals = calloc((size_t)K, sizeof *totals);
    double *lp = malloc((size_t)K * TB * sizeof *lp);
    int32_t *x = malloc(TB * sizeof *x), *y = malloc(TB * sizeof *y);
    int ready = 0; /* members whose workspace and state were initialised */
    if (!ws || !state || !totals || !lp || !x || !y)
        st = recur_fail_nomem(err, "ensemble buffers");
    for (; !st && ready < K; ready++) {
        st = net_workspace_init(&ws[ready], models[ready], &(net_options){.T = T, .B = batch}, err);
        if (!st && (st = net_state_init(&state[ready], models[ready], batch, err)))
            net_workspace_free(&ws[ready]);
        if (st)
            break;
    }
    double total = 0.0;
    for (size_t pos = 0; !st && pos < predictions; pos += (size_t)T) {
        int steps = predictions - pos < (size_t)T ? (int)(predictions - pos) : T;
        size_t rows = (size_t)steps * batch;
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++) {
                const int32_t *stream = ids + (size_t)b * stream_len;
                x[t * batch + b] = stream[pos + t];
                y[t * batch + b] = stream[pos + t + 1];
            }
        for (int k = 0; k < K; k++) {
            net_batch b = {.T = steps, .B = batch, .ids = x};
            net_forward(models[k], &ws[k], &b, &state[k], NULL, 0.0f);
            target_log_probs(ws[k].logits, V, y, rows, lp + (size_t)k * TB);
        }
        for (size_t r = 0; r < rows; r++) {
            /* log of the mean probability, through the largest log-probability. */
            double top = lp[r];
            for (int k = 0; k < K; k++) {
                double v = lp[(size_t)k * TB + r];
                totals[k] -= v;
                top = v > top ? v : top;
            }
            double s = 0.0;
            for (int k = 0; k < K; k++)
                s += exp(lp[(size_t)k * TB + r] - top);
            total -= top + log(s / K);
        }
    }
    if (!st) {
        size_t n = predictions * (size_t)batch;
        for (int k = 0; k < K; k++)
            if (each)
                fill_result(totals[k], n, &each[k]);
        fill_result(total, n, ensemble);
        if (!isfinite(ensemble->loss))
            st = recur_fail(err, RECUR_E_NONFINITE, "the ensemble's loss is not finite");
    }
    for (int k = 0; k < ready; k++) {
        net_workspace_free(&ws[k]);
        net_state_free(&state[k]);
    }
    free(ws);
    free(state);
    free(totals);
    free(lp);
    free(x);
    free(y);
    return st;
}
