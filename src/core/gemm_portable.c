/* The portable matrix product: GotoBLAS-style cache blocking. For each KC-deep
 * slice of the inner dimension, a KC x NC block of op(B) is packed into
 * NR-wide column panels (kept in L3/L2) and an MC x KC block of op(A) into
 * MR-tall row panels (kept in L2); a register-blocked MR x NR micro-kernel then
 * walks the panels so that one B panel stays in L1 while the A panels stream
 * past it. Packing also absorbs the transposes, the strides and alpha, so the
 * micro-kernel sees one contiguous layout. With OpenMP each thread computes
 * its own slab of C (see recur_sgemm_portable). */
#include "core/gemm.h"
#include "core/threads.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __AVX2__
#include <immintrin.h>
#endif
#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

#define MR 6    /* micro-tile rows: 6 x 2 accumulators of 8 floats = 12 ymm */
#define NR 16   /* micro-tile columns */
/* Cache blocks (overridable with -D for tuning experiments):
 * KC: depth of one packed slice; a B panel of NR x KC is 16 KiB (L1).
 * MC: rows of packed A per block; 120 x KC floats = 120 KiB (L2).
 * NC: columns of packed B per block; NC x KC floats = 3 MiB (L3). */
#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC 120
#endif
#ifndef NC
#define NC 3072
#endif

/* Below this many multiply-adds a thread team costs more than it saves. */
#define PARALLEL_MIN_WORK (96.0 * 96.0 * 96.0)

static float *alloc_floats(size_t count)
{
    size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

/* C = beta * C; beta == 0 writes zeros without reading C. */
static void scale_c(int m, int n, float beta, float *c, int ldc)
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

/* Packs rows [i0, i0+rows) x depth [p0, p0+kc) of alpha*op(A) into one MR-tall
 * panel: dst[p*MR + ii]; rows past the edge are zero. */
static void pack_a_panel(int trans_a, const float *a, int lda, int i0, int rows, int p0, int kc,
                         float alpha, float *dst)
{
    if (!trans_a) {
        for (int ii = 0; ii < rows; ii++) {
            const float *src = a + (size_t)(i0 + ii) * (size_t)lda + p0;
            for (int p = 0; p < kc; p++)
                dst[p * MR + ii] = alpha * src[p];
        }
    } else {
        for (int p = 0; p < kc; p++) {
            const float *src = a + (size_t)(p0 + p) * (size_t)lda + i0;
            for (int ii = 0; ii < rows; ii++)
                dst[p * MR + ii] = alpha * src[ii];
        }
    }
    if (rows < MR)
        for (int p = 0; p < kc; p++)
            for (int ii = rows; ii < MR; ii++)
                dst[p * MR + ii] = 0.0f;
}

/* Packs depth [p0, p0+kc) x columns [j0, j0+cols) of op(B) into one NR-wide
 * panel: dst[p*NR + jj]; columns past the edge are zero. */
static void pack_b_panel(int trans_b, const float *b, int ldb, int p0, int kc, int j0, int cols,
                         float *dst)
{
    if (!trans_b) {
        for (int p = 0; p < kc; p++) {
            const float *src = b + (size_t)(p0 + p) * (size_t)ldb + j0;
            float *out = dst + (size_t)p * NR;
            int jj = 0;
            for (; jj < cols; jj++)
                out[jj] = src[jj];
            for (; jj < NR; jj++)
                out[jj] = 0.0f;
        }
    } else {
        for (int jj = 0; jj < cols; jj++) {
            const float *src = b + (size_t)(j0 + jj) * (size_t)ldb + p0;
            for (int p = 0; p < kc; p++)
                dst[p * NR + jj] = src[p];
        }
        if (cols < NR)
            for (int p = 0; p < kc; p++)
                for (int jj = cols; jj < NR; jj++)
                    dst[p * NR + jj] = 0.0f;
    }
}

/* Writes an MR x NR tile computed in tmp into the rows x cols corner of C. */
static void store_partial(const float *tmp, float *c, int ldc, float beta, int rows, int cols)
{
    for (int i = 0; i < rows; i++) {
        float *crow = c + (size_t)i * (size_t)ldc;
        const float *t = tmp + i * NR;
        if (beta == 0.0f)
            for (int j = 0; j < cols; j++)
                crow[j] = t[j];
        else
            for (int j = 0; j < cols; j++)
                crow[j] = t[j] + beta * crow[j];
    }
}

#ifdef __AVX2__

#ifdef __FMA__
#define MADD(a, b, c) _mm256_fmadd_ps(a, b, c)
#else
#define MADD(a, b, c) _mm256_add_ps(_mm256_mul_ps(a, b), c)
#endif

static inline __m256 with_beta(__m256 acc, const float *c, __m256 vbeta, float beta)
{
    if (beta == 0.0f)
        return acc;
    if (beta == 1.0f)
        return _mm256_add_ps(acc, _mm256_loadu_ps(c));
    return MADD(vbeta, _mm256_loadu_ps(c), acc);
}

/* C[0:rows, 0:cols] = Ap * Bp + beta * C over depth kc. */
static void micro_kernel(int kc, const float *restrict ap, const float *restrict bp, float *c,
                         int ldc, float beta, int rows, int cols)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
        __m256 a;
        a = _mm256_broadcast_ss(ap + 0), c00 = MADD(a, b0, c00), c01 = MADD(a, b1, c01);
        a = _mm256_broadcast_ss(ap + 1), c10 = MADD(a, b0, c10), c11 = MADD(a, b1, c11);
        a = _mm256_broadcast_ss(ap + 2), c20 = MADD(a, b0, c20), c21 = MADD(a, b1, c21);
        a = _mm256_broadcast_ss(ap + 3), c30 = MADD(a, b0, c30), c31 = MADD(a, b1, c31);
        a = _mm256_broadcast_ss(ap + 4), c40 = MADD(a, b0, c40), c41 = MADD(a, b1, c41);
        a = _mm256_broadcast_ss(ap + 5), c50 = MADD(a, b0, c50), c51 = MADD(a, b1, c51);
        ap += MR;
        bp += NR;
    }
    __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                         {c30, c31}, {c40, c41}, {c50, c51}};
    if (rows == MR && cols == NR) {
        __m256 vbeta = _mm256_set1_ps(beta);
        for (int i = 0; i < MR; i++) {
            float *crow = c + (size_t)i * (size_t)ldc;
            _mm256_storeu_ps(crow, with_beta(acc[i][0], crow, vbeta, beta));
            _mm256_storeu_ps(crow + 8, with_beta(acc[i][1], crow + 8, vbeta, beta));
        }
        return;
    }
    _Alignas(32) float tmp[MR * NR];
    for (int i = 0; i < MR; i++) {
        _mm256_store_ps(tmp + i * NR, acc[i][0]);
        _mm256_store_ps(tmp + i * NR + 8, acc[i][1]);
    }
    store_partial(tmp, c, ldc, beta, rows, cols);
}

