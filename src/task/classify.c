/* Many-to-one: a label per text from a char-level (bidirectional) recurrent
 * encoder whose outputs are pooled (mean over the steps, or the last state
 * of each direction) and fed to a linear classifier. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/model_internal.h"
#include "nn/softmax.h"
#include "task/chars.h"
#include "task/fit.h"
#include "task/seqdata.h"
#include "task/counter.h"

struct recur_labelled {
    char *buf;             /* the file's text; labels and texts point into it */
    const char **labels, **texts;
    size_t *lens;
    size_t *lines;         /* 1-based line of each row */
    int n, cap;
};

static recur_status push_row(recur_labelled *d, const char *label, const char *text, size_t len, size_t line,
                             recur_error *err)
{
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 1024;
        const char **l = realloc(d->labels, (size_t)cap * sizeof *l);
        if (l)
            d->labels = l;
        const char **t = l ? realloc(d->texts, (size_t)cap * sizeof *t) : NULL;
        if (t)
            d->texts = t;
        size_t *n = t ? realloc(d->lens, (size_t)cap * sizeof *n) : NULL;
        if (n)
            d->lens = n;
        size_t *ln = n ? realloc(d->lines, (size_t)cap * sizeof *ln) : NULL;
        if (!ln)
            return recur_fail_nomem(err, "the labelled rows");
        d->lines = ln;
        d->cap = cap;
    }
    d->labels[d->n] = label;
    d->texts[d->n] = text;
    d->lens[d->n] = len;
    d->lines[d->n] = line;
    d->n++;
    return RECUR_OK;
}

recur_status recur_labelled_read(const char *path, recur_labelled **out, recur_error *err)
{
    *out = NULL;
    recur_labelled *d = calloc(1, sizeof *d);
    if (!d)
        return recur_fail_nomem(err, "the labelled data");
    size_t len = 0;
    recur_status st = recur_read_file(path, &d->buf, &len, err);
    char *text = d->buf;
    size_t line = 0;
    for (size_t pos = 0; !st && pos < len;) {
        line++;
        char *eol = memchr(text + pos, '\n', len - pos);
        size_t end = eol ? (size_t)(eol - text) : len;
        if (end > pos && text[end - 1] == '\r')
            text[end - 1] = '\0', end--;
        if (eol)
            *eol = '\0';
        char *row = text + pos;
        size_t rlen = end - pos;
        pos = (eol ? (size_t)(eol - text) : len) + 1;
        if (rlen == 0)
            continue; /* blank lines carry nothing */
        char *tab = memchr(row, '\t', rlen);
        if (memchr(row, '\0', rlen))
            st = recur_fail(err, RECUR_E_FORMAT, "%s:%zu: contains a NUL byte", path, line);
        else if (!tab)
            st = recur_fail(err, RECUR_E_FORMAT, "%s:%zu: no TAB between label and text", path, line);
        else if (tab == row)
            st = recur_fail(err, RECUR_E_FORMAT, "%s:%zu: empty label", path, line);
        else if (tab + 1 == row + rlen)
            st = recur_fail(err, RECUR_E_FORMAT, "%s:%zu: empty text", path, line);
        else if (recur_utf8_validate(row, rlen, err))
            st = recur_error_prefix(err, "%s:%zu", path, line);
        if (st)
            break;
        for (char *p = row; p < tab && !st; p++)
            if (*p == ' ' || *p == '\v' || *p == '\f')
                st = recur_fail(err, RECUR_E_FORMAT, "%s:%zu: label '%.*s' contains white space", path, line,
                                (int)(tab - row > 40 ? 40 : tab - row), row);
        if (st)
            break;
        *tab = '\0';
        st = push_row(d, row, tab + 1, (size_t)(row + rlen - (tab + 1)), line, err);
    }
    if (!st && d->n == 0)
        st = recur_fail(err, RECUR_E_FORMAT, "%s: no labelled lines", path);
    if (st) {
        recur_labelled_free(d);
        return st;
    }
    *out = d;
    return RECUR_OK;
}

void recur_labelled_free(recur_labelled *d)
{
    if (!d)
        return;
    free(d->buf);
    free(d->labels);
    free(d->texts);
    free(d->lens);
    free(d->lines);
    free(d);
}

int recur_labelled_count(const recur_labelled *d) { return d->n; }

recur_status recur_labelled_split(recur_labelled *d, int every, recur_labelled **test, recur_error *err)
{
    *test = NULL;
    if (every < 2)
        return recur_fail(err, RECUR_E_ARG, "the holdout must be every 2nd line or sparser, got %d", every);
    recur_labelled *t = calloc(1, sizeof *t);
    if (!t)
        return recur_fail_nomem(err, "the held-out rows");
    int kept = 0;
    recur_status st = RECUR_OK;
    for (int i = 0; i < d->n && !st; i++) {
        if (i % every == every - 1) {
            st = push_row(t, d->labels[i], d->texts[i], d->lens[i], d->lines[i], err);
            continue;
        }
        d->labels[kept] = d->labels[i];
        d->texts[kept] = d->texts[i];
        d->lens[kept] = d->lens[i];
        d->lines[kept] = d->lines[i];
        kept++;
    }
    if (!st && (t->n == 0 || kept == 0))
        st = recur_fail(err, RECUR_E_ARG, "holding out every %d-th of %d lines leaves nothing on one side", every,
                        d->n + 0);
    if (st) {
        recur_labelled_free(t);
        return st;
    }
    d->n = kept;
    *test = t; /* its rows point into d's buffer: free it before d */
    return RECUR_OK;
}

