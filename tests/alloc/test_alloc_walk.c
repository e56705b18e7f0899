/* The allocation-failure walk, as SQLite's malloc tests do it: run a small
 * but complete session (build a vocabulary, create a model, train, save the
 * model and the training state, load both back, sample, evaluate, evaluate
 * an ensemble; and a word2vec session) once to count its allocations, then once more for every N,
 * with the Nth allocation failing. Each run must end in a clean error with a
 * message, or succeed where the library had a fallback; nothing may crash,
 * leak (the CI runs this under AddressSanitizer's leak checker) or leave a
 * half-written file behind. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fail_alloc.h"
#include "recur.h"
#include "test.h"

static const char TEXT[] =
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\n"
    "All:\nSpeak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n";

typedef struct paths {
    char dir[256], model[300], state[300];
} paths;

typedef recur_status (*session_fn)(const paths *p, int variant, recur_error *err);

/* The session. Returns RECUR_OK or the first failure, with err filled. */
static recur_status lm_session(const paths *p, int cell, recur_error *err)
{
    recur_vocab *vocab = NULL;
    recur_model *m = NULL, *loaded = NULL;
    recur_trainer *t = NULL, *resumed = NULL;
    recur_sampler *s = NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    recur_status st = recur_vocab_build(TEXT, sizeof TEXT - 1, RECUR_LEVEL_CHAR, &vocab, err);
    if (!st)
        st = recur_vocab_encode(vocab, TEXT, sizeof TEXT - 1, &ids, &n, err);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.layers = 2;
    cfg.hidden = 8;
    cfg.embed = 6;
    cfg.dropout = 0.1f;
    if (!st) {
        st = recur_model_create(&cfg, vocab, 7, &m, err);
        if (!st)
            vocab = NULL; /* the model owns it now */
    }
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = 2;
    tc.seq = 10;
    if (!st)
        st = recur_trainer_create(m, &tc, ids, n, &t, err);
    recur_step_info info;
    for (int i = 0; !st && i < 3; i++)
        st = recur_trainer_step(t, &info, err);
    if (!st)
        st = recur_model_save(m, p->model, err);
    if (!st)
        st = recur_trainer_save_state(t, p->state, "recur train --data walk.txt", err);
    if (!st)
        st = recur_model_load(p->model, &loaded, err);
    if (!st)
        st = recur_trainer_create(loaded, &tc, ids, n, &resumed, err);
    char *extra = NULL;
    if (!st)
        st = recur_trainer_load_state(resumed, p->state, &extra, err);
    free(extra);
    if (!st)
        st = recur_trainer_step(resumed, &info, err);
    if (!st)
        st = recur_sampler_create_with(loaded, 3, RECUR_WEIGHTS_I8, &s, err);
    for (int i = 0; !st && i < 20; i++)
        st = recur_sampler_feed(s, recur_sampler_pick(s, RECUR_SAMPLE_WEIGHTED, 0.8f, 5), err);
    recur_eval_result r1, r2, each[2], mean;
    if (!st)
        st = recur_model_evaluate(loaded, ids, n, 1, 16, &r1, err);
    if (!st)
        st = recur_model_evaluate(loaded, ids, n, 2, 16, &r2, err);
    const recur_model *pair[2] = {m, loaded};
    if (!st)
        st = recur_ensemble_evaluate(pair, 2, ids, n, 2, 16, each, &mean, err);
    recur_sampler_free(s);
    recur_trainer_free(resumed);
    recur_trainer_free(t);
    recur_model_free(loaded);
    recur_model_free(m);
    recur_vocab_free(vocab);
    free(ids);
    return st;
}

/* word2vec: train (two threads), save as binary, load, index, nearest
 * words, analogies, a t-SNE map. variant 0: skip-gram with negative
 * sampling; 1: CBOW with a hierarchical softmax. */
