/* The options of a training run: one table of names, types, ranges and
 * help lines (the flags of `recur train` without their dashes), the setter
 * that parses text into them, and the log of what was set, which a state
 * file keeps so that a resumed run continues with the same settings. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "model/model_internal.h"
#include "train/run_internal.h"

/* Between the entries of the set log, as between the arguments of the
 * command line the state files of earlier versions saved. */
#define LOG_SEPARATOR '\x1f'

/* Every option once: X(KIND, name, ...kind's fields..., field of
 * recur_run_options). The list expands into the public table and into the
 * offsets of the fields it sets, in the same order. */
#define RUN_OPTIONS(X) \
    X(STR, "preset", "NAME", "start from a named configuration (ptb-small, ptb-medium, ptb-large, ptb-small-tied, ptb-2h); " \
        "options given override it", preset) \
    X(STR, "data", "FILE", "training text (UTF-8; with a ptb-* preset: the shipped PTB files)", data) \
    X(STR, "data-dir", "DIR", "DIR/train.txt, DIR/valid.txt and DIR/test.txt (PyTorch word_language_model's layout); " \
        "--data, --val and --test given override them", data_dir) \
    X(STR, "out", "FILE", "model file to write (.safetensors); the training state goes to FILE.state", out) \
    X(STR, "val", "FILE", "validation text (default: the last --val-fraction of --data)", val) \
    X(STR, "init-from", "FILE", "fine-tune FILE: its weights and architecture, a fresh optimizer and schedule; " \
        "new characters of --data get new rows, new words become <unk>", init_from) \
    X(STR, "test", "FILE", "test text, evaluated at the end (batch 1 step by step, and batched)", test) \
    X(FLAG, "no-test", "skip the --test evaluation (for short runs of a preset)", no_test) \
    X(NUM, "val-fraction", DOUBLE, 0, 0.5, "X", "share of --data held out for validation (default 0.05; 0: none)", \
        val_fraction) \
    X(CHOICE, "level", "char|word", "char or word (default char)", model.level) \
    X(NUM, "min-count", INT, 1, 1e9, "N", "word level: words seen fewer than N times in --data become <unk> " \
        "(default 1: keep all)", min_count) \
    X(NUM, "max-vocab", INT, 3, 16777216, "N", "word level: keep the N most frequent tokens, <eos> and <unk> " \
        "included; the rest become <unk> (default: all)", max_vocab) \
    X(CHOICE, "newlines", "keep|lf", "keep or lf: read CRLF (Windows) line ends as LF (default keep)", \
      newlines_lf) \
    X(CHOICE, "unknown", "error|skip", "error or skip: characters of --val/--test that --data lacks stop the " \
      "run, or are left out and counted (default error)", unknown) \
    X(CHOICE, "cell", "rnn_tanh|rnn_relu|lstm|gru", "lstm, gru, rnn_tanh or rnn_relu (default lstm)", model.cell) \
    X(NUM, "layers", INT, 1, 64, "N", "recurrent layers (default 2)", model.layers) \
    X(NUM, "hidden", INT, 1, 65536, "N", "units per layer (default 128)", model.hidden) \
    X(NUM, "embed", INT, 1, 65536, "N", "embedding size (default: --hidden)", model.embed) \
    X(FLAG, "tied", "tie the decoder to the embedding (needs embed = hidden)", model.tied) \
    X(FLAG, "peephole", "LSTM peephole connections", model.peephole) \
    X(NUM, "dropout", FLOAT, 0, 0.99, "X", "dropout on non-recurrent connections (default 0)", model.dropout) \
    X(FLAG, "locked-dropout", "variational dropout: each stream keeps its --dropout masks for the whole window " \
         "instead of drawing new ones every step (Gal and Ghahramani 2016)", train.locked_dropout) \
    X(NUM, "input-dropout", FLOAT, -1, 0.99, "P", "dropout on the first layer's input, the embedding's output, " \
        "in place of --dropout there; 0 keeps the token table, the embedding and the first product fused, as " \
        "char-rnn leaves the input undropped (default -1: --dropout)", train.input_dropout) \
    X(NUM, "embed-dropout", FLOAT, 0, 0.99, "P", "drop whole words: every occurrence of a token dropped in the " \
        "window loses its embedding (Gal and Ghahramani 2016; AWD-LSTM; default 0)", train.embed_dropout) \
    X(NUM, "weight-drop", FLOAT, 0, 0.99, "P", "DropConnect on the recurrent weights W_hh, one mask per window " \
        "(AWD-LSTM's weight drop, Merity et al. 2018; default 0)", train.weight_drop) \
    X(CHOICE, "norm", "none|batch|layer", "none, batch or layer: normalise each recurrent layer's input and hidden " \
      "pre-activations (and the LSTM cell): recurrent batch norm with running averages per step of --seq, or " \
      "layer norm (default none)", model.norm) \
    X(NUM, "init-scale", FLOAT, 0, 100, "X", "uniform(-s, s) init; 0: PyTorch's default (default 0)", model.init_scale) \
    X(NUM, "forget-bias", FLOAT, -100, 100, "X", "initial LSTM forget-gate bias; 0 keeps the random init (default 0)", \
        model.forget_bias) \
    X(NUM, "batch", INT, 1, 100000, "N", "streams per batch (default 50)", train.batch) \
    X(NUM, "seq", INT, 1, 100000, "N", "steps per window, the truncated BPTT length (default 50)", train.seq) \
    X(CHOICE, "optimizer", "sgd|adam|rmsprop", "sgd, adam or rmsprop (default adam)", train.optimizer) \
    X(NUM, "lr", FLOAT, 1e-12, 1e6, "X", "learning rate (default 0.002)", train.lr) \
    X(NUM, "momentum", FLOAT, 0, 0.999999, "X", "SGD momentum (default 0)", train.momentum) \
    X(NUM, "beta1", FLOAT, 0, 0.999999, "X", "Adam beta1 (default 0.9)", train.beta1) \
    X(NUM, "beta2", FLOAT, 0, 0.999999, "X", "Adam beta2 (default 0.999)", train.beta2) \
    X(NUM, "eps", FLOAT, 1e-30, 1, "X", "Adam/RMSprop epsilon (default 1e-8)", train.eps) \
    X(NUM, "rms-alpha", FLOAT, 0, 0.999999, "X", "RMSprop smoothing (default 0.99)", train.rms_alpha) \
    X(NUM, "clip", FLOAT, 0, 1e9, "X", "clip the gradient's global norm; 0: off (default 5)", train.clip) \
    X(NUM, "l2", FLOAT, 0, 1e3, "X", "L2 penalty l2/2*|W|^2 on weight matrices (default 0)", train.l2) \
    X(NUM, "l1", FLOAT, 0, 1e3, "X", "L1 penalty l1*|W| on weight matrices (default 0)", train.l1) \
    X(NUM, "noise-unigram", FLOAT, 0, 1, "P", "data noising: replace each input token by a draw from the training " \
        "text's unigram distribution with probability P (Xie et al. 2017; default 0)", train.noise_unigram) \
    X(NUM, "noise-blank", FLOAT, 0, 1, "P", "data noising: replace each input token by a blank, <unk>, with " \
        "probability P (word level, a vocabulary with <unk>; default 0)", train.noise_blank) \
    X(CHOICE, "lr-schedule", "constant|step|exp|plateau|cosine|linear", \
           "constant, step (decay after --decay-after epochs), exp (every epoch), plateau (decay when a " \
           "validation is no better than the best), or cosine or linear: down to 0 at the end of the run " \
           "(--steps, --epochs, or the --minutes budget, whichever ends first; default constant)", \
           train.schedule) \
    X(NUM, "warmup-steps", INT64, 0, 1e15, "N", "raise the learning rate linearly over the first N steps, with " \
        "any schedule (default 0)", train.warmup_steps) \
    X(NUM, "lr-decay", FLOAT, 1e-6, 1, "X", "factor per epoch for step/exp, per validation without improvement for " \
        "plateau (default 1; with plateau 0.25, word_language_model's divide by 4)", train.lr_decay) \
    X(NUM, "decay-after", INT, 0, 1000000, "N", "epochs at the full rate before step decay (default 1)", \
        train.decay_after) \
    X(CHOICE, "loss-scale", "mean|sum", "mean (over batch and steps) or sum (over steps, mean over batch)", \
           train.loss_scale) \
    X(NUM, "epochs", INT, 1, 1000000, "N", "stop after this many epochs", epochs) \
    X(NUM, "steps", INT64, 1, 1e15, "N", "stop after this many steps in all", steps) \
    X(NUM, "minutes", DOUBLE, 1e-3, 1e7, "X", "stop after this many minutes of training in all (a resumed run counts the minutes before it)", minutes) \
    X(FLAG, "auto", "with --minutes: choose width, dropout, learning rate, warm-up and a cosine schedule that " \
         "ends with the budget, from the text's size and this machine's measured speed; options given win", \
         auto_choose) \
    X(NUM, "eval-every", INT64, 0, 1e15, "N", "validate every N steps and at epoch ends (default 1000; 0: epoch ends " \
        "only)", eval_every) \
    X(NUM, "eval-batch", INT, 1, 100000, "N", "streams for validation (default: --batch, fewer for a short validation " \
        "text; 1: every token predicted once, one at a time, slower)", eval_batch) \
    X(NUM, "save-every", INT64, 0, 1e15, "N", "write the model and state every N steps (default 1000; 0: at the end " \
        "only)", save_every) \
    X(STR, "checkpoint-dir", "DIR", "also keep the model of every validation as DIR/NAME_stepN_valX.safetensors " \
        "(NAME: --out's name)", checkpoint_dir) \
    X(NUM, "keep", INT, 0, 1000000, "N", "with --checkpoint-dir: keep the latest N files (default 0: all)", keep) \
    X(STR, "log", "FILE", "append metrics as JSON Lines to FILE", log) \
    X(NUM, "log-every", INT64, 1, 1e15, "N", "steps between training lines in --log (default 10)", log_every) \
    X(NUM, "max-skips", INT, 1, 1000000, "N", "stop after N non-finite steps in a row (default 10)", max_skips) \
    X(NUM, "seed", INT64, 0, 9.2e18, "N", "seed for initialisation and dropout (default 1)", seed) \
    X(NUM, "threads", INT, 1, 1024, "N", "threads for matrix products and kernels (default: all cores)", threads) \
    X(CHOICE, "allreduce", "block|layers", "under mpirun: sum the gradient in one call after backward (block, " \
      "the default) or layer by layer while backward runs (layers)", allreduce) \
    X(FLAG, "resume", "continue the run saved in FILE.state (--out) with its settings; options given now win", \
         resume) \
    X(FLAG, "force", "replace the model and state of another run at --out", force) \
    X(FLAG, "quiet", "print nothing but errors", quiet) \