void recur_classifier_options_default(recur_classifier_options *o)
{
    memset(o, 0, sizeof *o);
    recur_config_default(&o->model);
    o->model.layers = 1;
    o->model.hidden = 64;
    o->model.embed = 32;
    o->model.pool = RECUR_POOL_MEAN;
}

/* Texts are cut to max_chars characters. */
static recur_status encode_rows(const recur_model *m, const recur_labelled *d, int max_chars, task_data *out,
                                recur_error *err)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < d->n; i++) {
        task_seq q = {0};
        q.ids = malloc((size_t)max_chars * sizeof *q.ids);
        if (!q.ids) {
            task_data_free(out);
            return recur_fail_nomem(err, "a text");
        }
        q.len = chars_encode(m->vocab, d->texts[i], d->lens[i], max_chars, q.ids, NULL);
        q.label = recur_vocab_find(m->labels, d->labels[i], strlen(d->labels[i])); /* -1: unknown, wrong */
        if (q.len == 0) {
            free(q.ids);
            continue;
        }
        recur_status st = task_data_push(out, q, err);
        if (st) {
            task_data_free(out);
            return st;
        }
    }
    return RECUR_OK;
}

recur_status recur_classifier_train(const recur_labelled *train, const recur_classifier_options *opt,
                                    const recur_task_train_config *tc, recur_task_progress_fn progress, void *ctx,
                                    recur_model **out, recur_error *err)
{
    char_counter *cc = NULL;
    str_counter lc;
    counter_init(&lc);
    recur_vocab *chars = NULL, *labels = NULL;
    recur_status st = chars_count_new(&cc, err);
    for (int i = 0; i < train->n && !st; i++) {
        st = chars_count(cc, train->texts[i], train->lens[i], err);
        if (!st)
            st = counter_add(&lc, train->labels[i], strlen(train->labels[i]), err);
    }
    if (!st)
        st = chars_vocab(cc, 2, &chars, err);
    if (!st)
        st = counter_vocab(&lc, 1, NULL, 0, RECUR_LEVEL_WORD, &labels, err);
    chars_count_free(cc);
    counter_free(&lc);
    recur_config cfg = opt->model;
    cfg.task = RECUR_TASK_CLASSIFY;
    cfg.level = RECUR_LEVEL_CHAR;
    recur_model *m = NULL;
    if (!st)
        st = recur_task_model_create(&cfg, chars, labels, NULL, tc->train.seed, &m, err);
    if (st) {
        if (!m) {
            recur_vocab_free(chars);
            recur_vocab_free(labels);
        }
        return st;
    }
    task_data d;
    st = encode_rows(m, train, RECUR_CLASSIFY_MAX_CHARS, &d, err);
    return task_fit(m, st, &d, tc, progress, ctx, out, err);
}

static recur_status check_classifier(const recur_model *m, recur_error *err)
{
    if (m->cfg.task != RECUR_TASK_CLASSIFY)
        return recur_fail(err, RECUR_E_ARG, "this is a %s model, not a classifier", recur_task_name(m->cfg.task));
    return RECUR_OK;
}

recur_status recur_classifier_evaluate(const recur_model *m, const recur_labelled *test, double *accuracy,
                                       size_t *count, recur_error *err)
{
    recur_status st = check_classifier(m, err);
    if (st)
        return st;
    task_data d;
    if ((st = encode_rows(m, test, RECUR_CLASSIFY_MAX_CHARS, &d, err)))
        return st;
    int32_t *pred = malloc(((size_t)d.n + 1) * sizeof *pred);
    if (!pred) {
        task_data_free(&d);
        return recur_fail_nomem(err, "the predictions");
    }
    st = task_predict(m, &d, 64, 0, 0.0f, pred, NULL, NULL, NULL, NULL, err);
    size_t right = 0;
    for (int i = 0; i < d.n; i++)
        right += pred[i] == d.seqs[i].label;
    *accuracy = d.n ? (double)right / (double)d.n : 0.0;
    *count = (size_t)d.n;
    free(pred);
    task_data_free(&d);
    return st;
}

recur_status recur_classify_text(const recur_model *m, const char *text, size_t len, float *probs, recur_error *err)
{
    recur_status st = check_classifier(m, err);
    if (st)
        return st;
    int max = RECUR_CLASSIFY_MAX_CHARS;
    int32_t *ids = malloc((size_t)max * sizeof *ids);
    if (!ids)
        return recur_fail_nomem(err, "a text");
    int n = chars_encode(m->vocab, text, len, max, ids, NULL);
    if (n == 0) {
        free(ids);
        return recur_fail(err, RECUR_E_ARG, "an empty text has no class");
    }
    net_workspace ws;
    if ((st = net_workspace_init(&ws, m, &(net_options){.T = n, .B = 1}, err))) {
        free(ids);
        return st;
    }
    net_batch b = {n, 1, ids, NULL, 0, &n, NULL};
    net_forward(m, &ws, &b, NULL, NULL, 0.0f);
    softmax_probs(ws.logits, model_output_size(&m->cfg), probs);
    net_workspace_free(&ws);
    free(ids);
    return RECUR_OK;
}
