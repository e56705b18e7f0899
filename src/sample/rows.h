/* The sampler's inner products: packed weight rows (float or half) against
 * a float vector, accumulated in float. Each step of batch-1 generation is
 * a pass over all the weights, so these loops decide its speed. */
#ifndef RECUR_SAMPLE_ROWS_H
#define RECUR_SAMPLE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "recur/error.h"
#include "recur/sample.h"

/* a . x over n elements. */
float rows_dot_f32(const float *a, const float *x, int n);
float rows_dot_f16(const uint16_t *a, const float *x, int n);

/* out[g] = rows[g * stride ..] . x for g < G <= 4: x is read once
 * for all rows, and their independent sums hide the latency of the FMAs. */
void rows_dot_group_f32(const float *rows, size_t stride, int G, const float *x, int n, float *out);
void rows_dot_group_f16(const uint16_t *rows, size_t stride, int G, const float *x, int n, float *out);

/* int8 rows: the sums of the stored integers times x (scales applied by
 * the caller). */
float rows_dot_i8(const int8_t *a, const float *x, int n);
void rows_dot_group2_i8(const int8_t *rows, size_t stride, int G, const float *x, int nx, const float *h, int nh,
                        float *out);

/* The same over rows that are two segments, [nx weights | nh weights],
 * against x then h: out[g] = row[g][:nx] . x + row[g][nx:] . h. */
void rows_dot_group2_f32(const float *rows, size_t stride, int G, const float *x, int nx, const float *h, int nh,
                         float *out);
void rows_dot_group2_f16(const uint16_t *rows, size_t stride, int G, const float *x, int nx, const float *h, int nh,
                         float *out);

/* A matrix of `count` rows of `width` weights in one of the sampler's
 * formats. int8 rows carry one scale each (largest |w| / 127), and the
 * products below apply it. */
typedef struct rows_matrix {
    recur_sample_weights format;
    size_t count, width;
    const float *f32; /* borrowed (the model's) or owned_f32 */
    float *owned_f32;
    uint16_t *f16;
    int8_t *i8;
    float *scale; /* i8: [count] */
    /* i8 rows prepared for integer products (rows_matrix_prepare_int):
     * each row's sums of its stored integers before and after column
     * split; NULL otherwise. */
    int32_t *sum_lo, *sum_hi;
    size_t split;
} rows_matrix;

/* Where the float matrix given to rows_matrix_init goes. */
typedef enum rows_source {
    ROWS_COPY = 0,   /* src stays the caller's; a float matrix is copied */
    ROWS_BORROW = 1, /* src stays the caller's and outlives the matrix; a float matrix points at it */
    ROWS_TAKE = 2    /* src was malloc'd and is handed over: kept as the float matrix, or freed once
                        converted (and on failure) */
} rows_source;

/* One row of n weights as 8-bit integers q with scale *scale (largest
 * |w| / 127): w ~ q * scale. */
void rows_quantize(const float *w, size_t n, int8_t *q, float *scale);

/* Stores src (count x width floats) in the format. */
recur_status rows_matrix_init(rows_matrix *m, recur_sample_weights format, float *src, size_t count, size_t width,
                              rows_source source, recur_error *err);
void rows_matrix_free(rows_matrix *m);
/* out[g] = W[row + g][col .. col + nx) . x + W[row + g][col + nx .. col + nx + nh) . h for g < G. */
void rows_matrix_group(const rows_matrix *m, size_t row, size_t col, int G, const float *x, int nx, const float *h,
                       int nh, float *out);
/* W[row] . x over the whole width. */
float rows_matrix_dot(const rows_matrix *m, size_t row, const float *x);

/* Integer products for int8 rows (rows_int.c), where the CPU has them
 * (AVX512-VNNI: 64 byte products per instruction, against 16 float FMAs
 * after a two-step conversion; AVX2: 32 in four instructions). The other
 * side is quantised too, once per vector, to levels
 * round(v[j] / scale) in [-127, 127] with scale = max |v| / 127, so a row's
 * product is scale_row * scale * sum_j w[j] level[j]. The bytes q hold the
 * levels as the kernel takes them: level + 128 (unsigned) for VNNI, the
 * level's own int8 bits for AVX2; rows_qvec_level reads one back. */
typedef struct rows_qvec {
    uint8_t *q;
    float scale;
} rows_qvec;

/* Whether this build has the integer products. */
int rows_int_available(void);
/* Quantises v (n floats) into qv->q (n bytes, the caller's). */
void rows_qvec_set(rows_qvec *qv, const float *v, int n);
/* The level of byte j (-128 only for a NaN input). */
int rows_qvec_level(const rows_qvec *qv, int j);
/* Readies an int8 matrix whose rows are [x part | h part], split columns
 * apart: stores each part's sums. Returns RECUR_E_NOMEM on failure; does
 * nothing for other formats, or when this build lacks the products. */
recur_status rows_matrix_prepare_int(rows_matrix *m, size_t split, recur_error *err);
/* For g < G: xs[g] = W[row + g][0 .. split) . x and hs[g] = W[row + g][split ..) . h
 * with quantised x (NULL when split is 0) and h, scales applied. */
void rows_matrix_group_int(const rows_matrix *m, size_t row, int G, const rows_qvec *x, const rows_qvec *h,
                           float *xs, float *hs);

/* The same for S vectors (x[s] and h[s]; x NULL when split is 0) at once,
 * xs[s * G + g] and hs[s * G + g]: each weight read once for all of them,
 * each vector's results bitwise those of rows_matrix_group_int alone. */
void rows_matrix_group_int_multi(const rows_matrix *m, size_t row, int G, int S, const rows_qvec *x,
                                 const rows_qvec *h, float *xs, float *hs);

#endif
