#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void recur_rng_seed(recur_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t recur_rng_next(recur_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float recur_rng_uniform(recur_rng *r)
{
    return (float)(recur_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

double recur_rng_uniform_double(recur_rng *r)
{
    return (double)(recur_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t recur_rng_below(recur_rng *r, uint64_t n)
{
    /* Rejection sampling: discard the top partial copy of [0, n). */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = recur_rng_next(r);
    while (x >= limit);
    return x % n;
}

float recur_rng_normal(recur_rng *r)
{
    double u1 = 1.0 - recur_rng_uniform_double(r); /* (0, 1] keeps log finite */
    double u2 = recur_rng_uniform_double(r);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}