#define PUB_NUM(name, type, lo, hi, ph, help, field) {name, RECUR_OPTION_##type, lo, hi, NULL, ph, help},
#define PUB_STR(name, ph, help, field) {name, RECUR_OPTION_STRING, 0, 0, NULL, ph, help},
#define PUB_FLAG(name, help, field) {name, RECUR_OPTION_FLAG, 0, 1, NULL, NULL, help},
#define PUB_CHOICE(name, choices, help, field) {name, RECUR_OPTION_CHOICE, 0, 0, choices, "NAME", help},
#define AS_PUB(kind, ...) PUB_##kind(__VA_ARGS__)
#define OFF_NUM(name, type, lo, hi, ph, help, field) offsetof(recur_run_options, field),
#define OFF_STR(name, ph, help, field) offsetof(recur_run_options, field),
#define OFF_FLAG(name, help, field) offsetof(recur_run_options, field),
#define OFF_CHOICE(name, choices, help, field) offsetof(recur_run_options, field),
#define AS_OFFSET(kind, ...) OFF_##kind(__VA_ARGS__)

static const recur_run_option table[] = {RUN_OPTIONS(AS_PUB)};
static const size_t offsets[] = {RUN_OPTIONS(AS_OFFSET)};
#define N_OPTIONS ((int)(sizeof table / sizeof table[0]))

