/* Matrix-product dispatch: CBLAS when the build found OpenBLAS, the portable
 * kernels (gemm_portable.c) otherwise. Degenerate shapes are settled here so
 * that no BLAS ever sees a stride it could reject (a BLAS reports bad
 * arguments by printing, not by returning an error). */
#include "core/gemm.h"
#include "core/threads.h"

#include <stdio.h>
#include <string.h>

#ifdef RECUR_HAVE_CBLAS
#include <cblas.h>
#endif
#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

/* C = beta * C for an m x n block; beta == 0 writes zeros without reading. */
static void scale_block(int m, int n, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        float *row = c + (size_t)i * (size_t)ldc;
        if (beta == 0.0f)
            memset(row, 0, (size_t)n * sizeof *row);
        else if (beta != 1.0f)
            for (int j = 0; j < n; j++)
                row[j] *= beta;
    }
}

static int max_int(int a, int b) { return a > b ? a : b; }

int recur_blas_is_external(void)
{
#ifdef RECUR_HAVE_CBLAS
    return 1;
#else
    return 0;
#endif
}

#ifdef RECUR_HAVE_CBLAS
static void cblas_call(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                       const float *b, int ldb, float beta, float *c, int ldc)
{
    /* A stored matrix with a single row has no meaningful stride; callers may
     * pass anything there, but a BLAS insists on lda >= its row length. */
    int a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
    int b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
    if (a_rows == 1)
        lda = max_int(lda, a_cols);
    if (b_rows == 1)
        ldb = max_int(ldb, b_cols);
    if (m == 1)
        ldc = max_int(ldc, n);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif

int recur_gemm_concurrent_ok(void)
{
#ifdef RECUR_HAVE_OPENBLAS
    return openblas_get_num_threads() == 1;
#else
    return 1;
#endif
}

void recur_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0 || alpha == 0.0f) {
        scale_block(m, n, beta, c, ldc);
        return;
    }
#ifdef RECUR_HAVE_CBLAS
#ifdef RECUR_HAVE_OPENMP
    /* recur keeps the BLAS to one thread per call (recur_set_threads) so
     * that its own threads never fight the BLAS's pool; a large product
     * outside any parallel region is then cut into slabs of C that the
     * threads take in turn. Several slabs a thread, not one: a thread whose
     * core is shared with another process takes fewer of them instead of
     * holding the others back (with fixed halves, 2 threads on 2 cores and
     * one competing process ran no faster than 1). */
    int threads = omp_get_max_threads();
    const double work = (double)m * n * k;
    if (omp_get_level() == 0 && work >= 1e6 && recur_gemm_concurrent_ok()) {
        /* The cut must not change the numbers with the thread count.
         * Cutting rows at multiples of 48 does not change them at all: 48
         * is a multiple of the rows OpenBLAS's sgemm kernels take at once
         * (16 for SkylakeX, 24 for Haswell and Zen), so a row of C sums in
         * the same order in any slab as in the whole product (measured,
         * OpenBLAS 0.3.21: cuts at multiples of 24 rows bitwise equal on
         * Zen 3, of 16 on SkylakeX). Cutting columns does change them on
         * Zen, at any width up to 96 measured, so the column cut is a
         * function of the shape alone and one thread runs it too.
         * OpenBLAS runs products below about 1e6 multiply-adds through its
         * small-matrix kernels, which sum in another order: each slab keeps
         * above that (SLAB_MIN) where it can. */
        const double SLAB_MIN = 1.1e6;
        const int split_rows = m >= n, len = split_rows ? m : n, tile = split_rows ? 48 : 16;
        const int tiles = (len + tile - 1) / tile;
        int slabs = split_rows ? (threads > 1 ? 4 * threads : 1) : 8;
        if (slabs > work / SLAB_MIN)
            slabs = (int)(work / SLAB_MIN);
        if (slabs > tiles)
            slabs = tiles;
        if (split_rows && slabs < threads)
            slabs = threads; /* the even cut, in whole tiles */
        if (slabs > 1) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
            for (int i = 0; i < slabs; i++) {
                int lo, hi;
                if (split_rows && slabs == threads) { /* the even cut, rounded down to whole tiles */
                    recur_thread_share(len, 1, i, slabs, &lo, &hi);
                    lo -= lo % tile;
                    hi = i == slabs - 1 ? len : hi - hi % tile;
                } else {
                    recur_thread_share(len, tile, i, slabs, &lo, &hi);
                }
                if (hi > lo) {
                    if (split_rows)
                        cblas_call(trans_a, trans_b, hi - lo, n, k, alpha, trans_a ? a + lo : a + (size_t)lo * lda,
                                   lda, b, ldb, beta, c + (size_t)lo * ldc, ldc);
                    else
                        cblas_call(trans_a, trans_b, m, hi - lo, k, alpha, a, lda,
                                   trans_b ? b + (size_t)lo * ldb : b + lo, ldb, beta, c + lo, ldc);
                }
            }
            return;
        }
    }
