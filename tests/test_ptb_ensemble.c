/* Ensemble evaluation: the mean of the members' probabilities, checked by
 * hand on models whose prediction does not depend on the input, and against
 * single-model evaluation on real ones. */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "recur/model.h"
#include "test.h"

static recur_model *abc_model(int hidden, uint64_t seed)
{
    const char *tokens[3] = {"a", "b", "c"};
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK(recur_vocab_from_tokens(tokens, 3, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.layers = 1;
    cfg.hidden = hidden;
    cfg.init_scale = 0.5f;
    recur_model *m = NULL;
    if (v && recur_model_create(&cfg, v, seed, &m, &err) != RECUR_OK) {
        CHECK_MSG(0, "%s", err.msg);
        recur_vocab_free(v);
    }
    return m;
}

/* Every weight zero and decoder bias log(p): the model predicts p always. */
static recur_model *constant_model(const double p[3])
{
    recur_model *m = abc_model(2, 1);
    if (!m)
        return NULL;
    memset(m->params, 0, m->n_params * sizeof *m->params);
    for (int j = 0; j < 3; j++)
        m->params[m->dec_b + (size_t)j] = (float)log(p[j]);
    return m;
}

static void test_hand_checked(void)
{
    const double pa[3] = {0.5, 0.25, 0.25}, pb[3] = {0.25, 0.5, 0.25};
    recur_model *a = constant_model(pa), *b = constant_model(pb);
    if (!a || !b) {
        recur_model_free(a);
        recur_model_free(b);
        return;
    }
    /* "abcab": targets b, c, a, b. */
    const int32_t ids[5] = {0, 1, 2, 0, 1};
    const recur_model *models[2] = {a, b};
    recur_eval_result each[2], ens;
    recur_error err = {0};
    CHECK_MSG(recur_ensemble_evaluate(models, 2, ids, 5, 1, 2, each, &ens, &err) == RECUR_OK, "%s", err.msg);
    double want_a = -(log(0.25) + log(0.25) + log(0.5) + log(0.25)) / 4;
    double want_b = -(log(0.5) + log(0.25) + log(0.25) + log(0.5)) / 4;
    /* Mixture: b (0.25+0.5)/2, c (0.25+0.25)/2, a (0.5+0.25)/2, b again. */
    double want_ens = -(log(0.375) + log(0.25) + log(0.375) + log(0.375)) / 4;
    CHECK(ens.tokens == 4 && each[0].tokens == 4);
    CHECK_CLOSE(each[0].loss, want_a, 1e-6);
    CHECK_CLOSE(each[1].loss, want_b, 1e-6);
    CHECK_CLOSE(ens.loss, want_ens, 1e-6);
    CHECK_CLOSE(ens.perplexity, exp(want_ens), 1e-6);
    /* Averaging the losses instead would give (want_a + want_b) / 2: a different number. */
    CHECK(fabs(ens.loss - (want_a + want_b) / 2) > 1e-3);

    /* Batched: "abcab" + "cabca" as two streams of five. */
    const int32_t ids2[10] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
    CHECK(recur_ensemble_evaluate(models, 2, ids2, 10, 2, 3, each, &ens, &err) == RECUR_OK);
    /* Stream 2's targets a, b, c, a: mixture 0.375, 0.375, 0.25, 0.375. */
    double want2 = -(3 * log(0.375) + log(0.25) + 3 * log(0.375) + log(0.25)) / 8;
    CHECK(ens.tokens == 8);
    CHECK_CLOSE(ens.loss, want2, 1e-6);
    recur_model_free(a);
    recur_model_free(b);
}

/* On trained-looking (random) LSTMs: one member equals recur_model_evaluate,
 * members' figures equal their own evaluations, and the mixture's loss is at
 * most the mean of the members' (Jensen). */
static void test_against_single(void)
{
    recur_model *a = abc_model(8, 11), *b = abc_model(8, 12);
    if (!a || !b) {
        recur_model_free(a);
        recur_model_free(b);
        return;
    }
    int32_t ids[200];
    for (int i = 0; i < 200; i++)
        ids[i] = (i * i + i / 3) % 3;
    const recur_model *models[2] = {a, b};
    recur_eval_result each[2], ens, one, single_a, single_b;
    recur_error err = {0};
    CHECK(recur_ensemble_evaluate(models, 1, ids, 200, 4, 7, NULL, &one, &err) == RECUR_OK);
    CHECK(recur_model_evaluate(a, ids, 200, 4, 7, &single_a, &err) == RECUR_OK);
    CHECK(recur_model_evaluate(b, ids, 200, 4, 7, &single_b, &err) == RECUR_OK);
    CHECK_CLOSE(one.loss, single_a.loss, 1e-5);
    CHECK(one.tokens == single_a.tokens);
    CHECK(recur_ensemble_evaluate(models, 2, ids, 200, 4, 7, each, &ens, &err) == RECUR_OK);
    CHECK_CLOSE(each[0].loss, single_a.loss, 1e-5);
    CHECK_CLOSE(each[1].loss, single_b.loss, 1e-5);
    CHECK(ens.loss <= (single_a.loss + single_b.loss) / 2 + 1e-9);
    CHECK(ens.loss > 0);
    recur_model_free(a);
    recur_model_free(b);
}

static void test_errors(void)
{
    recur_model *a = abc_model(2, 1);
    const char *tokens[3] = {"a", "c", "b"};
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK(recur_vocab_from_tokens(tokens, 3, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.layers = 1;
    cfg.hidden = 2;
    recur_model *b = NULL;
    if (v && recur_model_create(&cfg, v, 1, &b, &err) != RECUR_OK)
        recur_vocab_free(v);
    if (a && b) {
        const recur_model *models[2] = {a, b};
        const int32_t ids[4] = {0, 1, 2, 0};
        recur_eval_result ens;
        CHECK(recur_ensemble_evaluate(models, 2, ids, 4, 1, 2, NULL, &ens, &err) == RECUR_E_ARG);
        CHECK_MSG(strstr(err.msg, "vocabulary") != NULL, "%s", err.msg);
        CHECK(recur_ensemble_evaluate(models, 0, ids, 4, 1, 2, NULL, &ens, &err) == RECUR_E_ARG);
        const int32_t bad[4] = {0, 1, 5, 0};
        CHECK(recur_ensemble_evaluate(models, 1, bad, 4, 1, 2, NULL, &ens, &err) == RECUR_E_ARG);
    }
    recur_model_free(a);
    recur_model_free(b);
}

int main(void)
{
    test_hand_checked();
    test_against_single();
    test_errors();
    return test_report();
}
