#define _POSIX_C_SOURCE 200809L /* getline */
#include "task_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the own flags that go after the shared flag `after` (NULL: the
 * leading ones) to flags[*n]. */
static void place_own(const task_flag *own, int n_own, const char *after, cli_flag *flags, int *n)
{
    for (int i = 0; i < n_own; i++)
        if (after ? own[i].after && strcmp(own[i].after, after) == 0 : !own[i].after)
            flags[(*n)++] = own[i].flag;
}

static int names_shared(const cli_flag *shared, const char *name)
{
    for (int k = 0; k < TASK_SHARED_FLAGS; k++)
        if (strcmp(shared[k].name, name) == 0)
            return 1;
    return 0;
}

int task_train_flags(task_train_cli *t, recur_config *model, recur_task_train_config *tc, const task_flag *own,
                     int n_own, const task_train_help *help, cli_flag *flags)
{
    t->model = model;
    t->tc = tc;
    t->cell = "lstm";
    t->norm = "none";
    t->bidir = 0;
    t->threads = 0;
    t->json = 0;
    t->seed = 1;
    const cli_flag shared[TASK_SHARED_FLAGS] = {
        {"--cell", CLI_STRING, &t->cell, 0, 0, "rnn_tanh, rnn_relu, lstm or gru (default lstm)", NULL},
        {"--layers", CLI_INT, &model->layers, 1, 64, "recurrent layers (default 1)", NULL},
        {"--hidden", CLI_INT, &model->hidden, 1, 65536, help->hidden, NULL},
        {"--embed", CLI_INT, &model->embed, 1, 65536, help->embed, NULL},
        {"--dropout", CLI_FLOAT, &model->dropout, 0, 0.95, help->dropout, NULL},
        {"--norm", CLI_STRING, &t->norm, 0, 0, "none, batch or layer: normalised recurrent layers (batch norm keeps "
         "running averages for the first 128 steps; default none)", NULL},
        {"--epochs", CLI_INT, &tc->epochs, 1, 100000, help->epochs, NULL},
        {"--batch", CLI_INT, &tc->train.batch, 1, 100000, help->batch, NULL},
        {"--lr", CLI_FLOAT, &tc->train.lr, 1e-7, 10, "Adam learning rate (default 0.002)", NULL},
        {"--clip", CLI_FLOAT, &tc->train.clip, 0, 1e6, "global gradient norm limit, 0 off (default 5)", NULL},
        {"--seed", CLI_INT64, &t->seed, 0, 9.2e18, help->seed, NULL},
        {"--threads", CLI_INT, &t->threads, 1, 1024, "threads (default: all cores)", NULL},
        {"--json", CLI_FLAG, &t->json, 0, 0, "print the held-out result as one JSON object", NULL},
    };
    int n = 0;
    place_own(own, n_own, NULL, flags, &n);
    for (int k = 0; k < TASK_SHARED_FLAGS; k++) {
        flags[n++] = shared[k];
        place_own(own, n_own, shared[k].name, flags, &n);
    }
    /* A flag placed after a name that is not shared still gets in: last. */
    for (int i = 0; i < n_own; i++)
        if (own[i].after && !names_shared(shared, own[i].after))
            flags[n++] = own[i].flag;
    return n;
}

int task_train_apply(const char *cmd, const task_train_cli *t)
{
    recur_error err = {0};
    if (recur_cell_parse(t->cell, &t->model->cell, &err))
        return cli_error(cmd, "--cell: %s", err.msg), 2;
    if (recur_norm_parse(t->norm, &t->model->norm, &err))
        return cli_error(cmd, "--norm: %s", err.msg), 2;
    /* A task's sequences have many lengths: batch norm's own averages for
     * the first TASK_NORM_STEPS steps, the last row's beyond. */
    t->model->norm_steps = t->model->norm == RECUR_NORM_BATCH ? TASK_NORM_STEPS : 0;
    t->model->bidirectional = t->bidir;
    t->tc->train.seed = (uint64_t)t->seed;
    recur_set_threads(t->threads);
    return 0;
}

int task_train_parse(const cli_spec *spec, int argc, char **argv, const task_train_cli *t, const char *const *data,
                     const char *const *out)
{
    const char *unused = NULL;
    int npos = 0, rc = cli_parse(spec, argc, argv, &unused, &npos);
    if (rc)
        return rc;
    if (!*data || !*out)
        return cli_error(spec->command, "--data FILE and --out MODEL are required (see --help)"), CLI_ERROR;
    return task_train_apply(spec->command, t) ? CLI_ERROR : CLI_OK;
}

void task_progress(void *ctx, const recur_task_progress *p)
{
    (void)ctx;
    fprintf(stderr, "epoch %d/%d  batch %d/%d  loss %.4f  %.1fs\n", p->epoch, p->epochs, p->batch, p->batches,
            p->loss, p->seconds);
}

int task_save(const char *cmd, recur_status trained, const recur_model *m, const char *out, recur_error *err)
{
    if (trained || recur_model_save(m, out, err)) {
        cli_error(cmd, "%s", err->msg);
        return 1;
    }
    fprintf(stderr, "%zu parameters", recur_model_param_count(m));
    if (recur_model_labels(m))
        fprintf(stderr, ", %d labels", recur_vocab_size(recur_model_labels(m)));
    fprintf(stderr, "; wrote %s\n", out);
    return 0;
}

/* The model at path if it is one of task (with the labels the line commands
 * print); else NULL, the error printed. */
static recur_model *load_task_model(const char *cmd, const char *path, recur_task task, const char *noun)
{
    recur_error err = {0};
    recur_model *m = NULL;
    if (recur_model_load(path, &m, &err)) {
        cli_error(cmd, "%s", err.msg);
        return NULL;
    }
    recur_task got = recur_model_config(m)->task;
    if (got != task || !recur_model_labels(m)) {
        cli_error(cmd, "%s is a %s model, not a %s", path, recur_task_name(got), noun);
        recur_model_free(m);
        return NULL;
    }
    return m;
}

int task_run_lines(const task_line_cmd *c, int argc, char **argv)
{
    const char *cmd = c->spec->command;
    const char *file = NULL;
    int npos = 0, rc = cli_parse(c->spec, argc, argv, &file, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!*c->model)
        return cli_error(cmd, "--model MODEL is required (see --help)"), 2;
    recur_set_threads(*c->threads);
    recur_model *m = load_task_model(cmd, *c->model, c->task, c->noun);
    if (!m)
        return 1;
    rc = c->start ? c->start(c->ctx, m) : 0;
    FILE *in = NULL;
    if (!rc && !(in = file ? fopen(file, "rb") : stdin))
        rc = (cli_error(cmd, "cannot open %s", file), 1);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    for (int first = 1; !rc && (got = getline(&line, &cap, in)) >= 0; first = 0) {
        /* A byte-order mark at the start of the input is not text. */
        size_t bom = first ? recur_utf8_bom_length(line, (size_t)got) : 0;
        rc = c->each_line(c->ctx, m, line + bom, (size_t)got - bom);
    }
    free(line);
    if (in && file)
        fclose(in);
    recur_model_free(m);
    return rc;
}
