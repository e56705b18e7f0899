/* Counting strings into a frequency-ordered vocabulary: the tagger's words,
 * tags and features, the classifier's labels, the character tasks'
 * characters. Internal to src/task. */
#ifndef RECUR_TASK_COUNTER_H
#define RECUR_TASK_COUNTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/strmap.h"
#include "recur/text.h"

/* Counting strings for a vocabulary. */
typedef struct str_counter {
    recur_strmap map;
    int64_t *count;
    size_t cap;
} str_counter;

void counter_init(str_counter *c);
void counter_free(str_counter *c);
recur_status counter_add(str_counter *c, const char *s, size_t len, recur_error *err);
/* A vocabulary of the keys counted at least min_count times, most frequent
 * first (ties in byte order), after the given leading tokens. */
recur_status counter_vocab(const str_counter *c, int min_count, const char *const *lead, int n_lead,
                           recur_level level, recur_vocab **out, recur_error *err);

#endif
