#include "corpus.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

void text_options_default(text_options *t)
{
    memset(t, 0, sizeof *t);
    t->unknown = RECUR_UNKNOWN_ERROR;
}

int text_options_parse(const char *command, text_options *t, const char *newlines, const char *unknown)
{
    static const cli_choice endings[] = {{"keep", 0}, {"lf", 1}};
    int v;
    if (newlines) {
        if (CLI_CHOOSE(command, "--newlines", newlines, endings, &v))
            return 2;
        t->newlines_lf = v;
    }
    recur_error err = {0};
    if (unknown && recur_unknown_parse(unknown, &t->unknown, &err))
        return cli_bad_choice(command, "--unknown", err.msg), 2;
    return 0;
}

/* Part of a note line: on stderr now, or kept until text_notes_flush. */
void text_note(text_options *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!t->defer) {
        vfprintf(stderr, fmt, ap);
    } else if (t->notes_used < sizeof t->notes) {
        int n = vsnprintf(t->notes + t->notes_used, sizeof t->notes - t->notes_used, fmt, ap);
        if (n > 0)
            t->notes_used += (size_t)n < sizeof t->notes - t->notes_used ? (size_t)n : sizeof t->notes - t->notes_used;
    }
    va_end(ap);
}

void text_notes_flush(text_options *t)
{
    if (t->notes_used)
        fputs(t->notes, stderr);
    t->notes_used = 0;
    t->notes[0] = '\0';
}

int corpus_read_text(const char *command, const char *path, text_options *t, char **text, size_t *len)
{
    recur_error err = {0};
    if (recur_read_file(path, text, len, &err)) {
        cli_error(command, "%s", err.msg); /* read_file's messages name the path */
        return 1;
    }
    size_t crlf = recur_text_crlf_count(*text, *len);
    if (!crlf)
        return 0;
    if (t->newlines_lf) {
        *len = recur_text_crlf_to_lf(*text, *len);
        if (!t->quiet)
            text_note(t, "%s: %s: %zu CRLF line ends read as LF (--newlines lf)\n", command, path, crlf);
    } else if (!t->quiet) {
        text_note(t,
                "%s: %s has Windows line ends (%zu CRLF): at character level '\\r' is a character of its own; "
                "--newlines lf reads them as LF\n",
                command, path, crlf);
    }
    return 0;
}

void corpus_note_unknown(const char *command, const char *what, const recur_vocab *vocab,
                         const recur_encode_stats *st, text_options *t)
{
    size_t n = recur_encode_stats_note(st, vocab, what, NULL, 0);
    char *line = n ? malloc(n + 1) : NULL;
    if (!line)
        return;
    recur_encode_stats_note(st, vocab, what, line, n + 1);
    text_note(t, "%s: %s\n", command, line);
    free(line);
}

/* The error line for a text that does not fit the vocabulary, with the way out. */
static void encode_error(const char *command, const char *what, const char *text, size_t len,
                         const recur_vocab *vocab, const recur_encode_stats *st, const char *msg)
{
    const char *hint = "";
    if (st->unknown_types > 0 && recur_vocab_level(vocab) == RECUR_LEVEL_CHAR) {
        int cr = st->examples[0].cp == '\r' && recur_text_crlf_count(text, len) > 0;
        hint = cr ? "; --newlines lf reads CRLF line ends as LF, --unknown skip leaves such characters out"
                  : "; --unknown skip leaves them out";
    } else if (st->unknown_types > 0) {
        hint = "; --unknown skip leaves such words out";
    }
    cli_error(command, "%s: %s%s", what, msg, hint);
}

int corpus_encode_text(const char *command, const char *what, const char *text, size_t len,
                       const recur_vocab *vocab, text_options *t, int32_t **ids, size_t *n,
                       recur_encode_stats *stats)
{
    recur_error err = {0};
    recur_encode_stats local;
    if (!stats)
        stats = &local;
    if (recur_vocab_encode_with(vocab, text, len, t->unknown, ids, n, stats, &err)) {
        encode_error(command, what, text, len, vocab, stats, err.msg);
        return 1;
    }
    if (!t->quiet)
        corpus_note_unknown(command, what, vocab, stats, t);
    return 0;
}

int corpus_encode_file(const char *command, const char *path, const recur_vocab *vocab, text_options *t,
                       int32_t **ids, size_t *n, recur_encode_stats *stats)
{
    char *text = NULL;
    size_t len = 0;
    if (corpus_read_text(command, path, t, &text, &len))
        return 1;
    int rc = corpus_encode_text(command, path, text, len, vocab, t, ids, n, stats);
    free(text);
    return rc;
}
