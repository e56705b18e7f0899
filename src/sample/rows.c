/* Vector code for the sampler's inner products, widest first: AVX-512
 * (16 floats), AVX2 with F16C (8), then plain C. All accumulate in float;
 * the order of the additions differs between them, not the inputs. */
#include "sample/rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/half.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#define ALWAYS_INLINE static inline __attribute__((always_inline))

#if defined(__AVX512F__)
#define ROWS_W 16
typedef __m512 vec;
ALWAYS_INLINE vec vzero(void) { return _mm512_setzero_ps(); }
ALWAYS_INLINE vec vload(const float *p) { return _mm512_loadu_ps(p); }
ALWAYS_INLINE vec vload_half(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
ALWAYS_INLINE vec vfma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
ALWAYS_INLINE vec vadd(vec a, vec b) { return _mm512_add_ps(a, b); }
ALWAYS_INLINE float vsum(vec a) { return _mm512_reduce_add_ps(a); }
#elif defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define ROWS_W 8
typedef __m256 vec;
ALWAYS_INLINE vec vzero(void) { return _mm256_setzero_ps(); }
ALWAYS_INLINE vec vload(const float *p) { return _mm256_loadu_ps(p); }
ALWAYS_INLINE vec vload_half(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
ALWAYS_INLINE vec vfma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
ALWAYS_INLINE vec vadd(vec a, vec b) { return _mm256_add_ps(a, b); }
ALWAYS_INLINE float vsum(vec a)
{
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
    return _mm_cvtss_f32(q);
}
#endif

/* Reading one weight as float, for tails and the plain-C build. */
ALWAYS_INLINE float weight_f32(const float *w) { return *w; }
ALWAYS_INLINE float weight_f16(const uint16_t *w) { return recur_half_to_float(*w); }
ALWAYS_INLINE float weight_i8(const int8_t *w) { return (float)*w; }
#ifdef ROWS_W
ALWAYS_INLINE vec wload_f32(const float *w) { return vload(w); }
ALWAYS_INLINE vec wload_f16(const uint16_t *w) { return vload_half(w); }
#if ROWS_W == 16
ALWAYS_INLINE vec wload_i8(const int8_t *w)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)w)));
}
#else
ALWAYS_INLINE vec wload_i8(const int8_t *w)
{
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)w)));
}
#endif
#endif

/* Each row is asked for 8 KB ahead of where the loop reads it. One core
 * keeps too few cache misses in flight to draw its share of the L3
 * bandwidth from the hardware prefetchers alone: on a 2 x 512 LSTM this took
 * f16 from about 5,900 to 7,600 chars/s on two threads (+29%) and 1-thread
 * f16 by 10%; f32, already at the bandwidth two cores get, did not move.
 * Prefetches past the matrix's end are harmless: they never fault. */
#define ROWS_PF_BYTES 8192
#define ROWS_PREFETCH(p) _mm_prefetch((const char *)(p) + ROWS_PF_BYTES, _MM_HINT_T0)

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

/* The same products for S input sets at once (many streams): each weight
 * vector is loaded once and multiplied into every set's accumulators. For
 * each (row, set) pair the operations are exactly those of the one-set
 * kernel above, in the same order (the same two accumulators, the same
 * tails, the same reduction), so a stream's sums do not depend on which
 * other streams share the pass. ROWS_SETS(G) is how many sets one pass
 * keeps in registers: 2 G S accumulators and 2 S input vectors. */
