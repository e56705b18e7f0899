/* The one training update (src/train/update.c) both trainers make: the
 * penalties' value and gradient, the global norm, clipping to the limit,
 * and the non-finite policy (no update, gradient cleared). */
#include <math.h>
#include <string.h>

#include "model/model_internal.h"
#include "recur.h"
#include "test.h"
#include "train/update.h"

static recur_model *tiny_model(void)
{
    const char *text = "abcab cab";
    recur_vocab *v = NULL;
    recur_model *m = NULL;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.layers = 1;
    cfg.hidden = 3;
    cfg.embed = 2;
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &v, NULL) == RECUR_OK);
    CHECK(recur_model_create(&cfg, v, 3, &m, NULL) == RECUR_OK);
    return m;
}

int main(void)
{
    recur_model *m = tiny_model();
    if (!m)
        return test_report();
    const size_t n = m->n_params;
    float *grads = calloc(n, sizeof *grads), *before = malloc(n * sizeof *before);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = RECUR_OPT_SGD;
    tc.lr = 0.5f;
    tc.clip = 1.0f;
    tc.l2 = 0.1f;
    tc.l1 = 0.01f;
    optim_state opt = {0};
    CHECK(optim_init(&opt, &tc, n, NULL) == RECUR_OK);

    /* The penalty by hand, over the weight matrices only. */
    double want = 0.0;
    for (int i = 0; i < m->n_tensors; i++) {
        const model_tensor *t = &m->tensors[i];
        if (!t->decay || t->alias)
            continue;
        for (size_t k = 0; k < t->size; k++) {
            double w = m->params[t->offset + k];
            want += 0.05 * w * w + 0.01 * fabs(w);
        }
    }
    for (size_t k = 0; k < n; k++)
        grads[k] = 3.0f; /* norm 3 sqrt(n) before the penalties: clipped to 1 */
    memcpy(before, m->params, n * sizeof *before);
    train_update u;
    train_update_apply(m, &tc, &opt, NULL, tc.lr, grads, &u);
    CHECK_CLOSE(u.penalty, want, 1e-6); /* l2 and l1 are floats: 0.1f is not 0.1 */
    CHECK(u.clipped && !u.skipped && u.grad_norm > 3.0 * sqrt((double)n) * 0.9);
    double moved = 0.0;
    int cleared = 1;
    for (size_t k = 0; k < n; k++) {
        double d = (double)m->params[k] - before[k];
        moved += d * d;
        cleared &= grads[k] == 0.0f;
    }
    /* SGD moves the parameters by lr times the clipped gradient: norm 0.5. */
    CHECK_CLOSE(sqrt(moved), 0.5, 1e-4);
    CHECK(cleared);

    /* A non-finite gradient: nothing moves, the gradient is cleared. */
    memcpy(before, m->params, n * sizeof *before);
    grads[0] = NAN;
    grads[1] = 1.0f;
    train_update_apply(m, &tc, &opt, NULL, tc.lr, grads, &u);
    CHECK(u.skipped && isnan(u.grad_norm) && !u.clipped);
    CHECK(memcmp(before, m->params, n * sizeof *before) == 0);
    CHECK(grads[0] == 0.0f && grads[1] == 0.0f);

    /* Schedules: the exponential one multiplies after every epoch. */
    tc.schedule = RECUR_LR_EXP;
    tc.lr_decay = 0.5f;
    CHECK_CLOSE(train_lr_for_epoch(&tc, 1), 0.5, 1e-12);
    CHECK_CLOSE(train_lr_for_epoch(&tc, 3), 0.125, 1e-12);

    /* Cosine and linear fall to 0 over the run's progress; the warm-up ramp
     * multiplies any schedule over its first steps. */
    tc.lr = 0.8f;
    tc.schedule = RECUR_LR_COSINE;
    CHECK_CLOSE(train_lr_at(&tc, 1, 100, 0.0), 0.8, 1e-7);
    CHECK_CLOSE(train_lr_at(&tc, 1, 100, 0.5), 0.4, 1e-7);
    CHECK_CLOSE(train_lr_at(&tc, 1, 100, 0.25), 0.4 * (1.0 + cos(3.14159265358979 / 4)), 1e-7);
    CHECK_CLOSE(train_lr_at(&tc, 9, 100, 1.0), 0.0, 1e-12);
    CHECK_CLOSE(train_lr_at(&tc, 9, 100, 1.7), 0.0, 1e-12); /* past the end: clamped */
    tc.schedule = RECUR_LR_LINEAR;
    CHECK_CLOSE(train_lr_at(&tc, 1, 100, 0.75), 0.2, 1e-7);
    tc.warmup_steps = 4;
    CHECK_CLOSE(train_lr_at(&tc, 1, 0, 0.0), 0.2, 1e-7);  /* the first step: 1/4 of the rate */
    CHECK_CLOSE(train_lr_at(&tc, 1, 3, 0.0), 0.8, 1e-7);  /* the 4th: all of it */
    CHECK_CLOSE(train_lr_at(&tc, 1, 1, 0.5), 0.2, 1e-7);  /* 2/4 of the linear rate at half way */
    tc.schedule = RECUR_LR_EXP; /* the ramp over an epoch schedule too */
    CHECK_CLOSE(train_lr_at(&tc, 2, 1, 0.0), 0.8 * 0.5 * 0.5, 1e-7);
    tc.schedule = RECUR_LR_CONSTANT;
    CHECK_CLOSE(train_lr_at(&tc, 1, 10, 0.9), 0.8, 1e-7); /* progress leaves the others alone */
    /* Progress: the steps against decay_steps, or the caller's count. */
    tc.decay_steps = 200;
    CHECK_CLOSE(train_progress(&tc, 50, 0.0), 0.25, 1e-12);
    CHECK_CLOSE(train_progress(&tc, 50, 0.6), 0.6, 1e-12);
    tc.decay_steps = 0;
    CHECK_CLOSE(train_progress(&tc, 50, 0.1), 0.1, 1e-12);

    optim_free(&opt);
    free(grads);
    free(before);
    recur_model_free(m);
    return test_report();
}
