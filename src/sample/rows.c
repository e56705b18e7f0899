/* Vector code for the sampler's inner products, widest first: AVX-512
 * (16 floats), AVX2 with F16C (8), then plain C. All accumulate in float;
 * the order of the additions differs between them, not the inputs. */
#include "sample/rows.h"

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
#ifdef ROWS_W
ALWAYS_INLINE vec wload_f32(const float *w) { return vload(w); }
ALWAYS_INLINE vec wload_f16(const uint16_t *w) { return vload_half(w); }
#endif

/* The kernels, once per weight type T (float, or uint16_t halves): rows of
 * G <= 4 weights each, stride apart, against one or two input segments.
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
