/* Sequence data, the training loop and batched prediction of the task
 * models. Batches group sequences of similar length (sorted by length, cut
 * into batches, the batch order shuffled every epoch) so little padding is
 * computed; the network makes the padding exact. */
#include "task/seqdata.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/reduce.h"
#include "core/rng.h"
#include "recur/train.h"
#include "train/optim.h"
#include "train/update.h"

/* Non-finite steps in a row that end a task training (as the command
 * line's --max-skips default for a language model). */
#define TASK_MAX_SKIPS_IN_A_ROW 10

recur_status task_data_push(task_data *d, task_seq s, recur_error *err)
{
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 1024;
        task_seq *p = realloc(d->seqs, (size_t)cap * sizeof *p);
        if (!p) {
            free(s.ids);
            free(s.feats);
            free(s.targets);
            return recur_fail_nomem(err, "the sequences");
        }
        d->seqs = p;
        d->cap = cap;
    }
    d->seqs[d->n++] = s;
    return RECUR_OK;
}

void task_data_free(task_data *d)
{
    for (int i = 0; i < d->n; i++) {
        free(d->seqs[i].ids);
        free(d->seqs[i].feats);
        free(d->seqs[i].targets);
    }
    free(d->seqs);
    memset(d, 0, sizeof *d);
}

size_t task_data_tokens(const task_data *d)
{
    size_t n = 0;
    for (int i = 0; i < d->n; i++)
        n += (size_t)d->seqs[i].len;
    return n;
}

int32_t task_mask_id(const recur_model *m)
{
    return m->cfg.level == RECUR_LEVEL_CHAR ? recur_vocab_find(m->vocab, RECUR_TASK_MASK_CHAR, 3) : -1;
}

void cloze_mask(const int32_t *ids, int len, int32_t mask_id, float rate, int max_span, recur_rng *rng,
                int32_t *in, int32_t *targets)
{
    memcpy(in, ids, (size_t)len * sizeof *in);
    for (int t = 0; t < len; t++)
        targets[t] = -1;
    int want = (int)lroundf(rate * (float)len);
    if (want < 1)
        want = 1;
    for (int tries = 0, masked = 0; masked < want && tries < 4 * len; tries++) {
        int span = 1 + (int)recur_rng_below(rng, (uint64_t)max_span);
        int at = (int)recur_rng_below(rng, (uint64_t)len);
        for (int t = at; t < at + span && t < len; t++)
            if (targets[t] < 0) {
                targets[t] = ids[t];
                in[t] = mask_id;
                masked++;
            }
    }
}

/* Sequence indices sorted by length (stable: ties keep data order). */
static int *order_by_length(const task_data *d)
{
    int *idx = malloc((size_t)(d->n ? d->n : 1) * sizeof *idx);
    int maxlen = 0;
    for (int i = 0; i < d->n; i++)
        maxlen = d->seqs[i].len > maxlen ? d->seqs[i].len : maxlen;
    int *count = calloc((size_t)maxlen + 2, sizeof *count);
    if (!idx || !count) {
        free(idx);
        free(count);
        return NULL;
    }
    for (int i = 0; i < d->n; i++)
        count[d->seqs[i].len + 1]++;
    for (int l = 1; l <= maxlen + 1; l++)
        count[l] += count[l - 1];
    for (int i = 0; i < d->n; i++)
        idx[count[d->seqs[i].len]++] = i;
    free(count);
    return idx;
}

typedef struct batcher {
    int *idx;        /* sequences by length */
    int *start;      /* batch k covers idx[start[k] .. start[k + 1]) */
    int n_batches;
    int max_T, max_B;
} batcher;

