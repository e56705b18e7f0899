/* The layout of a recur_vocab, shared by the files of src/text/. */
#ifndef RECUR_TEXT_VOCAB_INTERNAL_H
#define RECUR_TEXT_VOCAB_INTERNAL_H

#include "core/strmap.h"
#include "recur/text.h"
#include "text/word_space.h"

#include <stdint.h>

/* Code points are looked up in a two-level table: 0x1100 pages of 256 code
 * points each, allocated only for pages the vocabulary uses. */
#define RECUR_CP_PAGE_BITS 8
#define RECUR_CP_PAGE_SIZE (1u << RECUR_CP_PAGE_BITS)
#define RECUR_CP_PAGES (0x110000u >> RECUR_CP_PAGE_BITS)

struct recur_vocab {
    recur_level level;
    recur_strmap map; /* token string -> id; map.keys[id] is the token of id */
    int unk;          /* id of "<unk>" (word level), else -1 */
    int eos;          /* id of "<eos>" (word level), else -1 */
    int32_t **pages;  /* char level: pages[cp >> 8][cp & 255] = id or -1; NULL page = none */
};

#define RECUR_EOS_TOKEN "<eos>"
#define RECUR_UNK_TOKEN "<unk>"

/* An empty vocabulary of the given level (with the page table at char level). */
recur_vocab *recur_vocab_new(recur_level level);
/* Appends a token with the next id; at char level cp is its code point.
 * Fails on duplicates and on running out of memory. */
recur_status recur_vocab_append(recur_vocab *v, const char *token, size_t len, uint32_t cp,
                                recur_error *err);
/* The id of code point cp in a char vocabulary, or -1. */
int recur_vocab_char_id(const recur_vocab *v, uint32_t cp);
/* -1 when a and b are one vocabulary (level, size and every token in the
 * same order); else the first id at which they differ (the smaller size
 * when one is a prefix of the other). Models that are averaged or
 * ensembled must share one. */
int recur_vocab_first_difference(const recur_vocab *a, const recur_vocab *b);

/* The level-specific halves of recur_vocab_build / recur_vocab_encode. */
recur_status recur_char_vocab_build(const char *text, size_t len, recur_vocab **out,
                                    recur_vocab_stats *stats, recur_error *err);
recur_status recur_word_vocab_build(const char *text, size_t len, const recur_vocab_options *o,
                                    recur_vocab **out, recur_vocab_stats *stats, recur_error *err);
/* stats is never NULL here. */
recur_status recur_char_encode(const recur_vocab *v, const char *text, size_t len, recur_unknown unknown,
                               int32_t **ids, size_t *count, recur_encode_stats *stats, recur_error *err);
recur_status recur_word_encode(const recur_vocab *v, const char *text, size_t len, recur_unknown unknown,
                               int32_t **ids, size_t *count, recur_encode_stats *stats, recur_error *err);

#endif