#endif
    cblas_call(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#else
    (void)max_int;
    recur_sgemm_portable(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

void recur_sgemv(int trans, int m, int n, float alpha, const float *a, int lda, const float *x,
                 float beta, float *y)
{
    int ylen = trans ? n : m;
    if (ylen <= 0)
        return;
    if (m <= 0 || n <= 0 || alpha == 0.0f) {
        scale_block(1, ylen, beta, y, ylen);
        return;
    }
#ifdef RECUR_HAVE_CBLAS
    if (m == 1)
        lda = max_int(lda, n);
    /* Zero y ourselves: the contract says beta == 0 never reads y, and that
     * must not depend on how a given BLAS version scales by zero. */
    if (beta == 0.0f)
        memset(y, 0, (size_t)ylen * sizeof *y);
    cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda, x, 1,
                beta, y, 1);
#else
    (void)max_int;
    recur_sgemv_portable(trans, m, n, alpha, a, lda, x, beta, y);
#endif
}

void recur_blas_set_threads(int n)
{
    if (n <= 0)
        return;
#if defined(RECUR_HAVE_OPENBLAS) && defined(RECUR_HAVE_OPENMP)
    /* One BLAS thread per call: recur_sgemm splits large products over the
     * OpenMP team itself, and the recurrent layers call it from several
     * threads at once. */
    openblas_set_num_threads(1);
#elif defined(RECUR_HAVE_OPENBLAS)
    openblas_set_num_threads(n);
#endif
#ifdef RECUR_HAVE_OPENMP
    /* The portable kernels (always used by tests and by non-BLAS builds) run
     * on the OpenMP team; keep its size in step. */
    omp_set_num_threads(n);
#endif
}

void recur_blas_describe(char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
#ifdef RECUR_HAVE_OPENBLAS
    /* openblas_get_config() reads like "OpenBLAS 0.3.21 DYNAMIC_ARCH ...":
     * keep the first two words (name and version). */
    const char *config = openblas_get_config();
    char version[64] = "OpenBLAS";
    if (config) {
        size_t words = 0, len = 0;
        while (config[len] && len + 1 < sizeof version) {
            if (config[len] == ' ' && ++words == 2)
                break;
            len++;
        }
        memcpy(version, config, len);
        version[len] = '\0';
    }
    int parallel = openblas_get_parallel();
    const char *model = parallel == 0 ? "sequential" : parallel == 1 ? "pthreads" : "OpenMP";
    int threads = openblas_get_num_threads();
    snprintf(buf, size, "%s (%s, %s, %d thread%s)", version, openblas_get_corename(), model,
             threads, threads == 1 ? "" : "s");
#elif defined(RECUR_HAVE_CBLAS)
    snprintf(buf, size, "CBLAS (unknown implementation)");
#elif defined(RECUR_HAVE_OPENMP)
    int threads = omp_get_max_threads();
    snprintf(buf, size, "portable (OpenMP, %d thread%s)", threads, threads == 1 ? "" : "s");
#else
    snprintf(buf, size, "portable (1 thread)");
#endif
}
