/* --auto: the best run a time budget can buy, without a search.
 *
 * The choice rests on three measured or known quantities: the training
 * text's size N (tokens) and vocabulary, the budget, and this machine's
 * training speed at each candidate width, found by timing a few real steps
 * on the text itself. The rules, each from experience others published:
 *
 *  - Capacity. A model's recurrent weights should be about the text's size
 *    in number, not far above it ("the same order of magnitude", Karpathy's
 *    char-rnn notes); above CAPACITY weights per token it only memorises.
 *  - Enough passes. The widest width that fits must still see the text
 *    MIN_PASSES times in the budget: repeating data up to about four epochs
 *    is worth nearly as much as new data (Muennighoff et al. 2023, "Scaling
 *    Data-Constrained Language Models"). A text too large for that is
 *    compute-bound: then a width needs TOKENS_PER_WEIGHT tokens per weight
 *    (Hoffmann et al. 2022's compute-optimal ratio).
 *  - Regularisation by passes. Dropout grows with the passes the budget
 *    makes over the text (none when no token is seen twice) up to Zaremba et
 *    al.'s 0.5. At character level it sits between the layers and before
 *    the decoder, not on the input (char-rnn's placement): the first layer
 *    then keeps its token table, a third of a 2 x 512 step's products.
 *  - A schedule that ends with the budget: a short linear warm-up, then a
 *    cosine decay to zero at the last minute (Loshchilov and Hutter 2017),
 *    and validation ten times over the run, so that the model kept is the
 *    best one seen.
 *
 * Every choice goes through recur_run_options_set, as if given on the
 * command line: the state, the model's record and the printed command all
 * carry it, and options the caller set are never overridden. */
#include "train/auto_choice.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "nn/recurrent.h"
#include "recur/train.h"
#include "train/run_data.h"
#include "train/run_internal.h"

#define CAPACITY 5.0          /* recurrent weights per training token, at most */
#define MIN_PASSES 4.0        /* passes over the text the budget must buy ... */
#define TOKENS_PER_WEIGHT 20.0 /* ... or tokens per weight, whichever is fewer */
#define MAX_DROPOUT 0.5
#define DROPOUT_PER_PASS 0.05
#define VALIDATION_SHARE 0.05 /* of the budget, spent validating */
#define PROBE_SHARE 0.05      /* of the budget, at most, spent measuring */
#define PROBE_SECONDS 0.3     /* timed steps per width, at least (after one untimed) */

/* Candidate widths, narrowest first. */
static const int char_widths[] = {32, 64, 96, 128, 192, 256, 384, 512, 640, 768, 1024, 1536, 2048};
static const int word_widths[] = {64, 128, 200, 256, 400, 512, 650, 800, 1024, 1500};

typedef struct width_probe {
    int hidden;
    double tokens_per_s;
    double weights;  /* recurrent weights: what the capacity rule counts */
    double tokens;   /* training tokens the rest of the budget buys at this speed */
} width_probe;

/* Why the ladder stopped where it did, for the note. */
typedef enum ladder_stop { STOP_LADDER_END, STOP_CAPACITY, STOP_TOO_SLOW, STOP_PROBE_TIME } ladder_stop;

static int is_word(const recur_run_options *o) { return o->model.level == RECUR_LEVEL_WORD; }

static double recurrent_weights(const recur_config *c, int hidden)
{
    int gates = rnn_gate_count(c->cell);
    int in = c->embed ? c->embed : hidden;
    double w = 0.0;
    for (int l = 0; l < c->layers; l++)
        w += (double)gates * hidden * ((l ? hidden : in) + hidden + 2);
    return w;
}

/* The model --auto would build at this width: the caller's cell and depth,
 * at word level the embedding tied to the decoder (Press and Wolf 2017). */
static void width_config(const recur_run_options *o, int hidden, recur_config *c)
{
    *c = o->model;
    c->hidden = hidden;
    if (is_word(o) && !run_options_was_set(o, "embed") && !run_options_was_set(o, "tied")) {
        c->embed = hidden;
        c->tied = 1;
    }
}

