/* Vector code for the sampler's inner products, widest first: AVX-512
 * (16 floats), AVX2 with F16C (8), then plain C. All accumulate in float;
 * the order of the additions differs between them, not the inputs. */
#include "sample/rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/half.h"
#include "sample/rows_simd.h"

/* The kernels, once per weight type T (float, uint16_t halves, or int8_t
 * whose row scales the caller applies): G <= 4 rows, stride apart, against
 * one or two input segments.
 * Vector lanes sum into two accumulators per row (two FMAs in flight per
 * row), tails into scalars; each row is reduced once at the end. */
#ifdef ROWS_W
#define DEFINE_KERNELS(SUFFIX, T)                                                                      \
    ALWAYS_INLINE void segment_##SUFFIX(vec *acc, float *tail, const T *rows, size_t stride,           \
                                        const int G, const float *x, int n)                            \
    {                                                                                                  \
        int j = 0;                                                                                     \
        for (; j + 2 * ROWS_W <= n; j += 2 * ROWS_W) {                                                 \
            vec x0 = vload(x + j), x1 = vload(x + j + ROWS_W);                                         \
            for (int g = 0; g < G; g++) {                                                              \
                ROWS_PREFETCH(rows + g * stride + j);                                                  \
                acc[2 * g] = vfma(wload_##SUFFIX(rows + g * stride + j), x0, acc[2 * g]);              \
                acc[2 * g + 1] = vfma(wload_##SUFFIX(rows + g * stride + j + ROWS_W), x1,              \
                                      acc[2 * g + 1]);                                                 \
            }                                                                                          \
        }                                                                                              \
        for (; j < n; j++)                                                                             \
            for (int g = 0; g < G; g++)                                                                \
                tail[g] += weight_##SUFFIX(rows + g * stride + j) * x[j];                              \
    }                                                                                                  \
    ALWAYS_INLINE void group_##SUFFIX(const T *rows, size_t stride, const int G, const float *x,       \
                                      int nx, const float *h, int nh, float *out)                      \
    {                                                                                                  \
        vec acc[8];                                                                                    \
        float tail[4] = {0, 0, 0, 0};                                                                  \
        for (int k = 0; k < 2 * G; k++)                                                                \
            acc[k] = vzero();                                                                          \
        segment_##SUFFIX(acc, tail, rows, stride, G, x, nx);                                           \
        if (nh)                                                                                        \
            segment_##SUFFIX(acc, tail, rows + nx, stride, G, h, nh);                                  \
        for (int g = 0; g < G; g++)                                                                    \
            out[g] = vsum(vadd(acc[2 * g], acc[2 * g + 1])) + tail[g];                                 \
    }
#else
#define DEFINE_KERNELS(SUFFIX, T)                                                                      \
    ALWAYS_INLINE void group_##SUFFIX(const T *rows, size_t stride, const int G, const float *x,       \
                                      int nx, const float *h, int nh, float *out)                      \
    {                                                                                                  \
        for (int g = 0; g < G; g++) {                                                                  \
            float s = 0.0f;                                                                            \
            for (int j = 0; j < nx; j++)                                                               \
                s += weight_##SUFFIX(rows + g * stride + j) * x[j];                                    \
            for (int j = 0; j < nh; j++)                                                               \
                s += weight_##SUFFIX(rows + g * stride + nx + j) * h[j];                               \
            out[g] = s;                                                                                \
        }                                                                                              \
    }
#endif

DEFINE_KERNELS(f32, float)
DEFINE_KERNELS(f16, uint16_t)
DEFINE_KERNELS(i8, int8_t)


float rows_dot_f32(const float *a, const float *x, int n)
{
    float out;
    group_f32(a, 0, 1, x, n, NULL, 0, &out);
    return out;
}

float rows_dot_f16(const uint16_t *a, const float *x, int n)
{
    float out;
    group_f16(a, 0, 1, x, n, NULL, 0, &out);
    return out;
}

float rows_dot_i8(const int8_t *a, const float *x, int n)
{
    float out;
    group_i8(a, 0, 1, x, n, NULL, 0, &out);
    return out;
}

/* Instantiated for each count of rows (a cell has 1, 3 or 4 gates), so
 * that the accumulators stay in registers. */
#define DISPATCH(SUFFIX)                                                                               \
    switch (G) {                                                                                       \
    case 1: group_##SUFFIX(rows, stride, 1, x, nx, h, nh, out); break;                                 \
    case 2: group_##SUFFIX(rows, stride, 2, x, nx, h, nh, out); break;                                 \
    case 3: group_##SUFFIX(rows, stride, 3, x, nx, h, nh, out); break;                                 \
    default: group_##SUFFIX(rows, stride, 4, x, nx, h, nh, out); break;                                \
    }

