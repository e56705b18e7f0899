/* recur train: train a language model on a text, with validation, periodic
 * checkpoints, metrics logs, and exact resumption. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "corpus.h"
#include "data_path.h"
#include "dist_cli.h"
#include "finetune.h"
#include "presets.h"
#include "progress.h"
#include "recur.h"

#define CMD "recur train"
#define ARG_SEPARATOR '\x1f' /* between saved arguments in a state file */

/* Set by SIGINT/SIGTERM; the loop saves and exits at the next step. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

typedef struct train_options {
    const char *data, *val, *out, *log, *level, *cell, *optimizer, *schedule, *loss_scale;
    const char *preset, *test;
    const char *newlines, *unknown; /* --newlines, --unknown: resolved into text */
    const char *init_from;          /* fine-tune this model (cli/finetune.h) */
    int dropout_given;
    text_options text;
    char preset_paths[3][4096]; /* shipped PTB files a preset fills in */
    double val_fraction, minutes;
    int64_t steps, save_every, eval_every, log_every;
    int epochs, threads, quiet, resume, eval_batch, max_skips, no_test;
    int eval_batch_seen;
    int64_t seed;
    recur_config cfg;
    recur_train_config tc;
} train_options;

static void default_options(train_options *o)
{
    memset(o, 0, sizeof *o);
    o->level = "char";
    o->cell = "lstm";
    o->optimizer = "adam";
    o->schedule = "constant";
    o->loss_scale = "mean";
    o->val_fraction = 0.05;
    o->save_every = 1000;
    o->eval_every = 1000;
    o->log_every = 10;
    o->eval_batch = 1;
    o->max_skips = 10;
    o->seed = 1;
    text_options_default(&o->text);
    recur_config_default(&o->cfg);
    recur_train_config_default(&o->tc);
}

/* Fills the options from a preset: ptb_word_lm.py's config, its SGD with the
 * loss summed over steps, forget bias 0, the step decay after max_epoch, and
 * validation as TensorFlow runs it (batch_size streams, num_steps windows,
 * once per epoch). */
static void apply_preset(train_options *o, const train_preset *p)
{
    o->level = "word";
    o->cell = "lstm";
    o->optimizer = "sgd";
    o->schedule = "step";
    o->loss_scale = "sum";
    o->cfg.layers = p->num_layers;
    o->cfg.hidden = p->hidden_size;
    o->cfg.embed = 0;
    o->cfg.tied = p->tied;
    o->cfg.dropout = 1.0f - p->keep_prob;
    o->cfg.init_scale = p->init_scale;
    o->cfg.forget_bias = 0.0f;
    o->tc.batch = p->batch_size;
    o->tc.seq = p->num_steps;
    o->tc.lr = p->learning_rate;
    o->tc.momentum = 0.0f;
    o->tc.clip = p->max_grad_norm;
    o->tc.lr_decay = p->lr_decay;
    o->tc.decay_after = p->max_epoch;
    o->epochs = p->max_max_epoch;
    o->eval_batch = p->batch_size;
    o->eval_every = 0;
}

/* The preset comes first whatever its position, so that every flag given
 * explicitly overrides it. The last --preset wins, as for any flag. */
static int apply_preset_from_args(train_options *o, int argc, char **argv)
{
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (strncmp(argv[i], "--preset=", 9) == 0)
            name = argv[i] + 9;
    }
    if (!name)
        return 0;
    const train_preset *p = preset_find(name);
    if (!p) {
        char names[256];
        preset_names(names, sizeof names);
        cli_error(CMD, "--preset: unknown preset '%s' (known: %s)", name, names);
        return 1;
    }
    apply_preset(o, p);
    return 0;
}

/* A ptb-* preset without --data trains on the shipped Penn Treebank split;
 * --val and --test given explicitly still win. */
static int preset_default_data(train_options *o)
{
    if (!o->preset || o->data || strncmp(o->preset, "ptb-", 4) != 0)
        return 0;
    const char *files[3] = {"ptb/ptb.train.txt", "ptb/ptb.valid.txt", "ptb/ptb.test.txt"};
    const char **targets[3] = {&o->data, &o->val, &o->test};
    for (int i = 0; i < 3; i++) {
        if (*targets[i])
            continue;
        if (preset_data_path(files[i], o->preset_paths[i], sizeof o->preset_paths[i]))
            return cli_error(CMD, "--preset %s: cannot find the shipped data/%s (looked in %s); give --data, --val "
                                  "and --test",
                             o->preset, files[i], cli_data_places()),
                   1;
        *targets[i] = o->preset_paths[i];
    }
    return 0;
}

