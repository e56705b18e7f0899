/* Training state files: the model checkpoint (current weights, loadable by
 * recur_model_load) plus "train."-prefixed tensors (optimizer moments,
 * carried hidden state) and a "recur.train_state" JSON object (counters, RNG,
 * data identity, training configuration, and the caller's own object). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "model/checkpoint.h"
#include "train/trainer_internal.h"

/* Version 2 dropped the dropout generator's state: the masks are drawn per
 * stream from the seed and the step (nn/layers.h). Version 1 files load;
 * their "rng" is not read. */
#define STATE_VERSION 2

static void train_config_to_json(const recur_train_config *tc, recur_strbuf *b)
{
    recur_strbuf_printf(b,
                        "{\"batch\":%d,\"seq\":%d,\"optimizer\":%d,\"lr\":%.9g,\"momentum\":%.9g,\"beta1\":%.9g,"
                        "\"beta2\":%.9g,\"eps\":%.9g,\"rms_alpha\":%.9g,\"clip\":%.9g,\"l2\":%.9g,\"l1\":%.9g,"
                        "\"schedule\":%d,\"lr_decay\":%.9g,\"decay_after\":%d,\"loss_scale\":%d,\"seed\":\"%" PRIu64
                        "\",\"noise_unigram\":%.9g,\"noise_blank\":%.9g,\"noise_blank_token\":%d,"
                        "\"warmup_steps\":%" PRId64 ",\"decay_steps\":%" PRId64 ",\"locked_dropout\":%d,"
                        "\"embed_dropout\":%.9g,\"weight_drop\":%.9g,\"input_dropout\":%.9g}",
                        tc->batch, tc->seq, (int)tc->optimizer, (double)tc->lr, (double)tc->momentum,
                        (double)tc->beta1, (double)tc->beta2, (double)tc->eps, (double)tc->rms_alpha,
                        (double)tc->clip, (double)tc->l2, (double)tc->l1, (int)tc->schedule, (double)tc->lr_decay,
                        tc->decay_after, (int)tc->loss_scale, tc->seed, (double)tc->noise_unigram,
                        (double)tc->noise_blank, (int)tc->noise_blank_token, tc->warmup_steps, tc->decay_steps,
                        tc->locked_dropout, (double)tc->embed_dropout, (double)tc->weight_drop,
                        (double)tc->input_dropout);
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static recur_status train_config_from_json(const json_value *o, recur_train_config *tc, recur_error *err)
{
    recur_train_config_default(tc);
    int64_t i[6];
    double d[11];
    if (!o || o->type != JSON_OBJECT || json_get_int64(o, "batch", &i[0]) || json_get_int64(o, "seq", &i[1]) ||
        json_get_int64(o, "optimizer", &i[2]) || json_get_int64(o, "schedule", &i[3]) ||
        json_get_int64(o, "decay_after", &i[4]) || json_get_int64(o, "loss_scale", &i[5]) ||
        json_get_double(o, "lr", &d[0]) || json_get_double(o, "momentum", &d[1]) ||
        json_get_double(o, "beta1", &d[2]) || json_get_double(o, "beta2", &d[3]) || json_get_double(o, "eps", &d[4]) ||
        json_get_double(o, "rms_alpha", &d[5]) || json_get_double(o, "clip", &d[6]) || json_get_double(o, "l2", &d[7]) ||
        json_get_double(o, "l1", &d[8]) || json_get_double(o, "lr_decay", &d[9]) ||
        parse_u64(json_get_string(o, "seed"), &tc->seed))
        return recur_fail(err, RECUR_E_FORMAT, "the training configuration in the state is incomplete");
    for (int k = 0; k < 6; k++)
        if (i[k] < 0 || i[k] > 100000)
            return recur_fail(err, RECUR_E_FORMAT, "a training setting in the state is out of range");
    tc->batch = (int)i[0];
    tc->seq = (int)i[1];
    tc->optimizer = (recur_optimizer)i[2];
    tc->schedule = (recur_schedule)i[3];
    tc->decay_after = (int)i[4];
    tc->loss_scale = (recur_loss_scale)i[5];
    tc->lr = (float)d[0];
    tc->momentum = (float)d[1];
    tc->beta1 = (float)d[2];
    tc->beta2 = (float)d[3];
    tc->eps = (float)d[4];
    tc->rms_alpha = (float)d[5];
    tc->clip = (float)d[6];
    tc->l2 = (float)d[7];
    tc->l1 = (float)d[8];
    tc->lr_decay = (float)d[9];
    /* Data noising came later: a state without it had none. */
    double nu = 0.0, nb = 0.0;
    int64_t blank = -1;
    if ((json_get(o, "noise_unigram") && json_get_double(o, "noise_unigram", &nu)) ||
        (json_get(o, "noise_blank") && json_get_double(o, "noise_blank", &nb)) ||
        (json_get(o, "noise_blank_token") && json_get_int64(o, "noise_blank_token", &blank)) || blank < -1 ||
        blank > INT32_MAX)
        return recur_fail(err, RECUR_E_FORMAT, "the data noising settings in the state are malformed");
    tc->noise_unigram = (float)nu;
    tc->noise_blank = (float)nb;
    tc->noise_blank_token = (int32_t)blank;
    /* So did the warm-up and the schedules over the run's length. */
    if ((json_get(o, "warmup_steps") && json_get_int64(o, "warmup_steps", &tc->warmup_steps)) ||
        (json_get(o, "decay_steps") && json_get_int64(o, "decay_steps", &tc->decay_steps)))
        return recur_fail(err, RECUR_E_FORMAT, "the schedule's steps in the state are malformed");
    /* And AWD-LSTM's dropouts. */
    int64_t locked = 0;
    double embed_dropout = 0.0, weight_dropping = 0.0, input_dropout = -1.0; /* older states: the model's */
    if ((json_get(o, "locked_dropout") && json_get_int64(o, "locked_dropout", &locked)) ||
        (json_get(o, "input_dropout") && json_get_double(o, "input_dropout", &input_dropout)) ||
        (json_get(o, "embed_dropout") && json_get_double(o, "embed_dropout", &embed_dropout)) ||
        (json_get(o, "weight_drop") && json_get_double(o, "weight_drop", &weight_dropping)) || locked < 0 || locked > 1)
        return recur_fail(err, RECUR_E_FORMAT, "the dropout settings in the state are malformed");
    tc->locked_dropout = (int)locked;
    tc->embed_dropout = (float)embed_dropout;
    tc->weight_drop = (float)weight_dropping;
    tc->input_dropout = (float)input_dropout;
    if ((unsigned)tc->schedule > RECUR_LR_LINEAR || (unsigned)tc->loss_scale > RECUR_LOSS_SUM_STEPS)
        return recur_fail(err, RECUR_E_FORMAT, "unknown schedule or loss scaling in the state");
    recur_status st = recur_train_config_check(tc, err);
    if (st && err) {
        recur_error_prefix(err, "the state's training configuration");
        err->status = RECUR_E_FORMAT;
    }
    return st ? RECUR_E_FORMAT : RECUR_OK;
}

/* The state file of every stream: h and c are [layers][tc.batch][H]. */
static recur_status write_state(const recur_trainer *t, const char *path, const char *extra, const float *h,
                                const float *c, recur_error *err)
{
    const recur_model *m = t->m;
    recur_strbuf js;
    recur_strbuf_init(&js);
    recur_strbuf_printf(&js,
                        "{\"version\":%d,\"step\":%" PRId64 ",\"epoch\":%d,\"pos\":%" PRId64 ",\"skipped\":%" PRId64
                        ",\"optim_t\":%" PRId64 ",\"data_tokens\":%zu,\"data_hash\":\"%016" PRIx64
                        "\",\"lr_scale\":%.17g",
                        STATE_VERSION, t->step, t->epoch, t->pos, t->skipped, t->opt.t, t->count, t->data_hash,
                        t->lr_scale);
    if (isfinite(t->plateau_best))
        recur_strbuf_printf(&js, ",\"plateau_best\":%.17g", t->plateau_best);
    if (t->seconds > 0.0)
        recur_strbuf_printf(&js, ",\"seconds\":%.17g", t->seconds);
    recur_strbuf_puts(&js, ",\"train\":");
    train_config_to_json(&t->tc, &js);
    recur_strbuf_puts(&js, "}");
    if (js.oom) {
        recur_strbuf_free(&js);
        return recur_fail_nomem(err, "the training state");
    }
    st_out_tensor tensors[4];
    size_t n = 0;
    int64_t state_len = (int64_t)t->state.layers * t->tc.batch * t->state.H;
    if (t->opt.m)
        tensors[n++] = (st_out_tensor){"train.optim_m", 1, {(int64_t)m->n_params}, t->opt.m};
    if (t->opt.v)
        tensors[n++] = (st_out_tensor){"train.optim_v", 1, {(int64_t)m->n_params}, t->opt.v};
    tensors[n++] = (st_out_tensor){"train.state_h", 1, {state_len}, h};
    if (c)
        tensors[n++] = (st_out_tensor){"train.state_c", 1, {state_len}, c};
    st_meta meta[2] = {{"recur.train_state", js.data}, {"recur.train_extra", extra}};
    recur_status st = checkpoint_write(m, path, tensors, n, meta, extra ? 2 : 1, err);
    recur_strbuf_free(&js);
    return st;
}

/* Every rank's carried state, [layers][B][H] each, gathered at rank 0 into
 * [layers][tc.batch][H]: the ranks' streams follow each other in rank order. */
static recur_status gather_state(const recur_trainer *t, const float *mine, float *all, recur_error *err)
{
    recur_comm *c = t->comm;
    const size_t H = (size_t)t->state.H;
    size_t *counts = NULL;
    recur_status st = RECUR_OK;
    if (c->rank == 0) {
        if (!(counts = malloc((size_t)c->size * sizeof *counts)))
            st = recur_fail_nomem(err, "the gather's counts");
        for (int r = 0; !st && r < c->size; r++) {
            int first, n;
            recur_comm_split(t->tc.batch, r, c->size, &first, &n);
            counts[r] = (size_t)n * H * sizeof(float);
        }
    }
    /* A failure at rank 0 must not leave the others in the gather. */
    if ((st = recur_comm_agree(c, st, err))) {
        free(counts);
        return st;
    }
    for (int l = 0; !st && l < t->state.layers; l++)
        st = c->gather(c, mine + (size_t)l * t->B * H, (size_t)t->B * H * sizeof(float),
                       all ? all + (size_t)l * t->tc.batch * H : NULL, counts, 0, err);
    free(counts);
    return st;
}

recur_status recur_trainer_save_state(const recur_trainer *t, const char *path, const char *extra,
                                      recur_error *err)
{
    if (!trainer_distributed(t))
        return write_state(t, path, extra, t->state.h, t->state.c, err);
    /* Rank 0 gathers every stream's state and writes the one file; the
     * others learn whether it could. */
    const int root = t->comm->rank == 0;
    size_t len = (size_t)t->state.layers * t->tc.batch * t->state.H;
    float *h = NULL, *c = NULL;
    recur_status st = RECUR_OK;
    if (root && (!(h = malloc(len * sizeof *h)) || (t->state.c && !(c = malloc(len * sizeof *c)))))
        st = recur_fail_nomem(err, "the gathered recurrent state");
    if (!(st = recur_comm_agree(t->comm, st, err)) && !(st = gather_state(t, t->state.h, h, err)) && t->state.c)
        st = gather_state(t, t->state.c, c, err);
    if (!st && root)
        st = write_state(t, path, extra, h, c, err);
    free(h);
    free(c);
    return recur_comm_agree(t->comm, st, err);
}

static recur_status read_state_json(const st_file *f, json_value **out, recur_error *err)
{
    const char *text = st_metadata(f, "recur.train_state");
    if (!text)
        return recur_fail(err, RECUR_E_FORMAT, "not a training state file (no recur.train_state metadata)");
    recur_status st = json_parse(text, strlen(text), out, err);
    if (st)
        return st;
    int64_t version;
    if ((*out)->type != JSON_OBJECT || json_get_int64(*out, "version", &version) || version < 1 ||
        version > STATE_VERSION) {
        json_free(*out);
        *out = NULL;
        return recur_fail(err, RECUR_E_FORMAT, "unsupported training state version");
    }
    return RECUR_OK;
}

static recur_status load_vector(const st_file *f, const char *name, float *dst, size_t n, recur_error *err)
{
    const st_tensor *s = st_find(f, name);
    if (!s)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s' is missing from the state", name);
    return st_tensor_to_f32(f, s, dst, n, err);
}

/* This rank's streams' carried state from the file's [layers][tc.batch][H],
 * so a state resumes on any number of ranks. */
static recur_status load_streams(recur_trainer *t, const st_file *f, const char *name, float *dst, recur_error *err)
{
    const size_t L = (size_t)t->state.layers, H = (size_t)t->state.H, all = (size_t)t->tc.batch;
    if (!trainer_distributed(t))
        return load_vector(f, name, dst, L * all * H, err);
    float *every = malloc(L * all * H * sizeof *every);
    if (!every)
        return recur_fail_nomem(err, "the saved recurrent state");
    recur_status st = load_vector(f, name, every, L * all * H, err);
    for (size_t l = 0; !st && l < L; l++)
        memcpy(dst + l * t->B * H, every + (l * all + (size_t)t->first) * H, (size_t)t->B * H * sizeof *dst);
    free(every);
    return st;
}

static recur_status restore(recur_trainer *t, const st_file *f, const json_value *root, recur_error *err)
{
    int64_t step, epoch, pos, skipped, optim_t, tokens;
    const char *hash = json_get_string(root, "data_hash");
    if (json_get_int64(root, "step", &step) || json_get_int64(root, "epoch", &epoch) ||
        json_get_int64(root, "pos", &pos) || json_get_int64(root, "skipped", &skipped) ||
        json_get_int64(root, "optim_t", &optim_t) || json_get_int64(root, "data_tokens", &tokens) || !hash)
        return recur_fail(err, RECUR_E_FORMAT, "the training state is incomplete");
    char want[17];
    snprintf(want, sizeof want, "%016" PRIx64, t->data_hash);
    if ((size_t)tokens != t->count)
        return recur_fail(err, RECUR_E_ARG,
                          "the training data differ from the run that wrote this state (%lld tokens then, %zu now)",
                          (long long)tokens, t->count);
    if (strcmp(hash, want) != 0)
        return recur_fail(err, RECUR_E_ARG,
                          "the training data differ from the run that wrote this state (same length, other content)");
    if (step < 0 || epoch < 1 || epoch > 1000000000 || pos < 0 || pos >= t->epoch_steps || skipped < 0 || optim_t < 0)
        return recur_fail(err, RECUR_E_FORMAT, "the training state's counters are out of range");
    recur_train_config saved;
    recur_status st = train_config_from_json(json_get(root, "train"), &saved, err);
    if (st)
        return st;
    if (saved.batch != t->tc.batch || saved.seq != t->tc.seq || saved.optimizer != t->tc.optimizer)
        return recur_fail(err, RECUR_E_ARG, "the state was written with --batch %d --seq %d and another optimizer "
                          "setting; resume with the same", saved.batch, saved.seq);
    /* The weights: a full model from the same file, checked against ours. */
    recur_model *saved_model = NULL;
    if ((st = checkpoint_load_parsed(f, &saved_model, err)))
        return st;
    int same = saved_model->n_params == t->m->n_params && saved_model->cfg.cell == t->m->cfg.cell &&
               saved_model->cfg.layers == t->m->cfg.layers && saved_model->cfg.hidden == t->m->cfg.hidden &&
               saved_model->cfg.vocab_size == t->m->cfg.vocab_size;
    if (same)
        memcpy(t->m->params, saved_model->params, t->m->n_params * sizeof(float));
    recur_model_free(saved_model);
    if (!same)
        return recur_fail(err, RECUR_E_ARG, "the state holds a model of another configuration");
    if ((t->opt.m && (st = load_vector(f, "train.optim_m", t->opt.m, t->opt.n, err))) ||
        (t->opt.v && (st = load_vector(f, "train.optim_v", t->opt.v, t->opt.n, err))) ||
        (st = load_streams(t, f, "train.state_h", t->state.h, err)) ||
        (t->state.c && (st = load_streams(t, f, "train.state_c", t->state.c, err))))
        return st;
    /* Absent from states written before the plateau schedule: its start values. */
    double lr_scale = 1.0, plateau_best = INFINITY;
    if (json_get(root, "lr_scale") && (json_get_double(root, "lr_scale", &lr_scale) || !(lr_scale > 0.0)))
        return recur_fail(err, RECUR_E_FORMAT, "the training state's learning-rate factor is malformed");
    if (json_get(root, "plateau_best") && json_get_double(root, "plateau_best", &plateau_best))
        return recur_fail(err, RECUR_E_FORMAT, "the training state's best validation loss is malformed");
    /* Absent from states written before --minutes counted across resumes: none counted. */
    double seconds = 0.0;
    if (json_get(root, "seconds") && (json_get_double(root, "seconds", &seconds) || !(seconds >= 0.0) ||
                                      !isfinite(seconds)))
        return recur_fail(err, RECUR_E_FORMAT, "the training state's training time is malformed");
    t->seconds = seconds;
    t->lr_scale = lr_scale;
    t->plateau_best = plateau_best;
    t->step = step;
    t->epoch = (int)epoch;
    t->pos = pos;
    t->skipped = skipped;
    t->opt.t = optim_t;
    return RECUR_OK;
}

struct recur_train_state {
    char *path;
    st_file *file;
    json_value *root;
    recur_train_config tc;
    int64_t step;
};

static char *copy_string(const char *text)
{
    size_t len = strlen(text) + 1;
    char *copy = malloc(len);
    if (copy)
        memcpy(copy, text, len);
    return copy;
}

recur_status recur_train_state_read(const char *path, recur_train_state **out, recur_error *err)
{
    *out = NULL;
    recur_train_state *s = calloc(1, sizeof *s);
    if (!s || !(s->path = copy_string(path))) {
        free(s);
        return recur_fail_nomem(err, "the training state");
    }
    recur_status st = st_read(path, &s->file, err);
    if (st) {
        recur_train_state_free(s);
        return st; /* st_read names the path */
    }
    if (!(st = read_state_json(s->file, &s->root, err)) &&
        !(st = train_config_from_json(json_get(s->root, "train"), &s->tc, err)) &&
        json_get_int64(s->root, "step", &s->step))
        st = recur_fail(err, RECUR_E_FORMAT, "the training state is incomplete");
    if (st) {
        recur_error_prefix(err, "%s", path);
        recur_train_state_free(s);
        return st;
    }
    *out = s;
    return RECUR_OK;
}

void recur_train_state_free(recur_train_state *s)
{
    if (!s)
        return;
    json_free(s->root);
    st_free(s->file);
    free(s->path);
    free(s);
}

const recur_train_config *recur_train_state_config(const recur_train_state *s) { return &s->tc; }
const char *recur_train_state_extra(const recur_train_state *s) { return st_metadata(s->file, "recur.train_extra"); }
int64_t recur_train_state_step(const recur_train_state *s) { return s->step; }

recur_status recur_train_state_model(const recur_train_state *s, recur_model **out, recur_error *err)
{
    recur_status st = checkpoint_load_parsed(s->file, out, err);
    if (st)
        recur_error_prefix(err, "%s", s->path);
    return st;
}

recur_status recur_trainer_restore(recur_trainer *t, const recur_train_state *s, recur_error *err)
{
    recur_status st = restore(t, s->file, s->root, err);
    if (st)
        recur_error_prefix(err, "%s", s->path);
    /* Every rank restores; one that cannot stops them all. */
    if (trainer_distributed(t))
        st = recur_comm_agree(t->comm, st, err);
    return st;
}

recur_status recur_train_state_info(const char *path, recur_train_config *tc, char **extra, recur_error *err)
{
    *extra = NULL;
    recur_train_state *s = NULL;
    recur_status st = recur_train_state_read(path, &s, err);
    if (st)
        return st;
    *tc = s->tc;
    const char *saved = recur_train_state_extra(s);
    if (saved && !(*extra = copy_string(saved)))
        st = recur_fail_nomem(err, "the saved command line");
    recur_train_state_free(s);
    return st;
}

recur_status recur_trainer_load_state(recur_trainer *t, const char *path, char **extra, recur_error *err)
{
    if (extra)
        *extra = NULL;
    recur_train_state *s = NULL;
    recur_status st = recur_train_state_read(path, &s, err);
    if (st) {
        /* Every rank reads the file; one that cannot stops them all. */
        return trainer_distributed(t) ? recur_comm_agree(t->comm, st, err) : st;
    }
    st = recur_trainer_restore(t, s, err);
    const char *saved = recur_train_state_extra(s);
    if (!st && extra && saved && !(*extra = copy_string(saved)))
        st = recur_fail_nomem(err, "the saved command line");
    recur_train_state_free(s);
    return st;
}
