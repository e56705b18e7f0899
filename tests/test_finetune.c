/* recur_model_extend_vocab: old ids keep their rows and, untied or tied,
 * the old tokens keep their probabilities relative to each other (checked
 * on the sampler's log-probabilities after the same prefix); new rows are
 * the mean embedding, a zero decoder row and the smallest old bias less
 * log(new tokens); with
 * nothing to add the copy is exact; it saves and loads back. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model_internal.h"
#include "recur.h"
#include "test.h"

static recur_vocab *char_vocab(const char *text)
{
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK_MSG(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK, "%s", err.msg);
    return v;
}

static recur_model *small_model(const char *text, recur_cell cell, int tied)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.layers = 2;
    cfg.hidden = 12;
    cfg.tied = tied;
    recur_model *m = NULL;
    recur_error err = {0};
    recur_vocab *v = char_vocab(text);
    CHECK_MSG(recur_model_create(&cfg, v, 7, &m, &err) == RECUR_OK, "%s", err.msg);
    /* Spread the biases so that "the smallest" means something. */
    for (int i = 0; m && i < recur_vocab_size(v); i++)
        m->params[m->dec_b + (size_t)i] = 0.1f * (float)(i % 5) - 0.3f;
    return m;
}

/* After feeding the same ids to both: every old token's logit is the same
 * (so the old tokens keep their probabilities relative to each other); a
 * new token's logit is new_logit when given (untied: its bias alone). */
static void check_same_logits(const recur_model *old, const recur_model *grown, const int32_t *ids, int n,
                              const float *new_logit)
{
    recur_sampler *a = NULL, *b = NULL;
    recur_error err = {0};
    CHECK(recur_sampler_create(old, 1, &a, &err) == RECUR_OK);
    CHECK(recur_sampler_create(grown, 1, &b, &err) == RECUR_OK);
    if (!a || !b)
        goto done;
    const int V = recur_vocab_size(recur_model_vocab(old)), G = recur_vocab_size(recur_model_vocab(grown));
    for (int t = 0; t < n; t++) {
        CHECK(recur_sampler_feed(a, ids[t], &err) == RECUR_OK);
        CHECK(recur_sampler_feed(b, ids[t], &err) == RECUR_OK);
        const float *la = recur_sampler_logits(a), *lb = recur_sampler_logits(b);
        for (int i = 0; i < V; i++)
            CHECK_CLOSE(lb[i], la[i], 1e-5);
        for (int i = V; i < G && new_logit; i++)
            CHECK_CLOSE(lb[i], *new_logit, 1e-6);
    }
done:
    recur_sampler_free(a);
    recur_sampler_free(b);
}

