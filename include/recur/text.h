/* Text: UTF-8 decoding, character and word vocabularies, token streams. */
#ifndef RECUR_TEXT_H
#define RECUR_TEXT_H

#include "recur/api.h"

#include "recur/error.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum recur_level {
    RECUR_LEVEL_CHAR = 0, /* tokens are Unicode code points */
    RECUR_LEVEL_WORD = 1  /* tokens are whitespace-separated words, "<eos>" at each line end */
} recur_level;

/* "char" or "word" (the command line's --level, the saved config's "level"). */
RECUR_API const char *recur_level_name(recur_level level);
RECUR_API recur_status recur_level_parse(const char *name, recur_level *level, recur_error *err);

/* A vocabulary: token strings (UTF-8) in id order. */
typedef struct recur_vocab recur_vocab;

/* Reads a whole file into memory (NUL-terminated; *len excludes the NUL).
 * A leading UTF-8 byte-order mark (EF BB BF) is dropped: it marks the
 * encoding and is not text, so it never becomes a token (byte offsets in
 * later messages count from after it). Errors name the path: missing, a
 * directory, unreadable, empty (a file of only the mark is empty). */
RECUR_API recur_status recur_read_file(const char *path, char **data, size_t *len, recur_error *err);

/* 3 if text starts with a UTF-8 byte-order mark, else 0: for text that does
 * not come through recur_read_file (standard input, arguments). */
RECUR_API size_t recur_utf8_bom_length(const char *text, size_t len);

/* Windows line ends: the number of "\r\n" pairs in text, and a rewrite of
 * each into "\n" in place that returns the new length (when it shrinks, a
 * NUL follows the new end). Lone "\r" bytes are left alone. */
RECUR_API size_t recur_text_crlf_count(const char *text, size_t len);
RECUR_API size_t recur_text_crlf_to_lf(char *text, size_t len);

/* Checks that text is valid UTF-8 (no overlongs, surrogates or code points
 * above U+10FFFF); the error names the byte offset of the first bad byte. */
RECUR_API recur_status recur_utf8_validate(const char *text, size_t len, recur_error *err);

/* Builds the vocabulary of a training text.
 *  char: the distinct code points, sorted by code point.
 *  word: the distinct words plus "<eos>", sorted by descending count, ties by
 *        byte order (as TensorFlow's ptb reader.py). */
RECUR_API recur_status recur_vocab_build(const char *text, size_t len, recur_level level,
                                         recur_vocab **out, recur_error *err);

/* Options for recur_vocab_build_with (recur_vocab_options_default fills them). */
typedef struct recur_vocab_options {
    recur_level level;
    int min_count; /* word level: words seen fewer times are left out, so they
                      encode as "<unk>"; <= 1 keeps every word */
    int max_vocab; /* word level: at most this many tokens, "<eos>" and
                      "<unk>" included, the most frequent kept (ties in byte
                      order, as the vocabulary is sorted); 0: no limit */
    int add_unk;   /* word level: add "<unk>" when the text has none, so that
                      unseen words have a token (default 1) */
} recur_vocab_options;

/* What building a vocabulary found in its text. */
typedef struct recur_vocab_stats {
    size_t tokens;         /* tokens of the text ("<eos>" included at word level) */
    size_t types;          /* distinct tokens of the text */
    size_t dropped_types;  /* words left out by min_count and max_vocab */
    size_t dropped_tokens; /* their occurrences, which encode as "<unk>" */
    int added_unk;         /* 1 when "<unk>" was added (the text had none) */
} recur_vocab_stats;

RECUR_API void recur_vocab_options_default(recur_vocab_options *o, recur_level level);

/* recur_vocab_build with options. At word level the kept words are sorted as
 * recur_vocab_build sorts them, "<unk>" counting its own occurrences plus
 * those of the dropped words: the vocabulary is the one recur_vocab_build
 * gives for the text with the dropped words replaced by "<unk>" (as the Penn
 * Treebank's preprocessing replaced rare words). At char level min_count and
 * max_vocab must be 0 or 1 and 0 (a character vocabulary has no "<unk>").
 * stats may be NULL. */
RECUR_API recur_status recur_vocab_build_with(const char *text, size_t len, const recur_vocab_options *o,
                                              recur_vocab **out, recur_vocab_stats *stats, recur_error *err);

/* A vocabulary from a list of token strings in id order (as stored in a
 * checkpoint). Duplicates and empty tokens are rejected; at char level each
 * token must be exactly one code point. */