const recur_run_option *recur_run_option_table(int *count)
{
    if (count)
        *count = N_OPTIONS;
    return table;
}

static const char *bare_name(const char *name) { return strncmp(name, "--", 2) == 0 ? name + 2 : name; }

static int option_index(const char *name)
{
    const char *bare = bare_name(name);
    for (int i = 0; i < N_OPTIONS; i++)
        if (strcmp(table[i].name, bare) == 0)
            return i;
    return -1;
}

const recur_run_option *recur_run_option_find(const char *name)
{
    int i = option_index(name);
    return i < 0 ? NULL : &table[i];
}

/* The defaults, leaving the set log and the owned strings alone. */
static void set_defaults(recur_run_options *o)
{
    char *log = o->set_log, **owned = o->owned;
    size_t log_len = o->set_log_len;
    int n_owned = o->n_owned, resume = o->resume, force = o->force;
    memset(o, 0, sizeof *o);
    o->resume = resume;
    o->force = force;
    o->set_log = log;
    o->set_log_len = log_len;
    o->owned = owned;
    o->n_owned = n_owned;
    recur_config_default(&o->model);
    recur_train_config_default(&o->train);
    o->val_fraction = 0.05;
    o->save_every = 1000;
    o->eval_every = 1000;
    o->log_every = 10;
    o->max_skips = 10;
    o->seed = 1;
}

