/* Reductions over float arrays with double accumulators, written so the
 * compiler vectorises them: 16 interleaved partial sums (or maxima) break
 * the dependency chain that makes a plain running sum wait ~4 cycles per
 * element. The order of the additions depends only on n, so a result is
 * the same on every call and at every thread count. */
#ifndef RECUR_CORE_REDUCE_H
#define RECUR_CORE_REDUCE_H

#include <stddef.h>

/* sum of x[i], in double */
double recur_dsum(const float *x, size_t n);
/* sum of x[i]^2, in double */
double recur_dsum_squares(const float *x, size_t n);
/* the largest x[i], n >= 1 (with a NaN in x the result is unspecified,
 * as is any softmax of such a row) */
float recur_fmax(const float *x, size_t n);

/* The index of the first largest of x[0..n), n >= 1 (greedy decoding and
 * every prediction's best label). */
int recur_argmax(const float *x, int n);

#endif
