#define _POSIX_C_SOURCE 200809L
#include "w2v/vocab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"
#include "text/word_space.h"

void w2v_vocab_free(w2v_vocab *v)
{
    if (!v)
        return;
    for (int i = 0; v->words && i < v->size; i++) /* words may be missing after a failed allocation */
        free(v->words[i]);
    free(v->words);
    free(v->counts);
    memset(v, 0, sizeof *v);
}

/* Pass 1: every token to its first-seen id, counting as we go. */
static recur_status scan(const char *text, size_t len, recur_strmap *map, int64_t **counts,
                         size_t *counts_cap, int32_t **raw, size_t *nraw, recur_error *err)
{
    size_t cap = len / 4 + 16, n = 0;
    int32_t *ids = malloc(cap * sizeof *ids);
    if (!ids)
        return recur_fail_nomem(err, "word2vec token ids");
    int64_t eos = recur_strmap_intern(map, W2V_EOS, strlen(W2V_EOS), NULL);
    if (eos != 0) {
        free(ids);
        return recur_fail_nomem(err, "word2vec vocabulary");
    }
    size_t i = 0;
    while (i < len) {
        int64_t id;
        if (text[i] == '\n') {
            id = 0;
            i++;
        } else if (recur_is_word_space((unsigned char)text[i])) {
            i++;
            continue;
        } else {
            size_t start = i;
            while (i < len && text[i] != '\n' && !recur_is_word_space((unsigned char)text[i]))
                i++;
            id = recur_strmap_intern(map, text + start, i - start, NULL);
            if (id < 0 || id >= INT32_MAX) {
                free(ids);
                return id < 0 ? recur_fail_nomem(err, "word2vec vocabulary")
                              : recur_fail(err, RECUR_E_FORMAT, "more than 2^31 distinct words");
            }
        }
        if ((size_t)id >= *counts_cap) {
            size_t ncap = *counts_cap ? *counts_cap * 2 : 1024;
            int64_t *nc = realloc(*counts, ncap * sizeof *nc);
            if (!nc) {
                free(ids);
                return recur_fail_nomem(err, "word2vec counts");
            }
            memset(nc + *counts_cap, 0, (ncap - *counts_cap) * sizeof *nc);
            *counts = nc;
            *counts_cap = ncap;
        }
        (*counts)[id]++;
        if (n == cap) {
            cap *= 2;
            int32_t *nids = realloc(ids, cap * sizeof *nids);
            if (!nids) {
                free(ids);
                return recur_fail_nomem(err, "word2vec token ids");
            }
            ids = nids;
        }
        ids[n++] = (int32_t)id;
    }
    *raw = ids;
    *nraw = n;
    return RECUR_OK;
}

recur_status w2v_vocab_build(const char *text, size_t len, int min_count, w2v_vocab *v,
                             int32_t **ids_out, size_t *nids_out, recur_error *err)
{
    memset(v, 0, sizeof *v);
    *ids_out = NULL;
    *nids_out = 0;
    recur_strmap map;
    recur_strmap_init(&map);
    int64_t *counts = NULL;
    size_t counts_cap = 0, nraw = 0;
    int32_t *raw = NULL, *remap = NULL;
    int64_t *items = NULL;
    recur_status st = scan(text, len, &map, &counts, &counts_cap, &raw, &nraw, err);
    if (st != RECUR_OK)
        goto done;
    /* Only blanks: no token was counted (and counts was never allocated). */
    if (nraw == 0) {
        st = recur_fail(err, RECUR_E_FORMAT, "the text has no words");
        goto done;
    }

    size_t distinct = map.count, kept = 0;
    /* Id 0 is the end of a sentence, kept first whatever its count. */
    items = recur_strmap_rank(&map, counts, 1, min_count, &kept);
    remap = malloc(distinct * sizeof *remap);
    if (!items || !remap) {
        st = recur_fail_nomem(err, "word2vec vocabulary");
        goto done;
    }
    for (size_t id = 1; id < distinct; id++)
        remap[id] = -1;

    v->size = (int)kept + 1;
    v->words = calloc((size_t)v->size, sizeof *v->words);
    v->counts = calloc((size_t)v->size, sizeof *v->counts);
    if (!v->words || !v->counts) {
        st = recur_fail_nomem(err, "word2vec vocabulary");
        goto done;
    }
    remap[0] = 0;
    v->words[0] = strdup(W2V_EOS);
    v->counts[0] = counts[0];
    for (size_t k = 0; k < kept; k++) {
        remap[items[k]] = (int32_t)k + 1;
        v->words[k + 1] = strdup(map.keys[items[k]]);
        v->counts[k + 1] = counts[items[k]];
    }
    for (int k = 0; k < v->size; k++) {
        if (!v->words[k]) {
            st = recur_fail_nomem(err, "word2vec vocabulary");
            goto done;
        }
        v->train_words += v->counts[k];
    }
    /* Re-encode in place, dropping words below min-count. */
    size_t n = 0;
    for (size_t i = 0; i < nraw; i++) {
        int32_t id = remap[raw[i]];
        if (id >= 0)
            raw[n++] = id;
    }
    v->corpus_words = (int64_t)nraw;
    *ids_out = raw;
    *nids_out = n;
    raw = NULL;
done:
    if (st != RECUR_OK)
        w2v_vocab_free(v);
    free(raw);
    free(remap);
    free(items);
    free(counts);
    recur_strmap_free(&map);
    return st;
}

void w2v_keep_probabilities(const w2v_vocab *v, double sample, float *keep)
{
    double threshold = sample * (double)v->train_words;
    for (int i = 0; i < v->size; i++) {
        double c = (double)v->counts[i];
        double p = 1.0;
        if (sample > 0 && c > 0)
            p = (sqrt(c / threshold) + 1.0) * threshold / c;
        keep[i] = p > 1.0 ? 1.0f : (float)p;
    }
}
