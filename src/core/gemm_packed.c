#include "core/gemm_packed.h"

#include <string.h>

#if (defined(__AVX2__) && defined(__FMA__)) || defined(__AVX512F__)
#include <immintrin.h>
#endif

enum { NR = 16, MR = 4 };

size_t recur_packed_size(int k, int n)
{
    size_t panels = ((size_t)n + NR - 1) / NR;
    return panels * NR * (size_t)k;
}

void recur_pack_b(int trans_b, int k, int n, const float *b, int ldb, float *packed)
{
    int panels = (n + NR - 1) / NR;
    for (int p = 0; p < panels; p++) {
        float *dst = packed + (size_t)p * NR * k;
        int j0 = p * NR, w = n - j0 < NR ? n - j0 : NR;
        for (int kk = 0; kk < k; kk++) {
            float *row = dst + (size_t)kk * NR;
            for (int j = 0; j < w; j++)
                row[j] = trans_b ? b[(size_t)(j0 + j) * ldb + kk] : b[(size_t)kk * ldb + j0 + j];
            for (int j = w; j < NR; j++)
                row[j] = 0.0f;
        }
    }
}

/* rows x 16 block of C += A rows x panel; rows <= MR. */
static void block(int rows, int k, const float *a, int lda, const float *panel, float *out /* MR x NR */)
{
#if defined(__AVX2__) && defined(__FMA__)
    __m256 c0[MR], c1[MR];
    for (int r = 0; r < MR; r++)
        c0[r] = c1[r] = _mm256_setzero_ps();
    if (rows == MR) {
        for (int kk = 0; kk < k; kk++) {
            __m256 b0 = _mm256_loadu_ps(panel + (size_t)kk * NR), b1 = _mm256_loadu_ps(panel + (size_t)kk * NR + 8);
            for (int r = 0; r < MR; r++) {
                __m256 x = _mm256_broadcast_ss(a + (size_t)r * lda + kk);
                c0[r] = _mm256_fmadd_ps(x, b0, c0[r]);
                c1[r] = _mm256_fmadd_ps(x, b1, c1[r]);
            }
        }
    } else {
        for (int kk = 0; kk < k; kk++) {
            __m256 b0 = _mm256_loadu_ps(panel + (size_t)kk * NR), b1 = _mm256_loadu_ps(panel + (size_t)kk * NR + 8);
            for (int r = 0; r < rows; r++) {
                __m256 x = _mm256_broadcast_ss(a + (size_t)r * lda + kk);
                c0[r] = _mm256_fmadd_ps(x, b0, c0[r]);
                c1[r] = _mm256_fmadd_ps(x, b1, c1[r]);
            }
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm256_storeu_ps(out + r * NR, c0[r]);
        _mm256_storeu_ps(out + r * NR + 8, c1[r]);
    }
#else
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < NR; j++)
            out[r * NR + j] = 0.0f;
    for (int kk = 0; kk < k; kk++)
        for (int r = 0; r < rows; r++) {
            float x = a[(size_t)r * lda + kk];
            for (int j = 0; j < NR; j++)
                out[r * NR + j] += x * panel[(size_t)kk * NR + j];
        }
#endif
}

#ifdef __AVX512F__
/* ROWS (<= 12) full rows x two full panels (32 columns), accumulated into
 * C. With ROWS = 12 a step of k loads two panel vectors and broadcasts 12
 * values for 24 FMAs (27 of the 32 registers); measured on one core, 15%
 * faster than 8 rows on 25 x 2048 x 512. */
static inline __attribute__((always_inline)) void block_rows_x32(const int ROWS, int k, const float *a, int lda,
                                                                 const float *p0, const float *p1, float *c, int ldc)
{
    __m512 c0[12], c1[12];
    for (int r = 0; r < ROWS; r++)
        c0[r] = c1[r] = _mm512_setzero_ps();
    for (int kk = 0; kk < k; kk++) {
        __m512 b0 = _mm512_loadu_ps(p0 + (size_t)kk * NR), b1 = _mm512_loadu_ps(p1 + (size_t)kk * NR);
        for (int r = 0; r < ROWS; r++) {
            __m512 x = _mm512_set1_ps(a[(size_t)r * lda + kk]);
            c0[r] = _mm512_fmadd_ps(x, b0, c0[r]);
            c1[r] = _mm512_fmadd_ps(x, b1, c1[r]);
        }
    }
    for (int r = 0; r < ROWS; r++) {
        float *row = c + (size_t)r * ldc;
        _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), c0[r]));
        _mm512_storeu_ps(row + NR, _mm512_add_ps(_mm512_loadu_ps(row + NR), c1[r]));
    }
}