#define BIG 1e9
static int parse_options(train_options *o, int argc, char **argv)
{
    const cli_flag flags[] = {
        {"--preset", CLI_STRING, &o->preset, 0, 0, "start from a named configuration (ptb-small, ptb-medium, ptb-large, ptb-small-tied); flags given override it", NULL},
        {"--data", CLI_STRING, &o->data, 0, 0, "training text (UTF-8; with a ptb-* preset: the shipped PTB files)", NULL},
        {"--out", CLI_STRING, &o->out, 0, 0, "model file to write (.safetensors); the training state goes to MODEL.state", NULL},
        {"--val", CLI_STRING, &o->val, 0, 0, "validation text (default: the last --val-fraction of --data)", NULL},
        {"--init-from", CLI_STRING, &o->init_from, 0, 0, "fine-tune MODEL: its weights and architecture, a fresh optimizer and schedule; new characters of --data get new rows, new words become <unk>", NULL},
        {"--test", CLI_STRING, &o->test, 0, 0, "test text, evaluated at the end (batch 1 step by step, and batched)", NULL},
        {"--no-test", CLI_FLAG, &o->no_test, 0, 0, "skip the --test evaluation (for short runs of a preset)", NULL},
        {"--val-fraction", CLI_DOUBLE, &o->val_fraction, 0, 0.5, "share of --data held out for validation (default 0.05; 0: none)", NULL},
        {"--level", CLI_STRING, &o->level, 0, 0, "char or word (default char)", NULL},
        {"--min-count", CLI_INT, &o->text.min_count, 1, 1e9, "word level: words seen fewer than N times in --data become <unk> (default 1: keep all)", NULL},
        {"--max-vocab", CLI_INT, &o->text.max_vocab, 3, 16777216, "word level: keep the N most frequent tokens, <eos> and <unk> included; the rest become <unk> (default: all)", NULL},
        {"--newlines", CLI_STRING, &o->newlines, 0, 0, TEXT_NEWLINES_HELP, NULL},
        {"--unknown", CLI_STRING, &o->unknown, 0, 0, "error or skip: characters of --val/--test that --data lacks stop the run, or are left out and counted (default error)", NULL},
        {"--cell", CLI_STRING, &o->cell, 0, 0, "lstm, gru, rnn_tanh or rnn_relu (default lstm)", NULL},
        {"--layers", CLI_INT, &o->cfg.layers, 1, 64, "recurrent layers (default 2)", NULL},
        {"--hidden", CLI_INT, &o->cfg.hidden, 1, 65536, "units per layer (default 128)", NULL},
        {"--embed", CLI_INT, &o->cfg.embed, 1, 65536, "embedding size (default: --hidden)", NULL},
        {"--tied", CLI_FLAG, &o->cfg.tied, 0, 0, "tie the decoder to the embedding (needs embed = hidden)", NULL},
        {"--peephole", CLI_FLAG, &o->cfg.peephole, 0, 0, "LSTM peephole connections", NULL},
        {"--dropout", CLI_FLOAT, &o->cfg.dropout, 0, 0.99, "dropout on non-recurrent connections (default 0)", &o->dropout_given},
        {"--init-scale", CLI_FLOAT, &o->cfg.init_scale, 0, 100, "uniform(-s, s) init; 0: PyTorch's default (default 0)", NULL},
        {"--forget-bias", CLI_FLOAT, &o->cfg.forget_bias, -100, 100, "initial LSTM forget-gate bias; 0 keeps the random init (default 0)", NULL},
        {"--batch", CLI_INT, &o->tc.batch, 1, 100000, "streams per batch (default 50)", NULL},
        {"--seq", CLI_INT, &o->tc.seq, 1, 100000, "steps per window, the truncated BPTT length (default 50)", NULL},
        {"--optimizer", CLI_STRING, &o->optimizer, 0, 0, "sgd, adam or rmsprop (default adam)", NULL},
        {"--lr", CLI_FLOAT, &o->tc.lr, 1e-12, 1e6, "learning rate (default 0.002)", NULL},
        {"--momentum", CLI_FLOAT, &o->tc.momentum, 0, 0.999999, "SGD momentum (default 0)", NULL},
        {"--beta1", CLI_FLOAT, &o->tc.beta1, 0, 0.999999, "Adam beta1 (default 0.9)", NULL},
        {"--beta2", CLI_FLOAT, &o->tc.beta2, 0, 0.999999, "Adam beta2 (default 0.999)", NULL},
        {"--eps", CLI_FLOAT, &o->tc.eps, 1e-30, 1, "Adam/RMSprop epsilon (default 1e-8)", NULL},
        {"--rms-alpha", CLI_FLOAT, &o->tc.rms_alpha, 0, 0.999999, "RMSprop smoothing (default 0.99)", NULL},
        {"--clip", CLI_FLOAT, &o->tc.clip, 0, 1e9, "clip the gradient's global norm; 0: off (default 5)", NULL},
        {"--l2", CLI_FLOAT, &o->tc.l2, 0, 1e3, "L2 penalty l2/2*|W|^2 on weight matrices (default 0)", NULL},
        {"--l1", CLI_FLOAT, &o->tc.l1, 0, 1e3, "L1 penalty l1*|W| on weight matrices (default 0)", NULL},
        {"--lr-schedule", CLI_STRING, &o->schedule, 0, 0, "constant, step (decay after --decay-after epochs) or exp", NULL},
        {"--lr-decay", CLI_FLOAT, &o->tc.lr_decay, 1e-6, 1, "factor per epoch for step/exp schedules (default 1)", NULL},
        {"--decay-after", CLI_INT, &o->tc.decay_after, 0, 1000000, "epochs at the full rate before step decay (default 1)", NULL},
        {"--loss-scale", CLI_STRING, &o->loss_scale, 0, 0, "mean (over batch and steps) or sum (over steps, mean over batch)", NULL},
        {"--epochs", CLI_INT, &o->epochs, 1, 1000000, "stop after this many epochs", NULL},
        {"--steps", CLI_INT64, &o->steps, 1, 1e15, "stop after this many steps in all", NULL},
        {"--minutes", CLI_DOUBLE, &o->minutes, 1e-3, 1e7, "stop after this many minutes of this run", NULL},
        {"--eval-every", CLI_INT64, &o->eval_every, 0, 1e15, "validate every N steps and at epoch ends (default 1000; 0: epoch ends only)", NULL},
        {"--eval-batch", CLI_INT, &o->eval_batch, 1, 100000, "streams for validation (default 1: every token predicted once; with a preset: --batch)", &o->eval_batch_seen},
        {"--save-every", CLI_INT64, &o->save_every, 0, 1e15, "write the model and state every N steps (default 1000; 0: at the end only)", NULL},
        {"--log", CLI_STRING, &o->log, 0, 0, "append metrics as JSON Lines to FILE", NULL},
        {"--log-every", CLI_INT64, &o->log_every, 1, 1e15, "steps between training lines in --log (default 10)", NULL},
        {"--max-skips", CLI_INT, &o->max_skips, 1, 1000000, "stop after N non-finite steps in a row (default 10)", NULL},
        {"--seed", CLI_INT64, &o->seed, 0, 9.2e18, "seed for initialisation and dropout (default 1)", NULL},
        {"--threads", CLI_INT, &o->threads, 1, 1024, "threads for matrix products and kernels (default: all cores)", NULL},
        {"--resume", CLI_FLAG, &o->resume, 0, 0, "continue the run saved in MODEL.state with its settings", NULL},
        {"--quiet", CLI_FLAG, &o->quiet, 0, 0, "print nothing but errors", NULL},
    };
    if (apply_preset_from_args(o, argc, argv))
        return CLI_ERROR;
    cli_spec spec = {CMD, "--data FILE --out MODEL.safetensors [options]\n       recur train --preset NAME --out MODEL.safetensors [options]",
                     "Trains a character- or word-level language model with truncated backpropagation\n"
                     "through time. Defaults follow char-rnn-tensorflow: a 2-layer LSTM of 128 units,\n"
                     "batch 50, 50 steps, Adam 0.002, gradient clipping at norm 5. Without --epochs,\n"
                     "--steps or --minutes it trains for 10 epochs. The best model by validation loss\n"
                     "is written to MODEL; MODEL.state holds the latest weights and optimizer state\n"
                     "for --resume. Ctrl-C saves both and exits. --preset ptb-small|ptb-medium|ptb-large\n"
                     "sets every option as TensorFlow's ptb_word_lm.py does (Zaremba et al. 2014) and,\n"
                     "without --data, trains on the shipped Penn Treebank files.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    int n;
    int rc = cli_parse(&spec, argc, argv, NULL, &n);
    /* ptb_word_lm validates with the training batch size: follow --batch. */
    if (!rc && o->preset && !o->eval_batch_seen)
        o->eval_batch = o->tc.batch;
    return rc;
}

static int resolve_names(train_options *o)
{
    recur_error err = {0};
    static const cli_choice levels[] = {{"char", RECUR_LEVEL_CHAR}, {"word", RECUR_LEVEL_WORD}};
    static const cli_choice optimizers[] = {
        {"sgd", RECUR_OPT_SGD}, {"adam", RECUR_OPT_ADAM}, {"rmsprop", RECUR_OPT_RMSPROP}};
    static const cli_choice schedules[] = {
        {"constant", RECUR_LR_CONSTANT}, {"step", RECUR_LR_STEP}, {"exp", RECUR_LR_EXP}};
    static const cli_choice loss_scales[] = {{"mean", RECUR_LOSS_MEAN}, {"sum", RECUR_LOSS_SUM_STEPS}};
    int level, optimizer, schedule, loss_scale;
    if (CLI_CHOOSE(CMD, "--level", o->level, levels, &level))
        return 2;
    o->cfg.level = (recur_level)level;
    if (text_options_parse(CMD, &o->text, o->newlines, o->unknown))
        return 2;
    o->text.quiet = o->quiet;
    o->text.defer = 1; /* printed once setup has succeeded */
    if (o->cfg.level != RECUR_LEVEL_WORD && (o->text.min_count > 1 || o->text.max_vocab))
        return cli_error(CMD, "%s applies to --level word (a character vocabulary has no <unk> for the characters it "
                              "would leave out)",
                         o->text.min_count > 1 ? "--min-count" : "--max-vocab"),
               2;
    if (recur_cell_parse(o->cell, &o->cfg.cell, &err))
        return cli_error(CMD, "--cell: %s", err.msg), 2;
    if (CLI_CHOOSE(CMD, "--optimizer", o->optimizer, optimizers, &optimizer) ||
        CLI_CHOOSE(CMD, "--lr-schedule", o->schedule, schedules, &schedule) ||
        CLI_CHOOSE(CMD, "--loss-scale", o->loss_scale, loss_scales, &loss_scale))
        return 2;
    o->tc.optimizer = (recur_optimizer)optimizer;
    o->tc.schedule = (recur_schedule)schedule;
    o->tc.loss_scale = (recur_loss_scale)loss_scale;
    if (o->cfg.peephole && o->cfg.cell != RECUR_CELL_LSTM)
        return cli_error(CMD, "--peephole needs --cell lstm"), 2;
    int E = o->cfg.embed ? o->cfg.embed : o->cfg.hidden;
    if (o->cfg.tied && E != o->cfg.hidden)
        return cli_error(CMD, "--tied needs --embed equal to --hidden (got %d and %d)", E, o->cfg.hidden), 2;
    o->tc.seed = (uint64_t)o->seed;
    /* Flag combinations the ranges alone do not catch (--batch x --seq). */
    if (recur_train_config_check(&o->tc, &err))
        return cli_error(CMD, "%s", err.msg), 2;
    if (!o->epochs && !o->steps && o->minutes <= 0)
        o->epochs = 10;
    return 0;
}

/* The output must be writable later: refuse a directory or a missing parent
 * now, before any work, and create nothing. */
static int check_output_path(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cli_error(CMD, "--out %s is a directory", path), 1;
    char *dir = strdup(path);
    if (!dir)
        return cli_error(CMD, "out of memory"), 1;
    char *slash = strrchr(dir, '/');
    const char *parent = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
    int ok = stat(parent, &sb) == 0 && S_ISDIR(sb.st_mode) && access(parent, W_OK) == 0;
    if (!ok)
        cli_error(CMD, "cannot write --out %s: directory %s %s", path, parent,
                  stat(parent, &sb) != 0 ? "does not exist" : "is not writable");
    free(dir);
    return ok ? 0 : 1;
}

/* The command line, without --resume, saved in the state for resumption. */
static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 1; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--resume") == 0)
            continue;
        size_t n = strlen(argv[i]);
        memcpy(p, argv[i], n);
        p += n;
        *p++ = ARG_SEPARATOR;
    }
    *p = '\0';
    return s;
}

