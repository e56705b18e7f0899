/* Plain SGD over only the embedding rows a window touched: the same
 * parameters, the same cleared gradient and the same norm as the full pass,
 * and the rule taken exactly where it is exact (not with momentum, Adam,
 * weight decay or a tied decoder). */
#include <string.h>

#include "core/rng.h"
#include "model/model_internal.h"
#include "train/optim.h"
#include "train/sparse_rows.h"
#include "test.h"

static recur_model *word_model(int tied)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.vocab_size = 50;
    cfg.embed = 6;
    cfg.hidden = 6;
    cfg.tied = tied;
    recur_model *m = NULL;
    recur_error err = {0};
    CHECK(model_alloc(&cfg, &m, &err) == RECUR_OK);
    if (m)
        model_init_params(m, 3);
    return m;
}

static void check_same_step(void)
{
    recur_model *m = word_model(0);
    if (!m)
        return;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = RECUR_OPT_SGD;
    recur_error err = {0};
    sparse_rows sr;
    const int32_t ids[12] = {7, 3, 7, 49, 0, 3, 12, 12, 31, 7, 0, 20};
    CHECK(sparse_rows_init(&sr, m, &tc, 12, 12, &err) == RECUR_OK);
    CHECK(sr.seen != NULL);
    sparse_rows_collect(&sr, ids, 12);
    CHECK(sr.count == 7);
    CHECK(sr.rows[0] == 0 && sr.rows[1] == 3 && sr.rows[2] == 7 && sr.rows[6] == 49);

    /* A gradient that is zero on the embedding except on the window's rows. */
    const size_t n = m->n_params, E = (size_t)m->cfg.embed;
    float *g_dense = calloc(n, sizeof(float)), *g_sparse = calloc(n, sizeof(float));
    float *p_dense = malloc(n * sizeof(float)), *p_sparse = malloc(n * sizeof(float));
    recur_rng rng;
    recur_rng_seed(&rng, 4);
    for (size_t k = 0; k < n; k++) {
        int in_embedding = k >= sr.from && k < sr.end;
        int row_used = 0;
        for (size_t r = 0; in_embedding && r < sr.count; r++)
            row_used |= (k - sr.from) / E == (size_t)sr.rows[r];
        g_dense[k] = !in_embedding || row_used ? recur_rng_normal(&rng) : 0.0f;
    }
    memcpy(g_sparse, g_dense, n * sizeof(float));
    memcpy(p_dense, m->params, n * sizeof(float));
    memcpy(p_sparse, m->params, n * sizeof(float));
    double want = block_sum_squares(g_dense, n), got = sparse_rows_sum_squares(&sr, g_sparse, n);
    CHECK_CLOSE(got, want, 1e-12);
    optim_state a, b;
    CHECK(optim_init(&a, &tc, n, &err) == RECUR_OK);
    CHECK(optim_init(&b, &tc, n, &err) == RECUR_OK);
    optim_step(&a, &tc, 0.7f, p_dense, g_dense, 0.5f);
    sparse_rows_step(&sr, &b, &tc, 0.7f, p_sparse, g_sparse, 0.5f);
    CHECK(memcmp(p_dense, p_sparse, n * sizeof(float)) == 0);
    CHECK(memcmp(g_dense, g_sparse, n * sizeof(float)) == 0);
    int cleared = 1;
    for (size_t k = 0; k < n; k++)
        cleared &= g_sparse[k] == 0.0f;
    CHECK(cleared);
    CHECK(a.t == 1 && b.t == 1);
    optim_free(&a);
    optim_free(&b);
    free(g_dense), free(g_sparse), free(p_dense), free(p_sparse);
    sparse_rows_free(&sr);
    recur_model_free(m);
}

/* Where the rule would change the result, or cannot pay, it is not taken. */
static void check_choice(void)
{
    recur_model *m = word_model(0), *tied = word_model(1);
    if (!m || !tied)
        return;
    recur_train_config tc;
    recur_train_config_default(&tc);
    recur_error err = {0};
    sparse_rows sr;
    struct {
        recur_optimizer opt;
        float momentum, l2;
        const recur_model *model;
        size_t window;
        int want;
    } cases[] = {
        {RECUR_OPT_SGD, 0.0f, 0.0f, m, 12, 1},    {RECUR_OPT_SGD, 0.9f, 0.0f, m, 12, 0},
        {RECUR_OPT_ADAM, 0.0f, 0.0f, m, 12, 0},   {RECUR_OPT_SGD, 0.0f, 1e-4f, m, 12, 0},
        {RECUR_OPT_SGD, 0.0f, 0.0f, tied, 12, 0}, {RECUR_OPT_SGD, 0.0f, 0.0f, m, 40, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc.optimizer = cases[i].opt;
        tc.momentum = cases[i].momentum;
        tc.l2 = cases[i].l2;
        CHECK(sparse_rows_init(&sr, cases[i].model, &tc, cases[i].window, cases[i].window, &err) == RECUR_OK);
        CHECK_MSG((sr.seen != NULL) == cases[i].want, "case %zu", i);
        sparse_rows_free(&sr);
    }
    recur_model_free(m);
    recur_model_free(tied);
}

int main(void)
{
    check_same_step();
    check_choice();
    return test_report();
}
