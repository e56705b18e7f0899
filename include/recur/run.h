/* A whole training run as `recur train` does it, for any caller (the command
 * line, the Python package, a distributed driver): read the data, build or
 * resume the model, train with validation, checkpoints, a metrics log and
 * stop rules, and save.
 *
 *     recur_run_options o;
 *     recur_run_options_init(&o);
 *     recur_run_options_set(&o, "data", "input.txt", &err);
 *     recur_run_options_set(&o, "out", "lm.safetensors", &err);
 *     recur_run_options_set(&o, "hidden", "512", &err);
 *     recur_run *run;
 *     if (!recur_run_create(&o, &stop, &run, &err)) {
 *         recur_run_train(run, on_progress, user, &err);
 *         recur_run_free(run);
 *     }
 *     recur_run_options_free(&o);
 *
 * Every option has one name, the flag of `recur train` without its dashes
 * ("hidden", "eval-batch"), one type, range, default and help line, in one
 * table (recur_run_option_table) that the command line's parser and the
 * Python package both read, so names and defaults agree by construction. */
#ifndef RECUR_RUN_H
#define RECUR_RUN_H

#include "recur/api.h"

#include <signal.h>
#include <stdint.h>

#include "recur/model.h"
#include "recur/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Options ---------------------------------------------------------------- */

typedef struct recur_run_options {
    /* Files. Strings set through recur_run_options_set are owned by the
     * options; a string assigned directly stays the caller's. */
    const char *preset;         /* a named configuration applied before every other option */
    const char *data, *val, *test;
    const char *data_dir;       /* DIR/train.txt, DIR/valid.txt, DIR/test.txt */
    const char *out;            /* the model; the training state goes to out + ".state" */
    const char *log;            /* metrics as JSON Lines (appended) */
    const char *checkpoint_dir; /* one model per validation */
    const char *init_from;      /* fine-tune this model: its weights and architecture, a fresh optimizer */
    double val_fraction;
    int no_test;
    /* How the texts are read. */
    int min_count, max_vocab;   /* word level: rarer words, and words beyond the max-vocab most frequent, are <unk> */
    int newlines_lf;            /* 1: CRLF line ends are read as LF */
    int unknown;                /* a recur_unknown: tokens of --val/--test the vocabulary lacks */
    /* The model and the optimiser (level and cell in model, schedule and
     * loss scaling in train). */
    recur_config model;
    recur_train_config train;
    /* How long: the first of these to be reached stops (epochs 0, steps 0,
     * minutes 0: not set; none set means 10 epochs). */
    int epochs;
    int64_t steps;
    double minutes;
    int auto_choose;            /* choose the shape of the run for the --minutes budget (auto_choice.c) */
    /* Validation, saving, logging. */
    int64_t eval_every;         /* steps; 0: epoch ends only */
    int eval_batch;             /* streams; 0: --batch, fewer when the validation text is short */
    int64_t save_every;         /* steps; 0: at the end only */
    int64_t log_every;
    int keep;                   /* checkpoint-dir files kept (the latest); 0: all */
    int max_skips;
    int64_t seed;
    int threads;                /* 0: one per core */
    int allreduce;              /* a recur_grad_sum: how several ranks sum the gradient */
    int resume;                 /* continue out + ".state" with its saved options */
    int force;                  /* replace an existing model at out */
    int quiet;                  /* the caller prints nothing but errors (the library never prints) */
    /* Private: every recur_run_options_set call in order (what a state saves
     * for --resume), and the strings the options own. */
    char *set_log;
    size_t set_log_len;
    char **owned;
    int n_owned;
} recur_run_options;

/* Defaults: char-rnn-tensorflow's 2 x 128 LSTM, batch 50, seq 50, Adam 0.002. */
RECUR_API void recur_run_options_init(recur_run_options *o);
RECUR_API void recur_run_options_free(recur_run_options *o);

typedef enum recur_option_type {
    RECUR_OPTION_FLAG = 0, /* no value on the command line; "1"/"0" (or "true"/"false") through the setter */
    RECUR_OPTION_INT,
    RECUR_OPTION_INT64,
    RECUR_OPTION_FLOAT,
    RECUR_OPTION_DOUBLE,
    RECUR_OPTION_STRING,
    RECUR_OPTION_CHOICE    /* one of the names in choices */
} recur_option_type;

typedef struct recur_run_option {
    const char *name;        /* "hidden": the command line's flag without "--" */
    recur_option_type type;
    double min, max;         /* numbers: the inclusive range */
    const char *choices;     /* RECUR_OPTION_CHOICE: "char|word" */
    const char *placeholder; /* for --help: "N", "X", "FILE", "DIR", "NAME" (NULL for a flag) */
    const char *help;        /* one line, naming the default */
} recur_run_option;

