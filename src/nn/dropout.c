/* Inverted dropout: kept units are scaled by 1/(1-p) in training, so
 * evaluation uses the network unchanged. */
#include "nn/layers.h"

void dropout_mask(float *mask, size_t n, float p, recur_rng *rng)
{
    float keep_scale = 1.0f / (1.0f - p);
    for (size_t k = 0; k < n; k++)
        mask[k] = recur_rng_uniform(rng) < p ? 0.0f : keep_scale;
}

void dropout_apply(float *y, const float *x, const float *mask, size_t n)
{
    for (size_t k = 0; k < n; k++)
        y[k] = x[k] * mask[k];
}
