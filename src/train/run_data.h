/* Reading a run's texts and building its model (run_data.c). Notes (what
 * was mapped to <unk>, skipped, added, or what the line ends are) go into a
 * buffer, one line each, for the caller to show. */
#ifndef RECUR_TRAIN_RUN_DATA_H
#define RECUR_TRAIN_RUN_DATA_H

#include "core/strbuf.h"
#include "train/run_internal.h"

void run_note(recur_strbuf *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads path, CRLF normalised under --newlines lf; notes CRLF line ends
 * (notes may be NULL: no notes). */
recur_status run_read_text(const recur_run_options *o, const char *path, recur_strbuf *notes, char **text,
                           size_t *len, recur_error *err);
/* Encodes text under --unknown, naming it by what in errors and notes. */
recur_status run_encode_text(const recur_run_options *o, const char *what, const char *text, size_t len,
                             const recur_vocab *vocab, recur_strbuf *notes, int32_t **ids, size_t *n,
                             recur_error *err);
recur_status run_encode_file(const recur_run_options *o, const char *path, const recur_vocab *vocab,
                             recur_strbuf *notes, int32_t **ids, size_t *n, recur_error *err);
/* The training text's vocabulary under --level, --min-count, --max-vocab. */
recur_status run_build_vocab(const recur_run_options *o, const char *text, size_t len, recur_strbuf *notes,
                             recur_vocab **vocab, recur_error *err);
/* --init-from: the model, grown by the characters of the training text it
 * lacks (character level), with --dropout when given. */
recur_status run_finetune_model(const recur_run_options *o, const char *text, size_t len, recur_strbuf *notes,
                                recur_model **model, recur_error *err);

#endif