#else /* plain C, written so that the compiler vectorises it */

/* Half a tile (MR x 8) per pass: 12 four-wide accumulators fit the 16 SSE
 * registers of a baseline x86-64, where a full MR x NR tile would spill. */
static void micro_kernel(int kc, const float *restrict ap, const float *restrict bp, float *c,
                         int ldc, float beta, int rows, int cols)
{
    float tile[MR * NR];
    for (int half = 0; half < NR; half += 8) {
        float acc[MR][8] = {{0}};
        const float *a = ap, *b = bp + half;
        for (int p = 0; p < kc; p++) {
            for (int i = 0; i < MR; i++)
                for (int j = 0; j < 8; j++)
                    acc[i][j] += a[i] * b[j];
            a += MR;
            b += NR;
        }
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < 8; j++)
                tile[i * NR + half + j] = acc[i][j];
    }
    store_partial(tile, c, ldc, beta, rows, cols);
}

#endif

/* Straight triple loop, used only when the packing buffers cannot be had. */
static void gemm_unpacked(int trans_a, int trans_b, int m, int n, int k, float alpha,
                          const float *a, int lda, const float *b, int ldb, float beta, float *c,
                          int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0.0f;
            for (int p = 0; p < k; p++) {
                float av = trans_a ? a[(size_t)p * (size_t)lda + i] : a[(size_t)i * (size_t)lda + p];
                float bv = trans_b ? b[(size_t)j * (size_t)ldb + p] : b[(size_t)p * (size_t)ldb + j];
                sum += av * bv;
            }
            float *cij = c + (size_t)i * (size_t)ldc + j;
            *cij = alpha * sum + (beta == 0.0f ? 0.0f : beta * *cij);
        }
}

/* The blocked product for one thread: C = alpha op(A) op(B) + beta C with its
 * own packing buffers. Assumes m, n, k > 0 and alpha != 0. */
