#include "core/reduce.h"

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
    float m[LANES];
    size_t i = 0;
    if (n < LANES) {
        float best = x[0];
        for (i = 1; i < n; i++)
            best = x[i] > best ? x[i] : best;
        return best;
    }
    for (int k = 0; k < LANES; k++)
        m[k] = x[k];
    for (i = LANES; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++)
            m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
    float best = m[0];
    for (int k = 1; k < LANES; k++)
        best = m[k] > best ? m[k] : best;
    for (; i < n; i++)
        best = x[i] > best ? x[i] : best;
    return best;
}