static recur_status batcher_init(batcher *bt, const task_data *d, int batch, recur_error *err)
{
    memset(bt, 0, sizeof *bt);
    bt->idx = order_by_length(d);
    bt->start = malloc(((size_t)d->n + 1) * sizeof *bt->start);
    if (!bt->idx || !bt->start) {
        free(bt->idx);
        free(bt->start);
        return recur_fail_nomem(err, "the batches");
    }
    /* At most batch sequences, and about batch * 128 steps of padded work, so
     * long sequences come in smaller batches. */
    size_t budget = (size_t)batch * 128;
    for (int i = 0; i < d->n;) {
        bt->start[bt->n_batches++] = i;
        int j = i;
        while (j < d->n && j - i < batch && (size_t)(j - i + 1) * (size_t)d->seqs[bt->idx[j]].len <= budget)
            j++;
        if (j == i)
            j++;
        int T = d->seqs[bt->idx[j - 1]].len;
        bt->max_T = T > bt->max_T ? T : bt->max_T;
        bt->max_B = j - i > bt->max_B ? j - i : bt->max_B;
        i = j;
    }
    bt->start[bt->n_batches] = d->n;
    return RECUR_OK;
}

static void batcher_free(batcher *bt)
{
    free(bt->idx);
    free(bt->start);
}

/* The time-major arrays of one batch. */
typedef struct batch_buf {
    int32_t *ids, *feats, *targets;
    int *len;
} batch_buf;

static recur_status batch_buf_init(batch_buf *bb, int T, int B, int K, recur_error *err)
{
    size_t TB = (size_t)T * B;
    bb->ids = calloc(TB, sizeof *bb->ids);
    bb->feats = K ? calloc(TB * K, sizeof *bb->feats) : NULL;
    bb->targets = calloc(TB > (size_t)B ? TB : (size_t)B, sizeof *bb->targets);
    bb->len = calloc((size_t)B, sizeof *bb->len);
    if (!bb->ids || (K && !bb->feats) || !bb->targets || !bb->len)
        return recur_fail_nomem(err, "a batch");
    return RECUR_OK;
}

static void batch_buf_free(batch_buf *bb)
{
    free(bb->ids);
    free(bb->feats);
    free(bb->targets);
    free(bb->len);
}

/* Fills bb with sequences idx[0..B) and returns the batch. Cloze inputs are
 * masked from rng. */
static net_batch fill_batch(const recur_model *m, const task_data *d, const int *idx, int B, batch_buf *bb,
                            recur_rng *rng, float mask_rate, int max_span)
{
    int T = 0;
    for (int s = 0; s < B; s++)
        T = d->seqs[idx[s]].len > T ? d->seqs[idx[s]].len : T;
    int K = d->K;
    recur_task task = m->cfg.task;
    int32_t mask_id = task == RECUR_TASK_CLOZE ? task_mask_id(m) : -1;
    int32_t tmp_in[512], tmp_tg[512];
    for (int s = 0; s < B; s++) {
        const task_seq *q = &d->seqs[idx[s]];
        bb->len[s] = q->len;
        const int32_t *in = q->ids, *tg = q->targets;
        if (task == RECUR_TASK_CLOZE && q->len <= 512) {
            cloze_mask(q->ids, q->len, mask_id, mask_rate, max_span, rng, tmp_in, tmp_tg);
            in = tmp_in;
            tg = tmp_tg;
        }
        for (int t = 0; t < T; t++) {
            size_t r = (size_t)t * B + s;
            int real = t < q->len;
            bb->ids[r] = real ? in[t] : 0;
            if (task != RECUR_TASK_CLASSIFY)
                bb->targets[r] = real && tg ? tg[t] : -1;
            for (int k = 0; k < K; k++)
                bb->feats[r * K + k] = real && q->feats ? q->feats[(size_t)t * K + k] : -1;
        }
        if (task == RECUR_TASK_CLASSIFY)
            bb->targets[s] = q->label;
    }
    net_batch b = {T, B, bb->ids, K ? bb->feats : NULL, K, bb->len, bb->targets};
    return b;
}

