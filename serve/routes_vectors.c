/* The word-vector endpoints (with --vectors): POST /v1/embeddings in
 * OpenAI's shape, POST /v1/vectors/nearest, POST /v1/vectors/analogy and
 * GET /v1/vectors/map?top=N (a t-SNE map of the N most frequent words). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/json.h"
#include "request.h"
#include "routes.h"

#define MAX_INPUTS 2048   /* words of one embeddings request */
#define MAX_K 200         /* neighbours of one query */
#define MAX_TERMS 16      /* words of one analogy */

static int no_vectors(serve_call *c, serve_result *rc)
{
    if (c->app->index)
        return 0;
    *rc = serve_reply_error(c->conn, 404, NULL, "no word vectors are loaded (start the server with --vectors FILE)");
    return 1;
}

/* The body as a JSON object, or a 400 answered. */
static json_value *body_object(serve_call *c, serve_result *rc)
{
    json_value *root = NULL;
    recur_error err = {0};
    if (json_parse(c->body.data, c->body.len, &root, &err) != RECUR_OK) {
        *rc = serve_reply_error(c->conn, 400, NULL, "the body is not valid JSON: %s", err.msg);
        return NULL;
    }
    if (root->type != JSON_OBJECT) {
        *rc = serve_reply_error(c->conn, 400, NULL, "the body must be a JSON object, got %s", json_type_name(root->type));
        json_free(root);
        return NULL;
    }
    return root;
}

/* Only these keys may appear (a misspelt field is an error, not a default). */
static int only_keys(const json_value *o, const char *const *keys, int n, serve_bad *bad)
{
    for (size_t i = 0; i < o->count; i++) {
        int ok = 0;
        for (int k = 0; k < n && !ok; k++)
            ok = strcmp(o->keys[i], keys[k]) == 0;
        if (!ok) {
            serve_bad_set(bad, o->keys[i], "unrecognized request argument: %.64s", o->keys[i]);
            return -1;
        }
    }
    return 0;
}

static int get_k(const json_value *o, int *k, serve_bad *bad)
{
    const json_value *v = json_get(o, "k");
    if (!v || v->type == JSON_NULL)
        return 0;
    int64_t x;
    if (v->type != JSON_NUMBER || json_as_int64(v, &x) || x < 1 || x > MAX_K) {
        serve_bad_set(bad, "k", "k must be an integer in [1, %d]", MAX_K);
        return -1;
    }
    *k = (int)x;
    return 0;
}

/* The row of a word, or -1 with *bad naming the field. */
static int word_row(const recur_w2v_index *ix, const json_value *w, const char *field, serve_bad *bad)
{
    if (w->type != JSON_STRING) {
        serve_bad_set(bad, field, "%s: each word must be a string, got %s", field, json_type_name(w->type));
        return -1;
    }
    int id = memchr(w->str, 0, w->len) ? -1 : recur_w2v_index_find(ix, w->str);
    if (id < 0)
        serve_bad_set(bad, field, "%s: '%.100s' is not in the vocabulary of the word vectors", field, w->str);
    return id;
}

/* A word list field: a string or an array of strings, each looked up. */
static int word_list(const recur_w2v_index *ix, const json_value *o, const char *field, int max, int *rows, int *n,
                     serve_bad *bad)
{
    *n = 0;
    const json_value *v = json_get(o, field);
    if (!v || v->type == JSON_NULL)
        return 0;
    const json_value *items = v;
    size_t count = 1;
    if (v->type == JSON_ARRAY) {
        items = v->items;
        count = v->count;
    }
    if (count > (size_t)max) {
        serve_bad_set(bad, field, "%s: at most %d words, got %zu", field, max, count);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        rows[i] = word_row(ix, &items[i], field, bad);
        if (rows[i] < 0)
            return -1;
    }
    *n = (int)count;
    return 0;
}

static void neighbours_json(recur_strbuf *b, const recur_w2v_index *ix, const int *ids, const float *cos, int n)
{
    recur_strbuf_puts(b, "\"data\":[");
    for (int i = 0; i < n; i++) {
        const char *w = recur_w2v_index_word(ix, ids[i]);
        recur_strbuf_puts(b, i ? ",{\"word\":" : "{\"word\":");
        recur_strbuf_json_string(b, w, strlen(w));
        recur_strbuf_printf(b, ",\"cosine\":%.6f}", (double)cos[i]);
    }
    recur_strbuf_puts(b, "]");
}

static void words_json(recur_strbuf *b, const recur_w2v_index *ix, const int *rows, int n)
{
    recur_strbuf_puts(b, "[");
    for (int i = 0; i < n; i++) {
        const char *w = recur_w2v_index_word(ix, rows[i]);
        if (i)
            recur_strbuf_puts(b, ",");
        recur_strbuf_json_string(b, w, strlen(w));
    }
    recur_strbuf_puts(b, "]");
}

