/* Fine-tuning: a trained language model's weights with a vocabulary grown by
 * the tokens of a new text. */
#include "model/model_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* The tokens of extra that m's vocabulary lacks, in extra's order. */
static int missing_tokens(const recur_vocab *have, const recur_vocab *extra, const char **out)
{
    int k = 0;
    for (int i = 0; i < recur_vocab_size(extra); i++) {
        const char *tok = recur_vocab_token(extra, i);
        if (recur_vocab_find(have, tok, strlen(tok)) < 0)
            out[k++] = tok;
    }
    return k;
}

/* Copies a [rows_old x cols] matrix into the first rows of a [rows_new x cols] one. */
static void copy_rows(float *dst, const float *src, size_t rows_old, size_t cols)
{
    memcpy(dst, src, rows_old * cols * sizeof *dst);
}

/* Each new row of the embedding is the mean of the old rows: a new
 * character enters the network as an average character would, inside the
 * range the recurrent layers were trained on (a random row could be far off
 * it, a zero row is a point no token ever took). */
static void mean_rows(float *w, size_t rows_old, size_t rows_new, size_t cols)
{
    float *mean = w + rows_old * cols;
    memset(mean, 0, cols * sizeof *mean);
    for (size_t r = 0; r < rows_old; r++)
        for (size_t c = 0; c < cols; c++)
            mean[c] += w[r * cols + c];
    for (size_t c = 0; c < cols; c++)
        mean[c] /= (float)rows_old;
    for (size_t r = rows_old + 1; r < rows_new; r++)
        memcpy(w + r * cols, mean, cols * sizeof *mean);
}

recur_status recur_model_extend_vocab(const recur_model *m, const recur_vocab *extra, recur_model **out, int *added,
                                      recur_error *err)
{
    if (!m || !extra || !out)
        return recur_fail(err, RECUR_E_ARG, "recur_model_extend_vocab: model, extra and out are required");
    *out = NULL;
    if (added)
        *added = 0;
    if (m->cfg.task != RECUR_TASK_LM)
        return recur_fail(err, RECUR_E_ARG, "only a language model's vocabulary can grow (this is a %s model)",
                          recur_task_name(m->cfg.task));
    if (recur_vocab_level(extra) != m->cfg.level)
        return recur_fail(err, RECUR_E_ARG, "a %s-level model cannot take the tokens of a %s-level vocabulary",
                          recur_level_name(m->cfg.level), recur_level_name(recur_vocab_level(extra)));
    const int V = recur_vocab_size(m->vocab), X = recur_vocab_size(extra);
    const char **tokens = malloc((size_t)(V + X) * sizeof *tokens);
    if (!tokens)
        return recur_fail_nomem(err, "the grown vocabulary");
    for (int i = 0; i < V; i++)
        tokens[i] = recur_vocab_token(m->vocab, i);
    const int k = missing_tokens(m->vocab, extra, tokens + V);
    recur_config cfg = m->cfg;
    cfg.vocab_size = V + k;
    recur_model *g = NULL;
    recur_status st = model_alloc(&cfg, &g, err);
    if (!st)
        st = recur_vocab_from_tokens(tokens, V + k, cfg.level, &g->vocab, err);
    free(tokens);
    if (st) {
        recur_model_free(g);
        return st;
    }
    /* The tensor tables list the same tensors in the same order; only the
     * vocabulary's rows differ. */
    const size_t E = (size_t)m->cfg.embed, Hd = (size_t)(m->dirs * m->cfg.hidden);
    for (int i = 0; i < m->n_tensors; i++) {
        const model_tensor *a = &m->tensors[i];
        const model_tensor *b = &g->tensors[i];
        if (a->alias)
            continue;
        const float *src = m->params + a->offset;
        float *dst = g->params + b->offset;
        if (a->offset == m->enc_w) {
            copy_rows(dst, src, (size_t)V, E);
            if (k)
                mean_rows(dst, (size_t)V, (size_t)(V + k), E);
        } else if (a->offset == m->dec_w) {
            /* Zero rows: a new token's logit is its bias alone, and every old
             * token's logit is what it was (so are their ratios). */
            copy_rows(dst, src, (size_t)V, Hd);
            memset(dst + (size_t)V * Hd, 0, (size_t)k * Hd * sizeof *dst);
        } else if (a->offset == m->dec_b) {
            /* The smallest old bias less log k: the k new tokens together
             * start about as likely as the one old token the model
             * predicts least a priori, so they take little from the old
             * tokens' probability until the new text teaches them. */
            float lowest = FLT_MAX;
            for (int r = 0; r < V; r++)
                lowest = src[r] < lowest ? src[r] : lowest;
            memcpy(dst, src, (size_t)V * sizeof *dst);
            for (int r = V; r < V + k; r++)
                dst[r] = lowest - logf((float)k);
        } else {
            memcpy(dst, src, a->size * sizeof *dst);
        }
    }
    if (added)
        *added = k;
    *out = g;
    return RECUR_OK;
}

recur_status recur_model_set_dropout(recur_model *m, float dropout, recur_error *err)
{
    if (!m)
        return recur_fail(err, RECUR_E_ARG, "recur_model_set_dropout: model is required");
    if (!(dropout >= 0.0f && dropout < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "dropout must be in [0, 1), got %g", (double)dropout);
    m->cfg.dropout = dropout;
    return RECUR_OK;
}
