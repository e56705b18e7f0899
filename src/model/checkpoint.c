/* Checkpoints: the model as a safetensors file whose tensors carry PyTorch's
 * names and shapes, with the configuration and vocabulary in __metadata__
 * ("recur.config", "recur.vocab"). Tensors whose names start with "train."
 * belong to a training-state file and are skipped here. */
#include "model/checkpoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "io/safetensors.h"

static void vocab_to_json(const recur_vocab *v, recur_strbuf *out)
{
    recur_strbuf_puts(out, "[");
    for (int i = 0; i < recur_vocab_size(v); i++) {
        const char *tok = recur_vocab_token(v, i);
        if (i)
            recur_strbuf_puts(out, ",");
        recur_strbuf_json_string(out, tok, strlen(tok));
    }
    recur_strbuf_puts(out, "]");
}

recur_status checkpoint_write(const recur_model *m, const char *path, const st_out_tensor *extra, size_t n_extra,
                              const st_meta *extra_meta, size_t n_meta, recur_error *err)
{
    for (size_t k = 0; k < m->n_params; k++)
        if (!isfinite(m->params[k]))
            return recur_fail(err, RECUR_E_NONFINITE, "refusing to save %s: parameter %zu is not finite", path, k);
    size_t n = (size_t)m->n_tensors + n_extra;
    st_out_tensor *ts = calloc(n, sizeof *ts);
    if (!ts)
        return recur_fail_nomem(err, "the checkpoint's tensor list");
    for (int i = 0; i < m->n_tensors; i++) {
        const model_tensor *t = &m->tensors[i];
        ts[i].name = t->name;
        ts[i].ndim = t->ndim;
        ts[i].shape[0] = t->shape[0];
        ts[i].shape[1] = t->shape[1];
        ts[i].data = m->params + t->offset;
    }
    for (size_t i = 0; i < n_extra; i++)
        ts[(size_t)m->n_tensors + i] = extra[i];
    recur_strbuf config, vocab, labels, features;
    recur_strbuf_init(&config);
    recur_strbuf_init(&vocab);
    recur_strbuf_init(&labels);
    recur_strbuf_init(&features);
    model_config_to_json(&m->cfg, &config);
    vocab_to_json(m->vocab, &vocab);
    if (m->labels)
        vocab_to_json(m->labels, &labels);
    if (m->features)
        vocab_to_json(m->features, &features);
    recur_status st;
    if (config.oom || vocab.oom || labels.oom || features.oom) {
        st = recur_fail_nomem(err, "the checkpoint metadata");
    } else if (n_meta > 4) {
        st = recur_fail(err, RECUR_E_ARG, "too many metadata entries");
    } else {
        st_meta meta[9] = {{"format", "pt"}, {"recur.config", config.data}, {"recur.vocab", vocab.data}};
        size_t k = 3;
        if (m->labels)
            meta[k++] = (st_meta){"recur.labels", labels.data};
        if (m->features)
            meta[k++] = (st_meta){"recur.features", features.data};
        for (size_t i = 0; i < n_meta; i++)
            meta[k++] = extra_meta[i];
        st = st_write(path, ts, n, meta, k, err);
    }
    recur_strbuf_free(&config);
    recur_strbuf_free(&vocab);
    recur_strbuf_free(&labels);
    recur_strbuf_free(&features);
    free(ts);
    return st;
}

recur_status recur_model_save(const recur_model *m, const char *path, recur_error *err)
{
    return checkpoint_write(m, path, NULL, 0, NULL, 0, err);
}

static recur_status parse_metadata_json(const st_file *f, const char *key, json_value **out, recur_error *err)
{
    const char *text = st_metadata(f, key);
    if (!text)
        return recur_fail(err, RECUR_E_FORMAT, "no \"%s\" in the metadata: not a recur checkpoint", key);
    recur_status st = json_parse(text, strlen(text), out, err);
    if (st && err)
        recur_error_prefix(err, "metadata \"%s\"", key);
    return st;
}

/* A token list from the metadata entry key ("recur.vocab", "recur.labels",
 * "recur.features"), which must hold exactly expect tokens (the config's
 * size_key). */
static recur_status load_vocab(const st_file *f, const char *key, int expect, const char *size_key,
                               recur_level level, recur_vocab **out, recur_error *err)
{
    json_value *arr = NULL;
    recur_status st = parse_metadata_json(f, key, &arr, err);
    if (st)
        return st;
    if (arr->type != JSON_ARRAY) {
        json_free(arr);
        return recur_fail(err, RECUR_E_FORMAT, "%s is not a JSON array", key);
    }
    if (arr->count != (size_t)expect) {
        size_t count = arr->count;
        json_free(arr);
        return recur_fail(err, RECUR_E_FORMAT, "%s has %zu tokens but recur.config says %s %d", key, count,
                          size_key, expect);
    }
    const char **tokens = calloc(arr->count, sizeof *tokens);
    if (!tokens) {
        json_free(arr);
        return recur_fail_nomem(err, "the vocabulary");
    }
    st = RECUR_OK;
    for (size_t i = 0; i < arr->count && !st; i++) {
        if (arr->items[i].type != JSON_STRING || strlen(arr->items[i].str) != arr->items[i].len)
            st = recur_fail(err, RECUR_E_FORMAT, "%s entry %zu is not a string without NUL bytes", key, i);
        tokens[i] = arr->items[i].str;
    }
    if (!st) {
        st = recur_vocab_from_tokens(tokens, (int)arr->count, level, out, err);
        if (st && err)
            recur_error_prefix(err, "%s", key);
    }
    free(tokens);
    json_free(arr);
    return st;
}