static recur_status w2v_session(const paths *p, int variant, recur_error *err)
{
    static const char questions[] = ": family\nking queen man woman\n: gram1\nspeak speaks hear hears\n";
    recur_w2v_options o;
    recur_w2v_options_default(&o);
    o.size = 8;
    o.iter = 1;
    o.min_count = 1;
    o.threads = 2;
    o.cbow = variant;
    o.hs = variant;
    o.negative = variant ? 0 : 3;
    recur_w2v_vectors *v = NULL, *back = NULL;
    recur_w2v_index *ix = NULL;
    recur_w2v_analogy_result res = {0};
    recur_status st = recur_w2v_train(TEXT, sizeof TEXT - 1, &o, &v, NULL, err);
    if (!st)
        st = recur_w2v_save(v, p->model, RECUR_W2V_BINARY, err);
    if (!st)
        st = recur_w2v_load(p->model, RECUR_W2V_AUTO, 0, &back, err);
    if (!st)
        st = recur_w2v_index_create(back, 0, 1, &ix, err);
    if (!st) {
        int ids[3];
        float cos[3];
        recur_w2v_nearest(ix, recur_w2v_index_unit(ix, 1), NULL, 0, 3, ids, cos);
        st = recur_w2v_analogy(ix, questions, sizeof questions - 1, "questions", &res, err);
    }
    recur_w2v_analogy_result_free(&res);
    if (!st) {
        int n = recur_w2v_index_size(ix) < 12 ? recur_w2v_index_size(ix) : 12;
        float y[24];
        recur_tsne_options to;
        recur_tsne_options_default(&to);
        to.iterations = 20;
        st = recur_tsne(back->data, n, back->dim, &to, y, err);
    }
    recur_w2v_index_free(ix);
    recur_w2v_vectors_free(back);
    recur_w2v_vectors_free(v);
    return st;
}

/* Names in the directory other than the model and its state: a temporary
 * file left by an interrupted write. */
static int stray_files(const paths *p, char *name, size_t size)
{
    DIR *d = opendir(p->dir);
    if (!d)
        return 0;
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "m.safetensors") ||
            !strcmp(e->d_name, "m.state"))
            continue;
        snprintf(name, size, "%s", e->d_name);
        found = 1;
    }
    closedir(d);
    return found;
}

static void clean(const paths *p)
{
    unlink(p->model);
    unlink(p->state);
}

static void walk(const paths *p, const char *name, session_fn session, int variant, long *tried)
{
    recur_error err = {0};
    fail_alloc_arm(0);
    CHECK_MSG(session(p, variant, &err) == RECUR_OK, "the session fails without injected failures: %s", err.msg);
    long total = fail_alloc_count();
    clean(p);
    long clean_errors = 0, fallbacks = 0;
    for (long nth = 1; nth <= total; nth++) {
        memset(&err, 0, sizeof err);
        fail_alloc_arm(nth);
        recur_status st = session(p, variant, &err);
        fail_alloc_arm(0);
        if (st == RECUR_OK) {
            fallbacks++;
        } else {
            clean_errors++;
            CHECK_MSG(err.msg[0] != '\0', "allocation %ld of %ld: status %d without a message", nth, total, (int)st);
            CHECK_MSG(err.status == st, "allocation %ld: the error record says %d, the call %d", nth,
                      (int)err.status, (int)st);
        }
        char stray[256];
        CHECK_MSG(!stray_files(p, stray, sizeof stray), "allocation %ld of %ld left '%s' behind", nth, total, stray);
        clean(p);
    }
    printf("%s: %ld allocations, each failed once: %ld clean errors, %ld runs completed anyway\n", name, total,
           clean_errors, fallbacks);
    CHECK(total > 20);
    CHECK(clean_errors > total / 2);
    *tried += total;
}

int main(void)
{
    paths p;
    snprintf(p.dir, sizeof p.dir, "%s/recur-alloc-walk-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(p.dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(p.model, sizeof p.model, "%s/m.safetensors", p.dir);
    snprintf(p.state, sizeof p.state, "%s/m.state", p.dir);
    recur_set_threads(1);
    long tried = 0;
    walk(&p, "lstm", lm_session, RECUR_CELL_LSTM, &tried);
    walk(&p, "gru", lm_session, RECUR_CELL_GRU, &tried);
    walk(&p, "rnn_tanh", lm_session, RECUR_CELL_RNN_TANH, &tried);
    walk(&p, "w2v skip-gram", w2v_session, 0, &tried);
    walk(&p, "w2v cbow + hs", w2v_session, 1, &tried);
    printf("allocation-failure walk: %ld allocations tried\n", tried);
    rmdir(p.dir);
    return test_report();
}
