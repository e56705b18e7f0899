/* The sampler's inner products: packed weight rows (float or half) against
 * a float vector, accumulated in float. Each step of batch-1 generation is
 * a pass over all the weights, so these loops decide its speed. */
#ifndef RECUR_SAMPLE_ROWS_H
#define RECUR_SAMPLE_ROWS_H

#include <stddef.h>
#include <stdint.h>

/* a . x over n elements. */
float rows_dot_f32(const float *a, const float *x, int n);
float rows_dot_f16(const uint16_t *a, const float *x, int n);

/* out[g] = rows[g * stride ..] . x for g < G <= 4: x is read once
 * for all rows, and their independent sums hide the latency of the FMAs. */
void rows_dot_group_f32(const float *rows, size_t stride, int G, const float *x, int n, float *out);
void rows_dot_group_f16(const uint16_t *rows, size_t stride, int G, const float *x, int n, float *out);

/* The same over rows that are two segments, [nx weights | nh weights],
 * against x then h: out[g] = row[g][:nx] . x + row[g][nx:] . h. */
void rows_dot_group2_f32(const float *rows, size_t stride, int G, const float *x, int nx, const float *h, int nh,
                         float *out);
void rows_dot_group2_f16(const uint16_t *rows, size_t stride, int G, const float *x, int nx, const float *h, int nh,
                         float *out);

#endif
