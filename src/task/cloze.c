/* Cloze: predict masked characters from the characters around them. The
 * training text is cut into chunks; every batch masks fresh runs of 1..3
 * characters (about mask_rate of each chunk) with the mask character, and
 * the loss counts only the masked positions. A bidirectional model sees
 * both sides of a blank; a forward-only one only what comes before it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/model_internal.h"
#include "nn/softmax.h"
#include "task/fit.h"
#include "task/chars.h"
#include "task/seqdata.h"

enum { CLOZE_MAX_CHUNK = 512, FILL_MAX_CHARS = 8192, FILL_MAX_BLANK = 15 };

void recur_cloze_options_default(recur_cloze_options *o)
{
    memset(o, 0, sizeof *o);
    recur_config_default(&o->model);
    o->model.layers = 1;
    o->model.hidden = 128;
    o->model.embed = 64;
    o->model.bidirectional = 1;
    o->chunk = 100;
}

/* The text as chunks of `chunk` characters (the last may be shorter). */
static recur_status chunk_text(const recur_model *m, const char *text, size_t len, int chunk, task_data *d,
                               recur_error *err)
{
    memset(d, 0, sizeof *d);
    if (chunk < 2 || chunk > CLOZE_MAX_CHUNK)
        return recur_fail(err, RECUR_E_ARG, "chunk must be between 2 and %d characters, got %d", CLOZE_MAX_CHUNK,
                          chunk);
    for (size_t pos = 0; pos < len;) {
        task_seq q = {0};
        q.ids = malloc((size_t)chunk * sizeof *q.ids);
        if (!q.ids) {
            task_data_free(d);
            return recur_fail_nomem(err, "the text chunks");
        }
        size_t used = 0;
        q.len = chars_encode(m->vocab, text + pos, len - pos, chunk, q.ids, &used);
        pos += used ? used : 1;
        if (q.len < 2) {
            free(q.ids);
            continue;
        }
        recur_status st = task_data_push(d, q, err);
        if (st) {
            task_data_free(d);
            return st;
        }
    }
    if (d->n == 0)
        return recur_fail(err, RECUR_E_ARG, "the text is too short for a cloze");
    return RECUR_OK;
}

recur_status recur_cloze_train(const char *text, size_t len, const recur_cloze_options *opt,
                               const recur_task_train_config *tc, recur_task_progress_fn progress, void *ctx,
                               recur_model **out, recur_error *err)
{
    char_counter *cc = NULL;
    recur_vocab *chars = NULL;
    recur_status st = chars_count_new(&cc, err);
    if (!st)
        st = chars_count(cc, text, len, err);
    if (!st)
        st = chars_vocab(cc, 1, &chars, err);
    chars_count_free(cc);
    if (st)
        return st;
    recur_config cfg = opt->model;
    cfg.task = RECUR_TASK_CLOZE;
    cfg.level = RECUR_LEVEL_CHAR;
    cfg.labels = 0;
    recur_model *m = NULL;
    st = recur_task_model_create(&cfg, chars, NULL, NULL, tc->train.seed, &m, err);
    if (st) {
        recur_vocab_free(chars);
        return st;
    }
    task_data d;
    st = chunk_text(m, text, len, opt->chunk, &d, err);
    return task_fit(m, st, &d, tc, progress, ctx, out, err);
}

static recur_status check_cloze(const recur_model *m, recur_error *err)
{
    if (m->cfg.task != RECUR_TASK_CLOZE || task_mask_id(m) < 0)
        return recur_fail(err, RECUR_E_ARG, "this is a %s model, not a cloze model", recur_task_name(m->cfg.task));
    return RECUR_OK;
}

recur_status recur_cloze_evaluate(const recur_model *m, const char *text, size_t len, int chunk, float mask_rate,
                                  uint64_t seed, recur_cloze_eval *out, recur_error *err)
{
    memset(out, 0, sizeof *out);
    recur_status st = check_cloze(m, err);
    if (st)
        return st;
    task_data d;
    if ((st = chunk_text(m, text, len, chunk, &d, err)))
        return st;
    double loss = 0;
    st = task_predict(m, &d, 64, seed, mask_rate, NULL, NULL, &loss, &out->masked, &out->correct, err);
    if (!st && out->masked) {
        out->bits_per_char = loss / (double)out->masked / log(2.0);
        out->accuracy = (double)out->correct / (double)out->masked;
    }
    task_data_free(&d);
    return st;
}

/* Top-k fillings of one blank whose positions have probability rows p[i]
 * (V each): a beam over the positions, the score the product. */