#ifdef ROWS_W
#if ROWS_W == 16
#define ROWS_SETS(G) ((G) >= 3 ? 2 : 4)
#else
#define ROWS_SETS(G) ((G) >= 3 ? 1 : 2)
#endif
#define DEFINE_MULTI(SUFFIX, T)                                                                        \
    ALWAYS_INLINE void msegment_##SUFFIX(vec *acc, float *tail, const T *rows, size_t stride,          \
                                         const int G, const int S, const float *const *x, int n)          \
                                                                                                                                                               \
    {                                                                                                  \
        int j = 0;                                                                                     \
        for (; j + 2 * ROWS_W <= n; j += 2 * ROWS_W) {                                                 \
            vec xv[8];                                                                                 \
            for (int s = 0; s < S; s++) {                                                              \
                xv[2 * s] = vload(x[s] + j);                                                      \
                xv[2 * s + 1] = vload(x[s] + j + ROWS_W);                                         \
            }                                                                                          \
            for (int g = 0; g < G; g++) {                                                              \
                ROWS_PREFETCH(rows + g * stride + j);                                                  \
                vec w0 = wload_##SUFFIX(rows + g * stride + j);                                        \
                vec w1 = wload_##SUFFIX(rows + g * stride + j + ROWS_W);                               \
                for (int s = 0; s < S; s++) {                                                          \
                    vec *a = acc + 2 * (s * G + g);                                                    \
                    a[0] = vfma(w0, xv[2 * s], a[0]);                                                  \
                    a[1] = vfma(w1, xv[2 * s + 1], a[1]);                                              \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
        for (; j < n; j++)                                                                             \
            for (int g = 0; g < G; g++)                                                                \
                for (int s = 0; s < S; s++)                                                            \
                    tail[s * G + g] += weight_##SUFFIX(rows + g * stride + j) * x[s][j]    ;          \
    }                                                                                                  \
    ALWAYS_INLINE void mgroup_##SUFFIX(const T *rows, size_t stride, const int G, const int S,         \
                                       const float *const *x, int nx, const float *const *h, int nh,   \
                                       float *out)                                             \
    {                                                                                                  \
        vec acc[32];                                                                                   \
        float tail[16];                                                                                \
        for (int k = 0; k < 2 * G * S; k++)                                                            \
            acc[k] = vzero();                                                                          \
        for (int k = 0; k < G * S; k++)                                                                \
            tail[k] = 0.0f;                                                                            \
        msegment_##SUFFIX(acc, tail, rows, stride, G, S, x, nx);                                   \
        if (nh)                                                                                        \
            msegment_##SUFFIX(acc, tail, rows + nx, stride, G, S, h, nh);                           \
        for (int k = 0; k < G * S; k++)                                                                \
            out[k] = vsum(vadd(acc[2 * k], acc[2 * k + 1])) + tail[k];                                 \
    }
#else
#define ROWS_SETS(G) 1
#define DEFINE_MULTI(SUFFIX, T)                                                                        \
    ALWAYS_INLINE void mgroup_##SUFFIX(const T *rows, size_t stride, const int G, const int S,         \
                                       const float *const *x, int nx, const float *const *h, int nh,   \
                                       float *out)                                             \
    {                                                                                                  \
        for (int s = 0; s < S; s++)                                                                    \
            group_##SUFFIX(rows, stride, G, x[s], nx, h ? h[s] : NULL, nh,          \
                           out + s * G);                                                               \
    }
#endif

DEFINE_MULTI(f32, float)
DEFINE_MULTI(f16, uint16_t)
DEFINE_MULTI(i8, int8_t)

/* One instance per (rows, sets) pair, so that the accumulators stay in
 * registers; S <= ROWS_SETS(G). */
#define MCASE(SUFFIX, G_, S_)                                                                          \
    case (G_) * 8 + (S_): mgroup_##SUFFIX(rows, stride, G_, S_, x, nx, h, nh, out); break;
#define MDISPATCH_G(SUFFIX, G_) MCASE(SUFFIX, G_, 1) MCASE(SUFFIX, G_, 2) MCASE(SUFFIX, G_, 3) MCASE(SUFFIX, G_, 4)
#define DEFINE_MULTI_DISPATCH(SUFFIX, T)                                                               \
    static void multi_##SUFFIX(const T *rows, size_t stride, int G, int S, const float *const *x,      \
                               int nx, const float *const *h, int nh, float *out)           \
    {                                                                                                  \
        switch (G * 8 + S) {                                                                           \
            MDISPATCH_G(SUFFIX, 1)                                                                     \
            MDISPATCH_G(SUFFIX, 2)                                                                     \
            MDISPATCH_G(SUFFIX, 3)                                                                     \
            MDISPATCH_G(SUFFIX, 4)                                                                     \
        default: break;                                                                                \
        }                                                                                              \
    }
DEFINE_MULTI_DISPATCH(f32, float)
DEFINE_MULTI_DISPATCH(f16, uint16_t)
DEFINE_MULTI_DISPATCH(i8, int8_t)

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

static void quantize_row(const float *w, size_t n, int8_t *q, float *scale)
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
                quantize_row(src + r * width, width, m->i8 + r * width, m->scale + r);
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

void rows_matrix_group_multi(const rows_matrix *m, size_t row, size_t col, int G, int S, const float *const *x,
                             int nx, const float *const *h, int nh, float *out)
{
    if (S == 1) { /* the one-set kernel itself */
        rows_matrix_group(m, row, col, G, x[0], nx, h ? h[0] : NULL, nh, out);
        return;
    }
    const size_t at = row * m->width + col;
    const int block = ROWS_SETS(G) < 4 ? ROWS_SETS(G) : 4;
    for (int s0 = 0; s0 < S; s0 += block) {
        const int n = S - s0 < block ? S - s0 : block;
        const float *const *xs = x + s0, *const *hs = h ? h + s0 : NULL;
        float *o = out + (size_t)s0 * G;
        switch (m->format) {
        case RECUR_WEIGHTS_F16:
            multi_f16(m->f16 + at, m->width, G, n, xs, nx, hs, nh, o);
            break;
        case RECUR_WEIGHTS_I8:
            multi_i8(m->i8 + at, m->width, G, n, xs, nx, hs, nh, o);
            for (int s = 0; s < n; s++)
                for (int g = 0; g < G; g++)
                    o[s * G + g] *= m->scale[row + (size_t)g];
            break;
        default:
            multi_f32(m->f32 + at, m->width, G, n, xs, nx, hs, nh, o);
            break;
        }
    }
}
