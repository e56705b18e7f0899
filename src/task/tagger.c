/* Sequence labelling: a tag per word from a (bidirectional) recurrent stack
 * over word embeddings plus, optionally, summed embeddings of word features
 * that carry an unknown word: its lowercase form, its last 1, 2 and 3
 * characters and its shape ("Xxxx", "dd-dd", ...). Words seen fewer than
 * min_count times in training are <unk>, so the model learns to tag from the
 * features where the word itself is unknown. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/model_internal.h"
#include "nn/softmax.h"
#include "task/fit.h"
#include "task/counter.h"
#include "task/seqdata.h"
#include "task/tagdata.h"

enum { TAG_FEATURES = 5, FEATURE_MAX = 96 };

void recur_tagger_options_default(recur_tagger_options *o)
{
    memset(o, 0, sizeof *o);
    recur_config_default(&o->model);
    o->model.layers = 1;
    o->model.hidden = 128;
    o->model.embed = 100;
    o->model.bidirectional = 1;
    o->model.dropout = 0.25f;
    o->min_count = 2;
    o->features = 1;
    o->feature_embed = 32;
}

/* Code-point boundaries: the start of the last n characters of s. */
static const char *last_chars(const char *s, size_t len, int n)
{
    const char *p = s + len;
    while (p > s && n > 0) {
        p--;
        if (((unsigned char)*p & 0xC0) != 0x80)
            n--;
    }
    return p;
}

/* The feature strings of a word, written into buf slots of FEATURE_MAX. */
static int word_features(const char *w, char buf[TAG_FEATURES][FEATURE_MAX])
{
    char lower[FEATURE_MAX - 8];
    size_t n = strlen(w);
    if (n >= sizeof lower)
        n = sizeof lower - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)w[i]);
    lower[n] = '\0';
    /* Do not cut a character in two. */
    while (n > 0 && ((unsigned char)lower[n - 1] & 0xC0) == 0xC0)
        lower[--n] = '\0';
    snprintf(buf[0], FEATURE_MAX, "w:%s", lower);
    for (int k = 1; k <= 3; k++)
        snprintf(buf[k], FEATURE_MAX, "s%d:%s", k, last_chars(lower, n, k));
    char shape[16];
    size_t m = 0;
    for (const char *p = w; *p && m < sizeof shape - 1; p++) {
        unsigned char ch = (unsigned char)*p;
        char cls = isupper(ch) ? 'X' : islower(ch) ? 'x' : isdigit(ch) ? 'd' : ch >= 0x80 ? 'u' : (char)ch;
        if (m == 0 || shape[m - 1] != cls)
            shape[m++] = cls;
    }
    shape[m] = '\0';
    snprintf(buf[4], FEATURE_MAX, "shape:%s", shape);
    return TAG_FEATURES;
}

static recur_status encode_sentence(const recur_model *m, const recur_tagged_corpus *c, int s, int with_targets,
                                    task_seq *out, recur_error *err)
{
    size_t a = c->sent_start[s], b = c->sent_start[s + 1];
    int len = (int)(b - a), K = m->features ? TAG_FEATURES : 0;
    task_seq q = {0};
    q.len = len;
    q.ids = malloc((size_t)len * sizeof *q.ids);
    q.targets = with_targets ? malloc((size_t)len * sizeof *q.targets) : NULL;
    q.feats = K ? malloc((size_t)len * K * sizeof *q.feats) : NULL;
    if (!q.ids || (with_targets && !q.targets) || (K && !q.feats)) {
        free(q.ids);
        free(q.targets);
        free(q.feats);
        return recur_fail_nomem(err, "a sentence");
    }
    int unk = recur_vocab_unk(m->vocab);
    for (int t = 0; t < len; t++) {
        const char *w = c->words[a + t];
        int id = recur_vocab_find(m->vocab, w, strlen(w));
        q.ids[t] = id >= 0 ? id : unk;
        if (with_targets) {
            const char *tag = c->tags[a + t];
            q.targets[t] = recur_vocab_find(m->labels, tag, strlen(tag)); /* -1: unknown tag, no loss */
        }
        if (K) {
            char fb[TAG_FEATURES][FEATURE_MAX];
            word_features(w, fb);
            for (int k = 0; k < K; k++)
                q.feats[(size_t)t * K + k] = recur_vocab_find(m->features, fb[k], strlen(fb[k]));
        }
    }
    *out = q;
    return RECUR_OK;
}

static recur_status encode_corpus(const recur_model *m, const recur_tagged_corpus *c, task_data *d, recur_error *err)
{
    memset(d, 0, sizeof *d);
    d->K = m->features ? TAG_FEATURES : 0;
    for (int s = 0; s < c->n_sent; s++) {
        task_seq q;
        recur_status st = encode_sentence(m, c, s, 1, &q, err);
        if (!st)
            st = task_data_push(d, q, err);
        if (st) {
            task_data_free(d);
            return st;
        }
    }
    return RECUR_OK;
}

