/* Inverted dropout: kept units are scaled by 1/(1-p) in training, so
 * evaluation uses the network unchanged. */
#include <string.h>

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

/* Uniforms of 24 bits compared as integers: u < p  <=>  bits < p * 2^24. */
static uint32_t cut_of(float p)
{
    const double scaled = (double)p * 16777216.0;
    uint32_t cut = (uint32_t)scaled;
    return cut + (cut < scaled);
}

/* width keep-or-drop values from the generator at state: one 64-bit draw (a
 * splitmix64 step) gives two 24-bit uniforms. */
static void mask_row(float *m, size_t width, uint64_t state, uint32_t cut, float keep_scale)
{
    size_t k = 0;
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

/* The word-dropout draws live apart from every site's (sites are small numbers). */
#define WORD_SITE 0xFFFFFu

void dropout_mask_streams(float *mask, int T, int B, size_t width, float p, const dropout_streams *ds, int site)
{
    const float keep_scale = 1.0f / (1.0f - p);
    const uint32_t cut = cut_of(p);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            float *m = mask + ((size_t)t * B + b) * width;
            if (p <= 0.0f) {
                for (size_t k = 0; k < width; k++)
                    m[k] = 1.0f;
                continue;
            }
            if (ds->locked && t > 0) { /* the stream's mask of step 0 */
                memcpy(m, mask + (size_t)b * width, width * sizeof *m);
                continue;
            }
            /* site, stream and step each fit in 20 bits (--batch and --seq <= 100000). */
            uint64_t row = ((uint64_t)site << 40) ^ ((uint64_t)(ds->first + b) << 20) ^ (uint64_t)t;
            mask_row(m, width, mix64(ds->key + mix64(row)), cut, keep_scale);
        }
    if (site != 0 || !(ds->word_p > 0.0f) || !ds->ids)
        return;
    /* A token id's draw depends on the window and the id alone: every
     * stream and step drops the same words. */
    const uint32_t word_cut = cut_of(ds->word_p);
    const float word_scale = 1.0f / (1.0f - ds->word_p);
    for (size_t r = 0; r < (size_t)T * B; r++) {
        uint64_t z = mix64(ds->key + mix64(((uint64_t)WORD_SITE << 40) ^ (uint64_t)(uint32_t)ds->ids[r]));
        float f = (uint32_t)(z >> 40) < word_cut ? 0.0f : word_scale;
        float *m = mask + r * width;
        for (size_t k = 0; k < width; k++)
            m[k] *= f;
    }
}

void dropout_mask_weights(float *mask, size_t n, float p, uint64_t key, int site)
{
    /* Rows of 2^20 values, each from its own generator state, as the streams' rows. */
    const size_t chunk = (size_t)1 << 20;
    for (size_t start = 0, r = 0; start < n; start += chunk, r++) {
        size_t len = n - start < chunk ? n - start : chunk;
        uint64_t row = ((uint64_t)(WORD_SITE - 1 - (uint32_t)site) << 40) ^ (uint64_t)r;
        mask_row(mask + start, len, mix64(key + mix64(row)), cut_of(p), 1.0f / (1.0f - p));
    }
}

void dropout_apply(float *y, const float *x, const float *mask, size_t n)
{
    for (size_t k = 0; k < n; k++)
        y[k] = x[k] * mask[k];
}
