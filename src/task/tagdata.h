/* The tagged corpus and the vocabulary helpers shared by the task models.
 * Internal to src/task. */
#ifndef RECUR_TASK_TAGDATA_H
#define RECUR_TASK_TAGDATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/strmap.h"
#include "recur/task.h"
#include "recur/text.h"

struct recur_tagged_corpus {
    char **bufs;               /* the files' texts, owned; words and tags point into them */
    int n_bufs;
    const char **words, **tags;
    size_t n_tokens, cap_tokens;
    size_t *sent_start;        /* sentence s is tokens [sent_start[s], sent_start[s + 1]) */
    int n_sent, cap_sent;
};

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
