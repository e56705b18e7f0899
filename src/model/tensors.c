/* The model's tensors by their PyTorch names, for callers that read or
 * write the weights in place (the Python package's zero-copy state_dict and
 * its from_state_dict), and the log-probabilities of a whole sequence (what
 * a PyTorch port of the same weights must reproduce). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/network.h"

int recur_model_tensor_count(const recur_model *m) { return m->n_tensors; }

float *recur_model_tensor(recur_model *m, int i, recur_tensor_info *info)
{
    if (i < 0 || i >= m->n_tensors)
        return NULL;
    const model_tensor *t = &m->tensors[i];
    if (info) {
        info->name = t->name;
        info->ndim = t->ndim;
        info->shape[0] = t->shape[0];
        info->shape[1] = t->ndim == 2 ? t->shape[1] : 0;
        info->size = t->size;
        info->tied = t->alias;
    }
    return m->params + t->offset;
}

/* Row-wise log-softmax in double, written back as floats. */
static void log_softmax_rows(const float *z, size_t rows, int O, float *out)
{
    for (size_t r = 0; r < rows; r++) {
        const float *row = z + r * (size_t)O;
        float top = row[0];
        for (int j = 1; j < O; j++)
            top = row[j] > top ? row[j] : top;
        double sum = 0.0;
        for (int j = 0; j < O; j++)
            sum += exp((double)row[j] - (double)top);
        double log_z = (double)top + log(sum);
        for (int j = 0; j < O; j++)
            out[r * (size_t)O + j] = (float)((double)row[j] - log_z);
    }
}

/* A language model: windows of up to 256 steps, the state carried. */
static recur_status lm_log_probs(const recur_model *m, const int32_t *ids, size_t count, float *out,
                                 recur_error *err)
{
    const int V = m->cfg.vocab_size;
    const int T = count < 256 ? (int)count : 256;
    net_workspace ws;
    net_state state;
    recur_status st = net_workspace_init(&ws, m, &(net_options){.T = T, .B = 1}, err);
    if (st)
        return st;
    if ((st = net_state_init(&state, m, 1, err))) {
        net_workspace_free(&ws);
        return st;
    }
    for (size_t pos = 0; pos < count; pos += (size_t)T) {
        int steps = count - pos < (size_t)T ? (int)(count - pos) : T;
        net_batch b = {.T = steps, .B = 1, .ids = ids + pos};
        net_forward(m, &ws, &b, &state, NULL, 0.0f);
        log_softmax_rows(ws.logits, (size_t)steps, V, out + pos * (size_t)V);
    }
    net_state_free(&state);
    net_workspace_free(&ws);
    return RECUR_OK;
}

/* tag, cloze, classify: the whole sequence at once, both directions. */
static recur_status seq_log_probs(const recur_model *m, const int32_t *ids, size_t count, float *out,
                                  recur_error *err)
{
    if (m->cfg.feature_size > 0)
        return recur_fail(err, RECUR_E_ARG, "a tag model with word features needs them for every word; "
                                            "recur_tagger_tag computes them");
    if (count > (1u << 20))
        return recur_fail(err, RECUR_E_ARG, "a sequence of %zu tokens is longer than the 1048576 a task model reads at once",
                          count);
    net_workspace ws;
    recur_status st = net_workspace_init(&ws, m, &(net_options){.T = (int)count, .B = 1}, err);
    if (st)
        return st;
    int len = (int)count;
    net_batch b = {.T = (int)count, .B = 1, .ids = ids, .feats = NULL, .K = 0, .len = &len, .targets = NULL};
    net_forward(m, &ws, &b, NULL, NULL, 0.0f);
    size_t rows = m->cfg.task == RECUR_TASK_CLASSIFY ? 1 : count;
    log_softmax_rows(ws.logits, rows, model_output_size(&m->cfg), out);
    net_workspace_free(&ws);
    return RECUR_OK;
}

recur_status recur_model_log_probs(const recur_model *m, const int32_t *ids, size_t count, float *out,
                                   recur_error *err)
{
    if (count < 1)
        return recur_fail(err, RECUR_E_ARG, "log-probabilities need at least one token");
    for (size_t k = 0; k < count; k++)
        if (ids[k] < 0 || ids[k] >= m->cfg.vocab_size)
            return recur_fail(err, RECUR_E_ARG, "token %zu has id %d outside the vocabulary of %d", k, (int)ids[k],
                              m->cfg.vocab_size);
    if (m->cfg.task == RECUR_TASK_LM)
        return lm_log_probs(m, ids, count, out, err);
    return seq_log_probs(m, ids, count, out, err);
}