static size_t count_targets(const net_batch *b, recur_task task)
{
    if (task == RECUR_TASK_CLASSIFY)
        return (size_t)b->B;
    size_t n = 0;
    for (size_t r = 0; r < (size_t)b->T * b->B; r++)
        n += b->targets[r] >= 0;
    return n;
}

recur_status task_train(recur_model *m, const task_data *d, const recur_task_train_config *tc,
                        task_progress_fn progress, void *ctx, recur_error *err)
{
    if (d->n < 1)
        return recur_fail(err, RECUR_E_ARG, "no training sequences");
    recur_status checked = recur_train_config_check(&tc->train, err);
    if (checked)
        return checked;
    if (m->cfg.task == RECUR_TASK_CLOZE && task_mask_id(m) < 0)
        return recur_fail(err, RECUR_E_ARG, "a cloze model needs the mask character in its vocabulary");
    batcher bt;
    recur_status st = batcher_init(&bt, d, tc->train.batch, err);
    if (st)
        return st;
    net_workspace ws;
    batch_buf bb = {0};
    optim_state opt = {0};
    float *grads = calloc(m->n_params, sizeof *grads);
    int *order = malloc((size_t)bt.n_batches * sizeof *order);
    if (!grads || !order) {
        st = recur_fail_nomem(err, "the gradients");
        goto out_nows;
    }
    if ((st = net_workspace_init(&ws, m, &(net_options){.T = bt.max_T, .B = bt.max_B, .K = d->K, .training = 1}, err)))
        goto out_nows;
    if ((st = batch_buf_init(&bb, bt.max_T, bt.max_B, d->K, err)) || (st = optim_init(&opt, &tc->train, m->n_params, err)))
        goto out;
    recur_rng rng, drop_rng;
    recur_rng_seed(&rng, tc->train.seed ^ 0x5eedf00dULL);
    recur_rng_seed(&drop_rng, tc->train.seed);
    net_dropout drop = {.rng = &drop_rng};
    double t0 = monotonic_seconds();
    int64_t step = 0;
    int64_t skipped_in_a_row = 0;
    const double run_steps = (double)tc->epochs * bt.n_batches;
    for (int epoch = 1; epoch <= tc->epochs; epoch++) {
        for (int k = 0; k < bt.n_batches; k++)
            order[k] = k;
        for (int k = bt.n_batches - 1; k > 0; k--) {
            int j = (int)recur_rng_below(&rng, (uint64_t)k + 1);
            int tmp = order[k];
            order[k] = order[j];
            order[j] = tmp;
        }
        double epoch_loss = 0;
        size_t epoch_n = 0;
        for (int k = 0; k < bt.n_batches; k++) {
            int b0 = bt.start[order[k]], B = bt.start[order[k] + 1] - b0;
            net_batch b = fill_batch(m, d, bt.idx + b0, B, &bb, &rng, tc->mask_rate, tc->max_span);
            size_t n = count_targets(&b, m->cfg.task);
            if (!n)
                continue;
            /* grads is all zero: calloc'd, then cleared by each update. */
            double loss = net_forward(m, &ws, &b, NULL, m->cfg.dropout > 0 ? &drop : NULL, 1.0f / (float)n);
            const float lr = (float)train_lr_at(&tc->train, epoch, step,
                                                train_progress(&tc->train, step, (double)step / run_steps));
            train_update u;
            if (isfinite(loss)) {
                net_backward(m, &ws, grads);
                train_update_apply(m, &tc->train, &opt, NULL, lr, grads, &u);
            } else {
                train_update_skip(m, grads, &u);
            }
            step++;
            /* As the language-model trainer: a non-finite step is skipped;
             * a run of them means the settings cannot train. */
            if (u.skipped) {
                if (++skipped_in_a_row == TASK_MAX_SKIPS_IN_A_ROW) {
                    st = recur_fail(err, RECUR_E_NONFINITE,
                                    "the loss or gradient was not finite for %d steps in a row (the last at step "
                                    "%lld): lower --lr",
                                    TASK_MAX_SKIPS_IN_A_ROW, (long long)step);
                    goto out;
                }
            } else {
                skipped_in_a_row = 0;
                epoch_loss += loss;
                epoch_n += n;
            }
            if (progress && (k + 1 == bt.n_batches || (tc->log_every > 0 && step % tc->log_every == 0))) {
                recur_task_progress p = {epoch, tc->epochs, step, k + 1, bt.n_batches, epoch_n ? epoch_loss / (double)epoch_n : NAN,
                                         monotonic_seconds() - t0, k + 1 == bt.n_batches};
                progress(ctx, &p);
            }
        }
    }
out:
    net_workspace_free(&ws);
out_nows:
    batch_buf_free(&bb);
    optim_free(&opt);
    free(grads);
    free(order);
    batcher_free(&bt);
    return st;
}

