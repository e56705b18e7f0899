/* Generated tokens to text with stop strings. The text not yet shown
 * ends with the longest tail that could still grow into a stop string; the
 * rest is released. A stop is therefore found wherever token boundaries
 * fall in it, and none of it is ever shown. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "recur/generate.h"
#include "sample/text_join.h"

struct recur_text_out {
    text_join join;
    char **stop;
    size_t *stop_len;
    int n_stop;
    char *pend;      /* text not yet released */
    size_t plen, pcap;
    char *out;       /* the piece handed out */
    size_t ocap;
    int done;        /* a stop string was completed */
};

recur_status recur_text_out_create(const recur_vocab *v, const char *const *stop, int n_stop,
                                   recur_text_out **out, recur_error *err)
{
    *out = NULL;
    if (n_stop < 0 || (n_stop > 0 && !stop))
        return recur_fail(err, RECUR_E_ARG, "stop strings: %d given without the strings", n_stop);
    for (int i = 0; i < n_stop; i++)
        if (!stop[i] || !*stop[i])
            return recur_fail(err, RECUR_E_ARG, "stop string %d is empty", i + 1);
    recur_text_out *t = calloc(1, sizeof *t);
    if (!t)
        return recur_fail_nomem(err, "the text output");
    text_join_init(&t->join, v);
    t->n_stop = n_stop;
    t->stop = calloc((size_t)(n_stop ? n_stop : 1), sizeof *t->stop);
    t->stop_len = calloc((size_t)(n_stop ? n_stop : 1), sizeof *t->stop_len);
    int ok = t->stop && t->stop_len;
    for (int i = 0; ok && i < n_stop; i++) {
        t->stop_len[i] = strlen(stop[i]);
        ok = (t->stop[i] = malloc(t->stop_len[i] + 1)) != NULL;
        if (ok)
            memcpy(t->stop[i], stop[i], t->stop_len[i] + 1);
    }
    if (!ok) {
        recur_text_out_free(t);
        return recur_fail_nomem(err, "the stop strings");
    }
    *out = t;
    return RECUR_OK;
}

void recur_text_out_free(recur_text_out *t)
{
    if (!t)
        return;
    for (int i = 0; t->stop && i < t->n_stop; i++)
        free(t->stop[i]);
    free(t->stop);
    free(t->stop_len);
    free(t->pend);
    free(t->out);
    free(t);
}

void recur_text_out_seen(recur_text_out *t, int32_t id)
{
    const char *sep, *tok;
    if (id >= 0 && id < recur_vocab_size(t->join.v))
        text_join_next(&t->join, id, &sep, &tok);
}

static int grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 1;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    char *b = realloc(*buf, n);
    if (!b)
        return 0;
    *buf = b;
    *cap = n;
    return 1;
}

/* The first position in h[0..n) where one of the stops begins, or n. */
static size_t first_stop(const recur_text_out *t, const char *h, size_t n)
{
    size_t best = n;
    for (int i = 0; i < t->n_stop; i++) {
        size_t L = t->stop_len[i];
        for (size_t k = 0; k + L <= n && k < best; k++)
            if (h[k] == t->stop[i][0] && memcmp(h + k, t->stop[i], L) == 0) {
                best = k;
                break;
            }
    }
    return best;
}

/* The length of the longest tail of h[0..n) that is a proper prefix of a stop. */
static size_t held_tail(const recur_text_out *t, const char *h, size_t n)
{
    size_t held = 0;
    for (int i = 0; i < t->n_stop; i++) {
        size_t L = t->stop_len[i] - 1 < n ? t->stop_len[i] - 1 : n;
        for (size_t k = L; k > held; k--)
            if (memcmp(h + n - k, t->stop[i], k) == 0) {
                held = k;
                break;
            }
    }
    return held;
}

/* Hands out pend[0..n) and keeps the rest. */
static void release(recur_text_out *t, size_t n, const char **piece, size_t *len)
{
    *piece = "";
    *len = 0;
    if (n == 0)
        return;
    if (!grow(&t->out, &t->ocap, n + 1)) {
        /* out of memory for the copy: hold everything rather than lose it */
        return;
    }
    memcpy(t->out, t->pend, n);
    t->out[n] = '\0';
    memmove(t->pend, t->pend + n, t->plen - n);
    t->plen -= n;
    *piece = t->out;
    *len = n;
}

int recur_text_out_push(recur_text_out *t, int32_t id, const char **piece, size_t *len)
{
    *piece = "";
    *len = 0;
    if (t->done)
        return 1;
    if (id < 0 || id >= recur_vocab_size(t->join.v))
        return 0;
    const char *sep, *tok;
    text_join_next(&t->join, id, &sep, &tok);
    size_t ls = strlen(sep), lt = strlen(tok);
    if (!grow(&t->pend, &t->pcap, t->plen + ls + lt))
        return 0;
    memcpy(t->pend + t->plen, sep, ls);
    memcpy(t->pend + t->plen + ls, tok, lt);
    t->plen += ls + lt;
    size_t at = first_stop(t, t->pend, t->plen);
    if (at < t->plen) {
        t->plen = at;
        release(t, at, piece, len);
        t->done = 1;
        return 1;
    }
    release(t, t->plen - held_tail(t, t->pend, t->plen), piece, len);
    return 0;
}

void recur_text_out_flush(recur_text_out *t, const char **piece, size_t *len)
{
    release(t, t->plen, piece, len);
}
