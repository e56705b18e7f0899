/* The vector types and loads the sampler's kernels share (rows.c, rows of
 * weights; panels.c, panels of them): AVX-512 (16 floats), AVX2 with F16C (8),
 * or none (ROWS_W undefined: plain C). Included by the kernel files only. */
#ifndef RECUR_SAMPLE_ROWS_SIMD_H
#define RECUR_SAMPLE_ROWS_SIMD_H

#include <stdint.h>

#include "core/half.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define ROWS_W 16
typedef __m512 vec;
ALWAYS_INLINE vec vzero(void) { return _mm512_setzero_ps(); }
ALWAYS_INLINE vec vload(const float *p) { return _mm512_loadu_ps(p); }
ALWAYS_INLINE vec vload_half(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
ALWAYS_INLINE vec vfma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
ALWAYS_INLINE vec vadd(vec a, vec b) { return _mm512_add_ps(a, b); }
ALWAYS_INLINE float vsum(vec a) { return _mm512_reduce_add_ps(a); }
ALWAYS_INLINE vec vset1(float a) { return _mm512_set1_ps(a); }
ALWAYS_INLINE vec vmul(vec a, vec b) { return _mm512_mul_ps(a, b); }
ALWAYS_INLINE void vstore(float *p, vec a) { _mm512_storeu_ps(p, a); }
#elif defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define ROWS_W 8
typedef __m256 vec;
ALWAYS_INLINE vec vzero(void) { return _mm256_setzero_ps(); }
ALWAYS_INLINE vec vload(const float *p) { return _mm256_loadu_ps(p); }
ALWAYS_INLINE vec vload_half(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
ALWAYS_INLINE vec vfma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
ALWAYS_INLINE vec vadd(vec a, vec b) { return _mm256_add_ps(a, b); }
ALWAYS_INLINE vec vset1(float a) { return _mm256_set1_ps(a); }
ALWAYS_INLINE vec vmul(vec a, vec b) { return _mm256_mul_ps(a, b); }
ALWAYS_INLINE void vstore(float *p, vec a) { _mm256_storeu_ps(p, a); }
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

#endif
