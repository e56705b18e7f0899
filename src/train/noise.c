/* Data noising (see noise.h): a uniform decides blank, unigram or kept; a
 * second picks the unigram token by binary search of the running counts. */
#include "train/noise.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

recur_status data_noise_init(data_noise *n, float p_unigram, float p_blank, int32_t blank, const int32_t *ids,
                             size_t count, int V, recur_error *err)
{
    memset(n, 0, sizeof *n);
    n->p_unigram = p_unigram;
    n->p_blank = p_blank;
    n->blank = blank;
    n->V = V;
    if (!(p_unigram >= 0.0f && p_blank >= 0.0f && p_unigram + p_blank <= 1.0f))
        return recur_fail(err, RECUR_E_ARG, "--noise-unigram %g and --noise-blank %g must be >= 0 with a sum <= 1",
                          (double)p_unigram, (double)p_blank);
    if (p_blank > 0.0f && (blank < 0 || blank >= V))
        return recur_fail(err, RECUR_E_ARG, "--noise-blank needs a blank token in the vocabulary, got id %d of %d",
                          (int)blank, V);
    if (!data_noise_active(n) || p_unigram == 0.0f)
        return RECUR_OK;
    if (!(n->cumulative = calloc((size_t)V, sizeof *n->cumulative)))
        return recur_fail_nomem(err, "the unigram counts for --noise-unigram");
    for (size_t k = 0; k < count; k++)
        n->cumulative[ids[k]]++;
    for (int v = 1; v < V; v++)
        n->cumulative[v] += n->cumulative[v - 1];
    n->total = n->cumulative[V - 1];
    if (n->total == 0) {
        data_noise_free(n);
        return recur_fail(err, RECUR_E_ARG, "--noise-unigram needs a non-empty training text");
    }
    return RECUR_OK;
}

void data_noise_free(data_noise *n)
{
    free(n->cumulative);
    n->cumulative = NULL;
}

/* splitmix64's output function, as the dropout masks use. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static const uint64_t GOLDEN = 0x9E3779B97F4A7C15ull;

uint64_t data_noise_key(uint64_t seed, int64_t step)
{
    /* Salted, so that noise and dropout are not drawn from one stream. */
    return mix64(mix64(seed ^ 0x6E6F697365ull) ^ mix64((uint64_t)step * GOLDEN + GOLDEN));
}

int data_noise_draw(const data_noise *n, uint64_t key, int stream, int t, int32_t *tok)
{
    /* stream and t each fit in 20 bits (--batch and --seq <= 100000). */
    uint64_t state = mix64(key + mix64(((uint64_t)stream << 20) ^ (uint64_t)t));
    double u = (double)(mix64(state += GOLDEN) >> 11) * 0x1.0p-53;
    if (u < n->p_blank) {
        *tok = n->blank;
        return NOISE_BLANK;
    }
    if (u >= (double)n->p_blank + (double)n->p_unigram)
        return NOISE_KEPT;
    /* r uniform in [0, total) (a text has far fewer than 2^53 tokens). */
    double u2 = (double)(mix64(state += GOLDEN) >> 11) * 0x1.0p-53;
    uint64_t r = (uint64_t)(u2 * (double)n->total);
    if (r >= n->total)
        r = n->total - 1;
    int lo = 0, hi = n->V - 1; /* the first v with cumulative[v] > r */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (n->cumulative[mid] > r)
            hi = mid;
        else
            lo = mid + 1;
    }
    *tok = lo;
    return NOISE_UNIGRAM;
}

void data_noise_window(const data_noise *n, uint64_t key, int32_t *x, int T, int B, int first)
{
    if (!data_noise_active(n))
        return;
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            data_noise_draw(n, key, first + b, t, &x[(size_t)t * B + b]);
}
