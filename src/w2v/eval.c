/* Looking words up by cosine, and the two standard evaluations of word
 * vectors: analogies (Mikolov et al. 2013) and similarity rank correlation. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strmap.h"
#include "recur/w2v.h"

struct recur_w2v_index {
    int n, dim;
    int fold_case;
    const char **words; /* borrowed from the vectors */
    float *unit;        /* n x dim, each row of length 1 (or 0 for a zero row) */
    recur_strmap map;   /* (folded) word -> first row */
    int *row_of;        /* map id -> row */
};

static void fold(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (char)tolower((unsigned char)s[i]);
}

void recur_w2v_index_free(recur_w2v_index *ix)
{
    if (!ix)
        return;
    free(ix->words);
    free(ix->unit);
    free(ix->row_of);
    recur_strmap_free(&ix->map);
    free(ix);
}

recur_status recur_w2v_index_create(const recur_w2v_vectors *v, int top, int fold_case,
                                    recur_w2v_index **out, recur_error *err)
{
    *out = NULL;
    recur_w2v_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return recur_fail_nomem(err, "vector index");
    ix->n = top > 0 && top < v->count ? top : v->count;
    ix->dim = v->dim;
    ix->fold_case = fold_case;
    recur_strmap_init(&ix->map);
    ix->words = malloc((size_t)ix->n * sizeof *ix->words);
    ix->unit = malloc((size_t)ix->n * (size_t)ix->dim * sizeof *ix->unit);
    ix->row_of = malloc((size_t)ix->n * sizeof *ix->row_of);
    char *key = NULL;
    size_t key_cap = 0;
    if (!ix->words || !ix->unit || !ix->row_of)
        goto nomem;
    for (int i = 0; i < ix->n; i++) {
        ix->words[i] = v->words[i];
        const float *x = v->data + (size_t)i * (size_t)v->dim;
        float *u = ix->unit + (size_t)i * (size_t)v->dim;
        double ss = 0;
        for (int c = 0; c < v->dim; c++)
            ss += (double)x[c] * x[c];
        float scale = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
        for (int c = 0; c < v->dim; c++)
            u[c] = x[c] * scale;
        size_t len = strlen(v->words[i]);
        if (len + 1 > key_cap) {
            char *k = realloc(key, len + 1);
            if (!k)
                goto nomem;
            key = k;
            key_cap = len + 1;
        }
        memcpy(key, v->words[i], len + 1);
        if (fold_case)
            fold(key, len);
        int inserted;
        int64_t id = recur_strmap_intern(&ix->map, key, len, &inserted);
        if (id < 0)
            goto nomem;
        if (inserted)
            ix->row_of[id] = i;
    }
    free(key);
    *out = ix;
    return RECUR_OK;
nomem:
    free(key);
    recur_w2v_index_free(ix);
    return recur_fail_nomem(err, "vector index");
}

int recur_w2v_index_size(const recur_w2v_index *ix) { return ix->n; }
int recur_w2v_index_dim(const recur_w2v_index *ix) { return ix->dim; }
const char *recur_w2v_index_word(const recur_w2v_index *ix, int id)
{
    return id >= 0 && id < ix->n ? ix->words[id] : NULL;
}
const float *recur_w2v_index_unit(const recur_w2v_index *ix, int id)
{
    return id >= 0 && id < ix->n ? ix->unit + (size_t)id * (size_t)ix->dim : NULL;
}

static int find_n(const recur_w2v_index *ix, const char *word, size_t len)
{
    char buf[256];
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, word, len);
    buf[len] = '\0';
    if (ix->fold_case)
        fold(buf, len);
    int64_t id = recur_strmap_find(&ix->map, buf, len);
    return id < 0 ? -1 : ix->row_of[id];
}

int recur_w2v_index_find(const recur_w2v_index *ix, const char *word)
{
    return find_n(ix, word, strlen(word));
}

static float dot(const float *a, const float *b, int n)
{
    /* Eight independent sums let the compiler vectorise without reordering. */
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] += a[i + j] * b[i + j];
    float s = 0;
    for (; i < n; i++)
        s += a[i] * b[i];
    for (int j = 0; j < 8; j++)
        s += acc[j];
    return s;
}

