/* The shared draws (see draw.h). */
#include "sample/draw.h"

#include <math.h>
#include <string.h>

float draw_kth_largest(const float *v, float *scratch, int n, int k)
{
    memcpy(scratch, v, (size_t)n * sizeof *scratch);
    int lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        float pivot = scratch[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (scratch[i] > pivot)
                i++;
            while (scratch[j] < pivot)
                j--;
            if (i <= j) {
                float tmp = scratch[i];
                scratch[i++] = scratch[j];
                scratch[j--] = tmp;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            break;
    }
    return scratch[want];
}

int32_t draw_weighted(recur_rng *rng, const float *z, int n, float cutoff, float temperature, float *p,
                      double *sum_out)
{
    float zmax = z[recur_argmax(z, n)];
    double sum = 0.0;
    for (int j = 0; j < n; j++) {
        p[j] = z[j] >= cutoff ? expf((z[j] - zmax) / temperature) : 0.0f;
        sum += p[j];
    }
    if (sum_out)
        *sum_out = sum;
    if (!rng)
        return -1;
    double u = recur_rng_uniform_double(rng) * sum, acc = 0.0;
    int32_t last_nonzero = 0;
    for (int j = 0; j < n; j++) {
        if (p[j] <= 0.0f)
            continue;
        last_nonzero = j;
        acc += p[j];
        if (u < acc)
            return j;
    }
    return last_nonzero; /* rounding left u at the very top */
}