/* One block of 1 to 12 rows, the kernel unrolled for its count. */
static void block_x32(int rows, int k, const float *a, int lda, const float *p0, const float *p1, float *c, int ldc)
{
    switch (rows) {
    case 12: block_rows_x32(12, k, a, lda, p0, p1, c, ldc); break;
    case 11: block_rows_x32(11, k, a, lda, p0, p1, c, ldc); break;
    case 10: block_rows_x32(10, k, a, lda, p0, p1, c, ldc); break;
    case 9: block_rows_x32(9, k, a, lda, p0, p1, c, ldc); break;
    case 8: block_rows_x32(8, k, a, lda, p0, p1, c, ldc); break;
    case 7: block_rows_x32(7, k, a, lda, p0, p1, c, ldc); break;
    case 6: block_rows_x32(6, k, a, lda, p0, p1, c, ldc); break;
    case 5: block_rows_x32(5, k, a, lda, p0, p1, c, ldc); break;
    case 4: block_rows_x32(4, k, a, lda, p0, p1, c, ldc); break;
    case 3: block_rows_x32(3, k, a, lda, p0, p1, c, ldc); break;
    case 2: block_rows_x32(2, k, a, lda, p0, p1, c, ldc); break;
    case 1: block_rows_x32(1, k, a, lda, p0, p1, c, ldc); break;
    default: break;
    }
}

/* All m rows against panels p and p + 1: the two panels (k x 32) stay in
 * L1/L2 while every block of rows passes over them, so B is read from the
 * outer caches once per call, not once per block of rows. The rows go in
 * as few blocks as fit 12 rows each, of near-equal size: a block of r rows
 * issues 2r independent FMAs per step of k, and below 4 rows the FMA
 * latency, not the throughput, sets its pace. Measured on one core: 10 rows
 * as one block took 23% less time than as 8 + 2; 25 rows as 9 + 8 + 8 ran
 * as fast as 12 + 12 + 1, within the noise. */
static void rows_x32(int m, int k, const float *a, int lda, const float *p0, const float *p1, float *c, int ldc)
{
    int blocks = (m + 11) / 12;
    for (int b = 0, i = 0; b < blocks; b++) {
        int rows = (m - i) / (blocks - b); /* the remaining rows shared over the remaining blocks */
        block_x32(rows, k, a + (size_t)i * lda, lda, p0, p1, c + (size_t)i * ldc, ldc);
        i += rows;
    }
}
#elif defined(__AVX2__) && defined(__FMA__)
/* Lanes [0, n) of 8 on, for the stores of a panel's last columns. */
static inline __m256i lanes_below(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* ROWS (<= 6) full rows x one panel, accumulated into its first w (<= 16)
 * columns of C (the packed panel is zero past them). A step of k loads
 * the panel's two vectors and broadcasts 6 values for 12 FMAs: 15 of the
 * 16 registers, and with 12 independent chains the two FMA units, whose
 * latency is 4-5 cycles, stay busy. Every loop over the rows is unrolled
 * whole: otherwise GCC keeps the sums in memory and stores all 12 at each
 * step of k (measured: 27 against 69 GFLOP/s on 25 x 2048 x 512). */
static inline __attribute__((always_inline)) void block_rows_x16(const int ROWS, int k, const float *a, int lda,
                                                                 const float *p, int w, float *c, int ldc)
{
    __m256 c0[6], c1[6];
    _Pragma("GCC unroll 6") for (int r = 0; r < ROWS; r++)
        c0[r] = c1[r] = _mm256_setzero_ps();
    for (int kk = 0; kk < k; kk++) {
        __m256 b0 = _mm256_loadu_ps(p + (size_t)kk * NR), b1 = _mm256_loadu_ps(p + (size_t)kk * NR + 8);
        _Pragma("GCC unroll 6") for (int r = 0; r < ROWS; r++) {
            __m256 x = _mm256_broadcast_ss(a + (size_t)r * lda + kk);
            c0[r] = _mm256_fmadd_ps(x, b0, c0[r]);
            c1[r] = _mm256_fmadd_ps(x, b1, c1[r]);
        }
    }
    if (w == NR) {
        _Pragma("GCC unroll 6") for (int r = 0; r < ROWS; r++) {
            float *row = c + (size_t)r * ldc;
            _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), c0[r]));
            _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), c1[r]));
        }
    } else {
        const __m256i m0 = lanes_below(w), m1 = lanes_below(w - 8);
        _Pragma("GCC unroll 6") for (int r = 0; r < ROWS; r++) {
            float *row = c + (size_t)r * ldc;
            _mm256_maskstore_ps(row, m0, _mm256_add_ps(_mm256_maskload_ps(row, m0), c0[r]));
            _mm256_maskstore_ps(row + 8, m1, _mm256_add_ps(_mm256_maskload_ps(row + 8, m1), c1[r]));
        }
    }
}