void rows_dot_group_f32(const float *rows, size_t stride, int G, const float *x, int n, float *out)
{
    const float *h = NULL;
    int nx = n, nh = 0;
    DISPATCH(f32)
}

void rows_dot_group_f16(const uint16_t *rows, size_t stride, int G, const float *x, int n, float *out)
{
    const float *h = NULL;
    int nx = n, nh = 0;
    DISPATCH(f16)
}

void rows_dot_group2_f32(const float *rows, size_t stride, int G, const float *x, int nx, const float *h, int nh,
                         float *out)
{
    DISPATCH(f32)
}

void rows_dot_group2_f16(const uint16_t *rows, size_t stride, int G, const float *x, int nx, const float *h, int nh,
                         float *out)
{
    DISPATCH(f16)
}

void rows_dot_group2_i8(const int8_t *rows, size_t stride, int G, const float *x, int nx, const float *h, int nh,
                        float *out)
{
    DISPATCH(i8)
}

void rows_quantize(const float *w, size_t n, int8_t *q, float *scale)
{
    float big = 0.0f;
    for (size_t j = 0; j < n; j++)
        big = fabsf(w[j]) > big ? fabsf(w[j]) : big;
    float s = big > 0.0f ? big / 127.0f : 1.0f;
    for (size_t j = 0; j < n; j++)
        q[j] = (int8_t)lrintf(w[j] / s); /* |w / s| <= 127 by construction */
    *scale = s;
}

recur_status rows_matrix_init(rows_matrix *m, recur_sample_weights format, float *src, size_t count, size_t width,
                              rows_source source, recur_error *err)
{
    memset(m, 0, sizeof *m);
    m->format = format;
    m->count = count;
    m->width = width;
    size_t n = count * width;
    int ok = 0;
    switch (format) {
    case RECUR_WEIGHTS_F32:
        if (source == ROWS_BORROW) {
            m->f32 = src;
            return RECUR_OK;
        }
        if (source == ROWS_TAKE) {
            m->owned_f32 = src;
            m->f32 = src;
            return RECUR_OK;
        }
        m->owned_f32 = malloc(n * sizeof *m->owned_f32);
        if ((ok = m->owned_f32 != NULL)) {
            memcpy(m->owned_f32, src, n * sizeof *m->owned_f32);
            m->f32 = m->owned_f32;
        }
        break;
    case RECUR_WEIGHTS_F16:
        m->f16 = malloc(n * sizeof *m->f16);
        if ((ok = m->f16 != NULL))
            recur_halves_from_floats(m->f16, src, n);
        break;
    case RECUR_WEIGHTS_I8:
        m->i8 = malloc(n * sizeof *m->i8);
        m->scale = malloc(count * sizeof *m->scale);
        if ((ok = m->i8 && m->scale))
            for (size_t r = 0; r < count; r++)
                rows_quantize(src + r * width, width, m->i8 + r * width, m->scale + r);
        break;
    }
    if (source == ROWS_TAKE)
        free(src); /* converted (or a failure): not needed any more */
    if (ok)
        return RECUR_OK;
    rows_matrix_free(m);
    return recur_fail_nomem(err, "the sampler's weights");
}

void rows_matrix_free(rows_matrix *m)
{
    free(m->owned_f32);
    free(m->f16);
    free(m->i8);
    free(m->scale);
    free(m->sum_lo);
    free(m->sum_hi);
    memset(m, 0, sizeof *m);
}

void rows_matrix_group(const rows_matrix *m, size_t row, size_t col, int G, const float *x, int nx, const float *h,
                       int nh, float *out)
{
    size_t at = row * m->width + col;
    switch (m->format) {
    case RECUR_WEIGHTS_F16:
        rows_dot_group2_f16(m->f16 + at, m->width, G, x, nx, h, nh, out);
        break;
    case RECUR_WEIGHTS_I8:
        rows_dot_group2_i8(m->i8 + at, m->width, G, x, nx, h, nh, out);
        for (int g = 0; g < G; g++)
            out[g] *= m->scale[row + (size_t)g];
        break;
    default:
        rows_dot_group2_f32(m->f32 + at, m->width, G, x, nx, h, nh, out);
        break;
    }
}

float rows_matrix_dot(const rows_matrix *m, size_t row, const float *x)
{
    const size_t at = row * m->width;
    const int n = (int)m->width;
    switch (m->format) {
    case RECUR_WEIGHTS_F16: return rows_dot_f16(m->f16 + at, x, n);
    case RECUR_WEIGHTS_I8: return rows_dot_i8(m->i8 + at, x, n) * m->scale[row];
    default: return rows_dot_f32(m->f32 + at, x, n);
    }
}

