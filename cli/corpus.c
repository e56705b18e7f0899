#include "corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int corpus_encode_file(const char *command, const char *path, const recur_vocab *vocab, int32_t **ids, size_t *n)
{
    recur_error err = {0};
    char *text = NULL;
    size_t len = 0;
    /* Encoding validates the UTF-8 itself and names the byte offset. */
    if (recur_read_file(path, &text, &len, &err) || recur_vocab_encode(vocab, text, len, ids, n, &err)) {
        /* read_file's messages name the path already */
        if (text)
            cli_error(command, "%s: %s", path, err.msg);
        else
            cli_error(command, "%s", err.msg);
        free(text);
        return 1;
    }
    free(text);
    return 0;
}

int corpus_load(const char *command, const char *train_path, const char *val_path, double val_fraction,
                recur_level level, recur_vocab **vocab, corpus *out)
{
    memset(out, 0, sizeof *out);
    recur_error err = {0};
    int built = 0;
    if (!*vocab) {
        char *text = NULL;
        size_t len = 0;
        if (recur_read_file(train_path, &text, &len, &err)) {
            cli_error(command, "%s", err.msg);
            return 1;
        }
        if (recur_vocab_build(text, len, level, vocab, &err)) {
            cli_error(command, "%s: %s", train_path, err.msg);
            free(text);
            return 1;
        }
        free(text);
        built = 1;
    }
    int32_t *ids = NULL;
    size_t n = 0;
    if (corpus_encode_file(command, train_path, *vocab, &ids, &n))
        goto fail;
    if (val_path) {
        if (corpus_encode_file(command, val_path, *vocab, &out->val, &out->n_val))
            goto fail;
        out->train = ids;
        out->n_train = n;
        return 0;
    }
    size_t n_val = (size_t)((double)n * val_fraction);
    if (val_fraction > 0.0 && n_val < 2) {
        cli_error(command, "%s: %zu tokens leave no validation data; give --val FILE or --val-fraction 0", train_path, n);
        goto fail;
    }
    if (n_val) {
        out->val = malloc(n_val * sizeof *out->val);
        if (!out->val) {
            cli_error(command, "out of memory");
            goto fail;
        }
        memcpy(out->val, ids + (n - n_val), n_val * sizeof *ids);
        out->n_val = n_val;
    }
    out->train = ids;
    out->n_train = n - n_val;
    return 0;
fail:
    free(ids);
    corpus_free(out);
    if (built) {
        recur_vocab_free(*vocab);
        *vocab = NULL;
    }
    return 1;
}

void corpus_free(corpus *c)
{
    free(c->train);
    free(c->val);
    memset(c, 0, sizeof *c);
}
