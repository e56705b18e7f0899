/* Training as TensorFlow's ptb_word_lm.py does it: the ptb_producer layout of
 * a token stream into batch rows and num_steps windows, and the loss scale
 * (mean over the batch, summed over the unrolled steps) that makes the same
 * learning rate mean the same step. */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "recur/train.h"
#include "test.h"
#include "train/trainer_internal.h"
#include "train/update.h"

/* A word vocabulary "w0" .. "w{V-1}". */
static recur_vocab *numbered_vocab(int V)
{
    char names[64][8];
    const char *tokens[64];
    for (int i = 0; i < V; i++) {
        snprintf(names[i], sizeof names[i], "w%d", i);
        tokens[i] = names[i];
    }
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK_MSG(recur_vocab_from_tokens(tokens, V, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK, "%s", err.msg);
    return v;
}

static recur_model *small_model(int V, int hidden, uint64_t seed)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.level = RECUR_LEVEL_WORD;
    cfg.layers = 2;
    cfg.hidden = hidden;
    cfg.init_scale = 0.1f;
    cfg.forget_bias = 0.0f;
    recur_vocab *v = numbered_vocab(V);
    recur_model *m = NULL;
    recur_error err = {0};
    if (v && recur_model_create(&cfg, v, seed, &m, &err) != RECUR_OK) {
        CHECK_MSG(0, "%s", err.msg);
        recur_vocab_free(v);
    }
    return m;
}

/* ptb_producer on ids 0..22 with batch_size 2, num_steps 3:
 *   data = ids[:22].reshape(2, 11)  -> rows 0..10 and 11..21 (22 is dropped)
 *   epoch_size = (11 - 1) // 3 = 3
 *   window i: x = data[:, 3i:3i+3], y = data[:, 3i+1:3i+4]
 * so window 1 is x = [[3,4,5],[14,15,16]], y = [[4,5,6],[15,16,17]], and the
 * last column (10, 21) is only ever a target. recur stores a window as [T][B]. */
static void test_producer_layout(void)
{
    const int V = 23, B = 2, T = 3;
    int32_t ids[23];
    for (int i = 0; i < V; i++)
        ids[i] = i;
    recur_model *m = small_model(V, 4, 1);
    if (!m)
        return;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = B;
    tc.seq = T;
    tc.optimizer = RECUR_OPT_SGD;
    tc.lr = 1.0f;
    recur_trainer *t = NULL;
    recur_error err = {0};
    CHECK_MSG(recur_trainer_create(m, &tc, ids, 23, &t, &err) == RECUR_OK, "%s", err.msg);
    if (t) {
        CHECK(recur_trainer_steps_per_epoch(t) == 3);
        for (int window = 0; window < 4; window++) {
            recur_step_info info;
            CHECK(recur_trainer_step(t, &info, &err) == RECUR_OK);
            int i = window % 3; /* the fourth step starts epoch 2 at window 0 */
            for (int s = 0; s < T; s++)
                for (int b = 0; b < B; b++) {
                    int32_t want_x = b * 11 + i * T + s, want_y = want_x + 1;
                    CHECK_MSG(t->x[s * B + b] == want_x && t->y[s * B + b] == want_y,
                              "window %d step %d row %d: x %d y %d, want x %d y %d", window, s, b, t->x[s * B + b],
                              t->y[s * B + b], want_x, want_y);
                }
            CHECK(info.epoch == (window < 3 ? 1 : 2));
            CHECK(info.epoch_end == (window == 2));
        }
        recur_trainer_free(t);
    }
    recur_model_free(m);
}

/* The state carries from window to window within an epoch and restarts from
 * zero at each epoch, as ptb_word_lm's run_epoch does. */
static void test_state_reset_per_epoch(void)
{
    const int V = 23;
    int32_t ids[23];
    for (int i = 0; i < V; i++)
        ids[i] = i;
    recur_model *m = small_model(V, 4, 2);
    if (!m)
        return;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = 2;
    tc.seq = 3;
    tc.optimizer = RECUR_OPT_SGD;
    tc.lr = 1e-30f; /* the weights stay put, so the losses show the state's effect */
    recur_trainer *t = NULL;
    recur_error err = {0};
    CHECK(recur_trainer_create(m, &tc, ids, 23, &t, &err) == RECUR_OK);
    if (t) {
        recur_step_info info;
        double loss[4];
        for (int k = 0; k < 4; k++) {
            recur_trainer_step(t, &info, &err);
            loss[k] = info.loss;
        }
        CHECK_CLOSE(loss[3], loss[0], 1e-6); /* epoch 2's first window starts from zero again */
        recur_trainer_free(t);
    }
    recur_model_free(m);
}

