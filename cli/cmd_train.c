/* recur train: the command line of a training run (recur/run.h does the
 * run). This file parses the flags through the library's option table,
 * prints the run's reports, and turns Ctrl-C and SIGTERM into the run's stop
 * request. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "data_path.h"
#include "dist_cli.h"
#include "presets.h"
#include "progress.h"
#include "recur.h"

#define CMD "recur train"

/* The first SIGINT or SIGTERM asks the run to save and stop (it reads the
 * count as its cancel flag); a second one ends the process at once unless a
 * file is being written, in which case the run stops right after that write. */
static volatile sig_atomic_t stop_requests;
static volatile sig_atomic_t writing;

static void on_signal(int sig)
{
    if (stop_requests < 2)
        stop_requests++;
    if (stop_requests >= 2 && !writing)
        _exit(128 + sig);
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Flags of the command line alone (not options of the run). */
typedef struct cli_only {
    double progress_every; /* seconds between plain progress lines; 0: the default */
} cli_only;

static const char *about =
    "Trains a character- or word-level language model with truncated backpropagation\n"
    "through time. Defaults follow char-rnn-tensorflow: a 2-layer LSTM of 128 units,\n"
    "batch 50, 50 steps, Adam 0.002, gradient clipping at norm 5. Without --epochs,\n"
    "--steps or --minutes it trains for 10 epochs. The best model by validation loss\n"
    "is written to FILE (--out); FILE.state holds the latest weights and optimizer\n"
    "state for --resume. Validation runs --batch streams (batched); --eval-batch 1\n"
    "gives the batch-1 figure. Ctrl-C or SIGTERM saves both files and exits within\n"
    "a step's layer; a second one exits at once (after a file being written).\n"
    "--preset ptb-small|ptb-medium|ptb-large sets every option as TensorFlow's\n"
    "ptb_word_lm.py does (Zaremba et al. 2014) and, without --data, trains on the\n"
    "shipped Penn Treebank files. --task cloze trains a fill-in model (recur fill).\n"
    "Under mpirun (a -DRECUR_USE_MPI=ON build) the same flags train one model on N\n"
    "ranks: --batch is the global batch, split across them; rank 0 writes every file\n"
    "(docs/distributed.md).";

static void print_help(void)
{
    printf("usage: %s --data FILE --out FILE [options]\n", CMD);
    printf("       %s --preset NAME --out FILE [options]\n", CMD);
    printf("       %s --data-dir DIR --out FILE [options]\n", CMD);
    printf("       %s --resume --out FILE [options]\n\n%s\n\noptions:\n", CMD, about);
    int n;
    const recur_run_option *t = recur_run_option_table(&n);
    for (int i = 0; i < n; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", t[i].name, t[i].placeholder ? " " : "",
                 t[i].placeholder ? t[i].placeholder : "");
        printf("  %-22s %s\n", left, t[i].help);
    }
    printf("  %-22s %s\n", "--task NAME", "lm (the default: a language model) or cloze (see recur fill)");
    printf("  %-22s %s\n", "--progress-every X", "seconds between progress lines when stderr is not a terminal "
                                                 "(default 30)");
    printf("  %-22s %s\n", "--help", "show this help and exit");
}

/* Parses argv into the run's options (through recur_run_options_set, so a
 * flag means what the option table says) and the command line's own flags. */
