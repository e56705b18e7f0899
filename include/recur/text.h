/* Text: UTF-8 decoding, character and word vocabularies, token streams. */
#ifndef RECUR_TEXT_H
#define RECUR_TEXT_H

#include "recur/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum recur_level {
    RECUR_LEVEL_CHAR = 0, /* tokens are Unicode code points */
    RECUR_LEVEL_WORD = 1  /* tokens are whitespace-separated words, "<eos>" at each line end */
} recur_level;

/* A vocabulary: token strings (UTF-8) in id order. */
typedef struct recur_vocab recur_vocab;

/* Reads a whole file into memory (NUL-terminated; *len excludes the NUL).
 * Errors name the path: missing, a directory, unreadable, empty. */
recur_status recur_read_file(const char *path, char **data, size_t *len, recur_error *err);

/* Checks that text is valid UTF-8 (no overlongs, surrogates or code points
 * above U+10FFFF); the error names the byte offset of the first bad byte. */
recur_status recur_utf8_validate(const char *text, size_t len, recur_error *err);

/* Builds the vocabulary of a training text.
 *  char: the distinct code points, sorted by code point.
 *  word: the distinct words plus "<eos>", sorted by descending count, ties by
 *        byte order (as TensorFlow's ptb reader.py). */
recur_status recur_vocab_build(const char *text, size_t len, recur_level level,
                               recur_vocab **out, recur_error *err);

/* A vocabulary from a list of token strings in id order (as stored in a
 * checkpoint). Duplicates and empty tokens are rejected; at char level each
 * token must be exactly one code point. */
recur_status recur_vocab_from_tokens(const char *const *tokens, int count, recur_level level,
                                     recur_vocab **out, recur_error *err);

void recur_vocab_free(recur_vocab *v);
int recur_vocab_size(const recur_vocab *v);
recur_level recur_vocab_level(const recur_vocab *v);
/* The token's UTF-8 string, NUL-terminated; NULL if id is out of range. */
const char *recur_vocab_token(const recur_vocab *v, int id);
/* The id of a token string, or -1. */
int recur_vocab_find(const recur_vocab *v, const char *token, size_t len);
/* The id of "<unk>", or -1 if the vocabulary has none (word level). */
int recur_vocab_unk(const recur_vocab *v);

/* Encodes a text into token ids (malloc'd, freed by the caller with free()).
 * char: every code point must be in the vocabulary, else an error naming the
 *       character and its byte offset.
 * word: words not in the vocabulary map to "<unk>" if present, else an error
 *       naming the word and its line. */
recur_status recur_vocab_encode(const recur_vocab *v, const char *text, size_t len,
                                int32_t **ids, size_t *count, recur_error *err);

#ifdef __cplusplus
}
#endif
#endif
