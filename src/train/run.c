/* A training run (recur/run.h): set-up, then a loop of clear parts (one
 * step, maybe validate, maybe save, report) that a distributed driver can
 * wrap, then the final save and test. The run prints nothing: it reports
 * through the caller's callback and writes the metrics log. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "recur/dist.h"
#include "recur/threads.h"
#include "train/auto_choice.h"
#include "train/run_data.h"
#include "train/run_files.h"
#include "train/run_internal.h"
#include "viz/metrics_log.h"

struct recur_run {
    recur_run_options o;           /* effective: preset, saved options, defaults resolved */
    const volatile sig_atomic_t *cancel;
    recur_comm *comm;              /* the ranks training together, or NULL alone */
    int rank;                      /* 0 alone: rank 0 alone writes the model, the log and the checkpoints */
    char *state_path;
    recur_train_state *state;      /* resume: what was read, until restored */
    recur_model *model, *best;
    recur_trainer *trainer;
    int32_t *train_ids, *val_ids, *test_ids;
    size_t n_train, n_val, n_test;
    FILE *log;
    double best_val;
    int validated;                 /* a finite validation loss was seen: best holds its weights */
    double t0;                     /* the budget's clock: now - t0 is the training time in all */
    double run_t0;                 /* when this run's training began */
    double auto_seconds;           /* --auto's measurement, counted in the budget */
    int64_t target, per_epoch, start_step;
    double elapsed_s;              /* this run's time at the last stop check (the slowest rank's) */
    recur_strbuf notes;            /* for the caller: what reading the data found */
    recur_run_callback cb;
    void *user;
    recur_run_progress p;          /* the running figures every report carries */
    /* Tokens per second over the last few seconds. */
    double rate_t;
    int64_t rate_steps;
    /* The epoch's figures (ptb_word_lm.py's). */
    double epoch_loss_sum, epoch_seconds;
    int64_t epoch_steps;
    int consecutive_skips;
};

static int stop_level(const recur_run *r) { return r->cancel ? (int)*r->cancel : 0; }

static int distributed(const recur_run *r) { return r->comm && r->comm->size > 1; }

/* A failure of one rank stops all: every rank passes its status here. */
static recur_status agree(recur_run *r, recur_status st, recur_error *err)
{
    return distributed(r) ? recur_comm_agree(r->comm, st, err) : st;
}

