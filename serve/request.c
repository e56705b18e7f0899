/* Parses and checks the body of POST /v1/completions. Every refusal names
 * the field and the range it must be in, as OpenAI's 400 errors do. */
#include "request.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

void serve_bad_set(serve_bad *bad, const char *param, const char *fmt, ...)
{
    snprintf(bad->param, sizeof bad->param, "%s", param ? param : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bad->message, sizeof bad->message, fmt, ap);
    va_end(ap);
}

/* A number field within [lo, hi]; absent or null keeps *out. */
static int get_number(const json_value *o, const char *key, double lo, double hi, double *out, serve_bad *bad)
{
    const json_value *v = json_get(o, key);
    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_NUMBER) {
        serve_bad_set(bad, key, "%s must be a number, got %s", key, json_type_name(v->type));
        return -1;
    }
    if (!(v->number >= lo && v->number <= hi)) {
        serve_bad_set(bad, key, "%s must be in [%g, %g], got %g", key, lo, hi, v->number);
        return -1;
    }
    *out = v->number;
    return 0;
}

/* An integer field within [lo, hi]; absent or null keeps *out. */
static int get_integer(const json_value *o, const char *key, int64_t lo, int64_t hi, int64_t *out, serve_bad *bad)
{
    const json_value *v = json_get(o, key);
    if (!v || v->type == JSON_NULL)
        return 0;
    int64_t x;
    if (v->type != JSON_NUMBER || json_as_int64(v, &x) != 0) {
        serve_bad_set(bad, key, "%s must be an integer, got %s", key,
                      v->type == JSON_NUMBER ? "a fraction or a number beyond 2^53" : json_type_name(v->type));
        return -1;
    }
    if (x < lo || x > hi) {
        serve_bad_set(bad, key, "%s must be in [%lld, %lld], got %lld", key, (long long)lo, (long long)hi,
                      (long long)x);
        return -1;
    }
    *out = x;
    return 0;
}

static int get_bool(const json_value *o, const char *key, int *out, serve_bad *bad)
{
    const json_value *v = json_get(o, key);
    if (!v || v->type == JSON_NULL)
        return 0;
    if (v->type != JSON_BOOL) {
        serve_bad_set(bad, key, "%s must be true or false, got %s", key, json_type_name(v->type));
        return -1;
    }
    *out = v->boolean;
    return 0;
}

static int add_stop(serve_completion_req *r, const json_value *s, serve_bad *bad)
{
    if (s->type != JSON_STRING) {
        serve_bad_set(bad, "stop", "stop must be a string or an array of strings, got %s", json_type_name(s->type));
        return -1;
    }
    if (s->len == 0 || s->len > SERVE_MAX_STOP_BYTES || memchr(s->str, 0, s->len)) {
        serve_bad_set(bad, "stop", "each stop string must have 1 to %d bytes and no NUL, got %zu bytes",
                      SERVE_MAX_STOP_BYTES, s->len);
        return -1;
    }
    if (r->n_stop == SERVE_MAX_STOP) {
        serve_bad_set(bad, "stop", "at most %d stop strings", SERVE_MAX_STOP);
        return -1;
    }
    r->stop[r->n_stop] = malloc(s->len + 1);
    if (!r->stop[r->n_stop]) {
        serve_bad_set(bad, "", "out of memory");
        return -1;
    }
    memcpy(r->stop[r->n_stop], s->str, s->len + 1);
    r->n_stop++;
    return 0;
}

