/* Products with a matrix packed once and used many times.
 *
 * A recurrence multiplies the same W_hh by a small block of hidden states at
 * every step. A general GEMM re-packs W_hh on each call (about a fifth of a
 * small LSTM's training time went to OpenBLAS's packing routines); here the
 * caller packs it once per window into 16-column panels and every step runs
 * a register-blocked kernel straight over the panels. */
#ifndef RECUR_CORE_GEMM_PACKED_H
#define RECUR_CORE_GEMM_PACKED_H

#include <stddef.h>

/* Floats needed to pack a k x n matrix (n rounded up to whole panels). */
size_t recur_packed_size(int k, int n);
/* Packs B (k x n, row stride ldb) or, with trans_b, the transpose of the
 * stored n x k matrix b. */
void recur_pack_b(int trans_b, int k, int n, const float *b, int ldb, float *packed);
/* C (m x n, row stride ldc) += A (m x k, row stride lda) x packed B. */
void recur_sgemm_packed(int m, int n, int k, const float *a, int lda, const float *packed, float *c, int ldc);

/* Whether this build has the AVX-512 or AVX2 kernels, which outrun a
 * general GEMM at the sizes of a recurrence (bench/micro/bench_packed.c);
 * the plain-C one does only for small matrices. */
int recur_packed_outruns_gemm(void);

#endif