static int parse_args(int argc, char **argv, recur_run_options *o, cli_only *c)
{
    recur_error err = {0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help();
            return CLI_HELP;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            cli_error(CMD, "unexpected argument '%s' (see --help)", arg);
            return CLI_ERROR;
        }
        const char *eq = strchr(arg, '=');
        char name[64];
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        if (len >= sizeof name) {
            cli_error(CMD, "unknown option '%.*s' (see --help)", (int)len, arg);
            return CLI_ERROR;
        }
        memcpy(name, arg, len);
        name[len] = '\0';
        const recur_run_option *opt = recur_run_option_find(name);
        int own = strcmp(name, "--task") == 0 || strcmp(name, "--progress-every") == 0;
        if (!opt && !own) {
            cli_error(CMD, "unknown option '%s' (see --help)", name);
            return CLI_ERROR;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (opt && opt->type == RECUR_OPTION_FLAG) {
            if (eq) {
                cli_error(CMD, "%s takes no value", name);
                return CLI_ERROR;
            }
            value = "1";
        } else if (!value) {
            if (i + 1 >= argc) {
                cli_error(CMD, "%s needs a value", name);
                return CLI_ERROR;
            }
            value = argv[++i];
        }
        if (strcmp(name, "--task") == 0) {
            /* cmd_train_task took every --task it knows (lm, cloze) out already. */
            cli_error(CMD, "--task must be lm or cloze, got '%s'", value);
            return CLI_ERROR;
        }
        if (strcmp(name, "--progress-every") == 0) {
            char *end;
            c->progress_every = strtod(value, &end);
            if (end == value || *end || !(c->progress_every >= 0.01 && c->progress_every <= 86400)) {
                cli_error(CMD, "--progress-every must be between 0.01 and 86400 seconds, got '%s'", value);
                return CLI_ERROR;
            }
            continue;
        }
        if (recur_run_options_set(o, name, value, &err)) {
            cli_error(CMD, "%s", err.msg);
            return CLI_ERROR;
        }
    }
    return CLI_OK;
}

/* A ptb-* preset without --data trains on the shipped Penn Treebank split;
 * --val and --test given explicitly still win. */
static int preset_default_data(recur_run_options *o)
{
    if (!o->preset || o->data || o->data_dir || strncmp(o->preset, "ptb-", 4) != 0)
        return 0;
    const char *files[3] = {"ptb/ptb.train.txt", "ptb/ptb.valid.txt", "ptb/ptb.test.txt"};
    const char *keys[3] = {"data", "val", "test"};
    const char *have[3] = {o->data, o->val, o->test};
    for (int i = 0; i < 3; i++) {
        if (have[i])
            continue;
        char path[4096];
        if (preset_data_path(files[i], path, sizeof path))
            return cli_error(CMD, "--preset %s: cannot find the shipped data/%s (looked in %s); give --data, --val "
                                  "and --test",
                             o->preset, files[i], cli_data_places()),
                   1;
        if (recur_run_options_set(o, keys[i], path, NULL))
            return cli_error(CMD, "out of memory"), 1;
    }
    return 0;
}

/* ---- Printing the run's reports -------------------------------------------------- */

typedef struct printer {
    progress prog;
    const cli_dist *dist;
    const recur_run_options *o;
    double val_started;   /* when the validation under way began (its first report) */
    double best_val;      /* as the last report said */
    int nothing_to_do;    /* a resumed run had reached its target */
} printer;

static void print_validated(printer *pr, const recur_run_progress *p)
{
    char kind[64];
    if (p->val_batch == 1)
        snprintf(kind, sizeof kind, "batch 1");
    else
        snprintf(kind, sizeof kind, "batched, %d streams x %d steps", p->val_batch, p->val_seq);
    progress_line(&pr->prog, "step %lld  epoch %d  val loss %.4f  (%.4f bits/token, perplexity %.2f; %s, %.1f s)%s",
                  (long long)p->step, p->epoch, p->val_loss, p->val_bits, p->val_ppl, kind, p->val_seconds,
                  p->val_best ? "  best" : "");
}

/* A validation that takes more than a few seconds shows how far it is. */
static void print_validating(printer *pr, const recur_run_progress *p)
{
    double now = now_seconds();
    if (p->val_done == 0)
        pr->val_started = now;
    if (now - pr->val_started < 3.0 || !p->val_total)
        return;
    double share = (double)p->val_done / (double)p->val_total;
    double eta = share > 0 ? (now - pr->val_started) * (1.0 - share) / share : -1.0;
    char eta_s[32];
    format_duration(eta, eta_s, sizeof eta_s);
    progress_status(&pr->prog, 0, "validating (%s): %.0f%% of %zu predictions, ETA %s",
                    p->val_batch == 1 ? "batch 1" : "batched", 100.0 * share, p->val_total, eta_s);
}

