/* Counting the tokens of a text that a vocabulary lacks, for
 * recur_encode_stats: the distinct ones in order of first appearance, the
 * first RECUR_UNKNOWN_EXAMPLES of them with their counts and positions. */
#ifndef RECUR_TEXT_UNKNOWN_TRACKER_H
#define RECUR_TEXT_UNKNOWN_TRACKER_H

#include "core/strmap.h"
#include "recur/text.h"

typedef struct unknown_tracker {
    recur_encode_stats *stats; /* the caller's, or own when the caller passed none */
    recur_encode_stats own;
    recur_strmap seen;         /* distinct unknown tokens: strmap id k is examples[k] for k < 8 */
    size_t occurrences;        /* unknown tokens in all */
} unknown_tracker;

/* Starts counting into stats (zeroed here; may be NULL). */
void unknown_tracker_init(unknown_tracker *t, recur_encode_stats *stats);
/* Records one occurrence of an unknown token (cp: its code point at char
 * level, else 0). Fails only when out of memory. */
recur_status unknown_tracker_add(unknown_tracker *t, const char *token, size_t len, uint32_t cp, size_t offset,
                                 size_t line, recur_error *err);
void unknown_tracker_free(unknown_tracker *t);

#endif
