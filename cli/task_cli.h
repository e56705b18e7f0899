/* What the task commands share (recur tag, recur classify, recur fill and
 * recur train --task cloze): the model and training flags every task takes,
 * the progress lines, saving a trained model, and running a model of one
 * task over the lines of a file. */
#ifndef RECUR_CLI_TASK_CLI_H
#define RECUR_CLI_TASK_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "recur.h"

/* The shared training flags, in --help order: --cell --layers --hidden
 * --embed --dropout --epochs --batch --lr --clip --seed --threads --json. */
enum { TASK_SHARED_FLAGS = 13, TASK_NORM_STEPS = 128 };

/* The --help lines of the shared flags that name a task's own defaults or
 * its own kind of data ("lines per batch", "sentences per batch"). */
typedef struct task_train_help {
    const char *hidden, *embed, *dropout, *epochs, *batch, *seed;
} task_train_help;

/* A flag of one task's train command, placed after the shared flag named
 * `after` (NULL: ahead of all the shared flags). */
typedef struct task_flag {
    const char *after;
    cli_flag flag;
} task_flag;

/* The settings of a task's train command that every task has; the shared
 * flags write here and into *model and *tc. */
typedef struct task_train_cli {
    recur_config *model;
    recur_task_train_config *tc;
    const char *cell;
    const char *norm;
    int bidir; /* the target of the task's own --bidirectional flag */
    int threads, json;
    int64_t seed;
} task_train_cli;

/* Sets the defaults (LSTM, one direction, seed 1, all cores) and writes the
 * flag table into flags (room for n_own + TASK_SHARED_FLAGS): the task's own
 * flags placed among the shared ones. Returns the number of flags. */
int task_train_flags(task_train_cli *t, recur_config *model, recur_task_train_config *tc, const task_flag *own,
                     int n_own, const task_train_help *help, cli_flag *flags);

/* After parsing: --cell, --bidirectional and --seed into the model and the
 * training config, --threads into effect. Prints the error and returns 2 for
 * a bad --cell; 0 otherwise. */
int task_train_apply(const char *cmd, const task_train_cli *t);

/* Parses a train command that takes no arguments and needs --data and --out
 * (spec's flags write them to *data and *out), then task_train_apply.
 * Returns CLI_OK, CLI_HELP or CLI_ERROR (the error printed) as cli_parse. */
int task_train_parse(const cli_spec *spec, int argc, char **argv, const task_train_cli *t, const char *const *data,
                     const char *const *out);

/* Training progress on stderr, a line per report. */
void task_progress(void *ctx, const recur_task_progress *p);

/* Saves a freshly trained model (trained: the training's status) to out and
 * says so on stderr: "N parameters, L labels; wrote OUT". Prints the error
 * and returns 1 on failure, 0 otherwise. */
int task_save(const char *cmd, recur_status trained, const recur_model *m, const char *out, recur_error *err);

/* A command that applies a model of one task to every line of FILE, or of
 * standard input: recur classify, recur tag. */
typedef struct task_line_cmd {
    const cli_spec *spec;      /* at most one positional argument, the FILE */
    const char *const *model;  /* where spec's --model flag writes */
    const int *threads;        /* where spec's --threads flag writes */
    recur_task task;
    const char *noun;          /* "tagger": what a model of another task is not */
    /* Optional: called once the model is loaded; non-zero is the exit status. */
    int (*start)(void *ctx, const recur_model *m);
    /* Called for every line, its newline included; non-zero stops with that
     * exit status. */
    int (*each_line)(void *ctx, const recur_model *m, char *line, size_t len);
    void *ctx;
} task_line_cmd;

/* Parses argv, loads --model, checks its task and runs it over the lines.
 * Returns the exit status; every error is one line on stderr. */
int task_run_lines(const task_line_cmd *c, int argc, char **argv);

#endif