static void print_tested(printer *pr, const recur_run_progress *p)
{
    progress_line(&pr->prog, "Test Perplexity: %.3f (batch 1, one step at a time, %zu tokens, %.1f s)", p->test_ppl,
                  p->test_predictions, p->test_seconds);
    progress_line(&pr->prog, "Test Perplexity (batched, %d streams x %d steps): %.3f (%zu tokens, %.1f s)",
                  p->test_batch, p->test_seq, p->test_ppl_batched, p->test_predictions_batched,
                  p->test_batched_seconds);
    if (!pr->prog.quiet) {
        printf("Test Perplexity: %.3f\n", p->test_ppl);
        printf("Test Perplexity (batched): %.3f\n", p->test_ppl_batched);
    }
}

/* What reading the data found, a line each, once the set-up succeeded. */
static void print_notes(printer *pr, const char *notes)
{
    if (pr->prog.quiet)
        return;
    for (const char *p = notes; *p;) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(stderr, "%s: %.*s\n", CMD, n, p);
        p += n + (nl ? 1 : 0);
    }
}

static void on_progress(void *user, const recur_run_progress *p)
{
    printer *pr = user;
    const recur_run_options *o = pr->o;
    const recur_config *c = &o->model;
    pr->best_val = p->best_val_loss;
    switch (p->event) {
    case RECUR_RUN_START:
        progress_line(&pr->prog,
                      "%s %s, %d x %d, %zu parameters; %zu training tokens, %zu validation; %lld steps per epoch%s",
                      recur_level_name(c->level), recur_cell_name(c->cell), c->layers, c->hidden,
                      p->parameters, p->train_tokens, p->val_tokens, (long long)p->steps_per_epoch,
                      p->resumed ? " (resumed)" : p->fine_tuning ? " (fine-tuning the --init-from model)" : "");
        if (pr->dist->size > 1) {
            int b = o->train.batch, n = pr->dist->size;
            progress_line(&pr->prog, "data-parallel over %d ranks: %d or %d of the %d streams each, rank 0 writes", n,
                          b / n, b / n + (b % n != 0), b);
        }
        break;
    case RECUR_RUN_EPOCH_START:
        progress_line(&pr->prog, "Epoch: %d Learning rate: %.3f", p->epoch, p->lr);
        break;
    case RECUR_RUN_STEP: {
        char eta_s[32];
        format_duration(p->eta_s, eta_s, sizeof eta_s);
        progress_status(&pr->prog, 0, "epoch %d  step %lld/%lld  loss %.4f  %.0f tok/s  ETA %s", p->epoch,
                        (long long)p->epoch_step, (long long)p->steps_per_epoch, p->loss_avg, p->tokens_per_s,
                        eta_s);
        break;
    }
    case RECUR_RUN_SKIPPED:
        progress_line(&pr->prog, "step %lld: non-finite loss or gradient, update skipped (%lld so far)",
                      (long long)p->step, (long long)p->skipped_total);
        break;
    case RECUR_RUN_VALIDATING: print_validating(pr, p); break;
    case RECUR_RUN_VALIDATED: print_validated(pr, p); break;
    case RECUR_RUN_LR_DECAYED:
        progress_line(&pr->prog, "validation no better than the best (%.4f): learning rate now %.6g",
                      p->best_val_loss, p->lr);
        break;
    case RECUR_RUN_EPOCH_END:
        progress_line(&pr->prog, "Epoch: %d Train Perplexity: %.3f (speed: %.0f wps)", p->epoch, p->train_ppl,
                      p->words_per_s);
        if (!isnan(p->val_ppl))
            progress_line(&pr->prog, "Epoch: %d Valid Perplexity: %.3f", p->epoch, p->val_ppl);
        progress_line(&pr->prog, "epoch %d done: train loss %.4f, lr %.6g", p->epoch, p->loss_avg, p->lr);
        break;
    case RECUR_RUN_INTERRUPTED:
        progress_done(&pr->prog);
        progress_line(&pr->prog, "interrupted: saving");
        break;
    case RECUR_RUN_SAVING: writing = 1; break;
    case RECUR_RUN_SAVED: writing = 0; break;
    case RECUR_RUN_TESTED: print_tested(pr, p); break;
    case RECUR_RUN_ALREADY_DONE:
        pr->nothing_to_do = 1;
        if (p->target && p->step >= p->target)
            progress_line(&pr->prog, "nothing to do: %s is at step %lld, the target of its --steps/--epochs (%lld); "
                          "give a larger --steps or --epochs to train on",
                          o->out, (long long)p->step, (long long)p->target);
        else
            progress_line(&pr->prog, "nothing to do: %s has trained for its --minutes %g already; give a larger "
                          "--minutes to train on", o->out, o->minutes);
        break;
    }
}

