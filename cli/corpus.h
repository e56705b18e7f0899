/* Loading the texts a command works on: read, validate, build or apply a
 * vocabulary, split off validation data. */
#ifndef RECUR_CLI_CORPUS_H
#define RECUR_CLI_CORPUS_H

#include "recur.h"

typedef struct corpus {
    int32_t *train, *val;  /* val may be NULL: no validation */
    size_t n_train, n_val;
} corpus;

/* Reads path and encodes it with vocab (the error names the file). */
int corpus_encode_file(const char *command, const char *path, const recur_vocab *vocab, int32_t **ids, size_t *n);

/* Reads the training text, builds its vocabulary (when *vocab is NULL) and
 * the validation ids: from val_path if given, else the last val_fraction of
 * the training tokens (0 turns validation off). Prints one error line and
 * returns non-zero on failure. */
int corpus_load(const char *command, const char *train_path, const char *val_path, double val_fraction,
                recur_level level, recur_vocab **vocab, corpus *out);
void corpus_free(corpus *c);

#endif