/* OpenAI fields with no recur meaning, accepted at their neutral values. */
static int neutral_field(const char *key, const json_value *v, serve_bad *bad, int *known)
{
    *known = 1;
    int null = v->type == JSON_NULL;
    if (strcmp(key, "model") == 0 || strcmp(key, "user") == 0) {
        if (null || v->type == JSON_STRING)
            return 0;
        serve_bad_set(bad, key, "%s must be a string, got %s", key, json_type_name(v->type));
        return -1;
    }
    if (strcmp(key, "echo") == 0) {
        if (null || (v->type == JSON_BOOL && !v->boolean))
            return 0;
        serve_bad_set(bad, key, "echo is not supported (only false)");
        return -1;
    }
    if (strcmp(key, "logprobs") == 0 || strcmp(key, "suffix") == 0) {
        if (null)
            return 0;
        serve_bad_set(bad, key, "%s is not supported (only null)", key);
        return -1;
    }
    if (strcmp(key, "best_of") == 0) {
        int64_t x;
        if (null || (v->type == JSON_NUMBER && json_as_int64(v, &x) == 0 && x == 1))
            return 0;
        serve_bad_set(bad, key, "best_of is not supported (only 1)");
        return -1;
    }
    if (strcmp(key, "logit_bias") == 0) {
        if (null || (v->type == JSON_OBJECT && v->count == 0))
            return 0;
        serve_bad_set(bad, key, "logit_bias is not supported (only an empty object)");
        return -1;
    }
    if (strcmp(key, "stream_options") == 0) {
        if (null || v->type == JSON_OBJECT)
            return 0;
        serve_bad_set(bad, key, "stream_options must be an object, got %s", json_type_name(v->type));
        return -1;
    }
    *known = 0;
    return 0;
}

static const char *const recur_fields[] = {
    "prompt", "max_tokens", "n", "stream", "stop", "seed", "temperature", "top_p", "top_k", "min_p",
    "presence_penalty", "frequency_penalty", "repeat_penalty", "repeat_last_n", "mode",
};

static int check_keys(const json_value *o, serve_bad *bad)
{
    for (size_t i = 0; i < o->count; i++) {
        const char *key = o->keys[i];
        int known = 0;
        for (size_t f = 0; f < sizeof recur_fields / sizeof recur_fields[0] && !known; f++)
            known = strcmp(key, recur_fields[f]) == 0;
        if (known)
            continue;
        if (neutral_field(key, &o->items[i], bad, &known))
            return -1;
        if (!known) {
            serve_bad_set(bad, key, "unrecognized request argument: %.64s", key);
            return -1;
        }
    }
    return 0;
}

