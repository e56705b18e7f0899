#include "core/reduce.h"

#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

enum { LANES = 16 };

/* Folds the partial sums pairwise, in a fixed order. */
static double fold(const double *acc)
{
    double s[LANES / 2];
    for (int k = 0; k < LANES / 2; k++)
        s[k] = acc[k] + acc[k + LANES / 2];
    for (int w = LANES / 4; w >= 1; w /= 2)
        for (int k = 0; k < w; k++)
            s[k] += s[k + w];
    return s[0];
}

double recur_dsum(const float *x, size_t n)
{
    double acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++)
            acc[k] += (double)x[i + k];
    double s = fold(acc);
    for (; i < n; i++)
        s += (double)x[i];
    return s;
}

double recur_dsum_squares(const float *x, size_t n)
{
    double acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++)
            acc[k] += (double)x[i + k] * (double)x[i + k];
    double s = fold(acc);
    for (; i < n; i++)
        s += (double)x[i] * (double)x[i];
    return s;
}

float recur_fmax(const float *x, size_t n)
{
    /* max(x, m) keeps m when x is NaN, as the scalar x > m ? x : m does;
     * GCC leaves that select scalar, so the vector forms are spelt out. */
    size_t i = 1;
    float best = x[0];
#if defined(__AVX512F__)
    if (n >= 16) {
        __m512 m = _mm512_loadu_ps(x);
        for (i = 16; i + 16 <= n; i += 16)
            m = _mm512_max_ps(_mm512_loadu_ps(x + i), m);
        best = _mm512_reduce_max_ps(m);
    }
#elif defined(__AVX__)
    if (n >= 8) {
        __m256 m = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8)
            m = _mm256_max_ps(_mm256_loadu_ps(x + i), m);
        float lanes[8];
        _mm256_storeu_ps(lanes, m);
        best = lanes[0];
        for (int k = 1; k < 8; k++)
            best = lanes[k] > best ? lanes[k] : best;
    }
#endif
    for (; i < n; i++)
        best = x[i] > best ? x[i] : best;
    return best;
}

int recur_argmax(const float *x, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (x[j] > x[best])
            best = j;
    return best;
}
