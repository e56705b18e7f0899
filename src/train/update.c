#include "train/update.h"

#include <math.h>
#include <string.h>

/* The penalties lambda R(W) over weight matrices (not biases, not a tied
 * matrix twice): adds their gradient and returns their value. */
static double add_penalties(const recur_model *m, const recur_train_config *tc, float *grads)
{
    const float l2 = tc->l2, l1 = tc->l1;
    if (l2 == 0.0f && l1 == 0.0f)
        return 0.0;
    double penalty = 0.0;
    for (int i = 0; i < m->n_tensors; i++) {
        const model_tensor *mt = &m->tensors[i];
        if (!mt->decay || mt->alias)
            continue;
        const float *w = m->params + mt->offset;
        float *g = grads + mt->offset;
        for (size_t k = 0; k < mt->size; k++) {
            float s = (float)((w[k] > 0.0f) - (w[k] < 0.0f));
            penalty += 0.5 * l2 * (double)w[k] * w[k] + l1 * fabs((double)w[k]);
            g[k] += l2 * w[k] + l1 * s;
        }
    }
    return penalty;
}

/* Learning rate for a 1-based epoch under the schedule. */
double train_lr_for_epoch(const recur_train_config *tc, int epoch)
{
    switch (tc->schedule) {
    case RECUR_LR_STEP: /* ptb_word_lm: lr * decay ** max(epoch - max_epoch, 0) */
        return tc->lr * pow(tc->lr_decay, epoch > tc->decay_after ? epoch - tc->decay_after : 0);
    case RECUR_LR_EXP: /* char-rnn-tensorflow: lr * decay_rate ** (epoch - 1) */
        return tc->lr * pow(tc->lr_decay, epoch - 1);
    default:
        return tc->lr;
    }
}

double train_lr_at(const recur_train_config *tc, int epoch, int64_t step, double progress)
{
    double lr = train_lr_for_epoch(tc, epoch);
    double p = progress < 0.0 ? 0.0 : progress > 1.0 ? 1.0 : progress;
    const double pi = 3.14159265358979323846;
    if (tc->schedule == RECUR_LR_COSINE)
        lr *= 0.5 * (1.0 + cos(pi * p));
    else if (tc->schedule == RECUR_LR_LINEAR)
        lr *= 1.0 - p;
    /* The ramp reaches the full rate at step warmup_steps (1-based). */
    if (tc->warmup_steps > 0 && step < tc->warmup_steps)
        lr *= (double)(step + 1) / (double)tc->warmup_steps;
    return lr;
}

double train_progress(const recur_train_config *tc, int64_t step, double told)
{
    double by_steps = tc->decay_steps > 0 ? (double)step / (double)tc->decay_steps : 0.0;
    return by_steps > told ? by_steps : told;
}

void train_update_skip(const recur_model *m, float *grads, train_update *out)
{
    memset(out, 0, sizeof *out);
    out->grad_norm = NAN;
    out->skipped = 1;
    memset(grads, 0, m->n_params * sizeof *grads);
}

void train_update_apply(const recur_model *m, const recur_train_config *tc, optim_state *opt,
                        const sparse_rows *sparse, float lr, float *grads, train_update *out)
{
    memset(out, 0, sizeof *out);
    out->penalty = add_penalties(m, tc, grads);
    const int rows = sparse && sparse->seen;
    double norm = sqrt(rows ? sparse_rows_sum_squares(sparse, grads, m->n_params)
                            : block_sum_squares(grads, m->n_params));
    if (!isfinite(norm)) {
        train_update_skip(m, grads, out);
        return;
    }
    out->grad_norm = norm;
    float clip_scale = 1.0f;
    if (tc->clip > 0.0f && norm > tc->clip) {
        /* the epsilon keeps the clipped norm just under the limit */
        clip_scale = (float)(tc->clip / (norm + 1e-6));
        out->clipped = 1;
    }
    if (rows)
        sparse_rows_step(sparse, opt, tc, lr, m->params, grads, clip_scale);
    else
        optim_step(opt, tc, lr, m->params, grads, clip_scale);
}