static int parse_fields(const json_value *o, const serve_limits *lim, serve_completion_req *r, serve_bad *bad)
{
    if (check_keys(o, bad))
        return -1;
    const json_value *p = json_get(o, "prompt");
    if (p && p->type == JSON_ARRAY && p->count == 1)
        p = &p->items[0]; /* OpenAI allows a list of prompts; one is what recur takes */
    if (p && p->type != JSON_NULL) {
        if (p->type != JSON_STRING) {
            serve_bad_set(bad, "prompt", "prompt must be a string (or a list of one string), got %s",
                          json_type_name(p->type));
            return -1;
        }
        if (memchr(p->str, 0, p->len)) {
            serve_bad_set(bad, "prompt", "prompt must not contain a NUL character");
            return -1;
        }
    }
    const char *text = p && p->type == JSON_STRING ? p->str : "";
    r->prompt_len = strlen(text);
    r->prompt = malloc(r->prompt_len + 1);
    if (!r->prompt) {
        serve_bad_set(bad, "", "out of memory");
        return -1;
    }
    memcpy(r->prompt, text, r->prompt_len + 1);

    int64_t x = lim->default_max_tokens;
    if (get_integer(o, "max_tokens", 1, lim->max_tokens, &x, bad))
        return -1;
    r->max_tokens = (int)x;
    x = 1;
    if (get_integer(o, "n", 1, lim->max_n, &x, bad))
        return -1;
    r->n = (int)x;
    if (get_bool(o, "stream", &r->stream, bad))
        return -1;
    const json_value *stop = json_get(o, "stop");
    if (stop && stop->type == JSON_ARRAY) {
        for (size_t i = 0; i < stop->count; i++)
            if (add_stop(r, &stop->items[i], bad))
                return -1;
    } else if (stop && stop->type != JSON_NULL && add_stop(r, stop, bad)) {
        return -1;
    }
    x = -1;
    /* A seed is an unsigned 64-bit number; JSON carries integers exactly up to 2^53. */
    if (get_integer(o, "seed", 0, (int64_t)1 << 53, &x, bad))
        return -1;
    r->seed_given = x >= 0;
    recur_sample_settings *s = &r->settings;
    if (r->seed_given)
        s->seed = (uint64_t)x;

    double d = s->temperature;
    /* OpenAI's range is [0, 2]; 0 means the most likely token every step. */
    if (get_number(o, "temperature", 0, 100, &d, bad))
        return -1;
    if (d == 0)
        s->mode = RECUR_SAMPLE_ARGMAX;
    else
        s->temperature = (float)d;
    d = s->top_p;
    if (get_number(o, "top_p", 0, 1, &d, bad) || d == 0) {
        serve_bad_set(bad, "top_p", "top_p must be a number in (0, 1]");
        return -1;
    }
    s->top_p = (float)d;
    x = s->top_k;
    if (get_integer(o, "top_k", 0, 1 << 30, &x, bad))
        return -1;
    s->top_k = (int)x;
    d = s->min_p;
    if (get_number(o, "min_p", 0, 0.999999, &d, bad))
        return -1;
    s->min_p = (float)d;
    d = s->presence_penalty;
    if (get_number(o, "presence_penalty", -2, 2, &d, bad))
        return -1;
    s->presence_penalty = (float)d;
    d = s->frequency_penalty;
    if (get_number(o, "frequency_penalty", -2, 2, &d, bad))
        return -1;
    s->frequency_penalty = (float)d;
    d = s->repeat_penalty;
    if (get_number(o, "repeat_penalty", 0.01, 100, &d, bad))
        return -1;
    s->repeat_penalty = (float)d;
    x = s->repeat_last_n;
    if (get_integer(o, "repeat_last_n", 0, 1 << 20, &x, bad))
        return -1;
    s->repeat_last_n = (int)x;
    const json_value *mode = json_get(o, "mode");
    if (mode && mode->type != JSON_NULL) {
        recur_sample_mode m;
        if (mode->type != JSON_STRING || recur_sample_mode_parse(mode->str, &m, NULL) != RECUR_OK ||
            m == RECUR_SAMPLE_BEAM) {
            serve_bad_set(bad, "mode", "mode must be \"argmax\", \"weighted\" or \"space\"");
            return -1;
        }
        s->mode = m;
    }
    recur_error err = {0};
    if (recur_sample_settings_check(s, &err) != RECUR_OK) {
        serve_bad_set(bad, "", "%s", err.msg);
        return -1;
    }
    return 0;
}

int serve_completion_parse(const char *body, size_t len, const serve_limits *lim, serve_completion_req *out,
                           serve_bad *bad)
{
    memset(out, 0, sizeof *out);
    recur_sample_settings_default(&out->settings);
    json_value *root = NULL;
    recur_error err = {0};
    if (json_parse(body, len, &root, &err) != RECUR_OK) {
        serve_bad_set(bad, "", "the body is not valid JSON: %s", err.msg);
        return -1;
    }
    int rc;
    if (root->type != JSON_OBJECT) {
        serve_bad_set(bad, "", "the body must be a JSON object, got %s", json_type_name(root->type));
        rc = -1;
    } else {
        rc = parse_fields(root, lim, out, bad);
    }
    json_free(root);
    if (rc)
        serve_completion_req_free(out);
    return rc;
}

void serve_completion_req_free(serve_completion_req *r)
{
    free(r->prompt);
    for (int i = 0; i < r->n_stop; i++)
        free(r->stop[i]);
    memset(r, 0, sizeof *r);
}
