/* The files of a training run besides the state: the model with its run
 * record ("recur.run" metadata), the per-validation checkpoints of
 * --checkpoint-dir with --keep, and reading a model file's record. */
#define _POSIX_C_SOURCE 200809L
#include "train/run_files.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/json.h"
#include "io/safetensors.h"
#include "model/checkpoint.h"
#include "recur/run.h"

recur_status run_save_model(const recur_model *m, const char *path, const char *record, recur_error *err)
{
    st_meta meta = {"recur.run", record};
    return checkpoint_write(m, path, NULL, 0, &meta, record ? 1 : 0, err);
}

/* "lm" from "dir/lm.safetensors". */
static void out_stem(const char *out, char *stem, size_t size)
{
    const char *base = strrchr(out, '/');
    base = base ? base + 1 : out;
    size_t n = strlen(base);
    const char *ext = ".safetensors";
    if (n > strlen(ext) && strcmp(base + n - strlen(ext), ext) == 0)
        n -= strlen(ext);
    snprintf(stem, size, "%.*s", (int)n, base);
}

/* The step of a checkpoint file name "STEM_stepN_val...safetensors", or -1. */
static long long checkpoint_step(const char *name, const char *stem)
{
    size_t n = strlen(stem);
    if (strncmp(name, stem, n) != 0 || strncmp(name + n, "_step", 5) != 0)
        return -1;
    char *end;
    long long step = strtoll(name + n + 5, &end, 10);
    if (end == name + n + 5 || strncmp(end, "_val", 4) != 0)
        return -1;
    size_t len = strlen(name);
    if (len < 12 || strcmp(name + len - 12, ".safetensors") != 0)
        return -1;
    return step;
}

static int compare_steps(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Removes this run's checkpoint files beyond the latest keep. */
static recur_status prune(const char *dir, const char *stem, int keep, recur_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return recur_fail(err, RECUR_E_IO, "--checkpoint-dir %s: %s", dir, strerror(errno));
    long long *steps = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    recur_status st = RECUR_OK;
    while ((e = readdir(d))) {
        long long s = checkpoint_step(e->d_name, stem);
        if (s < 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            long long *p = realloc(steps, cap * sizeof *p);
            if (!p) {
                st = recur_fail_nomem(err, "the checkpoint list");
                break;
            }
            steps = p;
        }
        steps[n++] = s;
    }
    if (!st && n > (size_t)keep) {
        qsort(steps, n, sizeof *steps, compare_steps);
        long long newest_removed = steps[n - (size_t)keep - 1];
        rewinddir(d);
        while ((e = readdir(d))) {
            long long s = checkpoint_step(e->d_name, stem);
            if (s < 0 || s > newest_removed)
                continue;
            char path[4096];
            if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < sizeof path)
                remove(path);
        }
    }
    free(steps);
    closedir(d);
    return st;
}

recur_status run_write_checkpoint(const recur_model *m, const char *dir, const char *out, int64_t step,
                                  double val_loss, int keep, const char *record, char *path, size_t size,
                                  recur_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 && mkdir(dir, 0777) != 0 && errno != EEXIST)
        return recur_fail(err, RECUR_E_IO, "cannot create --checkpoint-dir %s: %s", dir, strerror(errno));
    char stem[256];
    out_stem(out, stem, sizeof stem);
    if ((size_t)snprintf(path, size, "%s/%s_step%lld_val%.4f.safetensors", dir, stem, (long long)step, val_loss) >=
        size)
        return recur_fail(err, RECUR_E_ARG, "--checkpoint-dir %s: the path is too long", dir);
    recur_status st = run_save_model(m, path, record, err);
    if (!st && keep > 0)
        st = prune(dir, stem, keep, err);
    return st;
}

recur_status recur_model_file_run(const char *path, char **json, recur_error *err)
{
    *json = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return recur_fail(err, RECUR_E_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char len8[8];
    uint64_t hlen = 0;
    recur_status st = RECUR_OK;
    if (fread(len8, 1, 8, f) != 8) {
        st = recur_fail(err, RECUR_E_FORMAT, "%s: too short for a safetensors header", path);
    } else {
        for (int i = 7; i >= 0; i--)
            hlen = hlen << 8 | len8[i];
        if (hlen > ST_MAX_HEADER_BYTES)
            st = recur_fail(err, RECUR_E_FORMAT, "%s: header length %llu exceeds the limit", path,
                            (unsigned long long)hlen);
    }
    char *header = st ? NULL : malloc((size_t)hlen + 1);
    if (!st && !header)
        st = recur_fail_nomem(err, "the header");
    if (!st && fread(header, 1, (size_t)hlen, f) != (size_t)hlen)
        st = recur_fail(err, RECUR_E_FORMAT, "%s: the header runs past the end of the file", path);
    fclose(f);
    json_value *root = NULL;
    if (!st && (st = json_parse(header, (size_t)hlen, &root, err)))
        recur_error_prefix(err, "%s: header", path);
    const json_value *meta = st ? NULL : json_get(root, "__metadata__");
    const char *record = meta ? json_get_string(meta, "recur.run") : NULL;
    if (record && !(*json = malloc(strlen(record) + 1)))
        st = recur_fail_nomem(err, "the run record");
    else if (record)
        memcpy(*json, record, strlen(record) + 1);
    json_free(root);
    free(header);
    return st;
}

static void copy_field(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

recur_status recur_run_record_parse(const char *json, recur_run_record *out, recur_error *err)
{
    memset(out, 0, sizeof *out);
    json_value *root = NULL;
    recur_status st = json_parse(json, strlen(json), &root, err);
    if (st)
        return recur_error_prefix(err, "recur.run");
    int64_t steps = 0, tokens = 0;
    double epochs = 0;
    const json_value *best = json_get(root, "best_val_loss");
    if (root->type != JSON_OBJECT || json_get_int64(root, "steps", &steps) || json_get_double(root, "epochs", &epochs) ||
        json_get_int64(root, "data_tokens", &tokens) || !best) {
        json_free(root);
        return recur_fail(err, RECUR_E_FORMAT, "recur.run: the record of the training run is incomplete");
    }
    out->steps = steps;
    out->epochs = epochs;
    out->data_tokens = (size_t)tokens;
    out->best_val_loss = best->type == JSON_NUMBER ? best->number : NAN;
    copy_field(out->command, sizeof out->command, json_get_string(root, "command"));
    copy_field(out->data, sizeof out->data, json_get_string(root, "data"));
    copy_field(out->data_hash, sizeof out->data_hash, json_get_string(root, "data_hash"));
    copy_field(out->date, sizeof out->date, json_get_string(root, "date"));
    json_free(root);
    return RECUR_OK;
}