void recur_run_options_init(recur_run_options *o)
{
    memset(o, 0, sizeof *o);
    set_defaults(o);
}

void recur_run_options_free(recur_run_options *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n_owned; i++)
        free(o->owned[i]);
    free(o->owned);
    free(o->set_log);
    memset(o, 0, sizeof *o);
}

static const char *own_string(recur_run_options *o, const char *s, recur_error *err)
{
    size_t len = strlen(s) + 1;
    char **owned = realloc(o->owned, (size_t)(o->n_owned + 1) * sizeof *owned);
    if (!owned) {
        recur_fail_nomem(err, "an option's value");
        return NULL;
    }
    o->owned = owned;
    char *copy = malloc(len);
    if (!copy) {
        recur_fail_nomem(err, "an option's value");
        return NULL;
    }
    memcpy(copy, s, len);
    o->owned[o->n_owned++] = copy;
    return copy;
}

/* "a, b or c" from "a|b|c". */
static void choice_list(const char *choices, char *buf, size_t size)
{
    size_t n = 0, bars = 0, seen = 0;
    for (const char *p = choices; *p; p++)
        bars += *p == '|';
    for (const char *p = choices; *p && n + 8 < size; p++) {
        if (*p != '|') {
            buf[n++] = *p;
            continue;
        }
        const char *sep = ++seen == bars ? " or " : ", ";
        memcpy(buf + n, sep, strlen(sep));
        n += strlen(sep);
    }
    buf[n] = '\0';
}

/* The position of value among choices ("a|b|c"), or -1. */
static int choice_index(const char *choices, const char *value)
{
    size_t len = strlen(value);
    int i = 0;
    for (const char *p = choices;; i++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, value, n) == 0)
            return i;
        if (!bar)
            return -1;
        p = bar + 1;
    }
}

/* Parses value into the field of option i; name is spelt as the caller gave it. */
static recur_status apply(recur_run_options *o, int i, const char *name, const char *value, recur_error *err)
{
    const recur_run_option *opt = &table[i];
    void *field = (char *)o + offsets[i];
    char *end = NULL;
    switch (opt->type) {
    case RECUR_OPTION_FLAG:
        if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0)
            *(int *)field = 1;
        else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0)
            *(int *)field = 0;
        else
            return recur_fail(err, RECUR_E_ARG, "%s is a switch: 1 or 0, got '%s'", name, value);
        return RECUR_OK;
    case RECUR_OPTION_INT:
    case RECUR_OPTION_INT64: {
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end != '\0')
            return recur_fail(err, RECUR_E_ARG, "%s expects an integer, got '%s'", name, value);
        if ((double)v < opt->min || (double)v > opt->max)
            return recur_fail(err, RECUR_E_ARG, "%s must be between %.0f and %.0f, got %lld", name, opt->min,
                              opt->max, v);
        if (opt->type == RECUR_OPTION_INT)
            *(int *)field = (int)v;
        else
            *(int64_t *)field = (int64_t)v;
        return RECUR_OK;
    }
    case RECUR_OPTION_FLOAT:
    case RECUR_OPTION_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (errno || end == value || *end != '\0' || !isfinite(v))
            return recur_fail(err, RECUR_E_ARG, "%s expects a number, got '%s'", name, value);
        if (v < opt->min || v > opt->max)
            return recur_fail(err, RECUR_E_ARG, "%s must be between %g and %g, got %g", name, opt->min, opt->max, v);
        if (opt->type == RECUR_OPTION_FLOAT)
            *(float *)field = (float)v;
        else
            *(double *)field = v;
        return RECUR_OK;
    }
    case RECUR_OPTION_STRING: {
        const char *copy = own_string(o, value, err);
        if (!copy)
            return RECUR_E_NOMEM;
        *(const char **)field = copy;
        return RECUR_OK;
    }
    case RECUR_OPTION_CHOICE: {
        if (field == (void *)&o->model.cell) {
            recur_cell cell;
            recur_status st = recur_cell_parse(value, &cell, err);
            if (st)
                return recur_error_prefix(err, "%s", name);
            o->model.cell = cell;
            return RECUR_OK;
        }
        int k = choice_index(opt->choices, value);
        if (k < 0) {
            char list[128];
            choice_list(opt->choices, list, sizeof list);
            return recur_fail(err, RECUR_E_ARG, "%s must be %s, got '%s'", name, list, value);
        }
        *(int *)field = k; /* the choices are listed in the enum's order */
        return RECUR_OK;
    }
    }
    return recur_fail(err, RECUR_E_ARG, "%s: unknown option type", name);
}

