/* How training walks the corpus: the learning rate as a function of the words
 * read, the context reach of each position, and the chunks of the corpus that
 * the threads take in turn. */
#ifndef RECUR_W2V_SCHEDULE_H
#define RECUR_W2V_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

/* Corpus words per chunk. Threads take chunks from one shared counter (as
 * gensim's job queue hands out 10,000-word jobs), so a thread whose core is
 * busy with another process reads fewer of them instead of holding the others
 * back at the end. Consecutive claims go to different regions of the corpus
 * (one region per thread), as the fixed halves of word2vec.c did, so the
 * threads do not read the same neighbourhood and update the same topical rows
 * at the same moment. */
#define W2V_CHUNK_WORDS 10000

/* word2vec.c's schedule: start * (1 - done / (total + 1)), never below
 * start * 1e-4; done and total count corpus words read, all epochs. */
float w2v_alpha(double start, int64_t done, int64_t total);

/* The context reach of one position: uniform in 1..window, so a context word
 * at distance d is used with probability (window - d + 1) / window. */
static inline int w2v_reach(recur_rng *r, int window)
{
    return window - (int)recur_rng_below(r, (uint64_t)window);
}

typedef struct w2v_chunk {
    int epoch;
    size_t begin, end; /* word positions [begin, end) of the encoded corpus */
} w2v_chunk;

/* Chunks per epoch over nids words (at least 1). */
int64_t w2v_chunks_per_epoch(size_t nids);

/* Claim number index of a run of iter epochs over nids words cut into
 * `regions` equal regions (regions >= 1): epoch-major; within an epoch claim k
 * reads chunk k / regions of region k % regions. A claim that falls past the
 * corpus (the last region may be shorter) is an empty chunk (begin == end).
 * Returns 0 (and leaves *c alone) when index is past the last claim. */
int w2v_chunk_at(int64_t index, size_t nids, int iter, int regions, w2v_chunk *c);

#endif
