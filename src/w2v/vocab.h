/* The training vocabulary of word2vec: counting, min-count, frequency order,
 * the corpus as word ids, and the sub-sampling keep probabilities. */
#ifndef RECUR_W2V_VOCAB_H
#define RECUR_W2V_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define W2V_EOS "</s>"

typedef struct w2v_vocab {
    int size;
    char **words;      /* words[0] is "</s>"; then descending count, ties by byte order */
    int64_t *counts;
    int64_t train_words; /* sum of counts */
    int64_t corpus_words; /* every token in the text, with the line ends */
} w2v_vocab;

/* Counts the words of text (split on spaces, tabs, CR, VT, FF; each '\n' is
 * the token "</s>"), keeps those seen at least min_count times (and "</s>"
 * always, as row 0), and encodes the text as ids into *ids (words dropped by
 * min-count are left out). */
recur_status w2v_vocab_build(const char *text, size_t len, int min_count, w2v_vocab *v,
                             int32_t **ids, size_t *nids, recur_error *err);
void w2v_vocab_free(w2v_vocab *v);

/* word2vec.c's sub-sampling: a word of count c is kept with probability
 * min(1, (sqrt(c / (s T)) + 1) s T / c), T = train_words, s = sample.
 * sample <= 0 keeps everything. Fills keep[size]. */
void w2v_keep_probabilities(const w2v_vocab *v, double sample, float *keep);

#endif