/* Appends "--name" [value] to the set log, in the command line's form. */
static recur_status log_set(recur_run_options *o, int i, const char *value, recur_error *err)
{
    const char *name = table[i].name;
    int is_flag = table[i].type == RECUR_OPTION_FLAG;
    int off = is_flag && (strcmp(value, "0") == 0 || strcmp(value, "false") == 0);
    size_t need = strlen(name) + 2 + 1 + (is_flag ? (off ? 2 : 0) : strlen(value) + 1) + 1;
    char *log = realloc(o->set_log, o->set_log_len + need);
    if (!log)
        return recur_fail_nomem(err, "the option log");
    o->set_log = log;
    int n;
    if (is_flag)
        n = snprintf(log + o->set_log_len, need, "--%s%s%c", name, off ? "=0" : "", LOG_SEPARATOR);
    else
        n = snprintf(log + o->set_log_len, need, "--%s%c%s%c", name, LOG_SEPARATOR, value, LOG_SEPARATOR);
    o->set_log_len += (size_t)n;
    return RECUR_OK;
}

/* Calls fn for every "--name[=value]" [value] entry of a log, in order,
 * and returns the first error. */
typedef recur_status (*log_visit)(recur_run_options *o, void *ctx, int i, const char *given, const char *value,
                                  recur_error *err);

static recur_status walk_log(recur_run_options *o, const char *log, size_t len, log_visit fn, void *ctx,
                             recur_error *err)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return recur_fail_nomem(err, "the option log");
    memcpy(copy, log, len);
    copy[len] = '\0';
    recur_status st = RECUR_OK;
    char *p = copy;
    while (!st && *p) {
        char *sep = strchr(p, LOG_SEPARATOR);
        if (!sep)
            break;
        *sep = '\0';
        char *arg = p;
        p = sep + 1;
        char *eq = strchr(arg, '=');
        if (eq)
            *eq = '\0';
        int i = option_index(arg);
        if (i < 0 || strncmp(arg, "--", 2) != 0) {
            st = recur_fail(err, RECUR_E_FORMAT, "the saved options hold an unknown option '%s'", arg);
            break;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && table[i].type == RECUR_OPTION_FLAG)
            value = "1";
        if (!value) {
            char *vsep = strchr(p, LOG_SEPARATOR);
            if (!vsep) {
                st = recur_fail(err, RECUR_E_FORMAT, "the saved options end before the value of %s", arg);
                break;
            }
            *vsep = '\0';
            value = p;
            p = vsep + 1;
        }
        st = fn(o, ctx, i, arg, value, err);
    }
    free(copy);
    return st;
}

static int is_preset(int i) { return offsets[i] == offsetof(recur_run_options, preset); }

/* Keeps a copy of the last preset's name in *(char **)ctx. */
static recur_status visit_find_preset(recur_run_options *o, void *ctx, int i, const char *given, const char *value,
                                      recur_error *err)
{
    (void)o;
    (void)given;
    if (!is_preset(i))
        return RECUR_OK;
    char **last = ctx;
    free(*last);
    size_t len = strlen(value) + 1;
    if (!(*last = malloc(len)))
        return recur_fail_nomem(err, "the option log");
    memcpy(*last, value, len);
    return RECUR_OK;
}

