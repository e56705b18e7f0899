/* The noise distribution of negative sampling and NCE: unigram counts raised
 * to 0.75, with "</s>" (row 0) left out as word2vec.c does in effect. */
#ifndef RECUR_W2V_NOISE_H
#define RECUR_W2V_NOISE_H

#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"

#define W2V_NOISE_POWER 0.75
/* word2vec.c's table size, used only by the plain reference implementation. */
#define W2V_PLAIN_TABLE_SIZE 100000000

typedef struct w2v_noise {
    int n;
    double *p;          /* p[i]: probability of word i */
    /* Walker's alias method: a draw costs one random number and touches one
     * 8-byte cell of a table that stays in cache (n cells), where word2vec.c's
     * 1e8-entry table costs a cache miss per draw. */
    float *threshold;   /* accept i when the fraction is below threshold[i] ... */
    int32_t *alias;     /* ... else take alias[i] */
    int32_t *table;     /* the plain implementation's table, or NULL */
    int64_t table_size;
} w2v_noise;

/* plain != 0 also fills word2vec.c's table. */
recur_status w2v_noise_build(const int64_t *counts, int n, int plain, w2v_noise *z, recur_error *err);
void w2v_noise_free(w2v_noise *z);

static inline int32_t w2v_noise_draw(const w2v_noise *z, recur_rng *r)
{
    uint64_t x = recur_rng_next(r);
    uint32_t i = (uint32_t)(((x >> 32) * (uint64_t)z->n) >> 32);
    float frac = (float)(uint32_t)x * 0x1p-32f;
    return frac < z->threshold[i] ? (int32_t)i : z->alias[i];
}

static inline int32_t w2v_noise_draw_plain(const w2v_noise *z, recur_rng *r)
{
    return z->table[recur_rng_next(r) % (uint64_t)z->table_size];
}

#endif