static void gemm_blocked(int trans_a, int trans_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc)
{
    int nc_max = n < NC ? (n + NR - 1) / NR * NR : NC;
    int kc_max = k < KC ? k : KC;
    int mc_max = m < MC ? (m + MR - 1) / MR * MR : MC;
    float *bpack = alloc_floats((size_t)nc_max * (size_t)kc_max);
    float *apack = alloc_floats((size_t)mc_max * (size_t)kc_max);
    if (!bpack || !apack) {
        free(bpack);
        free(apack);
        gemm_unpacked(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    for (int jc = 0; jc < n; jc += NC) {
        int nc = n - jc < NC ? n - jc : NC;
        int npanels = (nc + NR - 1) / NR;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = k - pc < KC ? k - pc : KC;
            float beta_now = pc == 0 ? beta : 1.0f;
            for (int jp = 0; jp < npanels; jp++) {
                int j0 = jp * NR;
                int cols = nc - j0 < NR ? nc - j0 : NR;
                pack_b_panel(trans_b, b, ldb, pc, kc, jc + j0, cols,
                             bpack + (size_t)jp * NR * (size_t)kc);
            }
            for (int ic = 0; ic < m; ic += MC) {
                int mc = m - ic < MC ? m - ic : MC;
                int mpanels = (mc + MR - 1) / MR;
                for (int ip = 0; ip < mpanels; ip++) {
                    int i0 = ip * MR;
                    int rows = mc - i0 < MR ? mc - i0 : MR;
                    pack_a_panel(trans_a, a, lda, ic + i0, rows, pc, kc, alpha,
                                 apack + (size_t)ip * MR * (size_t)kc);
                }
                /* B panel outer, A panels inner: the B panel stays in L1. */
                for (int jp = 0; jp < npanels; jp++) {
                    int j0 = jp * NR;
                    int cols = nc - j0 < NR ? nc - j0 : NR;
                    for (int ip = 0; ip < mpanels; ip++) {
                        int i0 = ip * MR;
                        int rows = mc - i0 < MR ? mc - i0 : MR;
                        micro_kernel(kc, apack + (size_t)ip * MR * (size_t)kc,
                                     bpack + (size_t)jp * NR * (size_t)kc,
                                     c + (size_t)(ic + i0) * (size_t)ldc + jc + j0, ldc,
                                     beta_now, rows, cols);
                    }
                }
            }
        }
    }
    free(bpack);
    free(apack);
}

void recur_sgemm_portable(int trans_a, int trans_b, int m, int n, int k, float alpha,
                          const float *a, int lda, const float *b, int ldb, float beta, float *c,
                          int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    if (m == 1 && (!trans_a || lda == 1)) {
        /* One output row with a contiguous op(A) row is a matrix-vector
         * product with op(B); packing would only add overhead. */
        if (trans_b)
            recur_sgemv_portable(0, n, k, alpha, b, ldb, a, beta, c);
        else
            recur_sgemv_portable(1, k, n, alpha, b, ldb, a, beta, c);
        return;
    }
#ifdef RECUR_HAVE_OPENMP
    /* Threads split C into independent slabs along its longer side (in
     * micro-tiles) and each runs the whole blocked product on its slab with
     * its own buffers: no barriers, only the fork and the join. The operand
     * that is not split gets packed once per thread, which costs about
     * (threads / slab length) of the arithmetic. */
    /* Called from inside a parallel region (a layer splitting its batch among
     * threads), the caller's thread already owns its core: stay serial. */
    if ((double)m * (double)n * (double)k >= PARALLEL_MIN_WORK && omp_get_max_threads() > 1 &&
        !omp_in_parallel()) {
        int split_cols = (n + NR - 1) / NR >= (m + MR - 1) / MR;
        int tiles = split_cols ? (n + NR - 1) / NR : (m + MR - 1) / MR;
        int threads = omp_get_max_threads() < tiles ? omp_get_max_threads() : tiles;
#pragma omp parallel num_threads(threads)
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads(), lo, hi;
            if (split_cols) {
                recur_thread_share(n, NR, t, nt, &lo, &hi);
                if (hi > lo)
                    gemm_blocked(trans_a, trans_b, m, hi - lo, k, alpha, a, lda,
                                 trans_b ? b + (size_t)lo * (size_t)ldb : b + lo, ldb, beta,
                                 c + lo, ldc);
            } else {
                recur_thread_share(m, MR, t, nt, &lo, &hi);
                if (hi > lo)
                    gemm_blocked(trans_a, trans_b, hi - lo, n, k, alpha,
                                 trans_a ? a + lo : a + (size_t)lo * (size_t)lda, lda, b, ldb,
                                 beta, c + (size_t)lo * (size_t)ldc, ldc);
            }
        }
        return;
    }
#endif
    gemm_blocked(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