static void test_grow(recur_cell cell, int tied)
{
    recur_model *m = small_model("the cat\n", cell, tied);
    recur_vocab *extra = char_vocab("a new tax\n");
    recur_model *g = NULL;
    recur_error err = {0};
    int added = -1;
    if (!m || !extra)
        goto done;
    CHECK_MSG(recur_model_extend_vocab(m, extra, &g, &added, &err) == RECUR_OK, "%s", err.msg);
    if (!g)
        goto done;
    /* "\n", " ", a, c, e, h, t, then the new ones in extra's order: n, w, x. */
    const recur_vocab *gv = recur_model_vocab(g);
    CHECK(added == 3 && recur_vocab_size(gv) == 10 && recur_model_config(g)->vocab_size == 10);
    for (int i = 0; i < 7; i++)
        CHECK(strcmp(recur_vocab_token(gv, i), recur_vocab_token(recur_model_vocab(m), i)) == 0);
    CHECK(strcmp(recur_vocab_token(gv, 7), "n") == 0 && strcmp(recur_vocab_token(gv, 9), "x") == 0);
    CHECK(recur_model_param_count(g) == recur_model_param_count(m) + 3 * (size_t)(tied ? 12 : 24) + 3);
    /* The new rows. */
    const size_t E = 12;
    float lowest = INFINITY;
    for (int r = 0; r < 7; r++)
        lowest = fminf(lowest, m->params[m->dec_b + (size_t)r]);
    lowest -= logf(3.0f); /* three new tokens share the weight of the least likely old one */
    for (size_t c = 0; c < E; c++) {
        double mean = 0;
        for (int r = 0; r < 7; r++)
            mean += m->params[m->enc_w + (size_t)r * E + c];
        mean /= 7;
        for (int r = 7; r < 10; r++)
            CHECK_CLOSE(g->params[g->enc_w + (size_t)r * E + c], mean, 1e-6);
    }
    for (int r = 7; r < 10; r++) {
        CHECK(g->params[g->dec_b + (size_t)r] == lowest);
        if (!tied)
            for (size_t c = 0; c < E; c++)
                CHECK(g->params[g->dec_w + (size_t)r * E + c] == 0.0f);
    }
    /* Old tokens: same ratios; evaluating old text costs a little more, never less. */
    int32_t ids[] = {6, 5, 4, 1, 3, 2, 6, 0, 6, 5, 4};
    check_same_logits(m, g, ids, 11, tied ? NULL : &lowest);
    recur_eval_result ro, rg;
    CHECK(recur_model_evaluate(m, ids, 11, 1, 4, &ro, &err) == RECUR_OK);
    CHECK(recur_model_evaluate(g, ids, 11, 1, 4, &rg, &err) == RECUR_OK);
    CHECK(rg.loss > ro.loss && rg.loss < ro.loss + 1.0);
    /* Feeding a new character works and gives a distribution. */
    int32_t with_new[] = {6, 7, 8, 9};
    CHECK(recur_model_evaluate(g, with_new, 4, 1, 4, &rg, &err) == RECUR_OK && isfinite(rg.loss));
    /* Saved and loaded back: the same vocabulary (no longer in code point order) and figures. */
    char path[] = "/tmp/recur_finetune_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        close(fd);
        recur_model *back = NULL;
        CHECK_MSG(recur_model_save(g, path, &err) == RECUR_OK, "%s", err.msg);
        CHECK_MSG(recur_model_load(path, &back, &err) == RECUR_OK, "%s", err.msg);
        recur_eval_result rb;
        CHECK(back && recur_model_evaluate(back, with_new, 4, 1, 4, &rb, &err) == RECUR_OK && rb.loss == rg.loss);
        CHECK(back && recur_vocab_find(recur_model_vocab(back), "x", 1) == 9);
        recur_model_free(back);
        remove(path);
    }
done:
    recur_model_free(g);
    recur_vocab_free(extra);
    recur_model_free(m);
}

static void test_nothing_to_add(void)
{
    recur_model *m = small_model("the cat\n", RECUR_CELL_GRU, 0), *g = NULL;
    recur_vocab *extra = char_vocab("cat\n");
    recur_error err = {0};
    int added = -1;
    CHECK(recur_model_extend_vocab(m, extra, &g, &added, &err) == RECUR_OK && added == 0);
    if (g) {
        CHECK(g->n_params == m->n_params && memcmp(g->params, m->params, m->n_params * sizeof *m->params) == 0);
        int32_t ids[] = {6, 5, 4, 1, 3, 2, 6, 0};
        recur_eval_result ro, rg;
        CHECK(recur_model_evaluate(m, ids, 8, 1, 3, &ro, &err) == RECUR_OK);
        CHECK(recur_model_evaluate(g, ids, 8, 1, 3, &rg, &err) == RECUR_OK);
        CHECK(ro.loss == rg.loss);
    }
    recur_model_free(g);
    recur_vocab_free(extra);
    recur_model_free(m);
}

static void test_refused(void)
{
    recur_model *m = small_model("ab\n", RECUR_CELL_LSTM, 0), *g = NULL;
    recur_vocab *words = NULL;
    recur_error err = {0};
    CHECK(recur_vocab_build("x y\n", 4, RECUR_LEVEL_WORD, &words, &err) == RECUR_OK);
    CHECK(recur_model_extend_vocab(m, words, &g, NULL, &err) == RECUR_E_ARG && g == NULL);
    CHECK_MSG(strstr(err.msg, "char-level model cannot take the tokens of a word-level") != NULL, "%s", err.msg);
    CHECK(recur_model_extend_vocab(m, NULL, &g, NULL, &err) == RECUR_E_ARG);
    recur_vocab_free(words);
    recur_model_free(m);
}

int main(void)
{
    recur_set_threads(1);
    test_grow(RECUR_CELL_LSTM, 0);
    test_grow(RECUR_CELL_LSTM, 1);
    test_grow(RECUR_CELL_RNN_TANH, 0);
    test_nothing_to_add();
    test_refused();
    return test_report();
}
