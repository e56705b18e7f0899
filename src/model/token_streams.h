/* A token array read as B parallel streams, as the trainer and the batched
 * evaluations read it: stream b is ids[b * len, (b + 1) * len), len =
 * count / B, and the tail past B * len is dropped (PyTorch's batchify). A
 * window of T steps at position pos is the time-major [T][B] block of each
 * stream's tokens pos .. pos + T - 1, and its targets the tokens one later.
 * Internal to the library. */
#ifndef RECUR_MODEL_TOKEN_STREAMS_H
#define RECUR_MODEL_TOKEN_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct token_streams {
    const int32_t *ids;
    int B;      /* streams */
    size_t len; /* tokens per stream */
} token_streams;

/* The B streams of count tokens (len may be 0 when count < B). */
token_streams token_streams_cut(const int32_t *ids, size_t count, int B);

/* Streams first .. first + n - 1, steps pos .. pos + T - 1: inputs into
 * x [T][n] and, unless y is NULL, the next tokens into y [T][n]. */
void token_streams_window(const token_streams *s, int first, int n, size_t pos, int T, int32_t *x, int32_t *y);

/* RECUR_OK when every id is in [0, V); else an error naming the first that
 * is not. */
recur_status token_ids_check(const int32_t *ids, size_t count, int V, recur_error *err);

#endif