static recur_status visit_apply(recur_run_options *o, void *ctx, int i, const char *given, const char *value,
                                recur_error *err)
{
    (void)ctx;
    return is_preset(i) ? RECUR_OK : apply(o, i, given, value, err);
}

/* The options from the log alone: the defaults, the last preset in it, then
 * every other entry in order, so that an option wins over a preset whatever
 * their order (as on the command line). */
static recur_status rebuild(recur_run_options *o, const char *preset_given, recur_error *err)
{
    set_defaults(o);
    char *last = NULL;
    recur_status st = walk_log(o, o->set_log, o->set_log_len, visit_find_preset, &last, err);
    if (!st && last) {
        if (run_preset_apply(o, last) != 0) {
            char names[256];
            run_preset_names(names, sizeof names);
            st = recur_fail(err, RECUR_E_ARG, "%s: unknown preset '%s' (known: %s)",
                            preset_given ? preset_given : "--preset", last, names);
        } else if (!(o->preset = own_string(o, last, err))) {
            st = RECUR_E_NOMEM;
        }
    }
    free(last);
    if (!st)
        st = walk_log(o, o->set_log, o->set_log_len, visit_apply, NULL, err);
    return st;
}

recur_status recur_run_options_set(recur_run_options *o, const char *name, const char *value, recur_error *err)
{
    int i = option_index(name);
    if (i < 0)
        return recur_fail(err, RECUR_E_ARG, "unknown option '%s'", name);
    if (!value)
        return recur_fail(err, RECUR_E_ARG, "%s needs a value", name);
    if (is_preset(i)) {
        /* The preset goes first whatever its position: rebuild from the log. */
        size_t before = o->set_log_len;
        recur_status st = log_set(o, i, value, err);
        if (!st)
            st = rebuild(o, name, err);
        if (st) {
            o->set_log_len = before; /* forget the bad preset and restore the options */
            recur_error ignored;
            rebuild(o, NULL, &ignored);
        }
        return st;
    }
    recur_status st = apply(o, i, name, value, err);
    /* --resume and --force are about this invocation, not the run: not saved. */
    int transient = offsets[i] == offsetof(recur_run_options, resume) ||
                    offsets[i] == offsetof(recur_run_options, force);
    if (!st && !transient)
        st = log_set(o, i, value, err);
    return st;
}

recur_status recur_run_options_get(const recur_run_options *o, const char *name, char *buf, size_t size,
                                   recur_error *err)
{
    int i = option_index(name);
    if (i < 0)
        return recur_fail(err, RECUR_E_ARG, "unknown option '%s'", name);
    const void *field = (const char *)o + offsets[i];
    const recur_run_option *opt = &table[i];
    int n = 0;
    switch (opt->type) {
    case RECUR_OPTION_FLAG:
    case RECUR_OPTION_INT: n = snprintf(buf, size, "%d", *(const int *)field); break;
    case RECUR_OPTION_INT64: n = snprintf(buf, size, "%" PRId64, *(const int64_t *)field); break;
    case RECUR_OPTION_FLOAT: {
        /* The shortest text that reads back as the same float: 0.1, not 0.100000001. */
        float v = *(const float *)field;
        for (int digits = 6; digits <= 9; digits++)
            if ((n = snprintf(buf, size, "%.*g", digits, (double)v)) < 0 || strtof(buf, NULL) == v)
                break;
        break;
    }
    case RECUR_OPTION_DOUBLE: {
        double v = *(const double *)field;
        for (int digits = 15; digits <= 17; digits++)
            if ((n = snprintf(buf, size, "%.*g", digits, v)) < 0 || strtod(buf, NULL) == v)
                break;
        break;
    }
    case RECUR_OPTION_STRING: {
        const char *s = *(const char *const *)field;
        n = snprintf(buf, size, "%s", s ? s : "");
        break;
    }
    case RECUR_OPTION_CHOICE: {
        int k = *(const int *)field;
        const char *p = opt->choices;
        for (int j = 0; j < k && p; j++) {
            p = strchr(p, '|');
            p = p ? p + 1 : NULL;
        }
        if (!p)
            return recur_fail(err, RECUR_E_ARG, "%s holds an unknown value %d", name, k);
        const char *bar = strchr(p, '|');
        n = snprintf(buf, size, "%.*s", (int)(bar ? (size_t)(bar - p) : strlen(p)), p);
        break;
    }
    }
    if (n < 0 || (size_t)n >= size)
        return recur_fail(err, RECUR_E_ARG, "%s: the value does not fit in %zu bytes", name, size);
    return RECUR_OK;
}

