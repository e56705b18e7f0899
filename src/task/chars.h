/* Character vocabularies of the char-level task models: the mask and
 * unknown characters first, then the characters of the training texts.
 * Internal to src/task. */
#ifndef RECUR_TASK_CHARS_H
#define RECUR_TASK_CHARS_H

#include <stddef.h>
#include <stdint.h>

#include "recur/text.h"

/* Counts the characters of n texts (invalid UTF-8 bytes are skipped). */
typedef struct char_counter char_counter;
recur_status chars_count_new(char_counter **out, recur_error *err);
recur_status chars_count(char_counter *c, const char *text, size_t len, recur_error *err);
/* [mask, unknown, characters seen at least min_count times by frequency]. */
recur_status chars_vocab(const char_counter *c, int min_count, recur_vocab **out, recur_error *err);
void chars_count_free(char_counter *c);

/* Encodes up to max characters of text; unknown characters and invalid
 * bytes become the unknown id. Returns the count; *consumed (may be NULL)
 * receives the bytes read. */
int chars_encode(const recur_vocab *v, const char *text, size_t len, int max, int32_t *ids, size_t *consumed);

#endif