serve_result route_embeddings(serve_call *c)
{
    serve_result rc;
    if (no_vectors(c, &rc))
        return rc;
    json_value *o = body_object(c, &rc);
    if (!o)
        return rc;
    const recur_w2v_index *ix = c->app->index;
    static const char *const keys[] = {"input", "model", "encoding_format", "user"};
    serve_bad bad = {{0}, {0}};
    int *rows = malloc(MAX_INPUTS * sizeof *rows);
    int n = 0;
    const char *fmt = json_get_string(o, "encoding_format");
    const json_value *fmtv = json_get(o, "encoding_format");
    if (!rows) {
        serve_bad_set(&bad, "", "out of memory");
    } else if (only_keys(o, keys, 4, &bad) == 0 && word_list(ix, o, "input", MAX_INPUTS, rows, &n, &bad) == 0) {
        if (n == 0)
            serve_bad_set(&bad, "input", "input must be a word or a non-empty list of words");
        else if (fmtv && fmtv->type != JSON_NULL && (!fmt || strcmp(fmt, "float") != 0))
            serve_bad_set(&bad, "encoding_format", "encoding_format must be \"float\"");
        else
            bad.message[0] = 0, bad.param[0] = 0;
    }
    if (!rows || n == 0 || bad.message[0]) {
        rc = serve_reply_error(c->conn, 400, bad.param, "%s", bad.message);
        free(rows);
        json_free(o);
        return rc;
    }
    const recur_w2v_vectors *v = c->app->vectors;
    recur_strbuf b;
    recur_strbuf_init(&b);
    recur_strbuf_puts(&b, "{\"object\":\"list\",\"data\":[");
    for (int i = 0; i < n; i++) {
        recur_strbuf_printf(&b, "%s{\"object\":\"embedding\",\"index\":%d,\"embedding\":[", i ? "," : "", i);
        const float *x = v->data + (size_t)rows[i] * (size_t)v->dim;
        for (int d = 0; d < v->dim; d++)
            recur_strbuf_printf(&b, d ? ",%.9g" : "%.9g", (double)x[d]);
        recur_strbuf_puts(&b, "]}");
    }
    recur_strbuf_puts(&b, "],\"model\":");
    recur_strbuf_json_string(&b, c->app->vectors_name, strlen(c->app->vectors_name));
    recur_strbuf_printf(&b, ",\"usage\":{\"prompt_tokens\":%d,\"total_tokens\":%d}}", n, n);
    rc = serve_reply_json(c->conn, 200, &b);
    recur_strbuf_free(&b);
    free(rows);
    json_free(o);
    return rc;
}

/* The k nearest words to the sum of the positive unit vectors minus the
 * negative ones, the query words left out. */
static serve_result answer_query(serve_call *c, const int *pos, int npos, const int *neg, int nneg, int k,
                                 const char *what)
{
    const recur_w2v_index *ix = c->app->index;
    int dim = recur_w2v_index_dim(ix);
    float *q = calloc((size_t)dim, sizeof *q);
    int ex[2 * MAX_TERMS], nex = 0;
    int ids[MAX_K];
    float cos[MAX_K];
    if (!q)
        return serve_reply_error(c->conn, 500, NULL, "out of memory");
    for (int t = 0; t < npos + nneg; t++) {
        int row = t < npos ? pos[t] : neg[t - npos];
        const float *u = recur_w2v_index_unit(ix, row);
        float sign = t < npos ? 1.0f : -1.0f;
        for (int d = 0; d < dim; d++)
            q[d] += sign * u[d];
        ex[nex++] = row;
    }
    double norm = 0;
    for (int d = 0; d < dim; d++)
        norm += (double)q[d] * q[d];
    if (!(norm > 1e-12)) {
        free(q);
        return serve_reply_error(c->conn, 400, "positive", "the query vector is zero (the words cancel out)");
    }
    int n = recur_w2v_nearest(ix, q, ex, nex, k, ids, cos);
    free(q);
    recur_strbuf b;
    recur_strbuf_init(&b);
    recur_strbuf_printf(&b, "{\"object\":\"%s\",\"positive\":", what);
    words_json(&b, ix, pos, npos);
    recur_strbuf_puts(&b, ",\"negative\":");
    words_json(&b, ix, neg, nneg);
    recur_strbuf_puts(&b, ",");
    neighbours_json(&b, ix, ids, cos, n);
    recur_strbuf_puts(&b, "}");
    serve_result rc = serve_reply_json(c->conn, 200, &b);
    recur_strbuf_free(&b);
    return rc;
}

serve_result route_vectors_nearest(serve_call *c)
{
    serve_result rc;
    if (no_vectors(c, &rc))
        return rc;
    json_value *o = body_object(c, &rc);
    if (!o)
        return rc;
    static const char *const keys[] = {"word", "k"};
    serve_bad bad;
    int k = 10, row = -1;
    const json_value *w = json_get(o, "word");
    if (only_keys(o, keys, 2, &bad) == 0 && get_k(o, &k, &bad) == 0) {
        if (!w)
            serve_bad_set(&bad, "word", "word is required");
        else
            row = word_row(c->app->index, w, "word", &bad);
    }
    rc = row >= 0 ? answer_query(c, &row, 1, NULL, 0, k, "nearest")
                  : serve_reply_error(c->conn, 400, bad.param, "%s", bad.message);
    json_free(o);
    return rc;
}