RECUR_API recur_status recur_vocab_from_tokens(const char *const *tokens, int count, recur_level level,
                                               recur_vocab **out, recur_error *err);

RECUR_API void recur_vocab_free(recur_vocab *v);
/* A copy of v (NULL gives NULL), owned by the caller. */
RECUR_API recur_status recur_vocab_copy(const recur_vocab *v, recur_vocab **out, recur_error *err);
RECUR_API int recur_vocab_size(const recur_vocab *v);
RECUR_API recur_level recur_vocab_level(const recur_vocab *v);
/* The token's UTF-8 string, NUL-terminated; NULL if id is out of range. */
RECUR_API const char *recur_vocab_token(const recur_vocab *v, int id);
/* The id of a token string, or -1. */
RECUR_API int recur_vocab_find(const recur_vocab *v, const char *token, size_t len);
/* The id of "<unk>", or -1 if the vocabulary has none (word level). */
RECUR_API int recur_vocab_unk(const recur_vocab *v);

/* Encodes a text into token ids (malloc'd, freed by the caller with free()).
 * char: every code point must be in the vocabulary, else an error naming the
 *       character and its byte offset.
 * word: words not in the vocabulary map to "<unk>" if present, else an error
 *       naming the word and its line. */
RECUR_API recur_status recur_vocab_encode(const recur_vocab *v, const char *text, size_t len,
                                          int32_t **ids, size_t *count, recur_error *err);

/* What encoding does with a token the vocabulary cannot represent: a
 * character outside a character vocabulary, or a word outside a word
 * vocabulary that has no "<unk>". (A word vocabulary with "<unk>" always
 * encodes an unseen word as "<unk>", and counts it.) */
typedef enum recur_unknown {
    RECUR_UNKNOWN_ERROR = 0, /* fail: the error names the first such token and counts them all */
    RECUR_UNKNOWN_SKIP       /* leave it out of the ids, and count it */
} recur_unknown;

#define RECUR_UNKNOWN_EXAMPLES 8

/* One distinct token of a text that the vocabulary lacks. */
typedef struct recur_unknown_token {
    char text[68];   /* the token, UTF-8, NUL-terminated; longer words are cut
                        on a character boundary and end in "..." */
    uint32_t cp;     /* char level: its code point */
    size_t count;    /* its occurrences */
    size_t offset;   /* byte offset of the first one */
    size_t line;     /* 1-based line of the first one */
} recur_unknown_token;

/* What encoding a text mapped or left out. */
typedef struct recur_encode_stats {
    size_t tokens;        /* tokens of the text: ids written plus tokens skipped */
    size_t unk_mapped;    /* words outside the vocabulary encoded as "<unk>" */
    size_t unk_total;     /* ids that are "<unk>": unk_mapped plus the text's own "<unk>" */
    size_t skipped;       /* tokens left out under RECUR_UNKNOWN_SKIP */
    size_t unknown_types; /* distinct tokens among unk_mapped and skipped (or, on
                             failure, among the tokens it could not encode) */
    int n_examples;       /* the first distinct ones, in order of appearance */
    recur_unknown_token examples[RECUR_UNKNOWN_EXAMPLES];
} recur_encode_stats;

/* recur_vocab_encode with a policy for tokens the vocabulary cannot
 * represent and a count of what was mapped or skipped. stats (may be NULL)
 * is filled on success and, when the policy is RECUR_UNKNOWN_ERROR, on that
 * failure too, with every unrepresentable token of the text counted. */
RECUR_API recur_status recur_vocab_encode_with(const recur_vocab *v, const char *text, size_t len,
                                               recur_unknown unknown, int32_t **ids, size_t *count,
                                               recur_encode_stats *stats, recur_error *err);
/* The sentence that says what encoding a text mapped to <unk> or skipped,
 * for a user: 'WHAT: 6 of 12 words (50.00%) are not in the model's
 * vocabulary and became <unk>, 5 distinct: "foo" x 1, ...' (no newline), or
 * "" when it mapped and skipped nothing. Writes at most size bytes (the NUL
 * included) into out and returns the length of the whole sentence, as
 * snprintf does. */
RECUR_API size_t recur_encode_stats_note(const recur_encode_stats *st, const recur_vocab *vocab, const char *what, char *out,
                                         size_t size);
/* "error" or "skip" (for flags and messages). */
RECUR_API const char *recur_unknown_name(recur_unknown unknown);
RECUR_API recur_status recur_unknown_parse(const char *name, recur_unknown *out, recur_error *err);

#ifdef __cplusplus
}
#endif
#endif
