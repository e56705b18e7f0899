/* Single-precision matrix products for the layers: a thin wrapper over CBLAS
 * (OpenBLAS) when the build found one, and a portable cache-blocked fallback
 * otherwise. All matrices are row-major; lda/ldb/ldc are row strides in
 * elements. */
#ifndef RECUR_CORE_GEMM_H
#define RECUR_CORE_GEMM_H

#include <stddef.h>

/* Row-major C = alpha * op(A) * op(B) + beta * C; op(X) = X^T when trans_x != 0.
 * op(A) is m x k, op(B) is k x n, C is m x n; lda/ldb/ldc are row strides.
 * beta == 0 overwrites C without reading it (C may hold NaN garbage).
 * m, n or k == 0 are valid no-ops (with k == 0, C = beta*C). */
void recur_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* y = alpha * op(A) x + beta * y, A is m x n row-major with row stride lda;
 * op(A) = A^T when trans != 0 (then x has m entries and y has n).
 * beta == 0 overwrites y without reading it. */
void recur_sgemv(int trans, int m, int n, float alpha, const float *a, int lda, const float *x,
                 float beta, float *y);

/* 1 when several threads may call recur_sgemm at the same time without
 * oversubscribing the cores (the portable kernels, or a BLAS kept to one
 * thread per call by recur_blas_set_threads). */
int recur_gemm_concurrent_ok(void);

/* Threads for the matrix products (OpenBLAS: openblas_set_num_threads;
 * portable: OpenMP threads used by the fallback). n <= 0 leaves the default. */
void recur_blas_set_threads(int n);

/* A description for benchmark records, e.g.
 * "OpenBLAS 0.3.21 (Haswell, pthreads, 2 threads)" or
 * "portable (OpenMP, 2 threads)". Always NUL-terminates when size > 0. */
void recur_blas_describe(char *buf, size_t size);

/* The portable implementations, always compiled (whatever BLAS the build
 * uses) so that tests and benchmarks can exercise and compare them. Same
 * contracts as recur_sgemm / recur_sgemv. */
void recur_sgemm_portable(int trans_a, int trans_b, int m, int n, int k, float alpha,
                          const float *a, int lda, const float *b, int ldb, float beta, float *c,
                          int ldc);
void recur_sgemv_portable(int trans, int m, int n, float alpha, const float *a, int lda,
                          const float *x, float beta, float *y);

/* 1 when recur_sgemm calls a CBLAS, 0 when it runs the portable code. */
int recur_blas_is_external(void);

#endif