int recur_w2v_nearest(const recur_w2v_index *ix, const float *query, const int *exclude,
                      int nexclude, int k, int *ids, float *cosines)
{
    if (k <= 0)
        return 0;
    double qq = 0;
    for (int c = 0; c < ix->dim; c++)
        qq += (double)query[c] * query[c];
    if (!(qq > 0))
        return 0;
    float qscale = (float)(1.0 / sqrt(qq));
    int found = 0;
    for (int i = 0; i < ix->n; i++) {
        int skip = 0;
        for (int e = 0; e < nexclude; e++)
            skip |= exclude[e] == i;
        if (skip)
            continue;
        float s = dot(query, ix->unit + (size_t)i * (size_t)ix->dim, ix->dim) * qscale;
        if (found == k && s <= cosines[k - 1])
            continue;
        /* Insertion into the sorted top k (k is small). */
        int p = found < k ? found++ : k - 1;
        while (p > 0 && cosines[p - 1] < s) {
            cosines[p] = cosines[p - 1];
            ids[p] = ids[p - 1];
            p--;
        }
        cosines[p] = s;
        ids[p] = i;
    }
    return found;
}

/* ---- Analogies ----------------------------------------------------------- */

void recur_w2v_analogy_result_free(recur_w2v_analogy_result *res)
{
    if (!res)
        return;
    free(res->sections);
    memset(res, 0, sizeof *res);
}

/* Splits a line into at most max blank-separated fields. */
static int split_fields(const char *line, size_t len, const char **f, size_t *flen, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && isspace((unsigned char)line[i]))
            i++;
        if (i >= len)
            break;
        size_t start = i;
        while (i < len && !isspace((unsigned char)line[i]))
            i++;
        if (n < max) {
            f[n] = line + start;
            flen[n] = i - start;
        }
        n++;
    }
    return n;
}

static recur_status add_section(recur_w2v_analogy_result *res, const char *name, size_t len, recur_error *err)
{
    recur_w2v_section *s = realloc(res->sections, (size_t)(res->nsections + 1) * sizeof *s);
    if (!s)
        return recur_fail_nomem(err, "analogy sections");
    res->sections = s;
    recur_w2v_section *sec = &s[res->nsections++];
    memset(sec, 0, sizeof *sec);
    if (len >= sizeof sec->name)
        len = sizeof sec->name - 1;
    memcpy(sec->name, name, len);
    sec->semantic = strncmp(sec->name, "gram", 4) != 0;
    return RECUR_OK;
}

recur_status recur_w2v_analogy(const recur_w2v_index *ix, const char *text, size_t len,
                               const char *name, recur_w2v_analogy_result *res, recur_error *err)
{
    memset(res, 0, sizeof *res);
    float *q = malloc((size_t)ix->dim * sizeof *q);
    if (!q)
        return recur_fail_nomem(err, "analogy query");
    recur_status st = RECUR_OK;
    size_t pos = 0;
    long line = 0;
    while (pos < len && st == RECUR_OK) {
        size_t start = pos;
        while (pos < len && text[pos] != '\n')
            pos++;
        size_t llen = pos - start;
        pos++;
        line++;
        const char *f[4];
        size_t fl[4];
        int nf = split_fields(text + start, llen, f, fl, 4);
        if (nf == 0)
            continue;
        if (f[0][0] == ':') {
            const char *sname = nf > 1 ? f[1] : f[0] + 1;
            size_t slen = nf > 1 ? fl[1] : fl[0] - 1;
            st = add_section(res, sname, slen, err);
            continue;
        }
        if (nf != 4) {
            st = recur_fail(err, RECUR_E_FORMAT, "%s: line %ld: expected 4 words, found %d", name, line, nf);
            break;
        }
        if (res->nsections == 0 && (st = add_section(res, "questions", 9, err)) != RECUR_OK)
            break;
        recur_w2v_section *sec = &res->sections[res->nsections - 1];
        sec->questions++;
        res->questions++;
        int id[4];
        int all = 1;
        for (int j = 0; j < 4; j++) {
            id[j] = find_n(ix, f[j], fl[j]);
            all &= id[j] >= 0;
        }
        if (!all)
            continue;
        sec->seen++;
        const float *a = recur_w2v_index_unit(ix, id[0]), *b = recur_w2v_index_unit(ix, id[1]),
                    *c = recur_w2v_index_unit(ix, id[2]);
        for (int d = 0; d < ix->dim; d++)
            q[d] = b[d] - a[d] + c[d];
        int best = -1;
        float cos = 0;
        int ok = recur_w2v_nearest(ix, q, id, 3, 1, &best, &cos) == 1 && best == id[3];
        sec->correct += ok;
    }
    free(q);
    if (st != RECUR_OK) {
        recur_w2v_analogy_result_free(res);
        return st;
    }
    for (int s = 0; s < res->nsections; s++) {
        const recur_w2v_section *sec = &res->sections[s];
        res->seen += sec->seen;
        res->correct += sec->correct;
        if (sec->semantic) {
            res->sem_seen += sec->seen;
            res->sem_correct += sec->correct;
        } else {
            res->syn_seen += sec->seen;
            res->syn_correct += sec->correct;
        }
    }
    return RECUR_OK;
}

