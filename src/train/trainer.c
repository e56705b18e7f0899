/* Truncated backpropagation through time over B contiguous streams, laid out
 * as TensorFlow's ptb_producer: the stream is cut into B rows, window i takes
 * columns [i*T, (i+1)*T) as input and the next token of each as target. The
 * recurrent state is carried from window to window (the gradient is not) and
 * reset at the start of each epoch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/names.h"
#include "core/strmap.h"
#include "train/trainer_internal.h"
#include "train/update.h"

RECUR_ENUM_NAMES(recur_optimizer, recur_optimizer_name, recur_optimizer_parse, "optimizer", "sgd", "adam", "rmsprop")
RECUR_ENUM_NAMES(recur_schedule, recur_schedule_name, recur_schedule_parse, "learning-rate schedule", "constant", "step",
                 "exp", "plateau", "cosine", "linear")
RECUR_ENUM_NAMES(recur_loss_scale, recur_loss_scale_name, recur_loss_scale_parse, "loss scaling", "mean", "sum")
RECUR_ENUM_NAMES(recur_grad_sum, recur_grad_sum_name, recur_grad_sum_parse, "allreduce", "block", "layers")

void recur_train_config_default(recur_train_config *tc)
{
    memset(tc, 0, sizeof *tc);
    tc->batch = 50;
    tc->seq = 50;
    tc->optimizer = RECUR_OPT_ADAM;
    tc->lr = 2e-3f;
    tc->beta1 = 0.9f;
    tc->beta2 = 0.999f;
    tc->eps = 1e-8f;
    tc->rms_alpha = 0.99f;
    tc->clip = 5.0f;
    tc->schedule = RECUR_LR_CONSTANT;
    tc->lr_decay = 1.0f;
    tc->decay_after = 1;
    tc->loss_scale = RECUR_LOSS_MEAN;
    tc->seed = 1;
    tc->noise_blank_token = -1;
    tc->input_dropout = -1.0f;
}

recur_status recur_train_config_check(const recur_train_config *tc, recur_error *err)
{
    if (tc->batch < 1 || tc->batch > 100000)
        return recur_fail(err, RECUR_E_ARG, "--batch must be between 1 and 100000, got %d", tc->batch);
    if (tc->seq < 1 || tc->seq > 100000)
        return recur_fail(err, RECUR_E_ARG, "--seq must be between 1 and 100000, got %d", tc->seq);
    if ((int64_t)tc->batch * tc->seq > 100000000)
        return recur_fail(err, RECUR_E_ARG, "--batch x --seq = %lld is too large", (long long)tc->batch * tc->seq);
    if ((unsigned)tc->optimizer > RECUR_OPT_RMSPROP)
        return recur_fail(err, RECUR_E_ARG, "unknown optimizer %d", (int)tc->optimizer);
    if ((unsigned)tc->schedule > RECUR_LR_LINEAR)
        return recur_fail(err, RECUR_E_ARG, "unknown learning-rate schedule %d", (int)tc->schedule);
    if (!(tc->lr > 0.0f && isfinite(tc->lr)))
        return recur_fail(err, RECUR_E_ARG, "--lr must be positive, got %g", (double)tc->lr);
    if (!(tc->momentum >= 0.0f && tc->momentum < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "--momentum must be in [0, 1), got %g", (double)tc->momentum);
    if (!(tc->beta1 >= 0.0f && tc->beta1 < 1.0f && tc->beta2 >= 0.0f && tc->beta2 < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "Adam betas must be in [0, 1)");
    if (!(tc->eps > 0.0f) || !(tc->rms_alpha >= 0.0f && tc->rms_alpha < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "eps must be positive and the RMSprop alpha in [0, 1)");
    if (!(tc->clip >= 0.0f && isfinite(tc->clip)))
        return recur_fail(err, RECUR_E_ARG, "--clip must be >= 0 (0 turns clipping off), got %g", (double)tc->clip);
    if (!(tc->l2 >= 0.0f && isfinite(tc->l2)) || !(tc->l1 >= 0.0f && isfinite(tc->l1)))
        return recur_fail(err, RECUR_E_ARG, "--l2 and --l1 must be >= 0");
    if (!(tc->lr_decay > 0.0f && tc->lr_decay <= 1.0f))
        return recur_fail(err, RECUR_E_ARG, "--lr-decay must be in (0, 1], got %g", (double)tc->lr_decay);
    if (tc->decay_after < 0)
        return recur_fail(err, RECUR_E_ARG, "--decay-after must be >= 0");
    if (tc->warmup_steps < 0 || tc->decay_steps < 0)
        return recur_fail(err, RECUR_E_ARG, "--warmup-steps and the schedule's length must be >= 0");
    if (!(tc->noise_unigram >= 0.0f && tc->noise_blank >= 0.0f && tc->noise_unigram + tc->noise_blank <= 1.0f))
        return recur_fail(err, RECUR_E_ARG, "--noise-unigram %g and --noise-blank %g must be >= 0 with a sum <= 1",
                          (double)tc->noise_unigram, (double)tc->noise_blank);
    if (!(tc->embed_dropout >= 0.0f && tc->embed_dropout < 1.0f) || !(tc->weight_drop >= 0.0f && tc->weight_drop < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "--embed-dropout %g and --weight-drop %g must be in [0, 1)",
                          (double)tc->embed_dropout, (double)tc->weight_drop);
    if (!(tc->input_dropout < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "--input-dropout must be below 1, got %g", (double)tc->input_dropout);
    return RECUR_OK;
}

/* The trainer of this rank's streams, before any rank hears of the others. */
static recur_status create_local(recur_model *m, const recur_train_config *tc, const int32_t *ids, size_t count,
                                 recur_comm *comm, recur_trainer **out, recur_error *err)
{
    recur_status st = recur_train_config_check(tc, err);
    if (st)
        return st;
    const int ranks = comm ? comm->size : 1;
    if (tc->batch < ranks)
        return recur_fail(err, RECUR_E_ARG, "--batch %d gives fewer streams than the %d ranks; raise --batch or run fewer ranks",
                          tc->batch, ranks);
    const token_streams streams = token_streams_cut(ids, count, tc->batch);
    if (streams.len < (size_t)tc->seq + 1)
        return recur_fail(err, RECUR_E_ARG,
                          "the training text has %zu tokens, too few for --batch %d x --seq %d (needs at least %lld); "
                          "lower --batch or --seq",
                          count, tc->batch, tc->seq, (long long)tc->batch * (tc->seq + 1));
    if ((st = token_ids_check(ids, count, m->cfg.vocab_size, err)))
        return st;
    recur_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return recur_fail_nomem(err, "the trainer");
    t->m = m;
    t->tc = *tc;
    t->ids = ids;
    t->count = count;
    t->streams = streams;
    t->comm = comm;
    recur_comm_split(tc->batch, comm ? comm->rank : 0, ranks, &t->first, &t->B);
    t->epoch_steps = (int64_t)((streams.len - 1) / (size_t)tc->seq);
    t->data_hash = recur_hash_bytes((const char *)ids, count * sizeof *ids);
    t->epoch = 1;
    t->lr_scale = 1.0;
    t->plateau_best = INFINITY;
    /* The window is this rank's B streams; the sparse rows are the whole
     * window's, since every rank applies the same update. */
    size_t TB = (size_t)t->B * tc->seq, TB_all = (size_t)tc->batch * tc->seq;
    net_options wo = {.T = tc->seq,
                      .B = t->B,
                      .training = 1,
                      .word_dropout = tc->embed_dropout > 0.0f,
                      .own_input_dropout = tc->input_dropout >= 0.0f,
                      .input_dropout = tc->input_dropout};
    if ((st = net_workspace_init(&t->ws, m, &wo, err)) || (st = weight_drop_init(&t->wdrop, m, tc->weight_drop, err)) ||
        (st = net_state_init(&t->state, m, t->B, err)) || (st = net_state_init(&t->before, m, t->B, err)) ||
        (st = optim_init(&t->opt, tc, m->n_params, err)) ||
        (st = sparse_rows_init(&t->sparse, m, tc, TB, TB_all, err)) ||
        (ranks > 1 && (st = grad_sum_init(&t->sum, comm, m->cfg.layers * m->dirs + 2, &t->sparse,
                                          TB_all < (size_t)m->cfg.vocab_size ? TB_all : (size_t)m->cfg.vocab_size,
                                          err))) ||
        (st = data_noise_init(&t->noise, tc->noise_unigram, tc->noise_blank, tc->noise_blank_token, ids, count,
                              m->cfg.vocab_size, err))) {
        recur_trainer_free(t);
        return st;
    }
    t->grads = calloc(m->n_params, sizeof *t->grads);
    t->x = malloc(TB * sizeof *t->x);
    t->y = malloc(TB * sizeof *t->y);
    if (ranks > 1 && t->sparse.seen)
        t->x_all = malloc(TB_all * sizeof *t->x_all);
    if (!t->grads || !t->x || !t->y || (ranks > 1 && t->sparse.seen && !t->x_all)) {
        recur_trainer_free(t);
        return recur_fail_nomem(err, "training buffers");
    }
    *out = t;
    return RECUR_OK;
}