recur_status task_predict(const recur_model *m, const task_data *d, int batch, uint64_t cloze_seed, float mask_rate,
                          int32_t *pred, float *maxp, double *loss, size_t *count, size_t *correct,
                          recur_error *err)
{
    batcher bt;
    recur_status st = batcher_init(&bt, d, batch, err);
    if (st)
        return st;
    size_t *offset = malloc(((size_t)d->n + 1) * sizeof *offset);
    if (!offset) {
        batcher_free(&bt);
        return recur_fail_nomem(err, "the predictions");
    }
    offset[0] = 0;
    for (int i = 0; i < d->n; i++)
        offset[i + 1] = offset[i] + (m->cfg.task == RECUR_TASK_CLASSIFY ? 1 : (size_t)d->seqs[i].len);
    net_workspace ws;
    batch_buf bb = {0};
    net_options wo = {.T = bt.max_T ? bt.max_T : 1, .B = bt.max_B ? bt.max_B : 1, .K = d->K};
    if ((st = net_workspace_init(&ws, m, &wo, err))) {
        free(offset);
        batcher_free(&bt);
        return st;
    }
    st = batch_buf_init(&bb, bt.max_T ? bt.max_T : 1, bt.max_B ? bt.max_B : 1, d->K, err);
    const int O = model_output_size(&m->cfg);
    double total = 0;
    size_t n_targets = 0, n_correct = 0;
    recur_rng rng;
    recur_rng_seed(&rng, cloze_seed);
    for (int k = 0; k < bt.n_batches && !st; k++) {
        int b0 = bt.start[k], B = bt.start[k + 1] - b0;
        net_batch b = fill_batch(m, d, bt.idx + b0, B, &bb, &rng, mask_rate, 3);
        net_batch fwd = b;
        fwd.targets = NULL;
        net_forward(m, &ws, &fwd, NULL, NULL, 0.0f);
        for (int s = 0; s < B; s++) {
            int i = bt.idx[b0 + s];
            int steps = m->cfg.task == RECUR_TASK_CLASSIFY ? 1 : d->seqs[i].len;
            for (int t = 0; t < steps; t++) {
                size_t r = m->cfg.task == RECUR_TASK_CLASSIFY ? (size_t)s : (size_t)t * B + s;
                float *z = ws.logits + r * O;
                int best = recur_argmax(z, O);
                double sum = 0;
                for (int j = 0; j < O; j++)
                    sum += exp((double)(z[j] - z[best]));
                if (pred)
                    pred[offset[i] + t] = best;
                if (maxp)
                    maxp[offset[i] + t] = (float)(1.0 / sum);
                int32_t target = b.targets[r];
                if (target >= 0 && target < O) {
                    total += log(sum) - (double)(z[target] - z[best]);
                    n_targets++;
                    n_correct += target == best;
                }
            }
        }
    }
    if (loss)
        *loss = total;
    if (count)
        *count = n_targets;
    if (correct)
        *correct = n_correct;
    batch_buf_free(&bb);
    net_workspace_free(&ws);
    free(offset);
    batcher_free(&bt);
    return st;
}