/* Tokens per second of real training steps at this width on this text. */
static recur_status time_width(const recur_run_options *o, const recur_vocab *vocab, const int32_t *ids, size_t n,
                               int hidden, double *tokens_per_s, recur_error *err)
{
    recur_config cfg;
    width_config(o, hidden, &cfg);
    recur_vocab *copy = NULL;
    recur_model *m = NULL;
    recur_trainer *t = NULL;
    recur_status st = recur_vocab_copy(vocab, &copy, err);
    if (!st && (st = recur_model_create(&cfg, copy, (uint64_t)o->seed, &m, err)))
        recur_vocab_free(copy);
    recur_train_config tc = o->train;
    tc.warmup_steps = 0;
    tc.schedule = RECUR_LR_CONSTANT;
    if (!st)
        st = recur_trainer_create(m, &tc, ids, n, &t, err);
    recur_step_info info;
    if (!st)
        st = recur_trainer_step(t, &info, err); /* untimed: first touches of every buffer */
    double t0 = monotonic_seconds(), elapsed = 0.0;
    int steps = 0;
    while (!st && (steps < 2 || elapsed < PROBE_SECONDS) && steps < 20) {
        st = recur_trainer_step(t, &info, err);
        steps++;
        elapsed = monotonic_seconds() - t0;
    }
    if (!st)
        *tokens_per_s = (double)steps * tc.batch * tc.seq / (elapsed > 1e-9 ? elapsed : 1e-9);
    recur_trainer_free(t);
    recur_model_free(m);
    return st ? recur_error_prefix(err, "--auto: timing width %d", hidden) : RECUR_OK;
}

/* Sets one chosen option unless the caller set it. */
static recur_status choose(recur_run_options *o, const char *name, const char *value, recur_strbuf *by_hand,
                           recur_error *err)
{
    if (run_options_was_set(o, name))
        return RECUR_OK;
    const recur_run_option *opt = recur_run_option_find(name);
    if (opt && opt->type == RECUR_OPTION_FLAG)
        recur_strbuf_printf(by_hand, " --%s", name); /* a flag takes no value on the command line */
    else
        recur_strbuf_printf(by_hand, " --%s %s", name, value);
    return recur_run_options_set(o, name, value, err);
}

static recur_status choose_number(recur_run_options *o, const char *name, double value, recur_strbuf *by_hand,
                                  recur_error *err)
{
    char text[32];
    snprintf(text, sizeof text, "%.6g", value);
    return choose(o, name, text, by_hand, err);
}

/* Walks the widths narrowest first and keeps the widest that passes the
 * rules; the narrowest is kept whatever it measures. */
static recur_status pick_width(recur_run_options *o, const recur_vocab *vocab, const int32_t *ids, size_t n,
                               width_probe *best, ladder_stop *why, double *spent, recur_error *err)
{
    const int *widths = is_word(o) ? word_widths : char_widths;
    int count = is_word(o) ? (int)(sizeof word_widths / sizeof *word_widths)
                           : (int)(sizeof char_widths / sizeof *char_widths);
    if (run_options_was_set(o, "hidden")) { /* the caller's width, measured for the schedule */
        widths = &o->model.hidden;
        count = 1;
    }
    double budget = o->minutes * 60.0, t0 = monotonic_seconds();
    int have = 0;
    *why = STOP_LADDER_END;
    for (int i = 0; i < count; i++) {
        recur_config cfg;
        width_config(o, widths[i], &cfg);
        width_probe p = {widths[i], 0.0, recurrent_weights(&cfg, widths[i]), 0.0};
        if (have && p.weights > CAPACITY * (double)n) {
            *why = STOP_CAPACITY;
            break;
        }
        if (have && monotonic_seconds() - t0 > PROBE_SHARE * budget) {
            *why = STOP_PROBE_TIME;
            break;
        }
        recur_status st = time_width(o, vocab, ids, n, widths[i], &p.tokens_per_s, err);
        if (st)
            return st;
        double left = budget - (monotonic_seconds() - t0);
        p.tokens = p.tokens_per_s * (left > 0.0 ? left : 0.0) * (1.0 - VALIDATION_SHARE);
        double needed = fmin(MIN_PASSES * (double)n, TOKENS_PER_WEIGHT * p.weights);
        if (have && p.tokens < needed) {
            *why = STOP_TOO_SLOW;
            break;
        }
        *best = p;
        have = 1;
    }
    *spent = monotonic_seconds() - t0;
    return RECUR_OK;
}

/* 1234567 as "1.23M": the notes speak of sizes, not exact counts. */
static const char *count_text(double x, char *buf, size_t size)
{
    const char *unit = "";
    if (x >= 1e9)
        x /= 1e9, unit = "G";
    else if (x >= 1e6)
        x /= 1e6, unit = "M";
    else if (x >= 1e4)
        x /= 1e3, unit = "k";
    snprintf(buf, size, x >= 100.0 || !*unit ? "%.0f%s" : "%.3g%s", x, unit);
    return buf;
}

static const char *stop_reason(ladder_stop why)
{
    switch (why) {
    case STOP_CAPACITY:
        return "the next width would hold more than 5 recurrent weights per training token";
    case STOP_TOO_SLOW:
        return "the next width would see the text fewer than 4 times (and get under 20 tokens per weight)";
    case STOP_PROBE_TIME:
        return "measuring more widths would take over 5% of the budget";
    case STOP_LADDER_END:
    default:
        return "the widest width tried";
    }
}