/* The table, in --help order; *count gets its length. */
RECUR_API const recur_run_option *recur_run_option_table(int *count);
/* The entry called name ("hidden" or "--hidden"), or NULL. */
RECUR_API const recur_run_option *recur_run_option_find(const char *name);

/* Sets one option from text, checking type and range: name is "hidden" or
 * "--hidden" and the error names it as given ("--hidden must be between 1
 * and 65536, got 0"). "preset" applies the preset, then again every option
 * set so far, so options win over a preset whatever the order. */
RECUR_API recur_status recur_run_options_set(recur_run_options *o, const char *name, const char *value, recur_error *err);
/* The option's current value as text ("512", "lstm", "0.002"; "" for an
 * unset string) into buf. */
RECUR_API recur_status recur_run_options_get(const recur_run_options *o, const char *name, char *buf, size_t size,
                                             recur_error *err);
/* The combinations the ranges alone do not catch (--tied with another
 * --embed, --peephole without the LSTM, --batch x --seq, a model too large),
 * and the files a run needs (--data or --data-dir, --out). A caller that
 * distinguishes a usage error from a failure calls this first. */
RECUR_API recur_status recur_run_options_check(const recur_run_options *o, recur_error *err);

/* Named configurations ("ptb-small", ...): name and a one-line description
 * of the i-th (NULL past the end). */
RECUR_API const char *recur_run_preset_name(int i, const char **about);

/* ---- Progress --------------------------------------------------------------- */

typedef enum recur_run_event {
    RECUR_RUN_START = 0,     /* set up: sizes, steps per epoch, resumed */
    RECUR_RUN_EPOCH_START,   /* an epoch begins (lr is its learning rate) */
    RECUR_RUN_STEP,          /* a step is done */
    RECUR_RUN_SKIPPED,       /* a step had a non-finite loss or gradient: no update */
    RECUR_RUN_VALIDATING,    /* a validation is under way: val_done of val_total predictions */
    RECUR_RUN_VALIDATED,     /* a validation figure (val_*) */
    RECUR_RUN_LR_DECAYED,    /* the plateau schedule lowered the learning rate to lr */
    RECUR_RUN_EPOCH_END,     /* an epoch's figures (train_ppl, words_per_s) */
    RECUR_RUN_INTERRUPTED,   /* the cancel flag was seen: saving, then stopping */
    RECUR_RUN_SAVING,        /* about to write path (atomically) */
    RECUR_RUN_SAVED,         /* path is written */
    RECUR_RUN_TESTED,        /* the test figures (test_*) */
    RECUR_RUN_ALREADY_DONE   /* a resumed run had already reached its target: nothing to do */
} recur_run_event;

typedef struct recur_run_progress {
    recur_run_event event;
    int64_t step;            /* steps done in all */
    int64_t target;          /* the step the run stops at (0: a time limit only) */
    int64_t steps_per_epoch;
    int64_t epoch_step;      /* 1-based step within the epoch */
    int epoch;
    double loss;             /* this step's mean nats per token */
    double loss_avg;         /* smoothed over recent steps */
    double grad_norm;
    double lr;
    int clipped;
    int64_t skipped_total;
    double tokens_per_s;     /* training tokens per second over the last few seconds */
    double elapsed_s;        /* since recur_run_train began */
    double eta_s;            /* to the first stop rule; < 0: unknown */
    /* RECUR_RUN_START */
    size_t train_tokens, val_tokens, test_tokens, parameters;
    int resumed;
    int fine_tuning;         /* init-from: the first validation (step 0) is the loaded model's own */
    /* RECUR_RUN_VALIDATING / RECUR_RUN_VALIDATED */
    size_t val_done, val_total;
    double val_loss, val_bits, val_ppl, val_seconds;
    int val_batch;           /* streams: 1 is the batch-1 figure (every token predicted once) */
    int val_seq;
    int val_best;            /* the best so far: the model file now holds these weights */
    /* RECUR_RUN_EPOCH_END */
    double train_ppl, words_per_s, epoch_seconds;
    /* RECUR_RUN_TESTED: batch 1, and batched like validation */
    double test_ppl, test_seconds, test_ppl_batched, test_batched_seconds;
    size_t test_predictions, test_predictions_batched;
    int test_batch, test_seq;
    /* RECUR_RUN_SAVING / RECUR_RUN_SAVED: the file */
    const char *path;
    double best_val_loss;    /* infinity before any validation */
} recur_run_progress;

