/* How generated tokens become text, shared by the text assembly and beam
 * search: characters as they are; words joined by one space, "<eos>" as a
 * newline (and no space after it). */
#ifndef RECUR_SAMPLE_TEXT_JOIN_H
#define RECUR_SAMPLE_TEXT_JOIN_H

#include <stddef.h>
#include <stdint.h>

#include "recur/text.h"

typedef struct text_join {
    const recur_vocab *v;
    int word;        /* word-level vocabulary */
    int32_t eos;     /* id of "<eos>", or -1 */
    int need_space;  /* a word came last: the next word starts with a space */
} text_join;

void text_join_init(text_join *j, const recur_vocab *v);
/* The text token id adds: *sep is " " or "", then *tok (NUL-terminated).
 * Advances the join state. */
void text_join_next(text_join *j, int32_t id, const char **sep, const char **tok);

#endif