/* One SGD step's change in every parameter, with the given loss scale. */
static float *step_delta(recur_loss_scale scale, const int32_t *ids, size_t n, int B, int T, double *loss)
{
    recur_model *m = small_model(16, 6, 7);
    if (!m)
        return NULL;
    float *before = malloc(m->n_params * sizeof *before);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = B;
    tc.seq = T;
    tc.optimizer = RECUR_OPT_SGD;
    tc.lr = 0.01f;
    tc.clip = 0.0f;
    tc.loss_scale = scale;
    recur_trainer *t = NULL;
    recur_error err = {0};
    if (before && recur_trainer_create(m, &tc, ids, n, &t, &err) == RECUR_OK) {
        memcpy(before, m->params, m->n_params * sizeof *before);
        recur_step_info info;
        CHECK(recur_trainer_step(t, &info, &err) == RECUR_OK);
        *loss = info.loss;
        for (size_t i = 0; i < m->n_params; i++)
            before[i] = m->params[i] - before[i];
        recur_trainer_free(t);
    } else {
        CHECK_MSG(0, "%s", err.msg);
        free(before);
        before = NULL;
    }
    recur_model_free(m);
    return before;
}

/* TensorFlow's cost is sum over steps of the batch mean, so its gradient is
 * T times that of the mean over all T x B tokens (and not T x B times). */
static void test_loss_scale(void)
{
    const int B = 3, T = 5;
    int32_t ids[64];
    for (int i = 0; i < 64; i++)
        ids[i] = (i * 7 + i / 5) % 16;
    double loss_mean = 0, loss_sum = 0;
    float *d_mean = step_delta(RECUR_LOSS_MEAN, ids, 64, B, T, &loss_mean);
    float *d_sum = step_delta(RECUR_LOSS_SUM_STEPS, ids, 64, B, T, &loss_sum);
    if (d_mean && d_sum) {
        /* The reported loss is per token either way. */
        CHECK_CLOSE(loss_mean, loss_sum, 1e-12);
        double dot = 0, nn = 0, worst = 0;
        size_t n = 0;
        recur_model *m = small_model(16, 6, 7);
        if (m) {
            n = m->n_params;
            recur_model_free(m);
        }
        double biggest = 0;
        for (size_t i = 0; i < n; i++)
            biggest = fabs(d_sum[i]) > biggest ? fabs(d_sum[i]) : biggest;
        for (size_t i = 0; i < n; i++) {
            dot += (double)d_sum[i] * d_mean[i];
            nn += (double)d_mean[i] * d_mean[i];
            double diff = fabs(d_sum[i] - T * d_mean[i]);
            double tol = 1e-4 * fabs(d_sum[i]) + 1e-5 * biggest; /* float rounding */
            worst = diff - tol > worst ? diff - tol : worst;
        }
        CHECK(nn > 0 && biggest > 0);
        CHECK_MSG(fabs(dot / nn - T) < 1e-3 * T, "update ratio %.6f, want %d", dot / nn, T);
        CHECK_MSG(worst == 0, "a parameter's update differs from T x the mean-loss update by %.3g", worst);
    }
    free(d_mean);
    free(d_sum);
}

/* lr for 1-based epoch e = lr * decay ** max(e - max_epoch, 0): TensorFlow's
 * lr_decay ** max(i + 1 - max_epoch, 0) for 0-based i (ptb-small: 4, 0.5). */
static void test_lr_schedule(void)
{
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.schedule = RECUR_LR_STEP;
    tc.lr = 1.0f;
    tc.lr_decay = 0.5f;
    tc.decay_after = 4;
    const double want[] = {1, 1, 1, 1, 0.5, 0.25, 0.125};
    for (int e = 1; e <= 7; e++)
        CHECK_CLOSE(train_lr_for_epoch(&tc, e), want[e - 1], 1e-7);
    tc.lr_decay = (float)(1.0 / 1.15);
    tc.decay_after = 14;
    CHECK_CLOSE(train_lr_for_epoch(&tc, 55), pow(1.0 / 1.15, 41), 1e-5);
}

int main(void)
{
    test_producer_layout();
    test_state_reset_per_epoch();
    test_loss_scale();
    test_lr_schedule();
    return test_report();
}
