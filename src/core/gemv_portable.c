/* The portable matrix-vector product. y = A x walks rows with several
 * independent partial sums (so the reduction vectorises without reordering
 * licences); y = A^T x accumulates four scaled rows at a time into y, which
 * stays in L1. With OpenMP, large products split rows (A x) or column ranges
 * (A^T x) among the team. */
#include "core/gemm.h"

#include <string.h>

#ifdef __AVX2__
#include <immintrin.h>
#endif
#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

/* Below this many multiply-adds a thread team costs more than it saves. */
#define PARALLEL_MIN_WORK 65536.0

static float dot(const float *restrict a, const float *restrict x, int n)
{
    int j = 0;
#ifdef __AVX2__
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    for (; j + 32 <= n; j += 32) {
#ifdef __FMA__
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(x + j), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(x + j + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 16), _mm256_loadu_ps(x + j + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 24), _mm256_loadu_ps(x + j + 24), s3);
#else
        s0 = _mm256_add_ps(s0, _mm256_mul_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(x + j)));
        s1 = _mm256_add_ps(s1, _mm256_mul_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(x + j + 8)));
        s2 = _mm256_add_ps(s2, _mm256_mul_ps(_mm256_loadu_ps(a + j + 16), _mm256_loadu_ps(x + j + 16)));
        s3 = _mm256_add_ps(s3, _mm256_mul_ps(_mm256_loadu_ps(a + j + 24), _mm256_loadu_ps(x + j + 24)));
#endif
    }
    for (; j + 8 <= n; j += 8)
        s0 = _mm256_add_ps(s0, _mm256_mul_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(x + j)));
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float sum = _mm_cvtss_f32(h);
#else
    float part[8] = {0};
    for (; j + 8 <= n; j += 8)
        for (int t = 0; t < 8; t++)
            part[t] += a[j + t] * x[j + t];
    float sum = ((part[0] + part[1]) + (part[2] + part[3])) +
                ((part[4] + part[5]) + (part[6] + part[7]));
#endif
    for (; j < n; j++)
        sum += a[j] * x[j];
    return sum;
}

/* y[j0:j1] = alpha * (A^T x)[j0:j1] + beta * y[j0:j1]. */
static void gemv_t_range(int m, float alpha, const float *a, int lda, const float *x, float beta,
                         float *y, int j0, int j1)
{
    float *restrict yr = y + j0;
    int len = j1 - j0;
    if (beta == 0.0f)
        memset(yr, 0, (size_t)len * sizeof *yr);
    else if (beta != 1.0f)
        for (int j = 0; j < len; j++)
            yr[j] *= beta;
    int i = 0;
    for (; i + 4 <= m; i += 4) {
        const float *restrict r0 = a + (size_t)i * (size_t)lda + j0;
        const float *restrict r1 = r0 + lda, *restrict r2 = r1 + lda, *restrict r3 = r2 + lda;
        float x0 = alpha * x[i], x1 = alpha * x[i + 1];
        float x2 = alpha * x[i + 2], x3 = alpha * x[i + 3];
        for (int j = 0; j < len; j++)
            yr[j] += (x0 * r0[j] + x1 * r1[j]) + (x2 * r2[j] + x3 * r3[j]);
    }
    for (; i < m; i++) {
        const float *restrict r = a + (size_t)i * (size_t)lda + j0;
        float xi = alpha * x[i];
        for (int j = 0; j < len; j++)
            yr[j] += xi * r[j];
    }
}

void recur_sgemv_portable(int trans, int m, int n, float alpha, const float *a, int lda,
                          const float *x, float beta, float *y)
{
    int ylen = trans ? n : m;
    if (ylen <= 0)
        return;
    if (m <= 0 || n <= 0 || alpha == 0.0f) {
        for (int j = 0; j < ylen; j++)
            y[j] = beta == 0.0f ? 0.0f : beta * y[j];
        return;
    }
    int parallel = (double)m * (double)n >= PARALLEL_MIN_WORK;
#ifdef RECUR_HAVE_OPENMP
    /* Inside a caller's parallel region, stay on the caller's thread. */
    parallel = parallel && !omp_in_parallel();
#endif
    (void)parallel;
    if (!trans) {
#ifdef RECUR_HAVE_OPENMP
#pragma omp parallel for schedule(static) if (parallel)
#endif
        for (int i = 0; i < m; i++) {
            float s = alpha * dot(a + (size_t)i * (size_t)lda, x, n);
            y[i] = beta == 0.0f ? s : s + beta * y[i];
        }
        return;
    }
    /* Column chunks of 64 keep each thread's slice of y cache-line aligned
     * relative to the others and small enough for L1. */
    int chunks = (n + 63) / 64;
#ifdef RECUR_HAVE_OPENMP
#pragma omp parallel for schedule(static) if (parallel)
#endif
    for (int c = 0; c < chunks; c++) {
        int j0 = c * 64, j1 = j0 + 64 < n ? j0 + 64 : n;
        gemv_t_range(m, alpha, a, lda, x, beta, y, j0, j1);
    }
}
