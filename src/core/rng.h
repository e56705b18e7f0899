/* A small, fast, seedable random number generator (xoshiro256**, Blackman and
 * Vigna 2018). Its whole state is four words, so training state files can save
 * and restore it exactly. */
#ifndef RECUR_CORE_RNG_H
#define RECUR_CORE_RNG_H

#include <stdint.h>

typedef struct recur_rng {
    uint64_t s[4];
} recur_rng;

/* Seeds all four words from one 64-bit seed through splitmix64. */
void recur_rng_seed(recur_rng *r, uint64_t seed);
uint64_t recur_rng_next(recur_rng *r);
/* Uniform in [0, 1) with 24 random bits. */
float recur_rng_uniform(recur_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double recur_rng_uniform_double(recur_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t recur_rng_below(recur_rng *r, uint64_t n);
/* Standard normal (Box-Muller; consumes two draws, keeps no cached value). */
float recur_rng_normal(recur_rng *r);

#endif