/* A failure agreed across ranks reads "rank R: message" everywhere; the
 * ranks other than R say they stop because of it. */
static void print_run_error(const cli_dist *dist, const char *msg)
{
    if (dist->size > 1 && strncmp(msg, "rank ", 5) == 0 && atoi(msg + 5) != dist->rank)
        cli_error(CMD, "stopping: %s", msg);
    else
        cli_error(CMD, "%s", msg);
}

static int train_main(int argc, char **argv, cli_dist *dist)
{
    recur_run_options o;
    recur_run_options_init(&o);
    cli_only c = {0};
    int rc = parse_args(argc, argv, &o, &c);
    recur_error err = {0};
    recur_train_state *state = NULL;
    if (rc) {
        recur_run_options_free(&o);
        return rc == CLI_HELP ? 0 : 2;
    }
    if (!o.out)
        rc = (cli_error(CMD, "--out MODEL is required (see --help)"), 2);
    else if (o.resume && recur_run_options_check(&o, &err))
        rc = (cli_error(CMD, "%s", err.msg), 2); /* --init-from with --resume, ... */
    else if (o.resume && recur_run_options_resume(&o, &state, &err))
        rc = (cli_error(CMD, "%s", err.msg), 1);
    else if (preset_default_data(&o))
        rc = 2;
    else if (recur_run_options_check(&o, &err))
        rc = (cli_error(CMD, "%s", err.msg), 2);
    /* A rank that could not read its state stops the others here. */
    rc = cli_dist_agree(dist, CMD, rc);
    recur_run *run = NULL;
    printer pr = {0};
    pr.dist = dist;
    if (!rc) {
        /* Rank 0 alone prints. */
        progress_init(&pr.prog, stderr, o.quiet || dist->rank != 0);
        if (!o.threads)
            recur_set_threads(cli_dist_default_threads(dist));
        if (c.progress_every > 0 && !pr.prog.tty)
            pr.prog.interval = c.progress_every;
        /* From here on a signal saves instead of killing: the handler is in
         * place before the (long) reading and set-up. */
        install_signal_handlers();
        if (recur_run_create_comm(&o, state, dist->comm, &stop_requests, &run, &err))
            rc = (print_run_error(dist, err.msg), 1);
        else
            recur_pin_threads(); /* after the run set the thread count; see recur/model.h */
        state = NULL; /* the run took it */
    }
    if (!rc) {
        const recur_run_options *eff = recur_run_effective_options(run);
        pr.o = eff;
        print_notes(&pr, recur_run_notes(run));
        recur_status st = recur_run_train(run, on_progress, &pr, &err);
        progress_done(&pr.prog);
        if (st && st != RECUR_E_INTERRUPTED) {
            print_run_error(dist, err.msg);
            rc = 1;
        } else if (st == RECUR_E_INTERRUPTED && stop_requests >= 2) {
            cli_error(CMD, "%s", err.msg);
            rc = 128 + SIGINT;
        }
        if (!rc && !pr.nothing_to_do)
            progress_line(&pr.prog, "saved %s (best validation loss %.4f) and %s", eff->out, pr.best_val,
                          recur_run_state_path(run));
    }
    recur_train_state_free(state);
    recur_run_free(run);
    recur_run_options_free(&o);
    return rc;
}

int cmd_train(int argc, char **argv)
{
    int task_rc; /* --task cloze is trained by cli/cmd_train_task.c */
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