static int is_training_tensor(const char *name) { return strncmp(name, "train.", 6) == 0; }

static recur_status load_tensors(const st_file *f, recur_model *m, recur_error *err)
{
    for (int i = 0; i < m->n_tensors; i++) {
        const model_tensor *t = &m->tensors[i];
        const st_tensor *s = st_find(f, t->name);
        if (!s) {
            if (t->alias) /* a tied decoder may be stored once, as encoder.weight */
                continue;
            return recur_fail(err, RECUR_E_FORMAT, "tensor '%s' is missing", t->name);
        }
        int shape_ok = s->ndim == t->ndim && s->shape[0] == t->shape[0] && (t->ndim == 1 || s->shape[1] == t->shape[1]);
        if (!shape_ok) {
            if (t->ndim == 2)
                return recur_fail(err, RECUR_E_FORMAT, "tensor '%s' should have shape [%lld, %lld] for this config",
                                  t->name, (long long)t->shape[0], (long long)t->shape[1]);
            return recur_fail(err, RECUR_E_FORMAT, "tensor '%s' should have shape [%lld] for this config", t->name,
                              (long long)t->shape[0]);
        }
        if (t->alias) {
            /* The tied copy must equal the embedding it shares storage with. */
            float *copy = malloc(t->size * sizeof *copy);
            if (!copy)
                return recur_fail_nomem(err, "a tied tensor");
            recur_status st = st_tensor_to_f32(f, s, copy, t->size, err);
            int same = !st && memcmp(copy, m->params + t->offset, t->size * sizeof *copy) == 0;
            free(copy);
            if (st)
                return st;
            if (!same)
                return recur_fail(err, RECUR_E_FORMAT, "the model is tied but decoder.weight differs from encoder.weight");
            continue;
        }
        recur_status st = st_tensor_to_f32(f, s, m->params + t->offset, t->size, err);
        if (st)
            return st;
    }
    for (size_t i = 0; i < f->count; i++) {
        const char *name = f->tensors[i].name;
        int known = is_training_tensor(name);
        for (int k = 0; k < m->n_tensors && !known; k++)
            known = strcmp(m->tensors[k].name, name) == 0;
        if (!known)
            return recur_fail(err, RECUR_E_FORMAT, "unexpected tensor '%s' for this config", name);
    }
    for (size_t k = 0; k < m->n_params; k++)
        if (!isfinite(m->params[k]))
            return recur_fail(err, RECUR_E_FORMAT, "parameter %zu is not finite", k);
    return RECUR_OK;
}

recur_status checkpoint_load_parsed(const st_file *f, recur_model **out, recur_error *err)
{
    json_value *cj = NULL;
    recur_status st = parse_metadata_json(f, "recur.config", &cj, err);
    if (st)
        return st;
    recur_config cfg;
    st = model_config_from_json(cj, &cfg, err);
    json_free(cj);
    if (st)
        return st;
    /* Allocate nothing the file cannot fill: every parameter takes at least
     * 2 bytes (F16/BF16) in the data section. */
    uint64_t need = model_param_total(&cfg);
    if (need > f->data_size / 2)
        return recur_fail(err, RECUR_E_FORMAT,
                          "recur.config describes %llu parameters, more than the %zu bytes of tensor data can hold",
                          (unsigned long long)need, f->data_size);
    recur_vocab *vocab = NULL;
    st = load_vocab(f, "recur.vocab", cfg.vocab_size, "vocab_size", cfg.level, &vocab, err);
    if (st)
        return st;
    recur_model *m = NULL;
    st = model_alloc(&cfg, &m, err);
    if (st) {
        recur_vocab_free(vocab);
        return st;
    }
    m->vocab = vocab;
    /* Label and feature names are free strings: word level keeps them whole. */
    if (cfg.labels > 0)
        st = load_vocab(f, "recur.labels", cfg.labels, "labels", RECUR_LEVEL_WORD, &m->labels, err);
    if (!st && cfg.feature_size > 0)
        st = load_vocab(f, "recur.features", cfg.feature_size, "feature_size", RECUR_LEVEL_WORD, &m->features, err);
    if (!st)
        st = load_tensors(f, m, err);
    if (st) {
        recur_model_free(m);
        return st;
    }
    *out = m;
    return RECUR_OK;
}

recur_status recur_model_load(const char *path, recur_model **out, recur_error *err)
{
    st_file *f = NULL;
    recur_status st = st_read(path, &f, err);
    if (!st) {
        st = checkpoint_load_parsed(f, out, err);
        if (st && err)
            recur_error_prefix(err, "%s", path);
    }
    st_free(f);
    return st;
}
