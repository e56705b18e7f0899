/* Inverted dropout: kept units are scaled by 1/(1-p) in training, so
 * evaluation uses the network unchanged. */
#include "nn/layers.h"

void dropout_mask(float *mask, size_t n, float p, recur_rng *rng)
{
    float keep_scale = 1.0f / (1.0f - p);
    for (size_t k = 0; k < n; k++)
        mask[k] = recur_rng_uniform(rng) < p ? 0.0f : keep_scale;
}

/* splitmix64's output function (Steele, Lea and Flood 2014): a bijection
 * that spreads every input bit over the whole word. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static const uint64_t GOLDEN = 0x9E3779B97F4A7C15ull;

uint64_t dropout_window_key(uint64_t seed, int64_t window)
{
    return mix64(seed ^ mix64((uint64_t)window * GOLDEN + GOLDEN));
}

void dropout_mask_streams(float *mask, int T, int B, size_t width, float p, const dropout_streams *ds, int site)
{
    const float keep_scale = 1.0f / (1.0f - p);
    /* Uniforms of 24 bits compared as integers: u < p  <=>  bits < p * 2^24. */
    const double scaled = (double)p * 16777216.0;
    uint32_t cut = (uint32_t)scaled;
    cut += cut < scaled;
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            /* site, stream and step each fit in 20 bits (--batch and --seq <= 100000). */
            uint64_t row = ((uint64_t)site << 40) ^ ((uint64_t)(ds->first + b) << 20) ^ (uint64_t)t;
            uint64_t state = mix64(ds->key + mix64(row));
            float *m = mask + ((size_t)t * B + b) * width;
            size_t k = 0;
            /* One 64-bit draw (a splitmix64 step) gives two 24-bit uniforms. */
            for (; k + 1 < width; k += 2) {
                uint64_t z = mix64(state += GOLDEN);
                m[k] = (uint32_t)(z >> 40) < cut ? 0.0f : keep_scale;
                m[k + 1] = (uint32_t)((z >> 8) & 0xFFFFFF) < cut ? 0.0f : keep_scale;
            }
            if (k < width) {
                uint64_t z = mix64(state += GOLDEN);
                m[k] = (uint32_t)(z >> 40) < cut ? 0.0f : keep_scale;
            }
        }
}

void dropout_apply(float *y, const float *x, const float *mask, size_t n)
{
    for (size_t k = 0; k < n; k++)
        y[k] = x[k] * mask[k];
}