/* ---- Similarity ---------------------------------------------------------- */

typedef struct ranked {
    double value;
    int index;
} ranked;

static int by_value(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    return (a->value > b->value) - (a->value < b->value);
}

/* Ranks 1..n, ties sharing their average rank. */
static int average_ranks(const double *x, int n, double *rank)
{
    ranked *r = malloc((size_t)n * sizeof *r);
    if (!r)
        return -1;
    for (int i = 0; i < n; i++)
        r[i] = (ranked){x[i], i};
    qsort(r, (size_t)n, sizeof *r, by_value);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && r[j + 1].value == r[i].value)
            j++;
        double avg = (i + j) / 2.0 + 1.0;
        for (int k = i; k <= j; k++)
            rank[r[k].index] = avg;
        i = j + 1;
    }
    free(r);
    return 0;
}

double recur_spearman(const double *x, const double *y, int n)
{
    if (n < 2)
        return NAN;
    double *rx = malloc((size_t)n * sizeof *rx), *ry = malloc((size_t)n * sizeof *ry);
    double rho = NAN;
    if (rx && ry && average_ranks(x, n, rx) == 0 && average_ranks(y, n, ry) == 0) {
        /* Pearson correlation of the ranks (exact with ties). */
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += rx[i];
            my += ry[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        rho = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
    }
    free(rx);
    free(ry);
    return rho;
}

recur_status recur_w2v_similarity(const recur_w2v_index *ix, const char *text, size_t len,
                                  const char *name, recur_w2v_similarity_result *res,
                                  recur_error *err)
{
    memset(res, 0, sizeof *res);
    res->spearman = NAN;
    size_t cap = 64;
    double *human = malloc(cap * sizeof *human), *model = malloc(cap * sizeof *model);
    recur_status st = RECUR_OK;
    if (!human || !model) {
        st = recur_fail_nomem(err, "similarity scores");
        goto done;
    }
    size_t pos = 0;
    long line = 0;
    while (pos < len) {
        size_t start = pos;
        while (pos < len && text[pos] != '\n')
            pos++;
        size_t llen = pos - start;
        pos++;
        line++;
        const char *f[3];
        size_t fl[3];
        int nf = split_fields(text + start, llen, f, fl, 3);
        if (nf == 0 || f[0][0] == '#')
            continue;
        if (nf != 3) {
            st = recur_fail(err, RECUR_E_FORMAT, "%s: line %ld: expected \"word1 word2 score\", found %d fields",
                            name, line, nf);
            goto done;
        }
        char num[64];
        size_t k = fl[2] < sizeof num - 1 ? fl[2] : sizeof num - 1;
        memcpy(num, f[2], k);
        num[k] = '\0';
        char *end;
        double score = strtod(num, &end);
        if (*end != '\0' || !isfinite(score)) {
            st = recur_fail(err, RECUR_E_FORMAT, "%s: line %ld: score \"%s\" is not a number", name, line, num);
            goto done;
        }
        res->pairs++;
        int a = find_n(ix, f[0], fl[0]), b = find_n(ix, f[1], fl[1]);
        if (a < 0 || b < 0)
            continue;
        if ((size_t)res->found == cap) {
            cap *= 2;
            double *h = realloc(human, cap * sizeof *h);
            if (h)
                human = h;
            double *m = realloc(model, cap * sizeof *m);
            if (m)
                model = m;
            if (!h || !m) {
                st = recur_fail_nomem(err, "similarity scores");
                goto done;
            }
        }
        human[res->found] = score;
        model[res->found] = dot(recur_w2v_index_unit(ix, a), recur_w2v_index_unit(ix, b), ix->dim);
        res->found++;
    }
    res->spearman = recur_spearman(human, model, res->found);
done:
    free(human);
    free(model);
    return st;
}