/* What fine-tuning keeps: the model's shape, its initialisation (which the
 * loaded weights replace) and its vocabulary. */
static recur_status check_finetune(const recur_run_options *o, recur_error *err)
{
    static const char *const kept[] = {"level", "cell", "layers", "hidden", "embed", "tied", "peephole",
                                       "norm", "init-scale", "forget-bias", "preset", "min-count", "max-vocab"};
    if (o->resume)
        return recur_fail(err, RECUR_E_ARG, "--init-from starts a new run from a model and --resume continues a "
                          "saved one: give one of them");
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        if (!run_options_was_set(o, kept[i]))
            continue;
        const char *what = strcmp(kept[i], "min-count") == 0 || strcmp(kept[i], "max-vocab") == 0
                               ? "vocabulary (new words become <unk>)"
                           : strcmp(kept[i], "preset") == 0 ? "architecture (give the training flags alone)"
                           : strcmp(kept[i], "init-scale") == 0 || strcmp(kept[i], "forget-bias") == 0
                               ? "weights, so there is nothing to initialise"
                               : "architecture";
        return recur_fail(err, RECUR_E_ARG, "--%s cannot be combined with --init-from %s: fine-tuning keeps the "
                          "model's %s", kept[i], o->init_from, what);
    }
    return RECUR_OK;
}

recur_status recur_run_options_check(const recur_run_options *o, recur_error *err)
{
    const recur_config *c = &o->model;
    recur_status fst = o->init_from ? check_finetune(o, err) : RECUR_OK;
    if (fst)
        return fst;
    if (o->auto_choose && !o->resume) {
        if (o->minutes <= 0)
            return recur_fail(err, RECUR_E_ARG, "--auto chooses the run for a time budget: give --minutes M too");
        if (o->preset || o->init_from)
            return recur_fail(err, RECUR_E_ARG, "--auto chooses the model, and %s gives one: use one of them",
                              o->preset ? "--preset" : "--init-from");
    }
    if (c->level != RECUR_LEVEL_WORD && (o->min_count > 1 || o->max_vocab))
        return recur_fail(err, RECUR_E_ARG, "%s applies to --level word (a character vocabulary has no <unk> for "
                          "the characters it would leave out)", o->min_count > 1 ? "--min-count" : "--max-vocab");
    if (o->train.locked_dropout && !(c->dropout > 0.0f))
        return recur_fail(err, RECUR_E_ARG, "--locked-dropout keeps the --dropout masks over each window: give "
                          "--dropout P too");
    if (c->peephole && c->cell != RECUR_CELL_LSTM)
        return recur_fail(err, RECUR_E_ARG, "--peephole needs --cell lstm");
    int E = c->embed ? c->embed : c->hidden;
    if (c->tied && E != c->hidden)
        return recur_fail(err, RECUR_E_ARG, "--tied needs --embed equal to --hidden (got %d and %d)", E, c->hidden);
    recur_train_config tc = o->train;
    tc.lr_decay = run_lr_decay(o);
    recur_status st = recur_train_config_check(&tc, err);
    if (st)
        return st;
    /* The size with a one-token vocabulary: a lower bound before the data are read. */
    recur_config lower = *c;
    lower.vocab_size = 1;
    lower.norm_steps = c->norm == RECUR_NORM_BATCH ? o->train.seq : 0; /* as the run sets it */
    if ((st = model_config_check(&lower, err)))
        return st;
    if (!o->out)
        return recur_fail(err, RECUR_E_ARG, "--out MODEL is required (see --help)");
    if (!o->data && !o->data_dir && !o->resume)
        return recur_fail(err, RECUR_E_ARG, "--data FILE is required (see --help)");
    return RECUR_OK;
}

float run_lr_decay(const recur_run_options *o)
{
    /* The plateau schedule's own default: word_language_model divides by 4. */
    if (o->train.schedule == RECUR_LR_PLATEAU && o->train.lr_decay == 1.0f && !run_options_was_set(o, "lr-decay"))
        return 0.25f;
    return o->train.lr_decay;
}