static void best_fillings(const recur_model *m, const float *p, int n, int k, recur_fill_blank *blank)
{
    const int V = m->cfg.vocab_size;
    typedef struct { double prob; int ids[FILL_MAX_BLANK]; } hyp;
    hyp beam[16], next[16];
    int nb = 1;
    beam[0].prob = 1.0;
    for (int i = 0; i < n; i++) {
        const float *row = p + (size_t)i * V;
        int nn = 0;
        for (int b = 0; b < nb; b++)
            for (int v = 2; v < V; v++) { /* 0 and 1 are the mask and unknown characters */
                double q = beam[b].prob * row[v];
                if (nn == k && q <= next[nn - 1].prob)
                    continue;
                int at = nn < k ? nn++ : k - 1;
                while (at > 0 && next[at - 1].prob < q) {
                    next[at] = next[at - 1];
                    at--;
                }
                next[at] = beam[b];
                next[at].prob = q;
                next[at].ids[i] = v;
            }
        memcpy(beam, next, (size_t)nn * sizeof *beam);
        nb = nn;
    }
    blank->n_cand = nb;
    for (int b = 0; b < nb; b++) {
        recur_fill_candidate *c = &blank->cand[b];
        c->prob = beam[b].prob;
        size_t used = 0;
        for (int i = 0; i < n; i++) {
            const char *tok = recur_vocab_token(m->vocab, beam[b].ids[i]);
            size_t tl = strlen(tok);
            if (used + tl < sizeof c->text) {
                memcpy(c->text + used, tok, tl);
                used += tl;
            }
        }
        c->text[used] = '\0';
    }
}

recur_status recur_cloze_fill(const recur_model *m, const char *text, size_t len, int top_k,
                              recur_fill_blank **blanks, int *n_blanks, recur_error *err)
{
    *blanks = NULL;
    *n_blanks = 0;
    recur_status st = check_cloze(m, err);
    if (st)
        return st;
    if (top_k < 1 || top_k > 16)
        return recur_fail(err, RECUR_E_ARG, "top-k must be between 1 and 16, got %d", top_k);
    if ((st = recur_utf8_validate(text, len, err)))
        return st;
    /* Blanks first: runs of '_', each '_' one character. */
    int nb = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '_' && (i == 0 || text[i - 1] != '_'))
            nb++;
    if (nb == 0)
        return recur_fail(err, RECUR_E_ARG, "the text has no blank to fill (mark each one with a run of '_')");
    int32_t *ids = malloc(FILL_MAX_CHARS * sizeof *ids);
    int *blank_at = calloc((size_t)nb, sizeof *blank_at); /* character index of each blank */
    recur_fill_blank *out = calloc((size_t)nb, sizeof *out);
    if (!ids || !blank_at || !out) {
        free(ids);
        free(blank_at);
        free(out);
        return recur_fail_nomem(err, "the blanks");
    }
    int n = 0, b = -1;
    int32_t mask = task_mask_id(m);
    for (size_t i = 0; i < len && !st;) {
        if (n == FILL_MAX_CHARS) {
            st = recur_fail(err, RECUR_E_ARG, "the text is longer than %d characters", FILL_MAX_CHARS);
            break;
        }
        if (text[i] == '_') {
            if (i == 0 || text[i - 1] != '_') {
                b++;
                out[b].offset = i;
                blank_at[b] = n;
            }
            if (++out[b].length > FILL_MAX_BLANK)
                st = recur_fail(err, RECUR_E_ARG, "the blank at byte offset %zu is longer than %d characters",
                                out[b].offset, FILL_MAX_BLANK);
            ids[n++] = mask;
            i++;
            continue;
        }
        size_t used = 0;
        chars_encode(m->vocab, text + i, len - i, 1, ids + n, &used);
        n++;
        i += used ? used : 1;
    }
    net_workspace ws = {0};
    float *probs = NULL;
    if (!st)
        st = net_workspace_init(&ws, m, &(net_options){.T = n, .B = 1}, err);
    const int V = m->cfg.vocab_size;
    if (!st && !(probs = malloc((size_t)FILL_MAX_BLANK * V * sizeof *probs)))
        st = recur_fail_nomem(err, "the probabilities");
    if (!st) {
        net_batch batch = {n, 1, ids, NULL, 0, &n, NULL};
        net_forward(m, &ws, &batch, NULL, NULL, 0.0f);
        for (int k = 0; k < nb; k++) {
            for (int i = 0; i < out[k].length; i++)
                softmax_probs(ws.logits + (size_t)(blank_at[k] + i) * V, V, probs + (size_t)i * V);
            best_fillings(m, probs, out[k].length, top_k, &out[k]);
        }
    }
    free(probs);
    net_workspace_free(&ws);
    free(ids);
    free(blank_at);
    if (st) {
        free(out);
        return st;
    }
    *blanks = out;
    *n_blanks = nb;
    return RECUR_OK;
}
