/* The tagged corpus (recur_tagged_read). Internal to src/task. */
#ifndef RECUR_TASK_TAGDATA_H
#define RECUR_TASK_TAGDATA_H

#include <stddef.h>
#include <stdint.h>

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

#endif
