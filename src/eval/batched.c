#include "eval/batched.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/network.h"
#include "model/token_streams.h"
#include "nn/softmax.h"

recur_status eval_check(const recur_model *const *models, int K, const int32_t *ids, size_t count, int batch, int seq,
                        const char *what, recur_error *err)
{
    if (batch < 1 || seq < 1)
        return recur_fail(err, RECUR_E_ARG, "batch and seq must be positive (got %d and %d)", batch, seq);
    for (int k = 0; k < K; k++) {
        recur_status st = model_require_lm(models[k], what, err);
        if (st)
            return st;
    }
    if (token_streams_cut(ids, count, batch).len < 2)
        return recur_fail(err, RECUR_E_ARG, "the text has %zu tokens, too few for %d streams; lower --batch", count,
                          batch);
    return token_ids_check(ids, count, models[0]->cfg.vocab_size, err);
}

void eval_result_fill(double total, size_t n, recur_eval_result *r)
{
    r->tokens = n;
    r->loss = total / (double)n;
    r->bits_per_token = r->loss / log(2.0);
    r->perplexity = exp(r->loss);
}

static int stop_requested(const recur_eval_watch *w) { return w && w->cancel && *w->cancel; }

/* log softmax(z)[target] for each of n rows of V logits (overwrites z). */
static void target_log_probs(float *logits, int V, const int32_t *targets, size_t n, double *out)
{
#pragma omp parallel for schedule(static) if (n * (size_t)V >= 32768)
    for (size_t r = 0; r < n; r++) {
        double sum;
        out[r] = -softmax_row_xent(logits + r * (size_t)V, V, targets[r], &sum);
    }
}

/* Adds each member's loss of the rows to member[] and that of their mean
 * distribution to *mixture; lp [K][stride] holds the members' log-probabilities. */
static void mix(const double *lp, int K, size_t stride, size_t rows, double *member, double *mixture)
{
    for (size_t r = 0; r < rows; r++) {
        /* log of the mean probability, through the largest log-probability. */
        double top = lp[r];
        for (int k = 0; k < K; k++) {
            double v = lp[(size_t)k * stride + r];
            member[k] -= v;
            top = v > top ? v : top;
        }
        double s = 0.0;
        for (int k = 0; k < K; k++)
            s += exp(lp[(size_t)k * stride + r] - top);
        *mixture -= top + log(s / K);
    }
}

recur_status eval_batched(const recur_model *const *models, int K, const int32_t *ids, size_t count, int batch,
                          int seq, const recur_eval_watch *watch, double *member, double *mixture, size_t *predictions,
                          recur_error *err)
{
    const token_streams streams = token_streams_cut(ids, count, batch);
    const size_t steps_all = streams.len - 1; /* predictions per stream */
    const int T = (size_t)seq < steps_all ? seq : (int)steps_all;
    const size_t TB = (size_t)T * batch;
    const int V = models[0]->cfg.vocab_size;
    recur_status st = RECUR_OK;
    net_workspace *ws = calloc((size_t)K, sizeof *ws);
    net_state *state = calloc((size_t)K, sizeof *state);
    int32_t *x = malloc(TB * sizeof *x), *y = malloc(TB * sizeof *y);
    double *lp = mixture ? malloc((size_t)K * TB * sizeof *lp) : NULL;
    int ready = 0; /* members whose workspace and state were initialised */
    if (!ws || !state || !x || !y || (mixture && !lp))
        st = recur_fail_nomem(err, "evaluation buffers");
    for (; !st && ready < K; ready++) {
        st = net_workspace_init(&ws[ready], models[ready], &(net_options){.T = T, .B = batch}, err);
        if (!st && (st = net_state_init(&state[ready], models[ready], batch, err)))
            net_workspace_free(&ws[ready]);
        if (st)
            break;
        ws[ready].cancel = watch ? watch->cancel : NULL;
    }
    for (int k = 0; k < K; k++)
        member[k] = 0.0;
    if (mixture)
        *mixture = 0.0;
    for (size_t pos = 0; !st && pos < steps_all; pos += (size_t)T) {
        const int steps = steps_all - pos < (size_t)T ? (int)(steps_all - pos) : T;
        const size_t rows = (size_t)steps * batch;
        token_streams_window(&streams, 0, batch, pos, steps, x, y);
        if (watch && watch->progress)
            watch->progress(watch->user, pos * (size_t)batch, steps_all * (size_t)batch);
        for (int k = 0; k < K && !st; k++) {
            /* Alone, a model's loss is the network's own sum; mixed, each
             * member's log-probabilities are kept for the mean. */
            net_batch b = {.T = steps, .B = batch, .ids = x, .targets = mixture ? NULL : y};
            double loss = net_forward(models[k], &ws[k], &b, &state[k], NULL, 0.0f);
            if (ws[k].cancelled || stop_requested(watch))
                st = recur_fail(err, RECUR_E_INTERRUPTED, "evaluation stopped on request");
            else if (mixture)
                target_log_probs(ws[k].logits, V, y, rows, lp + (size_t)k * TB);
            else
                member[k] += loss;
        }
        if (!st && mixture)
            mix(lp, K, TB, rows, member, mixture);
    }
    *predictions = steps_all * (size_t)batch;
    for (int k = 0; k < ready; k++) {
        net_workspace_free(&ws[k]);
        net_state_free(&state[k]);
    }
    free(ws);
    free(state);
    free(x);
    free(y);
    free(lp);
    return st;
}