typedef void (*recur_run_callback)(void *user, const recur_run_progress *p);

/* ---- The run ----------------------------------------------------------------- */

typedef struct recur_run recur_run;

/* For resume: reads out + ".state" once and applies the options saved in it
 * under the ones set so far (the options set now win: --steps, --minutes,
 * ...), then sets resume. *state keeps what was read, for recur_run_create.
 * With resume only options given through recur_run_options_set count. */
RECUR_API recur_status recur_run_options_resume(recur_run_options *o, recur_train_state **state, recur_error *err);

/* Reads the data (once) and builds the model, or with resume continues state
 * (taken over and freed by the run, on failure too; NULL: read here through
 * recur_run_options_resume). Refuses an out that holds a model or state of
 * another run unless resume or force. cancel (may be NULL) is a flag the caller sets from a signal handler, a
 * thread or Python to stop the run: the step under way stops between two
 * layers, a validation at once, and the run saves what the last finished step
 * holds. The options are copied; they may be freed after this call. */
RECUR_API recur_status recur_run_create(const recur_run_options *o, recur_train_state *state,
                                        const volatile sig_atomic_t *cancel, recur_run **out, recur_error *err);

/* recur_run_create over ranks that train together (recur/dist.h; NULL or
 * one rank: alone). Collective: every rank calls it and recur_run_train with
 * the same options. Each rank reads the data and any state itself and a
 * failure on one stops all; rank 0 alone writes the model, the log and the
 * checkpoints (the state is gathered there); validation is split across
 * the ranks; a stop request or --minutes seen by any rank stops all at the
 * same step; the test runs on rank 0. With no --threads the caller sets the
 * threads (recur_set_threads) before, sharing a node's cores out. */
struct recur_comm;
RECUR_API recur_status recur_run_create_comm(const recur_run_options *o, recur_train_state *state, struct recur_comm *comm,
                                             const volatile sig_atomic_t *cancel, recur_run **out, recur_error *err);

/* Trains until a stop rule or the cancel flag, reporting through cb (may be
 * NULL), then saves the model (the best by validation) and the state and
 * evaluates --test. RECUR_OK when a stop rule ended it (or it was already
 * done: RECUR_RUN_ALREADY_DONE), RECUR_E_INTERRUPTED when the cancel flag
 * did (after saving; a flag of 2 or more seen after a file is written skips
 * the remaining writes), RECUR_E_NONFINITE after max-skips non-finite steps
 * in a row. */
RECUR_API recur_status recur_run_train(recur_run *r, recur_run_callback cb, void *user, recur_error *err);

/* What reading the data found that the user should hear of (CRLF line
 * ends, tokens mapped to <unk> or skipped, the vocabulary built, characters
 * a fine-tuned model gained): lines ending in newlines, "" when none. */
RECUR_API const char *recur_run_notes(const recur_run *r);
/* The options in effect (a preset, the saved ones of a resumed run, the
 * defaults resolved). */
RECUR_API const recur_run_options *recur_run_effective_options(const recur_run *r);
/* The model being trained (its latest weights). */
RECUR_API const recur_model *recur_run_model(const recur_run *r);
/* out + ".state". */
RECUR_API const char *recur_run_state_path(const recur_run *r);
RECUR_API void recur_run_free(recur_run *r);

/* Convenience: create, train, free. */
RECUR_API recur_status recur_run_all(const recur_run_options *o, const volatile sig_atomic_t *cancel, recur_run_callback cb,
                                     void *user, recur_error *err);

/* ---- The run a model records ------------------------------------------------- */

/* The "recur.run" record a trained model file holds: a JSON object with the
 * command that trained it ("command": the options that differ from the
 * defaults, without the outputs such as --out and --log, so that the same
 * training writes the same file), "steps", "epochs", "best_val_loss" (null
 * when none), "data" (the training file's name), "data_tokens", "data_hash"
 * (of the token ids) and "date" (the UTC day, YYYY-MM-DD; SOURCE_DATE_EPOCH
 * sets it). *json is malloc'd, NULL when the
 * file has none; only the file's header is read. */
RECUR_API recur_status recur_model_file_run(const char *path, char **json, recur_error *err);

/* The record's fields (strings cut to fit). */
typedef struct recur_run_record {
    char command[2048];
    int64_t steps;
    double epochs;
    double best_val_loss;    /* NaN when the run had no validation */
    char data[256];
    size_t data_tokens;
    char data_hash[24];
    char date[24];
} recur_run_record;
RECUR_API recur_status recur_run_record_parse(const char *json, recur_run_record *out, recur_error *err);

#ifdef __cplusplus
}
#endif
#endif
