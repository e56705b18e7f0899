/* The data and the model of a run: the training text read once (a leading
 * byte-order mark dropped, CRLF line ends normalised on request), its
 * vocabulary (word limits) or the vocabulary of the model fine-tuned or
 * resumed, the ids of the training, validation and test texts with a policy
 * for tokens the vocabulary lacks, and notes saying what was mapped, skipped
 * or added (the caller prints them). */
#include "train/run_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

void run_note(recur_strbuf *notes, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    recur_strbuf_puts(notes, line);
}

static double percent(size_t part, size_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

recur_status run_read_text(const recur_run_options *o, const char *path, recur_strbuf *notes, char **text,
                           size_t *len, recur_error *err)
{
    recur_status st = recur_read_file(path, text, len, err);
    if (st)
        return st; /* read_file's messages name the path */
    size_t crlf = recur_text_crlf_count(*text, *len);
    if (!crlf || !notes)
        return RECUR_OK;
    if (o->newlines_lf) {
        *len = recur_text_crlf_to_lf(*text, *len);
        run_note(notes, "%s: %zu CRLF line ends read as LF (--newlines lf)\n", path, crlf);
    } else {
        run_note(notes,
                 "%s has Windows line ends (%zu CRLF): at character level '\\r' is a character of its own; "
                 "--newlines lf reads them as LF\n",
                 path, crlf);
    }
    return RECUR_OK;
}

static void note_unknown(const char *what, const recur_vocab *vocab, const recur_encode_stats *st,
                         recur_strbuf *notes)
{
    size_t n = notes ? recur_encode_stats_note(st, vocab, what, NULL, 0) : 0;
    char *line = n ? malloc(n + 1) : NULL;
    if (!line)
        return;
    recur_encode_stats_note(st, vocab, what, line, n + 1);
    run_note(notes, "%s\n", line);
    free(line);
}

recur_status run_encode_text(const recur_run_options *o, const char *what, const char *text, size_t len,
                             const recur_vocab *vocab, recur_strbuf *notes, int32_t **ids, size_t *n,
                             recur_error *err)
{
    recur_encode_stats stats;
    recur_status st = recur_vocab_encode_with(vocab, text, len, (recur_unknown)o->unknown, ids, n, &stats, err);
    if (st) {
        /* The error line, with the way out. */
        const char *hint = "";
        if (stats.unknown_types > 0 && recur_vocab_level(vocab) == RECUR_LEVEL_CHAR) {
            int cr = stats.examples[0].cp == '\r' && recur_text_crlf_count(text, len) > 0;
            hint = cr ? "; --newlines lf reads CRLF line ends as LF, --unknown skip leaves such characters out"
                      : "; --unknown skip leaves them out";
        } else if (stats.unknown_types > 0) {
            hint = "; --unknown skip leaves such words out";
        }
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        return recur_fail(err, st, "%s: %s%s", what, msg, hint);
    }
    note_unknown(what, vocab, &stats, notes);
    return RECUR_OK;
}

recur_status run_encode_file(const recur_run_options *o, const char *path, const recur_vocab *vocab,
                             recur_strbuf *notes, int32_t **ids, size_t *n, recur_error *err)
{
    char *text = NULL;
    size_t len = 0;
    recur_status st = run_read_text(o, path, notes, &text, &len, err);
    if (!st)
        st = run_encode_text(o, path, text, len, vocab, notes, ids, n, err);
    free(text);
    return st;
}

/* One line about the vocabulary just built. */
static void note_vocab(const recur_run_options *o, const char *path, const recur_vocab *v,
                       const recur_vocab_stats *st, recur_strbuf *notes)
{
    int word = recur_vocab_level(v) == RECUR_LEVEL_WORD;
    run_note(notes, "vocabulary: %d %s from %zu tokens of %s", recur_vocab_size(v), word ? "words" : "characters",
             st->tokens, path);
    if (st->dropped_types) {
        char limits[96] = "";
        if (o->min_count > 1)
            snprintf(limits, sizeof limits, "--min-count %d", o->min_count);
        if (o->max_vocab > 0)
            snprintf(limits + strlen(limits), sizeof limits - strlen(limits), "%s--max-vocab %d",
                     o->min_count > 1 ? " and " : "", o->max_vocab);
        run_note(notes, "; %s left out %zu of its %zu distinct words (%zu tokens, %.2f%%), which are <unk>", limits,
                 st->dropped_types, st->types, st->dropped_tokens, percent(st->dropped_tokens, st->tokens));
    }
    if (st->added_unk)
        run_note(notes, "; <unk> added for words it lacks");
    run_note(notes, "\n");
}

recur_status run_build_vocab(const recur_run_options *o, const char *text, size_t len, recur_strbuf *notes,
                             recur_vocab **vocab, recur_error *err)
{
    recur_vocab_options vo;
    recur_vocab_options_default(&vo, o->model.level);
    vo.min_count = o->min_count;
    vo.max_vocab = o->max_vocab;
    recur_vocab_stats vs;
    recur_status st = recur_vocab_build_with(text, len, &vo, vocab, &vs, err);
    if (st)
        return recur_error_prefix(err, "%s", o->data);
    note_vocab(o, o->data, *vocab, &vs, notes);
    return RECUR_OK;
}

/* A note naming the characters the model gained. */
static void note_growth(const char *model_path, const recur_model *m, int added, int old_size, recur_strbuf *notes)
{
    if (!added)
        return;
    char list[256] = "";
    size_t used = 0;
    const recur_vocab *v = recur_model_vocab(m);
    for (int i = old_size; i < old_size + added && i < old_size + 8 && used < sizeof list; i++) {
        const char *tok = recur_vocab_token(v, i);
        int n = (unsigned char)tok[0] < 0x20
                    ? snprintf(list + used, sizeof list - used, "%sU+%04X", i > old_size ? ", " : "",
                               (unsigned)(unsigned char)tok[0])
                    : snprintf(list + used, sizeof list - used, "%s'%s'", i > old_size ? ", " : "", tok);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    run_note(notes,
             "--init-from %s: %d characters of the new text are new to the model (ids %d to %d: %s%s); their "
             "embedding rows start as the mean of the old rows, their decoder rows at zero with the smallest old "
             "bias less log %d\n",
             model_path, added, old_size, old_size + added - 1, list, added > 8 ? ", ..." : "", added);
}

recur_status run_finetune_model(const recur_run_options *o, const char *text, size_t len, recur_strbuf *notes,
                                recur_model **model, recur_error *err)
{
    recur_model *base = NULL, *grown = NULL;
    *model = NULL;
    recur_status st = recur_model_load(o->init_from, &base, err);
    if (st)
        return recur_error_prefix(err, "--init-from");
    const recur_config *bc = recur_model_config(base);
    if (bc->task != RECUR_TASK_LM) {
        st = recur_fail(err, RECUR_E_ARG, "--init-from %s is a %s model, not a language model", o->init_from,
                        recur_task_name(bc->task));
        recur_model_free(base);
        return st;
    }
    const int old_size = recur_vocab_size(recur_model_vocab(base));
    int added = 0;
    if (bc->level == RECUR_LEVEL_CHAR) {
        /* New characters get rows of their own; old ids keep theirs. */
        recur_vocab *chars = NULL;
        if ((st = recur_vocab_build(text, len, RECUR_LEVEL_CHAR, &chars, err)))
            recur_error_prefix(err, "%s", o->data);
        else if ((st = recur_model_extend_vocab(base, chars, &grown, &added, err)))
            recur_error_prefix(err, "--init-from %s", o->init_from);
        recur_vocab_free(chars);
        recur_model_free(base);
        if (st)
            return st;
    } else {
        grown = base; /* words the vocabulary lacks become <unk> */
    }
    if (run_options_was_set(o, "dropout") && (st = recur_model_set_dropout(grown, o->model.dropout, err))) {
        recur_model_free(grown);
        return recur_error_prefix(err, "--dropout");
    }
    note_growth(o->init_from, grown, added, old_size, notes);
    *model = grown;
    return RECUR_OK;
}
