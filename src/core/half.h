/* IEEE 754 binary16 ("half") storage for weights that are read far more
 * often than they are written: the sampler keeps its matrices in half to
 * halve the bytes each generated token streams from cache.
 *
 * Conversion from float rounds to nearest, ties to even, as the F16C
 * instructions do; overflow gives infinity, tiny values become subnormal
 * halves or zero, NaN stays NaN. Conversion to float is exact. */
#ifndef RECUR_CORE_HALF_H
#define RECUR_CORE_HALF_H

#include <stddef.h>
#include <stdint.h>

uint16_t recur_half_from_float(float f);
float recur_half_to_float(uint16_t h);

/* dst[i] = half(src[i]) for i < n. */
void recur_halves_from_floats(uint16_t *dst, const float *src, size_t n);

#endif