/* Every rank must hold the same data and start from the same weights: rank
 * 0's hash is checked by all, then its weights are everyone's. */
static recur_status join_ranks(recur_trainer *t, recur_error *err)
{
    uint64_t mine[2] = {t->data_hash, (uint64_t)t->m->n_params}, root[2] = {mine[0], mine[1]};
    recur_status st = t->comm->broadcast(t->comm, root, sizeof root, 0, err);
    if (st)
        return st;
    if (mine[1] != root[1])
        st = recur_fail(err, RECUR_E_ARG, "the model has %zu parameters here and %llu on rank 0; every rank must "
                        "build the same model", t->m->n_params, (unsigned long long)root[1]);
    else if (mine[0] != root[0])
        st = recur_fail(err, RECUR_E_ARG, "the training data differ from rank 0's; every rank must read the same text");
    if ((st = recur_comm_agree(t->comm, st, err)))
        return st;
    return t->comm->broadcast(t->comm, t->m->params, t->m->n_params * sizeof(float), 0, err);
}

recur_status recur_trainer_create_comm(recur_model *m, const recur_train_config *tc, const int32_t *ids, size_t count,
                                       recur_comm *comm, recur_trainer **out, recur_error *err)
{
    *out = NULL;
    recur_trainer *t = NULL;
    recur_status st = create_local(m, tc, ids, count, comm, &t, err);
    if (!comm || comm->size == 1) {
        *out = t;
        return st;
    }
    if (!(st = recur_comm_agree(comm, st, err)))
        st = join_ranks(t, err);
    if (st) {
        recur_trainer_free(t);
        return st;
    }
    *out = t;
    return RECUR_OK;
}