typedef struct run {
    train_options o;
    char *state_path;
    char *saved_args;
    recur_model *model, *best;
    recur_trainer *trainer;
    corpus data;
    int32_t *test_ids;  /* --test, encoded with the model's vocabulary */
    size_t n_test;
    FILE *log;
    progress prog;
    double best_val;
    double t0;
    cli_dist *dist;     /* the ranks training together (size 1 alone); rank 0 writes every file */
} run;

/* v formatted with fmt, or "null" when v is NaN or infinite. */
static void json_number(char *buf, size_t size, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(buf, size, fmt, v);
    else
        snprintf(buf, size, "null");
}

static void log_json(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_json(run *r, const char *fmt, ...)
{
    if (!r->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->log, fmt, ap);
    va_end(ap);
    fflush(r->log);
}

static int validate(run *r, recur_step_info *info, recur_eval_result *out)
{
    if (!r->data.val)
        return 0;
    recur_error err = {0};
    recur_eval_result res;
    if (recur_model_evaluate_comm(r->model, r->data.val, r->data.n_val, r->o.eval_batch, r->o.tc.seq, r->dist->comm,
                                  &res, &err)) {
        progress_line(&r->prog, "validation failed: %s", err.msg);
        return 0;
    }
    int better = res.loss < r->best_val;
    if (better) {
        r->best_val = res.loss;
        recur_model_copy_weights(r->best, r->model, NULL);
    }
    double elapsed = now_seconds() - r->t0;
    progress_line(&r->prog, "step %lld  epoch %d  val loss %.4f  (%.4f bits/token, perplexity %.2f)%s",
                  (long long)info->step, info->epoch, res.loss, res.bits_per_token, res.perplexity,
                  better ? "  best" : "");
    log_json(r, "{\"step\":%lld,\"epoch\":%d,\"elapsed_s\":%.3f,\"val_loss\":%.6f,\"val_tokens\":%zu}\n",
             (long long)info->step, info->epoch, elapsed, res.loss, res.tokens);
    if (out)
        *out = res;
    return 1;
}

/* Per-epoch figures as ptb_word_lm.py prints them: the training perplexity
 * is exp of the mean per-token loss of the epoch's steps (with dropout, as
 * TensorFlow measures it), the speed counts batch x steps tokens per second
 * of training steps (validation excluded). */
typedef struct epoch_stats {
    double loss_sum, seconds;
    int64_t steps;
} epoch_stats;

static void report_epoch(run *r, epoch_stats *ep, const recur_step_info *info, const recur_eval_result *val)
{
    double train_ppl = ep->steps ? exp(ep->loss_sum / (double)ep->steps) : NAN;
    double wps = ep->seconds > 0 ? (double)ep->steps * r->o.tc.batch * r->o.tc.seq / ep->seconds : 0.0;
    progress_line(&r->prog, "Epoch: %d Train Perplexity: %.3f (speed: %.0f wps)", info->epoch, train_ppl, wps);
    if (val)
        progress_line(&r->prog, "Epoch: %d Valid Perplexity: %.3f", info->epoch, val->perplexity);
    log_json(r,
             "{\"epoch_end\":%d,\"step\":%lld,\"learning_rate\":%.6g,\"train_ppl\":%.6f,\"valid_ppl\":%.6f,\"words_per_s\":%.1f,"
             "\"train_s\":%.3f,\"elapsed_s\":%.3f}\n",
             info->epoch, (long long)info->step, info->lr, train_ppl, val ? val->perplexity : NAN, wps, ep->seconds,
             now_seconds() - r->t0);
    memset(ep, 0, sizeof *ep);
}

/* The test perplexity of the model written to --out, two ways: as
 * ptb_word_lm.py computes it (batch 1, one step at a time, the state carried
 * through the whole text: every token after the first predicted once), and
 * batched like validation (faster; the tail that does not fill all streams is
 * dropped, so it differs slightly). */
static int report_test(run *r)
{
    const recur_model *keep = r->data.val && isfinite(r->best_val) ? r->best : r->model;
    recur_error err = {0};
    recur_eval_result tf, batched;
    double t0 = now_seconds();
    if (recur_model_evaluate(keep, r->test_ids, r->n_test, 1, 1, &tf, &err))
        return cli_error(CMD, "%s: %s", r->o.test, err.msg), 1;
    double t1 = now_seconds();
    if (recur_model_evaluate(keep, r->test_ids, r->n_test, r->o.eval_batch, r->o.tc.seq, &batched, &err))
        return cli_error(CMD, "%s: %s", r->o.test, err.msg), 1;
    double t2 = now_seconds();
    progress_line(&r->prog, "Test Perplexity: %.3f (batch 1, one step at a time, %zu tokens, %.1f s)", tf.perplexity,
                  tf.tokens, t1 - t0);
    progress_line(&r->prog, "Test Perplexity (batched, %d streams x %d steps): %.3f (%zu tokens, %.1f s)",
                  r->o.eval_batch, r->o.tc.seq, batched.perplexity, batched.tokens, t2 - t1);
    log_json(r,
             "{\"test_ppl\":%.6f,\"test_tokens\":%zu,\"test_s\":%.3f,\"test_ppl_batched\":%.6f,"
             "\"test_tokens_batched\":%zu,\"test_batched_s\":%.3f,\"test_batch\":%d,\"test_seq\":%d,"
             "\"elapsed_s\":%.3f}\n",
             tf.perplexity, tf.tokens, t1 - t0, batched.perplexity, batched.tokens, t2 - t1, r->o.eval_batch,
             r->o.tc.seq, now_seconds() - r->t0);
    if (!r->prog.quiet) {
        printf("Test Perplexity: %.3f\n", tf.perplexity);
        printf("Test Perplexity (batched): %.3f\n", batched.perplexity);
    }
    return 0;
}

/* The run's resolved settings in the log, last, so that a results file can
 * say exactly what ran (the keys stay clear of the training-curve keys). */
static void log_settings(run *r, const recur_step_info *info)
{
    const train_options *o = &r->o;
    const recur_config *c = recur_model_config(r->model);
    log_json(r,
             "{\"settings\":{\"preset\":\"%s\",\"level\":\"%s\",\"cell\":\"%s\",\"layers\":%d,\"hidden\":%d,"
             "\"embed\":%d,\"tied\":%d,\"dropout\":%g,\"init_scale\":%g,\"forget_bias\":%g,\"batch\":%d,"
             "\"seq\":%d,\"optimizer\":\"%s\",\"learning_rate\":%g,\"max_grad_norm\":%g,\"schedule\":\"%s\","
             "\"lr_decay\":%g,\"decay_after\":%d,\"loss_scale\":\"%s\",\"epochs\":%d,\"seed\":%lld,"
             "\"threads\":%d,\"parameters\":%zu},\"steps_done\":%lld,\"wall_s\":%.3f}\n",
             o->preset ? o->preset : "", c->level == RECUR_LEVEL_WORD ? "word" : "char", recur_cell_name(c->cell),
             c->layers, c->hidden, c->embed ? c->embed : c->hidden, c->tied, (double)c->dropout,
             (double)c->init_scale, (double)c->forget_bias, o->tc.batch, o->tc.seq, o->optimizer, (double)o->tc.lr,
             (double)o->tc.clip, o->schedule, (double)o->tc.lr_decay, o->tc.decay_after, o->loss_scale, o->epochs,
             (long long)o->seed, o->threads, recur_model_param_count(r->model), (long long)info->step,
             now_seconds() - r->t0);
}

static int save_all(run *r)
{
    recur_error err = {0};
    if (recur_trainer_save_state(r->trainer, r->state_path, r->saved_args, &err)) {
        progress_done(&r->prog);
        cli_error(CMD, "saving the training state failed: %s", err.msg);
        return 1;
    }
    /* With validation the model file holds the best weights seen, else the latest. */
    const recur_model *keep = r->data.val && isfinite(r->best_val) ? r->best : r->model;
    int rc = 0;
    if (r->dist->rank == 0 && recur_model_save(keep, r->o.out, &err)) {
        cli_error(CMD, "saving the model failed: %s", err.msg);
        rc = 1;
    }
    return cli_dist_agree(r->dist, CMD, rc);
}

static int open_log(run *r)
{
    if (!r->o.log || r->dist->rank != 0)
        return 0;
    r->log = fopen(r->o.log, "a");
    if (!r->log)
        return cli_error(CMD, "cannot open --log %s: %s", r->o.log, strerror(errno)), 1;
    return 0;
}

/* What each rank reads on its own: the model (or the state it resumes) and
 * the texts. */
static int load_inputs(run *r)
{
    recur_error err = {0};
    train_options *o = &r->o;
    if (check_output_path(o->out))
        return 1;
    recur_set_threads(o->threads ? o->threads : cli_dist_default_threads(r->dist));
    recur_vocab *vocab = NULL;
    if (o->resume) {
        if (recur_model_load(r->state_path, &r->model, &err))
            return cli_error(CMD, "cannot resume: %s", err.msg), 1;
        o->cfg = *recur_model_config(r->model);
        /* The vocabulary is the saved model's; the data are encoded with it. */
        recur_vocab *v = (recur_vocab *)recur_model_vocab(r->model);
        if (corpus_load(CMD, o->data, o->val, o->val_fraction, o->cfg.level, &o->text, &v, &r->data))
            return 1;
    } else if (o->init_from) {
        if (finetune_setup(CMD, o->init_from, o->data, o->val, o->val_fraction, o->dropout_given ? o->cfg.dropout : -1,
                           &o->text, &r->model, &o->cfg, &r->data))
            return 1;
    } else {
        if (corpus_load(CMD, o->data, o->val, o->val_fraction, o->cfg.level, &o->text, &vocab, &r->data))
            return 1;
        if (recur_model_create(&o->cfg, vocab, (uint64_t)o->seed, &r->model, &err)) {
            recur_vocab_free(vocab);
            return cli_error(CMD, "%s", err.msg), 2;
        }
    }
    if (o->test &&
        corpus_encode_file(CMD, o->test, recur_model_vocab(r->model), &o->text, &r->test_ids, &r->n_test, NULL))
        return 1;
    return 0;
}

static int setup(run *r, int argc, char **argv)
{
    recur_error err = {0};
    train_options *o = &r->o;
    /* A rank that cannot read its inputs stops every rank. */
    int rc = cli_dist_agree(r->dist, CMD, load_inputs(r));
    if (rc)
        return rc;
    if (recur_trainer_create_comm(r->model, &o->tc, r->data.train, r->data.n_train, r->dist->comm, &r->trainer, &err))
        return cli_error(CMD, "%s: %s", o->data, err.msg), 1;
    if (o->resume && recur_trainer_load_state(r->trainer, r->state_path, NULL, &err))
        return cli_error(CMD, "cannot resume: %s", err.msg), 1;
    rc = 1;
    if (recur_model_clone(r->model, &r->best, &err))
        cli_error(CMD, "%s", err.msg);
    else if (!(r->saved_args = join_args(argc, argv)))
        cli_error(CMD, "out of memory");
    else
        rc = open_log(r);
    return cli_dist_agree(r->dist, CMD, rc);
}

static int train_loop(run *r)
{
    train_options *o = &r->o;
    recur_trainer *t = r->trainer;
    const recur_config *cfg = recur_model_config(r->model);
    const int64_t per_epoch = recur_trainer_steps_per_epoch(t);
    const int64_t start_step = recur_trainer_step_count(t);
    int64_t target = o->steps;
    if (o->epochs) {
        int64_t by_epochs = (int64_t)o->epochs * per_epoch;
        target = target ? (target < by_epochs ? target : by_epochs) : by_epochs;
    }
    progress_line(&r->prog, "%s %s, %d x %d, %zu parameters; %zu training tokens, %zu validation; %lld steps per epoch%s",
                  cfg->level == RECUR_LEVEL_WORD ? "word" : "char", recur_cell_name(cfg->cell), cfg->layers,
                  cfg->hidden, recur_model_param_count(r->model), r->data.n_train, r->data.n_val,
                  (long long)per_epoch, o->resume ? " (resumed)" : o->init_from ? " (fine-tuning the --init-from model)" : "");
    if (r->dist->size > 1) {
        int b = r->o.tc.batch, n = r->dist->size;
        progress_line(&r->prog, "data-parallel over %d ranks: %d or %d of the %d streams each, rank 0 writes", n, b / n,
                      b / n + (b % n != 0), b);
    }
    int consecutive_skips = 0, rc = 0;
    /* A fine-tuning run's first figure is the loaded model's own, before any step. */
    if (o->init_from && start_step == 0) {
        recur_step_info at_start = {0};
        validate(r, &at_start, NULL);
    }
    double loss_avg = NAN, t_rate = now_seconds();
    int64_t rate_steps = 0;
    double tokens_per_s = 0;
    const double tokens_per_step = (double)o->tc.batch * o->tc.seq;
    recur_step_info info = {0};
    epoch_stats ep = {0};
    int stopping = 0;
    for (;;) {
        int64_t done = recur_trainer_step_count(t);
        if (target && done >= target)
            break;
        double elapsed = now_seconds() - r->t0;
        /* A signal or the clock may reach the ranks at different steps: they
         * stop together, at the step any of them asks to. */
        stopping = cli_dist_any(r->dist, stop_signal || (o->minutes > 0 && elapsed >= o->minutes * 60.0));
        if (stopping)
            break;
        recur_error err = {0};
        if (done % per_epoch == 0)
            progress_line(&r->prog, "Epoch: %d Learning rate: %.3f", recur_trainer_epoch(t), recur_trainer_lr(t));
        double t_step = now_seconds();
        if (recur_trainer_step(t, &info, &err))
            return cli_error(CMD, "%s", err.msg), 1;
        ep.seconds += now_seconds() - t_step;
        if (!info.skipped) {
            ep.loss_sum += info.loss;
            ep.steps++;
        }
        if (info.skipped) {
            consecutive_skips++;
            progress_line(&r->prog, "step %lld: non-finite loss or gradient, update skipped (%lld so far)",
                          (long long)info.step, (long long)recur_trainer_skipped_steps(t));
            if (consecutive_skips >= o->max_skips) {
                cli_error(CMD, "training diverged: %d non-finite steps in a row; lower --lr or set --clip", consecutive_skips);
                rc = 1;
                break;
            }
        } else {
            consecutive_skips = 0;
            loss_avg = isnan(loss_avg) ? info.loss : 0.98 * loss_avg + 0.02 * info.loss;
        }
        rate_steps++;
        double now = now_seconds();
        if (now - t_rate >= 2.0) {
            tokens_per_s = rate_steps * tokens_per_step / (now - t_rate);
            t_rate = now;
            rate_steps = 0;
        }
        elapsed = now - r->t0;
        if (info.step % o->log_every == 0) {
            /* A skipped step's loss or norm is not finite: JSON has null for it. */
            char loss_s[64], norm_s[64];
            json_number(loss_s, sizeof loss_s, "%.7g", info.loss);
            json_number(norm_s, sizeof norm_s, "%.6g", info.grad_norm);
            log_json(r,
                     "{\"step\":%lld,\"epoch\":%d,\"lr\":%.6g,\"train_loss\":%s,\"grad_norm\":%s,\"clipped\":%d,"
                     "\"skipped\":%d,\"tokens_per_s\":%.1f,\"elapsed_s\":%.3f}\n",
                     (long long)info.step, info.epoch, info.lr, loss_s, norm_s, info.clipped, info.skipped,
                     tokens_per_s, elapsed);
        }
        /* ETA from whichever limit comes first. */
        double eta = 1e30;
        double run_rate = (info.step - start_step) / (elapsed > 1e-9 ? elapsed : 1e-9);
        if (target)
            eta = (target - info.step) / (run_rate > 0 ? run_rate : 1e-9);
        if (o->minutes > 0 && o->minutes * 60.0 - elapsed < eta)
            eta = o->minutes * 60.0 - elapsed;
        char eta_s[32];
        format_duration(eta, eta_s, sizeof eta_s);
        progress_status(&r->prog, 0, "epoch %d  step %lld/%lld  loss %.4f  %.0f tok/s  ETA %s", info.epoch,
                        (long long)info.epoch_step, (long long)per_epoch, loss_avg, tokens_per_s, eta_s);
        if ((o->eval_every && info.step % o->eval_every == 0) || info.epoch_end)
        {
            recur_eval_result val;
            int have_val = validate(r, &info, &val);
            if (info.epoch_end)
                report_epoch(r, &ep, &info, have_val ? &val : NULL);
        }
        if (info.epoch_end)
            progress_line(&r->prog, "epoch %d done: train loss %.4f, lr %.6g", info.epoch, loss_avg, info.lr);
        if (o->save_every && info.step % o->save_every == 0 && save_all(r))
            return 1;
    }
    progress_done(&r->prog);
    /* Stopped by a signal here or on another rank rather than by the clock. */
    if (stopping && !(o->minutes > 0 && now_seconds() - r->t0 >= o->minutes * 60.0))
        progress_line(&r->prog, "interrupted: saving");
    /* A final validation unless the last step just did one. */
    if (info.step && !info.epoch_end && !(o->eval_every && info.step % o->eval_every == 0))
        validate(r, &info, NULL);
    if (save_all(r))
        return 1;
    progress_line(&r->prog, "saved %s (best validation loss %.4f) and %s", o->out, r->best_val, r->state_path);
    /* The test figures come from rank 0 alone: the batch-1 pass cannot be
     * split, and the training is over. */
    if (!rc && !stop_signal && r->test_ids && !o->no_test && r->dist->rank == 0)
        rc = report_test(r);
    log_settings(r, &info);
    return rc;
}

static void run_free(run *r)
{
    recur_trainer_free(r->trainer);
    recur_model_free(r->model);
    recur_model_free(r->best);
    corpus_free(&r->data);
    free(r->test_ids);
    if (r->log)
        fclose(r->log);
    free(r->state_path);
    free(r->saved_args);
}

/* With --resume the saved command line comes first, then this one, so
 * flags given now (--steps, --minutes, ...) override the saved ones. */
static int merge_saved_args(run *r, int argc, char **argv, char ***merged, int *merged_argc, char **storage)
{
    recur_error err = {0};
    recur_train_config tc;
    char *saved = NULL;
    if (recur_train_state_info(r->state_path, &tc, &saved, &err))
        return cli_error(CMD, "cannot resume: %s", err.msg), 1;
    if (!saved)
        return cli_error(CMD, "cannot resume: %s holds no saved command line", r->state_path), 1;
    int count = 0;
    for (char *p = saved; *p; p++)
        count += *p == ARG_SEPARATOR;
    char **av = calloc((size_t)(count + argc + 1), sizeof *av);
    if (!av) {
        free(saved);
        return cli_error(CMD, "out of memory"), 1;
    }
    int n = 0;
    av[n++] = argv[0];
    for (char *p = saved; *p;) {
        char *end = strchr(p, ARG_SEPARATOR);
        if (!end)
            break;
        *end = '\0';
        av[n++] = p;
        p = end + 1;
    }
    for (int i = 1; i < argc; i++)
        av[n++] = argv[i];
    *merged = av;
    *merged_argc = n;
    *storage = saved;
    return 0;
}

static int train_main(int argc, char **argv, cli_dist *dist)
{
    run r;
    memset(&r, 0, sizeof r);
    r.dist = dist;
    default_options(&r.o);
    int rc = parse_options(&r.o, argc, argv);
    if (rc == CLI_HELP)
        return 0;
    if (rc)
        return 2;
    if (r.o.init_from && r.o.resume)
        return cli_error(CMD, "--init-from starts a new run from a model and --resume continues a saved one: give one "
                              "of them"),
               2;
    if (r.o.init_from && finetune_check_flags(CMD, r.o.init_from, argc, argv))
        return 2;
    if (!r.o.out)
        return cli_error(CMD, "--out MODEL is required (see --help)"), 2;
    size_t plen = strlen(r.o.out) + sizeof ".state";
    r.state_path = malloc(plen);
    if (!r.state_path)
        return cli_error(CMD, "out of memory"), 1;
    snprintf(r.state_path, plen, "%s.state", r.o.out);
    char **merged = NULL, *storage = NULL;
    if (r.o.resume) {
        int merged_argc;
        if (merge_saved_args(&r, argc, argv, &merged, &merged_argc, &storage)) {
            free(r.state_path);
            return 1;
        }
        char *state_path = r.state_path;
        default_options(&r.o);
        parse_options(&r.o, merged_argc, merged);
        r.o.resume = 1;
        r.state_path = state_path;
        argc = merged_argc;
        argv = merged;
    }
    if (preset_default_data(&r.o)) {
        free(r.state_path);
        free(merged);
        free(storage);
        return 2;
    }
    if (!r.o.data) {
        free(r.state_path);
        free(merged);
        free(storage);
        return cli_error(CMD, "--data FILE is required (see --help)"), 2;
    }
    rc = resolve_names(&r.o);
    if (!rc) {
        progress_init(&r.prog, stderr, r.o.quiet || dist->rank != 0);
        r.best_val = INFINITY;
        rc = setup(&r, argc, argv);
    }
    if (!rc) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        r.t0 = now_seconds();
        text_notes_flush(&r.o.text);
        rc = train_loop(&r);
    }
    run_free(&r);
    free(merged);
    free(storage);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    int task_rc; /* --task cloze is trained by cli/cmd_fill.c */
    if (cmd_train_task(&argc, argv, &task_rc))
        return task_rc;
    cli_dist dist;
    if (cli_dist_begin(&dist, CMD, &argc, &argv))
        return 1;
    int rc = train_main(argc, argv, &dist);
    /* A rank that failed before the ranks first agreed (bad arguments, an
     * unreadable state) tells the others now. */
    rc = cli_dist_settle(&dist, CMD, rc);
    cli_dist_end(&dist);
    return rc;
}
