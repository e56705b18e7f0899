/* recur average: one model from the mean of several checkpoints' weights. */
#define _POSIX_C_SOURCE 200809L /* strdup, opendir */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

#define CMD "recur average"
#define MAX_MODELS 256

/* A model file named as --checkpoint-dir names them, with its step. */
typedef struct kept_model {
    char *path;
    long long step;
} kept_model;

static int by_step(const void *a, const void *b)
{
    long long x = ((const kept_model *)a)->step, y = ((const kept_model *)b)->step;
    return (x > y) - (x < y);
}

/* Appends dir's NAME_stepN_*.safetensors files to list, in step order. */
static int add_directory(const char *dir, kept_model *list, int *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return cli_error(CMD, "%s: cannot read the directory", dir), 1;
    int first = *n;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *at = strstr(e->d_name, "_step");
        size_t len = strlen(e->d_name);
        long long step;
        if (!at || len < 12 || strcmp(e->d_name + len - 12, ".safetensors") != 0 || sscanf(at, "_step%lld", &step) != 1)
            continue;
        if (*n == MAX_MODELS) {
            closedir(d);
            return cli_error(CMD, "more than %d models (keep fewer with --last)", MAX_MODELS), 1;
        }
        size_t size = strlen(dir) + len + 2;
        if (!(list[*n].path = malloc(size))) {
            closedir(d);
            return cli_error(CMD, "out of memory"), 1;
        }
        snprintf(list[*n].path, size, "%s/%s", dir, e->d_name);
        list[(*n)++].step = step;
    }
    closedir(d);
    if (*n == first)
        return cli_error(CMD, "%s holds no checkpoints named NAME_stepN_*.safetensors (recur train --checkpoint-dir)",
                         dir),
               1;
    qsort(list + first, (size_t)(*n - first), sizeof *list, by_step);
    return 0;
}

static int add_path(const char *path, kept_model *list, int *n)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return add_directory(path, list, n);
    if (*n == MAX_MODELS)
        return cli_error(CMD, "more than %d models", MAX_MODELS), 1;
    if (!(list[*n].path = strdup(path)))
        return cli_error(CMD, "out of memory"), 1;
    list[(*n)++].step = 0;
    return 0;
}

static int average_files(char *const *paths, int n, const char *out_path)
{
    recur_model **models = calloc((size_t)n, sizeof *models);
    if (!models)
        return cli_error(CMD, "out of memory"), 1;
    recur_error err = {0};
    recur_model *avg = NULL;
    int rc = 0;
    for (int k = 0; k < n && !rc; k++)
        if (recur_model_load(paths[k], &models[k], &err)) {
            cli_error(CMD, "%s", err.msg);
            rc = 1;
        }
    if (!rc && recur_model_average((const recur_model *const *)models, n, &avg, &err)) {
        cli_error(CMD, "%s", err.msg);
        rc = 1;
    }
    if (!rc && recur_model_save(avg, out_path, &err)) {
        cli_error(CMD, "%s", err.msg);
        rc = 1;
    }
    if (!rc) {
        printf("%s: the mean of %d models, %zu parameters:\n", out_path, n, recur_model_param_count(avg));
        for (int k = 0; k < n; k++)
            printf("  %s\n", paths[k]);
    }
    recur_model_free(avg);
    for (int k = 0; k < n; k++)
        recur_model_free(models[k]);
    free(models);
    return rc;
}

int cmd_average(int argc, char **argv)
{
    const char *out_path = NULL;
    int last = 0;
    const cli_flag flags[] = {
        {"--out", CLI_STRING, &out_path, 0, 0, "where to write the averaged model (.safetensors)", NULL},
        {"--last", CLI_INT, &last, 1, MAX_MODELS, "average only the last N of the models (default: all)", NULL},
    };
    cli_spec spec = {CMD, "--out MODEL [--last N] MODEL|DIR...",
                     "Writes a model whose every weight is the mean of that weight in the given models: checkpoints "
                     "of one architecture and vocabulary, such as the models recur train --checkpoint-dir keeps at "
                     "the last epochs of a run. A directory stands for its NAME_stepN_... checkpoints in step order, "
                     "so `--last 3 DIR` averages a run's last three. Averaging the end of a run often predicts "
                     "held-out text better than its last model; compare them with recur eval.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 1, MAX_MODELS};
    const char *given[MAX_MODELS];
    int ngiven = 0;
    int rc = cli_parse(&spec, argc, argv, given, &ngiven);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!out_path)
        return cli_error(CMD, "--out MODEL is required (see --help)"), 2;
    kept_model *list = calloc(MAX_MODELS, sizeof *list);
    if (!list)
        return cli_error(CMD, "out of memory"), 1;
    int n = 0;
    for (int i = 0; i < ngiven && !rc; i++)
        rc = add_path(given[i], list, &n);
    if (!rc) {
        int from = last && last < n ? n - last : 0;
        char *paths[MAX_MODELS];
        for (int k = from; k < n; k++)
            paths[k - from] = list[k].path;
        rc = average_files(paths, n - from, out_path);
    }
    for (int k = 0; k < n; k++)
        free(list[k].path);
    free(list);
    return rc;
}