recur_status recur_trainer_create(recur_model *m, const recur_train_config *tc, const int32_t *ids, size_t count,
                                  recur_trainer **out, recur_error *err)
{
    return recur_trainer_create_comm(m, tc, ids, count, NULL, out, err);
}

void recur_trainer_free(recur_trainer *t)
{
    if (!t)
        return;
    net_workspace_free(&t->ws);
    data_noise_free(&t->noise);
    weight_drop_free(&t->wdrop);
    net_state_free(&t->state);
    net_state_free(&t->before);
    optim_free(&t->opt);
    sparse_rows_free(&t->sparse);
    grad_sum_free(&t->sum);
    free(t->grads);
    free(t->x);
    free(t->y);
    free(t->x_all);
    free(t);
}

/* This rank's streams' window into x and y; with x_all, the inputs of
 * every stream too. */
static void gather_window(recur_trainer *t)
{
    const int T = t->tc.seq, B = t->B;
    size_t start = (size_t)t->pos * (size_t)T;
    token_streams_window(&t->streams, t->first, B, start, T, t->x, t->y);
    if (t->x_all)
        token_streams_window(&t->streams, 0, t->tc.batch, start, T, t->x_all, NULL);
    /* The targets stay clean: noise smooths what the model reads. */
    uint64_t key = data_noise_key(t->tc.seed, t->step);
    data_noise_window(&t->noise, key, t->x, T, B, t->first);
    if (t->x_all)
        data_noise_window(&t->noise, key, t->x_all, T, t->tc.batch, 0);
}