static void report(recur_run *r, recur_run_event e)
{
    r->p.event = e;
    r->p.elapsed_s = r->t0 > 0 ? monotonic_seconds() - r->t0 : 0.0;
    r->p.best_val_loss = r->best_val;
    if (r->cb)
        r->cb(r->user, &r->p);
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* ---- Set-up ------------------------------------------------------------------ */

/* --data-dir: PyTorch word_language_model's train.txt, valid.txt, test.txt,
 * each unless given on its own. */
static recur_status resolve_data_dir(recur_run_options *o, recur_error *err)
{
    if (!o->data_dir)
        return RECUR_OK;
    struct stat sb;
    if (stat(o->data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return recur_fail(err, RECUR_E_IO, "--data-dir %s is not a directory", o->data_dir);
    const char *names[3] = {"train.txt", "valid.txt", "test.txt"};
    const char *keys[3] = {"data", "val", "test"};
    const char *have[3] = {o->data, o->val, o->test};
    for (int i = 0; i < 3; i++) {
        if (have[i])
            continue;
        char *path = join_path(o->data_dir, names[i]);
        if (!path)
            return recur_fail_nomem(err, "a path");
        recur_status st = RECUR_OK;
        if (is_file(path))
            st = recur_run_options_set(o, keys[i], path, err);
        else if (i == 0)
            st = recur_fail(err, RECUR_E_IO, "--data-dir %s has no train.txt", o->data_dir);
        free(path);
        if (st)
            return st;
    }
    return RECUR_OK;
}

/* The output must be writable later: refuse a directory or a missing parent
 * now, before any work, and create nothing. */
static recur_status check_output_path(const char *path, recur_error *err)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return recur_fail(err, RECUR_E_IO, "--out %s is a directory", path);
    char *dir = copy_string(path);
    if (!dir)
        return recur_fail_nomem(err, "a path");
    char *slash = strrchr(dir, '/');
    const char *parent = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
    recur_status st = RECUR_OK;
    if (!(stat(parent, &sb) == 0 && S_ISDIR(sb.st_mode) && access(parent, W_OK) == 0))
        st = recur_fail(err, RECUR_E_IO, "cannot write --out %s: directory %s %s", path, parent,
                        stat(parent, &sb) != 0 ? "does not exist" : "is not writable");
    free(dir);
    return st;
}

/* A fresh run must not replace the files of another one without being told. */
static recur_status check_not_another_run(const recur_run *r, recur_error *err)
{
    if (r->o.resume || r->o.force)
        return RECUR_OK;
    const char *which = is_file(r->o.out) ? r->o.out : is_file(r->state_path) ? r->state_path : NULL;
    if (!which)
        return RECUR_OK;
    return recur_fail(err, RECUR_E_ARG,
                      "--out %s: %s already exists (another run's); continue that run with --resume, or replace "
                      "it with --force",
                      r->o.out, which);
}

/* The validation ids: from --val, else the last val_fraction of the training ids. */
static recur_status split_validation(recur_run *r, const recur_vocab *vocab, recur_error *err)
{
    const recur_run_options *o = &r->o;
    if (o->val)
        return run_encode_file(o, o->val, vocab, &r->notes, &r->val_ids, &r->n_val, err);
    size_t n = r->n_train, n_val = (size_t)((double)n * o->val_fraction);
    if (o->val_fraction > 0.0 && n_val < 2)
        return recur_fail(err, RECUR_E_ARG, "%s: %zu tokens leave no validation data; give --val FILE or "
                          "--val-fraction 0", o->data, n);
    if (!n_val)
        return RECUR_OK;
    if (!(r->val_ids = malloc(n_val * sizeof *r->val_ids)))
        return recur_fail_nomem(err, "the validation ids");
    memcpy(r->val_ids, r->train_ids + (n - n_val), n_val * sizeof *r->val_ids);
    r->n_val = n_val;
    r->n_train = n - n_val;
    return RECUR_OK;
}

/* The training text is read once: the vocabulary (a fresh run), the new
 * characters of a fine-tuned model, and the ids come from the same bytes. A
 * resumed run's model and vocabulary are the state's. */
static recur_status load_data_and_model(recur_run *r, recur_error *err)
{
    recur_run_options *o = &r->o;
    char *text = NULL;
    size_t len = 0;
    recur_status st = run_read_text(o, o->data, &r->notes, &text, &len, err);
    if (st)
        return st;
    recur_vocab *vocab = NULL;
    int built = 0;
    if (r->state) {
        st = recur_train_state_model(r->state, &r->model, err);
        if (st)
            recur_error_prefix(err, "cannot resume");
    } else if (o->init_from) {
        st = run_finetune_model(o, text, len, &r->notes, &r->model, err);
    } else {
        st = run_build_vocab(o, text, len, &r->notes, &vocab, err);
        built = !st;
    }
    if (!st && r->model) {
        /* The model's configuration, with the embedding size as the options say it (0: --hidden's). */
        int embed = o->model.embed;
        o->model = *recur_model_config(r->model);
        if (!embed && o->model.embed == o->model.hidden)
            o->model.embed = 0;
    }
    const recur_vocab *v = r->model ? recur_model_vocab(r->model) : vocab;
    /* The training text's own dropped words are in the vocabulary note already. */
    if (!st)
        st = run_encode_text(o, o->data, text, len, v, built ? NULL : &r->notes, &r->train_ids, &r->n_train, err);
    free(text);
    if (!st)
        st = split_validation(r, v, err);
    if (!st && o->test)
        st = run_encode_file(o, o->test, v, &r->notes, &r->test_ids, &r->n_test, err);
    if (!st && !r->model && o->auto_choose)
        st = run_auto_choose(o, vocab, r->train_ids, r->n_train, &r->notes, &r->auto_seconds, err);
    if (!st && !r->model) {
        st = recur_model_create(&o->model, vocab, (uint64_t)o->seed, &r->model, err);
        if (!st)
            vocab = NULL; /* the model owns it */
    }
    recur_vocab_free(vocab);
    if (!st && r->notes.oom)
        st = recur_fail_nomem(err, "the notes");
    return st;
}

recur_status recur_run_options_resume(recur_run_options *o, recur_train_state **state, recur_error *err)
{
    *state = NULL;
    if (!o->out)
        return recur_fail(err, RECUR_E_ARG, "--out MODEL is required (see --help)");
    if (o->init_from)
        return recur_fail(err, RECUR_E_ARG, "--init-from starts a new run from a model and --resume continues a "
                          "saved one: give one of them");
    size_t n = strlen(o->out) + sizeof ".state";
    char *path = malloc(n);
    if (!path)
        return recur_fail_nomem(err, "a path");
    snprintf(path, n, "%s.state", o->out);
    recur_train_state *s = NULL;
    recur_status st = recur_train_state_read(path, &s, err);
    const char *saved = st ? NULL : recur_train_state_extra(s);
    if (!st && !saved)
        st = recur_fail(err, RECUR_E_FORMAT, "%s holds no saved options", path);
    if (!st)
        st = run_options_merge_saved(o, saved, err);
    free(path);
    if (st) {
        recur_train_state_free(s);
        return recur_error_prefix(err, "cannot resume");
    }
    *state = s;
    return RECUR_OK;
}

static recur_status open_log(recur_run *r, recur_error *err)
{
    if (!r->o.log)
        return RECUR_OK;
    r->log = fopen(r->o.log, "a");
    if (!r->log)
        return recur_fail(err, RECUR_E_IO, "cannot open --log %s: %s", r->o.log, strerror(errno));
    return RECUR_OK;
}

static recur_status setup(recur_run *r, recur_error *err)
{
    recur_run_options *o = &r->o;
    recur_status st;
    if (o->resume && !r->state && (st = recur_run_options_resume(o, &r->state, err)))
        return st;
    if (r->state)
        o->init_from = NULL; /* a fine-tuning run resumes from its state */
    /* Batch norm keeps running averages for each step of the window it
     * trains on. */
    o->model.norm_steps = o->model.norm == RECUR_NORM_BATCH ? o->train.seq : 0;
    if ((st = resolve_data_dir(o, err)) || (st = recur_run_options_check(o, err)))
        return st;
    if (o->auto_choose && !r->state && distributed(r))
        return recur_fail(err, RECUR_E_ARG, "--auto times this process alone; under mpirun give the choice it "
                          "prints by hand");
    if (!o->data)
        return recur_fail(err, RECUR_E_ARG, "--data FILE is required (see --help)");
    size_t n = strlen(o->out) + sizeof ".state";
    if (!(r->state_path = malloc(n)))
        return recur_fail_nomem(err, "a path");
    snprintf(r->state_path, n, "%s.state", o->out);
    if (!o->epochs && !o->steps && o->minutes <= 0)
        o->epochs = 10;
    o->train.lr_decay = run_lr_decay(o);
    o->train.seed = (uint64_t)o->seed;
    o->train.noise_blank_token = -1;
    /* With ranks and no --threads the caller has shared the cores out. */
    if (o->threads || !distributed(r))
        recur_set_threads(o->threads);
    /* What each rank reads on its own; one that cannot stops all. */
    if (!(st = check_output_path(o->out, err)) && !(st = check_not_another_run(r, err)))
        st = load_data_and_model(r, err);
    if ((st = agree(r, st, err)))
        return st;
    if (o->train.noise_blank > 0.0f) {
        /* The blank needs an embedding row that means "a token was here":
         * the word vocabulary's <unk> (a character vocabulary has none). */
        const recur_vocab *v = recur_model_vocab(r->model);
        o->train.noise_blank_token = v ? recur_vocab_unk(v) : -1;
        if (o->train.noise_blank_token < 0)
            return recur_fail(err, RECUR_E_ARG, "--noise-blank %g needs a blank token, and this vocabulary has no <unk> "
                              "(a character vocabulary never has one); use --noise-unigram",
                              (double)o->train.noise_blank);
    }
    if ((st = recur_trainer_create_comm(r->model, &o->train, r->train_ids, r->n_train, r->comm, &r->trainer, err)))
        return recur_error_prefix(err, "%s", o->data);
    recur_trainer_set_cancel(r->trainer, r->cancel);
    recur_trainer_set_grad_sum(r->trainer, (recur_grad_sum)o->allreduce);
    if (r->state) {
        st = recur_trainer_restore(r->trainer, r->state, err);
        recur_train_state_free(r->state);
        r->state = NULL;
        if (st)
            return recur_error_prefix(err, "cannot resume");
    }
    st = recur_model_clone(r->model, &r->best, err);
    if (!st && r->rank == 0)
        st = open_log(r, err);
    return agree(r, st, err);
}

recur_status recur_run_create(const recur_run_options *o, recur_train_state *state,
                              const volatile sig_atomic_t *cancel, recur_run **out, recur_error *err)
{
    return recur_run_create_comm(o, state, NULL, cancel, out, err);
}

recur_status recur_run_create_comm(const recur_run_options *o, recur_train_state *state, recur_comm *comm,
                                   const volatile sig_atomic_t *cancel, recur_run **out, recur_error *err)
{
    *out = NULL;
    recur_run *r = calloc(1, sizeof *r);
    if (!r) {
        recur_train_state_free(state);
        return recur_fail_nomem(err, "the run");
    }
    r->state = state;
    r->cancel = cancel;
    r->comm = comm;
    r->rank = comm ? comm->rank : 0;
    recur_strbuf_init(&r->notes);
    r->best_val = INFINITY;
    recur_status st = run_options_copy(&r->o, o, err);
    if (!st && state)
        r->o.resume = 1;
    if (!st)
        st = setup(r, err);
    if (st) {
        recur_run_free(r);
        return st;
    }
    *out = r;
    return RECUR_OK;
}

void recur_run_free(recur_run *r)
{
    if (!r)
        return;
    recur_train_state_free(r->state);
    recur_trainer_free(r->trainer);
    recur_model_free(r->model);
    recur_model_free(r->best);
    free(r->train_ids);
    free(r->val_ids);
    free(r->test_ids);
    if (r->log)
        fclose(r->log);
    free(r->state_path);
    recur_strbuf_free(&r->notes);
    recur_run_options_free(&r->o);
    free(r);
}

const recur_run_options *recur_run_effective_options(const recur_run *r) { return &r->o; }
const char *recur_run_notes(const recur_run *r) { return r->notes.data ? r->notes.data : ""; }
const recur_model *recur_run_model(const recur_run *r) { return r->model; }
const char *recur_run_state_path(const recur_run *r) { return r->state_path; }

/* ---- The record a model keeps of its run -------------------------------------- */

static char *run_record(const recur_run *r)
{
    recur_strbuf b;
    recur_strbuf_init(&b);
    char *command = run_options_command(&r->o);
    const char *base = strrchr(r->o.data, '/');
    base = base ? base + 1 : r->o.data;
    /* The day (UTC), not the second, so that the same training on the same
     * day writes the same bytes; SOURCE_DATE_EPOCH (the reproducible-builds
     * convention) fixes it. */
    time_t now = time(NULL);
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch && *epoch)
        now = (time_t)strtoll(epoch, NULL, 10);
    struct tm tm;
    char date[32] = "";
    if (gmtime_r(&now, &tm))
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    int64_t step = recur_trainer_step_count(r->trainer);
    recur_strbuf_puts(&b, "{\"command\":");
    recur_strbuf_json_string(&b, command ? command : "", command ? strlen(command) : 0);
    recur_strbuf_printf(&b, ",\"steps\":%" PRId64 ",\"epochs\":%.3f,\"best_val_loss\":", step,
                        r->per_epoch ? (double)step / (double)r->per_epoch : 0.0);
    if (r->validated)
        recur_strbuf_printf(&b, "%.6f", r->best_val);
    else
        recur_strbuf_puts(&b, "null");
    recur_strbuf_puts(&b, ",\"data\":");
    recur_strbuf_json_string(&b, base, strlen(base));
    recur_strbuf_printf(&b, ",\"data_tokens\":%zu,\"data_hash\":\"%016" PRIx64 "\",\"date\":\"%s\"}",
                        r->n_train, recur_trainer_data_hash(r->trainer), date);
    free(command);
    if (b.oom) {
        recur_strbuf_free(&b);
        return NULL;
    }
    return b.data; /* the buffer is the caller's now */
}

/* ---- The loop's parts --------------------------------------------------------- */

/* The model file holds the best weights by validation, else the latest. */
static const recur_model *model_to_keep(const recur_run *r) { return r->validated ? r->best : r->model; }

/* Writes the state, then the model. A second stop request (level 2) seen
 * after the first write skips the second. */
static recur_status save_all(recur_run *r, recur_error *err)
{
    size_t log_len;
    const char *log = run_options_log(&r->o, &log_len);
    char *saved = malloc(log_len + 1);
    if (!saved)
        return recur_fail_nomem(err, "the saved options");
    memcpy(saved, log, log_len);
    saved[log_len] = '\0';
    r->p.path = r->state_path;
    report(r, RECUR_RUN_SAVING);
    /* Kept for a time budget alone: a run by steps writes the same bytes every time. */
    if (r->o.minutes > 0)
        recur_trainer_set_seconds(r->trainer, monotonic_seconds() - r->t0);
    recur_status st = recur_trainer_save_state(r->trainer, r->state_path, saved, err);
    free(saved);
    if (st)
        return recur_error_prefix(err, "saving the training state failed");
    report(r, RECUR_RUN_SAVED);
    /* (Alone only: ranks must make the same writes.) */
    if (stop_level(r) >= 2 && !distributed(r))
        return recur_fail(err, RECUR_E_INTERRUPTED, "stopped on a second request after writing %s", r->state_path);
    char *record = run_record(r);
    if (!record)
        return recur_fail_nomem(err, "the run record");
    r->p.path = r->o.out;
    report(r, RECUR_RUN_SAVING);
    if (r->rank == 0 && (st = run_save_model(model_to_keep(r), r->o.out, record, err)))
        recur_error_prefix(err, "saving the model failed");
    free(record);
    if ((st = agree(r, st, err)))
        return st;
    report(r, RECUR_RUN_SAVED);
    return RECUR_OK;
}

/* Streams for evaluating n tokens: --eval-batch, else --batch, fewer when
 * the text is too short for that many streams of a window each. */
static int eval_streams(const recur_run *r, size_t n)
{
    if (r->o.eval_batch > 0)
        return r->o.eval_batch;
    size_t fit = n / ((size_t)r->o.train.seq + 1);
    int b = r->o.train.batch;
    if (fit < (size_t)b)
        b = fit > 1 ? (int)fit : 1;
    return b;
}

static void on_eval_progress(void *user, size_t done, size_t total)
{
    recur_run *r = user;
    r->p.val_done = done;
    r->p.val_total = total;
    report(r, RECUR_RUN_VALIDATING);
}

/* Validates the current weights: RECUR_OK with *have 1 when a figure came
 * out, RECUR_E_INTERRUPTED when stopped. A failed validation (say, a loss
 * that is not finite) is not an error of the run. */
static recur_status validate(recur_run *r, int *have, recur_error *err)
{
    *have = 0;
    if (!r->val_ids)
        return RECUR_OK;
    int B = eval_streams(r, r->n_val);
    recur_eval_watch watch = {on_eval_progress, r, r->cancel};
    recur_eval_result res;
    r->p.val_batch = B;
    r->p.val_seq = r->o.train.seq;
    r->p.val_done = 0;
    r->p.val_total = 0;
    double t0 = monotonic_seconds();
    recur_error verr = {0};
    /* Over ranks each evaluates its share of the streams (a collective
     * without progress reports or a stop request). */
    recur_status st = distributed(r)
                          ? recur_model_evaluate_comm(r->model, r->val_ids, r->n_val, B, r->o.train.seq, r->comm, &res,
                                                      &verr)
                          : recur_model_evaluate_watched(r->model, r->val_ids, r->n_val, B, r->o.train.seq, &watch,
                                                         &res, &verr);
    if (st == RECUR_E_INTERRUPTED)
        return recur_fail(err, st, "%s", verr.msg);
    if (st)
        return RECUR_OK; /* reported as a missing figure */
    r->p.val_seconds = monotonic_seconds() - t0;
    r->p.val_loss = res.loss;
    r->p.val_bits = res.bits_per_token;
    r->p.val_ppl = res.perplexity;
    r->p.val_tokens = res.tokens;
    r->p.val_best = res.loss < r->best_val;
    if (r->p.val_best) {
        r->best_val = res.loss;
        r->validated = 1;
        recur_model_copy_weights(r->best, r->model, NULL);
    }
    if (r->log)
        metrics_log_val_row(r->log, r->p.step, r->p.epoch, monotonic_seconds() - r->t0, res.loss, res.tokens, B);
    report(r, RECUR_RUN_VALIDATED);
    if (recur_trainer_observe_validation(r->trainer, res.loss)) {
        r->p.lr = recur_trainer_lr(r->trainer);
        report(r, RECUR_RUN_LR_DECAYED);
    }
    *have = 1;
    if (r->o.checkpoint_dir && r->rank == 0) {
        char *record = run_record(r);
        char path[4096];
        if (!record)
            return recur_fail_nomem(err, "the run record");
        /* The file's name holds the loss: say where it goes once written. */
        r->p.path = r->o.checkpoint_dir;
        report(r, RECUR_RUN_SAVING);
        r->p.path = path;
        st = run_write_checkpoint(r->model, r->o.checkpoint_dir, r->o.out, r->p.step, res.loss, r->o.keep, record,
                                  path, sizeof path, err);
        free(record);
        if (st)
            return st;
        report(r, RECUR_RUN_SAVED);
    }
    return RECUR_OK;
}

/* One step and its figures. RECUR_E_INTERRUPTED when the stop request
 * came during it (nothing changed). */
static recur_status run_step(recur_run *r, recur_step_info *info, recur_error *err)
{
    recur_trainer *t = r->trainer;
    if (recur_trainer_step_count(t) % r->per_epoch == 0) {
        r->p.epoch = recur_trainer_epoch(t);
        r->p.lr = recur_trainer_lr(t);
        report(r, RECUR_RUN_EPOCH_START);
    }
    double t_step = monotonic_seconds();
    recur_status st = recur_trainer_step(t, info, err);
    if (st)
        return st;
    double now = monotonic_seconds();
    r->epoch_seconds += now - t_step;
    r->p.step = info->step;
    r->p.epoch = info->epoch;
    r->p.epoch_step = info->epoch_step;
    r->p.loss = info->loss;
    r->p.grad_norm = info->grad_norm;
    r->p.lr = info->lr;
    r->p.clipped = info->clipped;
    r->p.skipped_total = recur_trainer_skipped_steps(t);
    if (info->skipped) {
        r->consecutive_skips++;
        report(r, RECUR_RUN_SKIPPED);
        if (r->consecutive_skips >= r->o.max_skips)
            return recur_fail(err, RECUR_E_NONFINITE,
                              "training diverged: %d non-finite steps in a row; lower --lr or set --clip",
                              r->consecutive_skips);
    } else {
        r->consecutive_skips = 0;
        r->epoch_loss_sum += info->loss;
        r->epoch_steps++;
        r->p.loss_avg = isnan(r->p.loss_avg) ? info->loss : 0.98 * r->p.loss_avg + 0.02 * info->loss;
    }
    r->rate_steps++;
    if (now - r->rate_t >= 2.0) {
        r->p.tokens_per_s = (double)r->rate_steps * r->o.train.batch * r->o.train.seq / (now - r->rate_t);
        r->rate_t = now;
        r->rate_steps = 0;
    }
    return RECUR_OK;
}

/* The metrics line and the step report, with the ETA to the first stop rule. */
static void report_step(recur_run *r, const recur_step_info *info)
{
    double elapsed = monotonic_seconds() - r->t0;
    if (r->log && info->step % r->o.log_every == 0)
        metrics_log_train_row(r->log, info->step, info->epoch, info->lr, info->loss, info->grad_norm, info->clipped,
                              info->skipped, r->p.tokens_per_s, elapsed);
    double eta = -1.0, this_run = monotonic_seconds() - r->run_t0;
    double rate = (double)(info->step - r->start_step) / (this_run > 1e-9 ? this_run : 1e-9);
    if (r->target)
        eta = (double)(r->target - info->step) / (rate > 0 ? rate : 1e-9);
    if (r->o.minutes > 0 && (eta < 0 || r->o.minutes * 60.0 - elapsed < eta))
        eta = r->o.minutes * 60.0 - elapsed;
    r->p.eta_s = eta;
    report(r, RECUR_RUN_STEP);
}

/* Per-epoch figures as ptb_word_lm.py prints them: the training perplexity
 * is exp of the mean per-token loss of the epoch's steps (with dropout, as
 * TensorFlow measures it), the speed counts batch x steps tokens per second
 * of training steps (validation excluded). */
static void report_epoch(recur_run *r, const recur_step_info *info, int have_val)
{
    r->p.train_ppl = r->epoch_steps ? exp(r->epoch_loss_sum / (double)r->epoch_steps) : NAN;
    r->p.words_per_s = r->epoch_seconds > 0
                           ? (double)r->epoch_steps * r->o.train.batch * r->o.train.seq / r->epoch_seconds
                           : 0.0;
    r->p.epoch_seconds = r->epoch_seconds;
    if (!have_val)
        r->p.val_ppl = NAN;
    if (r->log)
        metrics_log_epoch_row(r->log, info->epoch, info->step, info->lr, r->p.train_ppl, r->p.val_ppl,
                              r->p.words_per_s, r->epoch_seconds, monotonic_seconds() - r->t0);
    report(r, RECUR_RUN_EPOCH_END);
    r->epoch_loss_sum = r->epoch_seconds = 0.0;
    r->epoch_steps = 0;
}

/* After a step: validation every eval_every steps and at epoch ends. */
static recur_status maybe_validate(recur_run *r, const recur_step_info *info, int *validated_now, recur_error *err)
{
    *validated_now = 0;
    int due = (r->o.eval_every && info->step % r->o.eval_every == 0) || info->epoch_end;
    if (!due)
        return RECUR_OK;
    int have = 0;
    recur_status st = validate(r, &have, err);
    *validated_now = 1;
    if (!st && info->epoch_end)
        report_epoch(r, info, have);
    return st;
}

static recur_status maybe_save(recur_run *r, const recur_step_info *info, recur_error *err)
{
    if (r->o.save_every && info->step % r->o.save_every == 0)
        return save_all(r, err);
    return RECUR_OK;
}

/* The test perplexity of the model written to --out, two ways: as
 * ptb_word_lm.py computes it (batch 1, one step at a time, the state carried
 * through the whole text: every token after the first predicted once), and
 * batched like validation (faster; the tail that does not fill all streams is
 * dropped, so it differs slightly). */
static recur_status run_test(recur_run *r, recur_error *err)
{
    const recur_model *keep = model_to_keep(r);
    recur_eval_watch watch = {NULL, NULL, r->cancel};
    recur_eval_result one, batched;
    int B = eval_streams(r, r->n_test), T = r->o.train.seq;
    double t0 = monotonic_seconds();
    /* A --norm model is scored at batch 1 in windows of --seq, the steps its
     * batch norm's running averages describe (eval/evaluate.c). */
    int seq1 = recur_model_config(keep)->norm != RECUR_NORM_NONE ? T : 1;
    recur_status st = recur_model_evaluate_watched(keep, r->test_ids, r->n_test, 1, seq1, &watch, &one, err);
    double t1 = monotonic_seconds();
    if (!st)
        st = recur_model_evaluate_watched(keep, r->test_ids, r->n_test, B, T, &watch, &batched, err);
    double t2 = monotonic_seconds();
    if (st)
        return recur_error_prefix(err, "%s", r->o.test);
    r->p.test_ppl = one.perplexity;
    r->p.test_predictions = one.tokens;
    r->p.test_seconds = t1 - t0;
    r->p.test_ppl_batched = batched.perplexity;
    r->p.test_predictions_batched = batched.tokens;
    r->p.test_batched_seconds = t2 - t1;
    r->p.test_batch = B;
    r->p.test_seq = T;
    if (r->log)
        metrics_log_test_row(r->log, one.perplexity, one.tokens, t1 - t0, batched.perplexity, batched.tokens, t2 - t1,
                             B, T, monotonic_seconds() - r->t0);
    report(r, RECUR_RUN_TESTED);
    return RECUR_OK;
}

/* The run's resolved settings in the log, last, so that a results file can
 * say exactly what ran (the keys stay clear of the training-curve keys). */
static void log_settings(recur_run *r)
{
    if (!r->log)
        return;
    const recur_run_options *o = &r->o;
    const recur_config *c = recur_model_config(r->model);
    const char *optimizer = recur_optimizer_name(o->train.optimizer), *schedule = recur_schedule_name(o->train.schedule);
    const char *loss_scale = recur_loss_scale_name(o->train.loss_scale);
    recur_strbuf b;
    recur_strbuf_init(&b);
    recur_strbuf_puts(&b, "{\"preset\":");
    recur_strbuf_json_string(&b, o->preset ? o->preset : "", o->preset ? strlen(o->preset) : 0);
    recur_strbuf_printf(&b,
                        ",\"level\":\"%s\",\"cell\":\"%s\",\"layers\":%d,\"hidden\":%d,\"embed\":%d,\"tied\":%d,"
                        "\"dropout\":%g,\"norm\":\"%s\",\"init_scale\":%g,\"forget_bias\":%g,\"batch\":%d,\"seq\":%d,"
                        "\"optimizer\":\"%s\",\"learning_rate\":%g,\"max_grad_norm\":%g,\"schedule\":\"%s\","
                        "\"lr_decay\":%g,\"decay_after\":%d,\"loss_scale\":\"%s\",\"epochs\":%d,\"seed\":%lld,"
                        "\"threads\":%d,\"parameters\":%zu,\"minutes\":%g,\"warmup_steps\":%lld,"
                        "\"locked_dropout\":%d,\"embed_dropout\":%g,\"weight_drop\":%g,\"input_dropout\":%g,"
                        "\"auto\":%d}",
                        recur_level_name(c->level), recur_cell_name(c->cell), c->layers,
                        c->hidden, c->embed ? c->embed : c->hidden, c->tied, (double)c->dropout,
                        recur_norm_name(c->norm), (double)c->init_scale, (double)c->forget_bias, o->train.batch, o->train.seq, optimizer,
                        (double)o->train.lr, (double)o->train.clip, schedule, (double)o->train.lr_decay,
                        o->train.decay_after, loss_scale, o->epochs, (long long)o->seed, o->threads,
                        recur_model_param_count(r->model), o->minutes, (long long)o->train.warmup_steps,
                        o->train.locked_dropout, (double)o->train.embed_dropout, (double)o->train.weight_drop,
                        (double)(o->train.input_dropout >= 0.0f ? o->train.input_dropout : c->dropout),
                        o->auto_choose);
    if (!b.oom)
        metrics_log_settings_row(r->log, b.data, recur_trainer_step_count(r->trainer), monotonic_seconds() - r->t0);
    recur_strbuf_free(&b);
}

/* Why the loop stops before the next step, or 0 to go on. A stop request
 * or the clock may reach the ranks at different steps: they stop together,
 * at the step any of them asks to. */
enum { GO_ON = 0, STOP_TARGET, STOP_MINUTES, STOP_REQUEST };

static int stop_rule(recur_run *r, recur_error *err)
{
    if (r->target && recur_trainer_step_count(r->trainer) >= r->target)
        return STOP_TARGET; /* the same step on every rank */
    /* The slowest rank's clock is everyone's: the schedule's progress below
     * must be the same number on every rank. */
    double elapsed = monotonic_seconds() - r->t0;
    int64_t flags[3] = {stop_level(r) != 0, r->o.minutes > 0 && elapsed >= r->o.minutes * 60.0,
                        (int64_t)(elapsed * 1e6)};
    if (distributed(r) && r->comm->allreduce(r->comm, flags, 3, RECUR_DT_I64, RECUR_REDUCE_MAX, err))
        return STOP_REQUEST; /* a broken communicator: save what can be saved */
    r->elapsed_s = (double)flags[2] * 1e-6;
    return flags[0] ? STOP_REQUEST : flags[1] ? STOP_MINUTES : GO_ON;
}

/* The share of the run done, for the cosine and linear schedules: steps
 * against the target, or this run's time against --minutes, whichever is
 * further. */
static void tell_progress(recur_run *r)
{
    double p = r->target ? (double)recur_trainer_step_count(r->trainer) / (double)r->target : 0.0;
    if (r->o.minutes > 0) {
        double by_time = r->elapsed_s / (r->o.minutes * 60.0);
        p = by_time > p ? by_time : p;
    }
    recur_trainer_set_progress(r->trainer, p);
}

recur_status recur_run_train(recur_run *r, recur_run_callback cb, void *user, recur_error *err)
{
    recur_trainer *t = r->trainer;
    r->cb = cb;
    r->user = user;
    r->per_epoch = recur_trainer_steps_per_epoch(t);
    r->start_step = recur_trainer_step_count(t);
    r->target = r->o.steps;
    if (r->o.epochs) {
        int64_t by_epochs = (int64_t)r->o.epochs * r->per_epoch;
        r->target = r->target ? (r->target < by_epochs ? r->target : by_epochs) : by_epochs;
    }
    memset(&r->p, 0, sizeof r->p);
    r->p.loss_avg = NAN;
    r->p.val_ppl = NAN;
    r->p.eta_s = -1.0;
    r->p.step = r->start_step;
    r->p.epoch = recur_trainer_epoch(t);
    r->p.target = r->target;
    r->p.steps_per_epoch = r->per_epoch;
    r->p.train_tokens = r->n_train;
    r->p.val_tokens = r->n_val;
    r->p.test_tokens = r->n_test;
    r->p.parameters = recur_model_param_count(r->model);
    r->p.resumed = r->o.resume;
    r->p.fine_tuning = r->o.init_from != NULL;
    r->elapsed_s = recur_trainer_seconds(t) + r->auto_seconds;
    tell_progress(r);
    r->p.lr = recur_trainer_lr(t);
    /* The clock of the budget: --auto's measurement and, resumed, the
     * training time of the runs before count in it. */
    r->t0 = monotonic_seconds() - r->auto_seconds - recur_trainer_seconds(t);
    r->run_t0 = r->rate_t = monotonic_seconds();
    if (r->o.resume && ((r->target && r->start_step >= r->target) ||
                        (r->o.minutes > 0 && recur_trainer_seconds(t) >= r->o.minutes * 60.0))) {
        report(r, RECUR_RUN_ALREADY_DONE);
        return RECUR_OK;
    }
    report(r, RECUR_RUN_START);
    recur_status st = RECUR_OK;
    /* A fine-tuning run's first figure is the loaded model's own, before any step. */
    if (r->o.init_from && r->start_step == 0) {
        int have;
        r->p.epoch = 0;
        st = validate(r, &have, err);
    }
    recur_step_info info = {0};
    int validated_now = 0, why = GO_ON;
    while (!st && (why = stop_rule(r, err)) == GO_ON) {
        tell_progress(r);
        st = run_step(r, &info, err);
        if (st)
            break;
        report_step(r, &info);
        if (!(st = maybe_validate(r, &info, &validated_now, err)))
            st = maybe_save(r, &info, err);
    }
    int interrupted = st == RECUR_E_INTERRUPTED || (!st && why == STOP_REQUEST);
    if (interrupted) {
        /* Save what the last finished step holds, at once: no final
         * validation. A run stopped before its first step has nothing new. */
        report(r, RECUR_RUN_INTERRUPTED);
        recur_status saved = recur_trainer_step_count(t) > r->start_step ? save_all(r, err) : RECUR_OK;
        log_settings(r);
        return saved ? saved : recur_fail(err, RECUR_E_INTERRUPTED, "stopped on request at step %lld",
                                          (long long)recur_trainer_step_count(t));
    }
    if (st == RECUR_E_NONFINITE) {
        /* Diverged: keep what was reached (nothing non-finite is saved). */
        recur_error ignored;
        save_all(r, &ignored);
        log_settings(r);
        return st;
    }
    if (st)
        return st;
    /* A final validation unless the last step just did one. */
    if (info.step && !validated_now) {
        int have;
        st = validate(r, &have, err);
    }
    if (!st || st == RECUR_E_INTERRUPTED) {
        recur_status saved = save_all(r, err);
        st = saved ? saved : st;
    }
    /* The test figures come from rank 0 alone: the batch-1 pass cannot be
     * split, and the training is over. */
    if (!st && r->test_ids && !r->o.no_test && r->rank == 0)
        st = run_test(r, err);
    log_settings(r);
    return st;
}

recur_status recur_run_all(const recur_run_options *o, const volatile sig_atomic_t *cancel, recur_run_callback cb,
                           void *user, recur_error *err)
{
    recur_run *r = NULL;
    recur_status st = recur_run_create(o, NULL, cancel, &r, err);
    if (!st)
        st = recur_run_train(r, cb, user, err);
    recur_run_free(r);
    return st;
}