serve_result route_vectors_analogy(serve_call *c)
{
    serve_result rc;
    if (no_vectors(c, &rc))
        return rc;
    json_value *o = body_object(c, &rc);
    if (!o)
        return rc;
    static const char *const keys[] = {"positive", "negative", "k"};
    serve_bad bad;
    int k = 10, pos[MAX_TERMS], neg[MAX_TERMS], npos = 0, nneg = 0, ok = 0;
    const recur_w2v_index *ix = c->app->index;
    if (only_keys(o, keys, 3, &bad) == 0 && get_k(o, &k, &bad) == 0 &&
        word_list(ix, o, "positive", MAX_TERMS, pos, &npos, &bad) == 0 &&
        word_list(ix, o, "negative", MAX_TERMS, neg, &nneg, &bad) == 0) {
        if (npos == 0)
            serve_bad_set(&bad, "positive", "positive must hold at least one word (A - B + C: positive [A, C], "
                                            "negative [B])");
        else
            ok = 1;
    }
    rc = ok ? answer_query(c, pos, npos, neg, nneg, k, "analogy")
            : serve_reply_error(c->conn, 400, bad.param, "%s", bad.message);
    json_free(o);
    return rc;
}

/* Computes the map of the top words (after "</s>", row 0 in word2vec's
 * files) as the response body. */
static int build_map(const serve_app *app, int top, char **json, recur_error *err)
{
    const recur_w2v_index *ix = app->index;
    int first = strcmp(recur_w2v_index_word(ix, 0), "</s>") == 0 ? 1 : 0;
    int n = recur_w2v_index_size(ix) - first;
    if (n > top)
        n = top;
    int dim = recur_w2v_index_dim(ix);
    float *y = malloc((size_t)n * 2 * sizeof *y);
    if (!y)
        return recur_fail(err, RECUR_E_NOMEM, "out of memory for the map"), -1;
    int rc = 0;
    if (n >= 4) {
        recur_tsne_options t;
        recur_tsne_options_default(&t);
        if (recur_tsne(recur_w2v_index_unit(ix, first), n, dim, &t, y, err) != RECUR_OK)
            rc = -1;
    } else {
        for (int i = 0; i < n; i++)
            y[2 * i] = (float)i, y[2 * i + 1] = 0; /* too few points for t-SNE: a line */
    }
    if (rc == 0) {
        recur_strbuf b;
        recur_strbuf_init(&b);
        recur_strbuf_printf(&b, "{\"object\":\"map\",\"top\":%d,\"method\":\"t-SNE\",\"words\":[", n);
        for (int i = 0; i < n; i++) {
            const char *w = recur_w2v_index_word(ix, first + i);
            if (i)
                recur_strbuf_puts(&b, ",");
            recur_strbuf_json_string(&b, w, strlen(w));
        }
        recur_strbuf_puts(&b, "],\"points\":[");
        for (int i = 0; i < n; i++)
            recur_strbuf_printf(&b, "%s[%.5g,%.5g]", i ? "," : "", (double)y[2 * i], (double)y[2 * i + 1]);
        recur_strbuf_puts(&b, "]}");
        if (b.oom) {
            recur_strbuf_free(&b);
            rc = -1;
            recur_fail(err, RECUR_E_NOMEM, "out of memory for the map");
        } else {
            *json = b.data;
        }
    }
    free(y);
    return rc;
}

serve_result route_vectors_map(serve_call *c)
{
    serve_result rc;
    if (no_vectors(c, &rc))
        return rc;
    serve_app *app = c->app;
    int top = 300;
    const char *arg = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "top");
    if (arg) {
        char *end;
        long v = strtol(arg, &end, 10);
        if (end == arg || *end || v < 2 || v > app->limits.map_max)
            return serve_reply_error(c->conn, 400, "top", "top must be an integer in [2, %d], got '%.40s'",
                                     app->limits.map_max, arg);
        top = (int)v;
    }
    /* One map at a time: t-SNE is quadratic in the words, and the last one is kept. */
    pthread_mutex_lock(&app->map.lock);
    if (app->map.top != top || !app->map.json) {
        char *json = NULL;
        recur_error err = {0};
        if (build_map(app, top, &json, &err)) {
            pthread_mutex_unlock(&app->map.lock);
            return serve_reply_error(c->conn, 500, NULL, "%s", err.msg);
        }
        free(app->map.json);
        app->map.json = json;
        app->map.top = top;
    }
    rc = serve_reply(c->conn, 200, "application/json", app->map.json, strlen(app->map.json));
    pthread_mutex_unlock(&app->map.lock);
    return rc;
}