int run_options_was_set(const recur_run_options *o, const char *name)
{
    char want[64];
    int n = snprintf(want, sizeof want, "--%s", name);
    for (size_t k = 0; k < o->set_log_len;) {
        const char *entry = o->set_log + k;
        const char *sep = memchr(entry, LOG_SEPARATOR, o->set_log_len - k);
        size_t len = sep ? (size_t)(sep - entry) : o->set_log_len - k;
        if ((len == (size_t)n || (len > (size_t)n && entry[n] == '=')) && strncmp(entry, want, (size_t)n) == 0)
            return 1;
        k += len + 1;
    }
    return 0;
}

const char *run_options_log(const recur_run_options *o, size_t *len)
{
    *len = o->set_log_len;
    return o->set_log;
}

recur_status run_options_copy(recur_run_options *dst, const recur_run_options *src, recur_error *err)
{
    recur_run_options_init(dst);
    if (src->set_log_len) {
        if (!(dst->set_log = malloc(src->set_log_len)))
            return recur_fail_nomem(err, "the options");
        memcpy(dst->set_log, src->set_log, src->set_log_len);
        dst->set_log_len = src->set_log_len;
    }
    /* Fields first (a C caller may have assigned some), then own every string. */
    char *log = dst->set_log;
    size_t log_len = dst->set_log_len;
    *dst = *src;
    dst->set_log = log;
    dst->set_log_len = log_len;
    dst->owned = NULL;
    dst->n_owned = 0;
    for (int i = 0; i < N_OPTIONS; i++) {
        if (table[i].type != RECUR_OPTION_STRING)
            continue;
        const char **field = (const char **)((char *)dst + offsets[i]);
        if (*field && !(*field = own_string(dst, *field, err)))
            return RECUR_E_NOMEM;
    }
    return RECUR_OK;
}

recur_status run_options_merge_saved(recur_run_options *o, const char *saved, recur_error *err)
{
    /* The saved entries first, then the ones set now: the later win. */
    size_t slen = strlen(saved), before = o->set_log_len;
    char *log = malloc(slen + before + 1);
    if (!log)
        return recur_fail_nomem(err, "the option log");
    memcpy(log, saved, slen);
    if (before)
        memcpy(log + slen, o->set_log, before);
    free(o->set_log);
    o->set_log = log;
    o->set_log_len = slen + before;
    recur_status st = rebuild(o, NULL, err);
    if (st)
        recur_error_prefix(err, "the saved options");
    o->resume = 1;
    /* A fine-tuning run resumes from its state, not from its first model. */
    o->init_from = NULL;
    return st;
}

/* Options that name where the outputs go or how this invocation behaves,
 * not how the model was trained: left out of the record. */
static int is_output_option(const char *name)
{
    static const char *const outputs[] = {"out", "log", "log-every", "checkpoint-dir", "keep", "save-every",
                                          "quiet", "resume", "force", "threads"};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        if (strcmp(name, outputs[i]) == 0)
            return 1;
    return 0;
}

char *run_options_command(const recur_run_options *o)
{
    /* What a value is compared with: the defaults, under the preset if any. */
    recur_run_options base;
    recur_run_options_init(&base);
    if (o->preset)
        run_preset_apply(&base, o->preset);
    recur_strbuf b;
    recur_strbuf_init(&b);
    recur_strbuf_puts(&b, "recur train");
    for (int i = 0; i < N_OPTIONS; i++) {
        const recur_run_option *opt = &table[i];
        char now[4096], then[4096];
        if (is_output_option(opt->name) || recur_run_options_get(o, opt->name, now, sizeof now, NULL) ||
            recur_run_options_get(&base, opt->name, then, sizeof then, NULL) ||
            (strcmp(now, then) == 0 && !is_preset(i)) || !now[0])
            continue;
        recur_strbuf_printf(&b, " --%s", opt->name);
        if (opt->type == RECUR_OPTION_FLAG)
            continue;
        int quote = strpbrk(now, " '\"\\$") != NULL;
        recur_strbuf_printf(&b, quote ? " '%s'" : " %s", now);
    }
    recur_run_options_free(&base);
    if (b.oom) {
        recur_strbuf_free(&b);
        return NULL;
    }
    return b.data;
}