/* One block of 1 to 6 rows, the kernel unrolled for its count. */
static void block_x16(int rows, int k, const float *a, int lda, const float *p, int w, float *c, int ldc)
{
    switch (rows) {
    case 6: block_rows_x16(6, k, a, lda, p, w, c, ldc); break;
    case 5: block_rows_x16(5, k, a, lda, p, w, c, ldc); break;
    case 4: block_rows_x16(4, k, a, lda, p, w, c, ldc); break;
    case 3: block_rows_x16(3, k, a, lda, p, w, c, ldc); break;
    case 2: block_rows_x16(2, k, a, lda, p, w, c, ldc); break;
    case 1: block_rows_x16(1, k, a, lda, p, w, c, ldc); break;
    default: break;
    }
}

/* All m rows against one panel (its first w columns), which stays in L1/L2
 * while every block of rows passes over it, so W is read from the outer
 * caches once per call, not once per block; the rows in near-equal blocks
 * of at most 6. Against OpenBLAS 0.3.21 on one Zen 3 core
 * (bench/micro/bench_packed.c), 1.0-2.0x at every shape measured but
 * m = 8 x 200 x 800 (0.8x). */
static void rows_x16(int m, int k, const float *a, int lda, const float *p, int w, float *c, int ldc)
{
    int blocks = (m + 5) / 6;
    for (int b = 0, i = 0; b < blocks; b++) {
        int rows = (m - i) / (blocks - b);
        block_x16(rows, k, a + (size_t)i * lda, lda, p, w, c + (size_t)i * ldc, ldc);
        i += rows;
    }
}
#endif

/* All m rows x panels [p0, panels) through the 16-column kernel. */
static void rest(int m, int p0, int n, int k, const float *a, int lda, const float *packed, float *c, int ldc)
{
    int panels = (n + NR - 1) / NR;
    float tile[MR * NR];
    for (int i = 0; i < m; i += MR) {
        int rows = m - i < MR ? m - i : MR;
        for (int p = p0; p < panels; p++) {
            int j0 = p * NR, w = n - j0 < NR ? n - j0 : NR;
            block(rows, k, a + (size_t)i * lda, lda, packed + (size_t)p * NR * k, tile);
            for (int r = 0; r < rows; r++) {
                float *crow = c + (size_t)(i + r) * ldc + j0;
                for (int j = 0; j < w; j++)
                    crow[j] += tile[r * NR + j];
            }
        }
    }
}

void recur_sgemm_packed(int m, int n, int k, const float *a, int lda, const float *packed, float *c, int ldc)
{
    int p = 0;
#ifdef __AVX512F__
    /* Pairs of whole panels, panel-outer, take the wide kernels; the last
     * panels go to the 16-column one. */
    int whole = n / NR;
    for (; p + 2 <= whole; p += 2)
        rows_x32(m, k, a, lda, packed + (size_t)p * NR * k, packed + (size_t)(p + 1) * NR * k, c + (size_t)p * NR,
                 ldc);
#elif defined(__AVX2__) && defined(__FMA__)
    /* Every panel, panel-outer, through the 6-row kernel. */
    for (; p * NR < n; p++)
        rows_x16(m, k, a, lda, packed + (size_t)p * NR * k, n - p * NR < NR ? n - p * NR : NR, c + (size_t)p * NR,
                 ldc);
#endif
    rest(m, p, n, k, a, lda, packed, c, ldc);
}

int recur_packed_outruns_gemm(void)
{
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
    return 1;
#else
    return 0;
#endif
}
