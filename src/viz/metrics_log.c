/* Reading the trainer's metrics logs (JSON Lines) into rows; see recur/viz.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/json.h"
#include "recur/text.h"
#include "recur/viz.h"

typedef struct row_list {
    recur_metrics_row *rows;
    size_t n, cap;
} row_list;

static int push_row(row_list *l, const recur_metrics_row *r)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        if (cap > SIZE_MAX / sizeof *l->rows)
            return -1;
        recur_metrics_row *p = realloc(l->rows, cap * sizeof *p);
        if (!p)
            return -1;
        l->rows = p;
        l->cap = cap;
    }
    l->rows[l->n++] = *r;
    return 0;
}

/* Reads an optional numeric key: absent or null gives NaN (the trainer has
 * no number to write for a NaN loss), any other type is an error. */
static recur_status get_number(const json_value *obj, const char *key, double *out,
                               const char *name, size_t line, recur_error *err)
{
    const json_value *v = json_get(obj, key);
    if (!v || v->type == JSON_NULL) {
        *out = NAN;
        return RECUR_OK;
    }
    if (v->type != JSON_NUMBER)
        return recur_fail(err, RECUR_E_FORMAT, "%s:%zu: \"%s\" is %s %s, expected a number", name,
                          line, key, v->type == JSON_ARRAY || v->type == JSON_OBJECT ? "an" : "a",
                          json_type_name(v->type));
    *out = v->number;
    return RECUR_OK;
}

static recur_status parse_line(const json_value *obj, const char *name, size_t line,
                               row_list *train, row_list *val, recur_error *err)
{
    if (obj->type != JSON_OBJECT)
        return recur_fail(err, RECUR_E_FORMAT, "%s:%zu: expected a JSON object, found %s %s", name,
                          line, obj->type == JSON_ARRAY || obj->type == JSON_OBJECT ? "an" : "a",
                          json_type_name(obj->type));
    recur_metrics_row r;
    double train_loss = NAN, val_loss = NAN;
    recur_status st;
    if ((st = get_number(obj, "step", &r.step, name, line, err)) != RECUR_OK ||
        (st = get_number(obj, "epoch", &r.epoch, name, line, err)) != RECUR_OK ||
        (st = get_number(obj, "elapsed_s", &r.elapsed_s, name, line, err)) != RECUR_OK ||
        (st = get_number(obj, "train_loss", &train_loss, name, line, err)) != RECUR_OK ||
        (st = get_number(obj, "val_loss", &val_loss, name, line, err)) != RECUR_OK ||
        (st = get_number(obj, "lr", &r.lr, name, line, err)) != RECUR_OK ||
        (st = get_number(obj, "grad_norm", &r.grad_norm, name, line, err)) != RECUR_OK ||
        (st = get_number(obj, "clipped", &r.clipped, name, line, err)) != RECUR_OK ||
        (st = get_number(obj, "tokens_per_s", &r.tokens_per_s, name, line, err)) != RECUR_OK)
        return st;
    int is_train = json_get(obj, "train_loss") || json_get(obj, "lr") || json_get(obj, "grad_norm");
    if (is_train) {
        r.loss = train_loss;
        if (push_row(train, &r) != 0)
            return recur_fail_nomem(err, "metrics rows");
    }
    if (json_get(obj, "val_loss")) {
        recur_metrics_row v = {r.step, r.epoch, r.elapsed_s, val_loss, NAN, NAN, NAN, NAN};
        if (push_row(val, &v) != 0)
            return recur_fail_nomem(err, "metrics rows");
    }
    return RECUR_OK;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* C's printf writes a NaN or infinite double as nan / inf, and Python's
 * json.dumps as NaN / Infinity; none of them is JSON. Rewrites such bare
 * words outside strings to null into out, so a diverged step reads as a gap
 * instead of failing the whole log. Returns 1 if anything was replaced, 0 if
 * not, -1 when out of memory. */
static int nonfinite_to_null(const char *s, size_t n, recur_strbuf *out)
{
    static const char *const words[] = {"infinity", "nan", "inf"}; /* longest first */
    recur_strbuf_clear(out);
    int replaced = 0, in_string = 0;
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (in_string) {
            if (c == '\\' && i + 1 < n) {
                recur_strbuf_append(out, s + i, 2);
                i += 2;
                continue;
            }
            in_string = c != '"';
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '-' || c == '+' || c == 'n' || c == 'N' || c == 'i' || c == 'I') {
            size_t j = i + (c == '-' || c == '+');
            size_t k = 0, wl = 0;
            for (; k < sizeof words / sizeof words[0]; k++) {
                wl = strlen(words[k]);
                size_t m = 0;
                while (m < wl && j + m < n && (s[j + m] | 0x20) == words[k][m])
                    m++;
                if (m == wl)
                    break;
            }
            int boundary = k < sizeof words / sizeof words[0] &&
                           (j + wl == n || !((s[j + wl] | 0x20) >= 'a' && (s[j + wl] | 0x20) <= 'z'));
            if (boundary) {
                recur_strbuf_puts(out, "null");
                i = j + wl;
                replaced = 1;
                continue;
            }
        }
        recur_strbuf_append(out, &c, 1);
        i++;
    }
    return out->oom ? -1 : replaced;
}

/* The JSON parser names the line within the text it was given, which here
 * is always "line 1"; the file's line number is prefixed instead. */
static void drop_inner_line(recur_error *err)
{
    if (!err)
        return;
    char *p = strstr(err->msg, " (line ");
    if (p && strchr(p, ')') && strchr(p, ')')[1] == '\0')
        *p = '\0';
}

recur_status recur_metrics_log_parse(const char *text, size_t len, const char *name,
                                     recur_metrics_log *log, recur_error *err)
{
    memset(log, 0, sizeof *log);
    if (!name)
        name = "metrics log";
    row_list train = {0}, val = {0};
    recur_strbuf fixed;
    recur_strbuf_init(&fixed);
    recur_status st = RECUR_OK;
    size_t line = 0, pos = 0;
    while (pos < len && st == RECUR_OK) {
        line++;
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (is_blank(start, n))
            continue;
        json_value *obj = NULL;
        st = json_parse(start, n, &obj, err);
        if (st == RECUR_E_FORMAT && nonfinite_to_null(start, n, &fixed) == 1) {
            recur_error ignored;
            if (json_parse(fixed.data, fixed.len, &obj, &ignored) == RECUR_OK)
                st = RECUR_OK;
        }
        if (st != RECUR_OK) {
            drop_inner_line(err);
            recur_error_prefix(err, "%s:%zu", name, line);
            break;
        }
        st = parse_line(obj, name, line, &train, &val, err);
        json_free(obj);
    }
    recur_strbuf_free(&fixed);
    if (st != RECUR_OK) {
        free(train.rows);
        free(val.rows);
        return st;
    }
    log->train = train.rows;
    log->ntrain = train.n;
    log->val = val.rows;
    log->nval = val.n;
    return RECUR_OK;
}

recur_status recur_metrics_log_read(const char *path, recur_metrics_log *log, recur_error *err)
{
    memset(log, 0, sizeof *log);
    char *text = NULL;
    size_t len = 0;
    recur_status st = recur_read_file(path, &text, &len, err);
    if (st != RECUR_OK)
        return st;
    st = recur_metrics_log_parse(text, len, path, log, err);
    free(text);
    return st;
}

void recur_metrics_log_free(recur_metrics_log *log)
{
    if (!log)
        return;
    free(log->train);
    free(log->val);
    memset(log, 0, sizeof *log);
}