static recur_status build_vocabs(const recur_tagged_corpus *c, const recur_tagger_options *o, recur_vocab **words,
                                 recur_vocab **tags, recur_vocab **feats, recur_error *err)
{
    str_counter wc, tc, fc;
    counter_init(&wc);
    counter_init(&tc);
    counter_init(&fc);
    recur_status st = RECUR_OK;
    for (size_t i = 0; i < c->n_tokens && !st; i++) {
        st = counter_add(&wc, c->words[i], strlen(c->words[i]), err);
        if (!st)
            st = counter_add(&tc, c->tags[i], strlen(c->tags[i]), err);
        if (!st && o->features) {
            char fb[TAG_FEATURES][FEATURE_MAX];
            word_features(c->words[i], fb);
            for (int k = 0; k < TAG_FEATURES && !st; k++)
                st = counter_add(&fc, fb[k], strlen(fb[k]), err);
        }
    }
    static const char *const unk[] = {"<unk>"};
    *words = *tags = *feats = NULL;
    if (!st)
        st = counter_vocab(&wc, o->min_count, unk, 1, RECUR_LEVEL_WORD, words, err);
    if (!st)
        st = counter_vocab(&tc, 1, NULL, 0, RECUR_LEVEL_WORD, tags, err);
    if (!st && o->features)
        st = counter_vocab(&fc, o->min_count, NULL, 0, RECUR_LEVEL_WORD, feats, err);
    counter_free(&wc);
    counter_free(&tc);
    counter_free(&fc);
    if (st) {
        recur_vocab_free(*words);
        recur_vocab_free(*tags);
        recur_vocab_free(*feats);
    }
    return st;
}

recur_status recur_tagger_train(const recur_tagged_corpus *train, const recur_tagger_options *opt,
                                const recur_task_train_config *tc, recur_task_progress_fn progress, void *ctx,
                                recur_model **out, recur_error *err)
{
    recur_vocab *words, *tags, *feats;
    recur_status st = build_vocabs(train, opt, &words, &tags, &feats, err);
    if (st)
        return st;
    recur_config cfg = opt->model;
    cfg.task = RECUR_TASK_TAG;
    cfg.feature_embed = opt->features ? opt->feature_embed : 0;
    recur_model *m = NULL;
    st = recur_task_model_create(&cfg, words, tags, feats, tc->train.seed, &m, err);
    if (st) {
        recur_vocab_free(words);
        recur_vocab_free(tags);
        recur_vocab_free(feats);
        return st;
    }
    task_data d;
    st = encode_corpus(m, train, &d, err);
    return task_fit(m, st, &d, tc, progress, ctx, out, err);
}

static recur_status check_tagger(const recur_model *m, recur_error *err)
{
    if (m->cfg.task != RECUR_TASK_TAG)
        return recur_fail(err, RECUR_E_ARG, "this is a %s model, not a tagger", recur_task_name(m->cfg.task));
    return RECUR_OK;
}

recur_status recur_tagger_evaluate(const recur_model *m, const recur_tagged_corpus *test, recur_tag_eval *out,
                                   recur_error *err)
{
    memset(out, 0, sizeof *out);
    recur_status st = check_tagger(m, err);
    if (st)
        return st;
    task_data d;
    if ((st = encode_corpus(m, test, &d, err)))
        return st;
    int32_t *pred = malloc((task_data_tokens(&d) + 1) * sizeof *pred);
    if (!pred) {
        task_data_free(&d);
        return recur_fail_nomem(err, "the predictions");
    }
    st = task_predict(m, &d, 64, 0, 0.0f, pred, NULL, NULL, NULL, NULL, err);
    int unk = recur_vocab_unk(m->vocab);
    size_t k = 0;
    for (int s = 0; s < d.n && !st; s++)
        for (int t = 0; t < d.seqs[s].len; t++, k++) {
            /* A tag the model has never seen counts as an error. */
            int ok = d.seqs[s].targets[t] == pred[k];
            out->tokens++;
            out->correct += ok;
            if (d.seqs[s].ids[t] == unk) {
                out->unknown++;
                out->unknown_correct += ok;
            }
        }
    out->accuracy = out->tokens ? (double)out->correct / (double)out->tokens : 0.0;
    out->unknown_accuracy = out->unknown ? (double)out->unknown_correct / (double)out->unknown : 0.0;
    free(pred);
    task_data_free(&d);
    return st;
}

recur_status recur_tagger_tag(const recur_model *m, const char *const *words, int n, int *tags, float *probs,
                              recur_error *err)
{
    recur_status st = check_tagger(m, err);
    if (st || n < 1)
        return st;
    /* A one-sentence corpus whose words borrow the caller's strings. */
    size_t starts[2] = {0, (size_t)n};
    recur_tagged_corpus c = {0};
    c.words = (const char **)words;
    c.n_tokens = (size_t)n;
    c.sent_start = starts;
    c.n_sent = 1;
    task_seq q = {0};
    if ((st = encode_sentence(m, &c, 0, 0, &q, err)))
        return st;
    net_workspace ws;
    if ((st = net_workspace_init(&ws, m, &(net_options){.T = n, .B = 1, .K = q.feats ? TAG_FEATURES : 0}, err))) {
        free(q.ids);
        free(q.feats);
        return st;
    }
    net_batch b = {n, 1, q.ids, q.feats, q.feats ? TAG_FEATURES : 0, &n, NULL};
    net_forward(m, &ws, &b, NULL, NULL, 0.0f);
    const int O = model_output_size(&m->cfg);
    for (int t = 0; t < n; t++) {
        const float *z = ws.logits + (size_t)t * O;
        int best = 0;
        for (int j = 1; j < O; j++)
            best = z[j] > z[best] ? j : best;
        tags[t] = best;
        if (probs)
            softmax_probs(z, O, probs + (size_t)t * O);
    }
    net_workspace_free(&ws);
    free(q.ids);
    free(q.feats);
    return RECUR_OK;
}