recur_status run_auto_choose(recur_run_options *o, const recur_vocab *vocab, const int32_t *ids, size_t n,
                             recur_strbuf *notes, double *spent, recur_error *err)
{
    *spent = 0.0;
    /* A text shorter than a batch of windows: fewer streams. */
    if (!run_options_was_set(o, "batch") && (size_t)o->train.batch * (size_t)(o->train.seq + 1) * 2 > n) {
        size_t fit = n / (2 * (size_t)(o->train.seq + 1));
        char value[24];
        snprintf(value, sizeof value, "%zu", fit ? fit : 1);
        recur_status st = recur_run_options_set(o, "batch", value, err);
        if (st)
            return st;
    }
    width_probe w = {0};
    ladder_stop why;
    recur_status st = pick_width(o, vocab, ids, n, &w, &why, spent, err);
    if (st)
        return st;
    double passes = w.tokens / (double)n;
    double dropout = passes < 1.0 ? 0.0 : fmin(MAX_DROPOUT, DROPOUT_PER_PASS * passes);
    dropout = floor(dropout * 20.0 + 0.5) / 20.0; /* in steps of 0.05 */
    double lr = w.hidden <= 512 ? 3e-3 : 2e-3;     /* Adam; wider layers take smaller steps */
    double tokens_per_step = (double)o->train.batch * o->train.seq;
    double steps = w.tokens / tokens_per_step;
    double warmup = fmin(500.0, fmax(20.0, floor(0.02 * steps)));
    double eval_every = fmax(50.0, floor(steps / 10.0));

    recur_strbuf by_hand;
    recur_strbuf_init(&by_hand);
    char width[16];
    snprintf(width, sizeof width, "%d", w.hidden);
    if (!(st = choose(o, "cell", recur_cell_name(o->model.cell), &by_hand, err)) &&
        !(st = choose_number(o, "layers", o->model.layers, &by_hand, err)) &&
        !(st = choose(o, "hidden", width, &by_hand, err)) &&
        !(st = choose_number(o, "batch", o->train.batch, &by_hand, err)) &&
        !(st = choose_number(o, "seq", o->train.seq, &by_hand, err)) &&
        !(st = choose_number(o, "dropout", dropout, &by_hand, err)) &&
        !(st = is_word(o) || !(dropout > 0.0) ? RECUR_OK : choose_number(o, "input-dropout", 0.0, &by_hand, err)) &&
        !(st = choose(o, "optimizer", "adam", &by_hand, err)) && !(st = choose_number(o, "lr", lr, &by_hand, err)) &&
        !(st = choose(o, "lr-schedule", "cosine", &by_hand, err)) &&
        !(st = choose_number(o, "warmup-steps", warmup, &by_hand, err)) &&
        !(st = choose_number(o, "eval-every", eval_every, &by_hand, err)) && is_word(o) &&
        !run_options_was_set(o, "embed") && !run_options_was_set(o, "tied")) {
        if (!(st = choose_number(o, "embed", w.hidden, &by_hand, err)))
            st = choose(o, "tied", "1", &by_hand, err);
    }
    if (!st) {
        const char *unit = is_word(o) ? "words" : "characters";
        char size[16], speed[16], bought[16];
        run_note(notes,
                 "--auto: %s training %s; %d x %d %s trains at %s tokens/s here (measured in %.1f s), so "
                 "%g minutes buy %s tokens, %.1f passes over the text; %s.\n",
                 count_text((double)n, size, sizeof size), unit, o->model.layers, w.hidden,
                 recur_cell_name(o->model.cell), count_text(w.tokens_per_s, speed, sizeof speed), *spent, o->minutes,
                 count_text(w.tokens, bought, sizeof bought), passes, stop_reason(why));
        /* What the run will use: the choice, or the option the caller gave. */
        const char *optimizer = recur_optimizer_name(o->train.optimizer);
        const char *schedule = recur_schedule_name(o->train.schedule);
        run_note(notes,
                 "--auto: dropout %.2f%s for %.1f passes, %s at %g with %lld warm-up steps and a %s schedule to the "
                 "end of the budget, validation every %lld steps (the best model is kept).\n",
                 (double)o->model.dropout,
                 o->model.dropout > 0.0f && o->train.input_dropout == 0.0f ? " (not on the input)" : "", passes,
                 optimizer, (double)o->train.lr, (long long)o->train.warmup_steps,
                 schedule, (long long)o->eval_every);
        run_note(notes, "--auto: the same choice by hand, in place of --auto:%s\n",
                 by_hand.data ? by_hand.data : "");
    }
    if (!st && (by_hand.oom || notes->oom))
        st = recur_fail_nomem(err, "the --auto notes");
    recur_strbuf_free(&by_hand);
    return st;
}
