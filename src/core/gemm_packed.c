#include "core/gemm_packed.h"

#include <string.h>

#if defined(__AVX2__) && defined(__FMA__)
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

void recur_sgemm_packed(int m, int n, int k, const float *a, int lda, const float *packed, float *c, int ldc)
{
    int panels = (n + NR - 1) / NR;
    float tile[MR * NR];
    for (int i = 0; i < m; i += MR) {
        int rows = m - i < MR ? m - i : MR;
        for (int p = 0; p < panels; p++) {
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