void recur_trainer_set_grad_sum(recur_trainer *t, recur_grad_sum mode)
{
    if (!trainer_distributed(t))
        return;
    t->sum.mode = mode;
    /* Layers mode hears from backward as each slice is finished. */
    t->ws.grads_ready = mode == RECUR_GRAD_SUM_LAYERS ? grad_sum_ready : NULL;
    t->ws.grads_ready_ctx = &t->sum;
}

/* Sums a block over the ranks (nothing to do alone). */
static recur_status sum_over_ranks(recur_trainer *t, void *data, size_t n, recur_dtype type, recur_error *err)
{
    if (!trainer_distributed(t))
        return RECUR_OK;
    return t->comm->allreduce(t->comm, data, n, type, RECUR_REDUCE_SUM, err);
}

static void copy_state(net_state *dst, const net_state *src)
{
    size_t n = (size_t)src->layers * src->B * src->H * sizeof(float);
    memcpy(dst->h, src->h, n);
    if (src->c)
        memcpy(dst->c, src->c, n);
}

void recur_trainer_set_cancel(recur_trainer *t, const volatile sig_atomic_t *cancel)
{
    /* Ranks that stopped at different layers would wait for each other in
     * the sums: a distributed trainer leaves the flag to its caller, who
     * must have every rank agree before stopping between steps. */
    if (trainer_distributed(t))
        return;
    t->cancel = cancel;
    t->ws.cancel = cancel;
}

/* A step stopped between layers: the forward pass has moved the carried
 * state and the backward pass has added part of the gradient. Undo both; the
 * weights and moments were not touched yet (dropout masks come from the step
 * number, not from a generator that moved). */
static recur_status undo_cancelled_step(recur_trainer *t, recur_error *err)
{
    weight_drop_restore(&t->wdrop, t->m);
    copy_state(&t->state, &t->before);
    memset(t->grads, 0, t->m->n_params * sizeof *t->grads);
    return recur_fail(err, RECUR_E_INTERRUPTED, "stopped on request during step %lld", (long long)t->step + 1);
}

