/* Loading the texts a command works on: read (without a byte-order mark,
 * CRLF line ends normalised on request), validate, build or apply a
 * vocabulary, split off validation data, and say on stderr what did not fit
 * the vocabulary. */
#ifndef RECUR_CLI_CORPUS_H
#define RECUR_CLI_CORPUS_H

#include "recur.h"


/* How texts are read and encoded: the --newlines, --unknown, --min-count and
 * --max-vocab flags. */
typedef struct text_options {
    int newlines_lf;       /* "\r\n" becomes "\n" before anything else reads the text */
    recur_unknown unknown; /* tokens the vocabulary cannot represent: error (default) or skip */
    int min_count;         /* word vocabularies built here: see recur_vocab_options */
    int max_vocab;
    int quiet;             /* no notes on stderr */
    /* With defer set, notes wait in this buffer for text_notes_flush, so
     * that a command which fails later prints its error alone. */
    int defer;
    char notes[2048];
    size_t notes_used;
} text_options;

/* Prints the deferred notes (and forgets them). */
void text_notes_flush(text_options *t);
/* Part of a note line: on stderr now, or kept for text_notes_flush. */
void text_note(text_options *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void text_options_default(text_options *t);
/* Sets newlines_lf and unknown from the flags' values ("keep"/"lf",
 * "error"/"skip"; NULL keeps the default). Prints the error and returns 2. */
int text_options_parse(const char *command, text_options *t, const char *newlines, const char *unknown);
/* --help lines of the flags, for every command's table. */
#define TEXT_NEWLINES_HELP "keep or lf: read CRLF (Windows) line ends as LF (default keep)"
#define TEXT_UNKNOWN_HELP                                                                                  \
    "error or skip: characters the model lacks (words, if it has no <unk>) stop the command, or are left " \
    "out and counted (default error)"

/* Reads a text file as t says; a note on stderr when it has CRLF line ends. */
int corpus_read_text(const char *command, const char *path, text_options *t, char **text, size_t *len);

/* Reads path and encodes it with vocab (the error names the file). stats
 * (may be NULL) receives what was mapped to <unk> or skipped, which is also
 * noted on stderr unless t->quiet. */
int corpus_encode_file(const char *command, const char *path, const recur_vocab *vocab, text_options *t,
                       int32_t **ids, size_t *n, recur_encode_stats *stats);
/* Encodes text (a --prime, a line) and notes what became <unk> or was
 * skipped, naming it by what (e.g. "--prime"). */
int corpus_encode_text(const char *command, const char *what, const char *text, size_t len,
                       const recur_vocab *vocab, text_options *t, int32_t **ids, size_t *n,
                       recur_encode_stats *stats);
/* The note for stats on stderr, if anything was mapped or skipped. */
void corpus_note_unknown(const char *command, const char *what, const recur_vocab *vocab,
                         const recur_encode_stats *stats, text_options *t);


#endif
