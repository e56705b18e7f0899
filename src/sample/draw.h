/* The draws the sampler and the pickers share, so that the defaults of
 * both give the same tokens for the same seed. */
#ifndef RECUR_SAMPLE_DRAW_H
#define RECUR_SAMPLE_DRAW_H

#include <stdint.h>

#include "core/reduce.h"
#include "core/rng.h"

/* The largest is core's recur_argmax (the first of equals). */
/* The k-th largest value of v (1-based k <= n), by partial selection on
 * scratch (n floats). */
float draw_kth_largest(const float *v, float *scratch, int n, int k);
/* A draw from p[j] = exp((z[j] - max z) / temperature) over the j with
 * z[j] >= cutoff (p gets those weights, unnormalised; zero elsewhere).
 * *sum, if not NULL, gets their total. */
int32_t draw_weighted(recur_rng *rng, const float *z, int n, float cutoff, float temperature, float *p,
                      double *sum);

#endif
