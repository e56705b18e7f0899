/* Vector code for the sampler's inner products, widest first: AVX-512
 * (16 floats), AVX2 with F16C (8), then plain C. All accumulate in float;
 * the order of the additions differs between them, not the inputs. */
#include "sample/rows.h"

#include "core/half.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define ROWS_W 16
typedef __m512 vec;
static inline vec vzero(void) { return _mm512_setzero_ps(); }
static inline vec vload(const float *p) { return _mm512_loadu_ps(p); }
static inline vec vload_half(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
static inline vec vfma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
static inline float vsum(vec a) { return _mm512_reduce_add_ps(a); }
#elif defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define ROWS_W 8
typedef __m256 vec;
static inline vec vzero(void) { return _mm256_setzero_ps(); }
static inline vec vload(const float *p) { return _mm256_loadu_ps(p); }
static inline vec vload_half(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline vec vfma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
static inline float vsum(vec a)
{
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    q = _mm_add_ss(q, _mm_shuffle_ps(q, q, 1));
    return _mm_cvtss_f32(q);
}
#endif

/* One body for both element types: LOAD reads ROWS_W weights as floats,
 * SCALAR one weight. Two accumulators per row keep two FMAs in flight. */
#ifdef ROWS_W
#define DOT_BODY(LOAD, SCALAR)                                                    \
    int j = 0;                                                                    \
    vec s0 = vzero(), s1 = vzero();                                               \
    for (; j + 2 * ROWS_W <= n; j += 2 * ROWS_W) {                                \
        s0 = vfma(LOAD(a + j), vload(x + j), s0);                                 \
        s1 = vfma(LOAD(a + j + ROWS_W), vload(x + j + ROWS_W), s1);               \
    }                                                                             \
    float s = vsum(s0) + vsum(s1);                                                \
    for (; j < n; j++)                                                            \
        s += SCALAR(a[j]) * x[j];                                                 \
    return s;

#define GROUP_BODY(LOAD, SCALAR)                                                  \
    int j = 0;                                                                    \
    vec acc[8];                                                                   \
    for (int k = 0; k < 8; k++)                                                   \
        acc[k] = vzero();                                                         \
    for (; j + 2 * ROWS_W <= n; j += 2 * ROWS_W) {                                \
        vec x0 = vload(x + j), x1 = vload(x + j + ROWS_W);                        \
        for (int g = 0; g < G; g++) {                                             \
            acc[2 * g] = vfma(LOAD(rows + g * stride + j), x0, acc[2 * g]);       \
            acc[2 * g + 1] = vfma(LOAD(rows + g * stride + j + ROWS_W), x1,      \
                                  acc[2 * g + 1]);                                \
        }                                                                         \
    }                                                                             \
    for (int g = 0; g < G; g++)                                                   \
        out[g] = vsum(acc[2 * g]) + vsum(acc[2 * g + 1]);                         \
    for (; j < n; j++)                                                            \
        for (int g = 0; g < G; g++)                                               \
            out[g] += SCALAR(rows[g * stride + j]) * x[j];
#else
#define DOT_BODY(LOAD, SCALAR)                                                    \
    float s = 0.0f;                                                               \
    for (int j = 0; j < n; j++)                                                   \
        s += SCALAR(a[j]) * x[j];                                                 \
    return s;

#define GROUP_BODY(LOAD, SCALAR)                                                  \
    for (int g = 0; g < G; g++)                                                   \
        out[g] = 0.0f;                                                            \
    for (int j = 0; j < n; j++)                                                   \
        for (int g = 0; g < G; g++)                                               \
            out[g] += SCALAR(rows[g * stride + j]) * x[j];
#endif

#define AS_FLOAT(w) (w)

float rows_dot_f32(const float *a, const float *x, int n) { DOT_BODY(vload, AS_FLOAT) }

float rows_dot_f16(const uint16_t *a, const float *x, int n) { DOT_BODY(vload_half, recur_half_to_float) }

/* The group loop is instantiated for each gate count a cell has (RNN 1,
 * GRU 3, LSTM 4), so that the accumulators stay in registers. */
#define DEFINE_GROUP(NAME, T, LOAD, SCALAR)                                                    \
    static inline __attribute__((always_inline)) void NAME##_of(const T *rows, size_t stride,  \
                                                                const int G, const float *x,  \
                                                                int n, float *out)            \
    {                                                                                          \
        GROUP_BODY(LOAD, SCALAR)                                                               \
    }                                                                                          \
    void NAME(const T *rows, size_t stride, int G, const float *x, int n, float *out)          \
    {                                                                                          \
        switch (G) {                                                                           \
        case 1: NAME##_of(rows, stride, 1, x, n, out); break;                                  \
        case 3: NAME##_of(rows, stride, 3, x, n, out); break;                                  \
        case 4: NAME##_of(rows, stride, 4, x, n, out); break;                                  \
        default: NAME##_of(rows, stride, G, x, n, out); break;                                 \
        }                                                                                      \
    }

DEFINE_GROUP(rows_dot_group_f32, float, vload, AS_FLOAT)
DEFINE_GROUP(rows_dot_group_f16, uint16_t, vload_half, recur_half_to_float)