recur_status recur_trainer_step(recur_trainer *t, recur_step_info *info, recur_error *err)
{
    const recur_model *m = t->m;
    const int T = t->tc.seq, B = t->tc.batch; /* the whole window's B: the loss and gradient are its means */
    const double tokens = (double)T * B;
    memset(info, 0, sizeof *info);
    if (t->cancel && *t->cancel)
        return recur_fail(err, RECUR_E_INTERRUPTED, "stopped on request before step %lld", (long long)t->step + 1);
    info->epoch = t->epoch;
    info->epoch_step = t->pos + 1;
    info->lr = recur_trainer_lr(t);
    if (t->pos == 0)
        net_state_zero(&t->state);
    gather_window(t);
    if (t->cancel)
        copy_state(&t->before, &t->state);
    /* t->grads is all zero here: calloc'd, then cleared by optim_step or
     * below when a step is skipped. */
    float grad_scale = t->tc.loss_scale == RECUR_LOSS_SUM_STEPS ? 1.0f / (float)B : (float)(1.0 / tokens);
    const uint64_t key = dropout_window_key(t->tc.seed, t->step);
    dropout_streams streams = {key, t->first, t->tc.locked_dropout, t->tc.embed_dropout, t->x};
    net_dropout drop = {.streams = &streams};
    net_batch b = {.T = T, .B = t->B, .ids = t->x, .targets = t->y};
    /* The weight-drop masks come from the window's key through sites of their own. */
    weight_drop_apply(&t->wdrop, t->m, key);
    const int dropping = m->cfg.dropout > 0.0f || t->tc.embed_dropout > 0.0f || t->tc.input_dropout > 0.0f;
    double loss_sum = net_forward(m, &t->ws, &b, &t->state, dropping ? &drop : NULL, grad_scale);
    if (t->ws.cancelled)
        return undo_cancelled_step(t, err);
    /* Every decision below reads figures summed over the ranks, so every
     * rank takes the same branch and applies the same update. */
    recur_status st = sum_over_ranks(t, &loss_sum, 1, RECUR_DT_F64, err);
    if (st) {
        weight_drop_restore(&t->wdrop, t->m);
        return st;
    }
    info->loss = loss_sum / tokens;
    train_update u;
    if (isfinite(info->loss)) {
        /* The rows of the whole window, before backward: the sum over the
         * ranks sends only those. */
        if (t->sparse.seen)
            sparse_rows_collect(&t->sparse, t->x_all ? t->x_all : t->x, (size_t)T * B);
        if (trainer_distributed(t))
            grad_sum_begin(&t->sum, t->grads, m->n_params);
        net_backward(m, &t->ws, t->grads);
        if (t->ws.cancelled)
            return undo_cancelled_step(t, err);
        if (trainer_distributed(t) && (st = grad_sum_finish(&t->sum, err))) {
            weight_drop_restore(&t->wdrop, t->m);
            return st;
        }
        weight_drop_backward(&t->wdrop, t->m, t->grads);
        train_update_apply(m, &t->tc, &t->opt, &t->sparse, (float)info->lr, t->grads, &u);
    } else {
        weight_drop_restore(&t->wdrop, t->m);
        train_update_skip(m, t->grads, &u);
    }
    info->penalty = u.penalty;
    info->grad_norm = u.grad_norm;
    info->clipped = u.clipped;
    if (u.skipped) {
        /* The carried state may hold the bad values: restart it. */
        info->skipped = 1;
        t->skipped++;
        net_state_zero(&t->state);
    }
    t->step++;
    info->step = t->step;
    if (++t->pos == t->epoch_steps) {
        t->pos = 0;
        t->epoch++;
        info->epoch_end = 1;
    }
    return RECUR_OK;
}

int64_t recur_trainer_steps_per_epoch(const recur_trainer *t) { return t->epoch_steps; }
int64_t recur_trainer_step_count(const recur_trainer *t) { return t->step; }
int recur_trainer_epoch(const recur_trainer *t) { return t->epoch; }
double recur_trainer_lr(const recur_trainer *t)
{
    return train_lr_at(&t->tc, t->epoch, t->step, train_progress(&t->tc, t->step, t->progress)) * t->lr_scale;
}

void recur_trainer_set_progress(recur_trainer *t, double progress) { t->progress = progress; }
void recur_trainer_set_seconds(recur_trainer *t, double seconds) { t->seconds = seconds; }
double recur_trainer_seconds(const recur_trainer *t) { return t->seconds; }
uint64_t recur_trainer_data_hash(const recur_trainer *t) { return t->data_hash; }

int recur_trainer_observe_validation(recur_trainer *t, double val_loss)
{
    if (t->tc.schedule != RECUR_LR_PLATEAU)
        return 0;
    if (val_loss < t->plateau_best) {
        t->plateau_best = val_loss;
        return 0;
    }
    t->lr_scale *= t->tc.lr_decay;
    return 1;
}
int64_t recur_trainer_skipped_steps(const recur_trainer *t) { return t->skipped; }
