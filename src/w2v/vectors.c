#define _POSIX_C_SOURCE 200809L
/* word2vec's vector files. Both start with the line "count dim". Text: one
 * line per word, "word v1 ... vdim". Binary (word2vec.c's -binary 1, gensim's
 * binary=True): "word " then dim little-endian float32, then "\n". */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "io/atomic_file.h"
#include "recur/text.h"
#include "recur/w2v.h"

void recur_w2v_vectors_free(recur_w2v_vectors *v)
{
    if (!v)
        return;
    if (v->words)
        for (int i = 0; i < v->count; i++)
            free(v->words[i]);
    free(v->words);
    free(v->data);
    free(v);
}

static void put_float_le(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    p[0] = (unsigned char)u;
    p[1] = (unsigned char)(u >> 8);
    p[2] = (unsigned char)(u >> 16);
    p[3] = (unsigned char)(u >> 24);
}

static float get_float_le(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int bad_word(const char *w)
{
    if (!*w)
        return 1;
    for (; *w; w++)
        if (*w == ' ' || *w == '\n' || *w == '\t' || *w == '\r')
            return 1;
    return 0;
}

recur_status recur_w2v_save(const recur_w2v_vectors *v, const char *path, recur_w2v_format fmt,
                            recur_error *err)
{
    if (fmt != RECUR_W2V_TEXT && fmt != RECUR_W2V_BINARY)
        return recur_fail(err, RECUR_E_ARG, "%s: save needs the text or the binary format", path);
    for (int i = 0; i < v->count; i++)
        if (bad_word(v->words[i]))
            return recur_fail(err, RECUR_E_ARG, "%s: word %d is empty or has white space", path, i);
    unsigned char *row = malloc((size_t)v->dim * 4 + 1);
    if (!row)
        return recur_fail_nomem(err, "vector row");
    recur_atomic_file f;
    recur_status st = recur_atomic_open(&f, path, err);
    if (st != RECUR_OK) {
        free(row);
        return st;
    }
    fprintf(f.fp, "%d %d\n", v->count, v->dim);
    for (int i = 0; i < v->count; i++) {
        const float *x = v->data + (size_t)i * (size_t)v->dim;
        fputs(v->words[i], f.fp);
        if (fmt == RECUR_W2V_BINARY) {
            fputc(' ', f.fp);
            for (int c = 0; c < v->dim; c++)
                put_float_le(row + 4 * c, x[c]);
            row[4 * (size_t)v->dim] = '\n';
            fwrite(row, 1, (size_t)v->dim * 4 + 1, f.fp);
        } else {
            /* 9 significant digits identify a float exactly. */
            for (int c = 0; c < v->dim; c++)
                fprintf(f.fp, " %.9g", (double)x[c]);
            fputc('\n', f.fp);
        }
    }
    free(row);
    return recur_atomic_commit(&f, err);
}

/* Where one line (1-based) starts counting, for messages. */
static long line_of(const char *data, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

/* A text record has only number characters and blanks after the word; binary
 * floats almost surely do not (any 0 byte, for one). */
static int looks_binary(const char *data, size_t len, size_t pos, int dim)
{
    while (pos < len && data[pos] != ' ')
        pos++;
    pos++;
    size_t n = (size_t)dim * 4;
    for (size_t i = 0; i < n && pos + i < len; i++) {
        unsigned char c = (unsigned char)data[pos + i];
        if (c == '\n')
            return 0;
        if (!(isdigit(c) || strchr(" \t\r+-.eEinfatyINFATY", c)))
            return 1;
    }
    return 0;
}

recur_status recur_w2v_parse(const char *data, size_t len, const char *name, recur_w2v_format fmt,
                             int limit, recur_w2v_vectors **out, recur_error *err)
{
    *out = NULL;
    /* The header: two decimal numbers on the first line. */
    size_t pos = 0;
    long long header[2];
    for (int h = 0; h < 2; h++) {
        while (pos < len && (data[pos] == ' ' || data[pos] == '\t'))
            pos++;
        if (pos >= len || !isdigit((unsigned char)data[pos]))
            return recur_fail(err, RECUR_E_FORMAT, "%s: line 1: expected \"count dim\" at byte %zu", name, pos);
        long long x = 0;
        while (pos < len && isdigit((unsigned char)data[pos])) {
            x = x * 10 + (data[pos++] - '0');
            if (x > INT_MAX)
                return recur_fail(err, RECUR_E_FORMAT, "%s: line 1: header number too large", name);
        }
        header[h] = x;
    }
    while (pos < len && (data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\r'))
        pos++;
    if (pos >= len || data[pos] != '\n')
        return recur_fail(err, RECUR_E_FORMAT, "%s: line 1: expected the end of the header at byte %zu", name, pos);
    pos++;
    int count = (int)header[0], dim = (int)header[1];
    if (count < 1 || dim < 1)
        return recur_fail(err, RECUR_E_FORMAT, "%s: header says %d words of %d dimensions", name, count, dim);
    /* Every record needs at least dim + 1 bytes in either format. */
    if ((unsigned long long)count * ((unsigned long long)dim + 2) > len)
        return recur_fail(err, RECUR_E_FORMAT, "%s: header says %d words of %d dimensions, more than %zu bytes hold",
                          name, count, dim, len);
    int n = limit > 0 && limit < count ? limit : count;
    if (fmt == RECUR_W2V_AUTO)
        fmt = looks_binary(data, len, pos, dim) ? RECUR_W2V_BINARY : RECUR_W2V_TEXT;

    recur_w2v_vectors *v = calloc(1, sizeof *v);
    if (!v)
        return recur_fail_nomem(err, "word vectors");
    v->dim = dim;
    v->words = calloc((size_t)n, sizeof *v->words);
    v->data = malloc((size_t)n * (size_t)dim * sizeof *v->data);
    if (!v->words || !v->data) {
        recur_w2v_vectors_free(v);
        return recur_fail_nomem(err, "word vectors");
    }
    recur_status st = RECUR_OK;
    for (int i = 0; i < n; i++) {
        /* gensim skips a newline (and we also blanks) before each word. */
        while (pos < len && (data[pos] == '\n' || data[pos] == ' ' || data[pos] == '\r'))
            pos++;
        size_t start = pos;
        while (pos < len && data[pos] != ' ' && data[pos] != '\n' && data[pos] != '\t')
            pos++;
        if (pos >= len || pos == start || data[pos] == '\n') {
            st = recur_fail(err, RECUR_E_FORMAT, "%s: record %d (byte %zu, line %ld): expected \"word \" %s", name,
                            i + 1, start, line_of(data, start), pos >= len ? "but the file ends" : "");
            break;
        }
        if (!(v->words[i] = strndup(data + start, pos - start))) {
            st = recur_fail_nomem(err, "word vectors");
            break;
        }
        v->count = i + 1;
        pos++;
        float *x = v->data + (size_t)i * (size_t)dim;
        if (fmt == RECUR_W2V_BINARY) {
            if (len - pos < (size_t)dim * 4) {
                st = recur_fail(err, RECUR_E_FORMAT, "%s: record %d (\"%s\", byte %zu): %d floats need %zu bytes, %zu left",
                                name, i + 1, v->words[i], pos, dim, (size_t)dim * 4, len - pos);
                break;
            }
            for (int c = 0; c < dim; c++)
                x[c] = get_float_le((const unsigned char *)data + pos + 4 * (size_t)c);
            pos += (size_t)dim * 4;
        } else {
            for (int c = 0; c < dim && st == RECUR_OK; c++) {
                while (pos < len && (data[pos] == ' ' || data[pos] == '\t'))
                    pos++;
                /* A bounded copy: the data need not end with a NUL. */
                char num[64];
                size_t k = 0;
                while (pos + k < len && k < sizeof num - 1 && !isspace((unsigned char)data[pos + k]))
                    k++;
                memcpy(num, data + pos, k);
                num[k] = '\0';
                char *end;
                errno = 0;
                x[c] = strtof(num, &end);
                if (k == 0 || *end != '\0')
                    st = recur_fail(err, RECUR_E_FORMAT, "%s: line %ld (\"%s\"): value %d is not a number", name,
                                    line_of(data, pos), v->words[i], c + 1);
                pos += k;
            }
            if (st != RECUR_OK)
                break;
            while (pos < len && (data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\r'))
                pos++;
            if (pos < len && data[pos] != '\n') {
                st = recur_fail(err, RECUR_E_FORMAT, "%s: line %ld (\"%s\"): more than %d values", name,
                                line_of(data, pos), v->words[i], dim);
                break;
            }
        }
    }
    if (st != RECUR_OK) {
        recur_w2v_vectors_free(v);
        return st;
    }
    *out = v;
    return RECUR_OK;
}

recur_status recur_w2v_load(const char *path, recur_w2v_format fmt, int limit,
                            recur_w2v_vectors **out, recur_error *err)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    recur_status st = recur_read_file(path, &data, &len, err);
    if (st != RECUR_OK)
        return st;
    st = recur_w2v_parse(data, len, path, fmt, limit, out, err);
    free(data);
    return st;
}
