/* Vectorised nonlinearities: exp, logistic sigmoid and tanh over float arrays,
 * plus scalar and (with AVX2) 8-wide inline versions for fused kernels.
 *
 * Accuracy, measured against double-precision libm (tests/test_vmath.c):
 * exp relative error <= 2e-7 on [-87, 88] (gradual underflow below, +inf
 * above ~88.72, 0 below ~-103.9); sigmoid and tanh absolute error <= 3e-7
 * everywhere, tanh keeps ~1e-7 relative accuracy for tiny |x|; large |x|
 * saturate without NaN; NaN in gives NaN out.
 *
 * exp: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, a degree-6
 * polynomial for e^r, and 2^n applied as two halves so that both the
 * overflow and the subnormal ends come out right.
 * sigmoid(x) = 1 / (1 + e^-x).
 * tanh: an odd polynomial for |x| < 0.625 (where 1 - 2/(e^2x + 1) would lose
 * relative accuracy), sign(x) * (1 - 2 / (e^2|x| + 1)) beyond.
 *
 * The scalar and the 8-wide code run the same operation sequence; with FMA
 * available to both they give bit-identical results. */
#ifndef RECUR_CORE_VMATH_H
#define RECUR_CORE_VMATH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __AVX2__
#include <immintrin.h>
#endif

/* Element-wise over arrays; y may equal x (in place). */
void recur_vexp(float *y, const float *x, size_t n);
void recur_vsigmoid(float *y, const float *x, size_t n);
void recur_vtanh(float *y, const float *x, size_t n);

/* The same over arrays with the scalar code only (always compiled; used for
 * tests and benchmarks of the non-AVX2 path). */
void recur_vexp_scalar(float *y, const float *x, size_t n);
void recur_vsigmoid_scalar(float *y, const float *x, size_t n);
void recur_vtanh_scalar(float *y, const float *x, size_t n);

/* ---- constants shared by the scalar and 8-wide versions ---- */
#define RECUR_EXP_LO_ (-104.0f)          /* e^x underflows to 0 below ~-103.97 */
#define RECUR_EXP_HI_ 89.0f              /* e^x overflows to inf above ~88.72 */
#define RECUR_LOG2E_ 1.44269504088896341f
#define RECUR_LN2_HI_ 0.693359375f       /* few mantissa bits: n * LN2_HI is exact */
#define RECUR_LN2_LO_ (-2.12194440e-4f)  /* ln 2 - LN2_HI */
#define RECUR_ROUND_MAGIC_ 12582912.0f   /* 1.5 * 2^23: adding it rounds to an integer */
/* e^r ~ 1 + r + r^2 * P(r) on |r| <= ln2/2 (Cephes expf coefficients). */
#define RECUR_EXP_P0_ 1.9875691500e-4f
#define RECUR_EXP_P1_ 1.3981999507e-3f
#define RECUR_EXP_P2_ 8.3334519073e-3f
#define RECUR_EXP_P3_ 4.1665795894e-2f
#define RECUR_EXP_P4_ 1.6666665459e-1f
#define RECUR_EXP_P5_ 5.0000001201e-1f
/* tanh x ~ x + x^3 * Q(x^2) on |x| < 0.625 (Cephes tanhf coefficients). */
#define RECUR_TANH_SMALL_ 0.625f
#define RECUR_TANH_BIG_ 10.0f            /* tanh(x >= 9.1) rounds to 1 in float */
#define RECUR_TANH_Q0_ (-5.70498872745e-3f)
#define RECUR_TANH_Q1_ 2.06390887954e-2f
#define RECUR_TANH_Q2_ (-5.37397155531e-2f)
#define RECUR_TANH_Q3_ 1.33314422036e-1f
#define RECUR_TANH_Q4_ (-3.33332819422e-1f)

/* a * b + c, fused where the target has FMA so that the scalar code matches
 * the 8-wide code bit for bit. */
static inline float recur_madd_(float a, float b, float c)
{
#ifdef __FMA__
    return fmaf(a, b, c);
#else
    return a * b + c;
#endif
}

/* 2^n for an integer-valued n in [-150, 130], applied to p in two halves so
 * that neither factor leaves the normal range. */
static inline float recur_ldexp_split_(float p, int n)
{
    int n1 = n >> 1, n2 = n - n1;
    uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(n2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return p * s1 * s2;
}

static inline float recur_expf(float x)
{
    if (x != x)
        return x;
    /* Written as comparisons so that NaN would pass through untouched. */
    x = x < RECUR_EXP_LO_ ? RECUR_EXP_LO_ : x;
    x = x > RECUR_EXP_HI_ ? RECUR_EXP_HI_ : x;
    float t = recur_madd_(x, RECUR_LOG2E_, RECUR_ROUND_MAGIC_);
    float fn = t - RECUR_ROUND_MAGIC_; /* round(x * log2 e) */
    float r = recur_madd_(fn, -RECUR_LN2_HI_, x);
    r = recur_madd_(fn, -RECUR_LN2_LO_, r);
    float p = RECUR_EXP_P0_;
    p = recur_madd_(p, r, RECUR_EXP_P1_);
    p = recur_madd_(p, r, RECUR_EXP_P2_);
    p = recur_madd_(p, r, RECUR_EXP_P3_);
    p = recur_madd_(p, r, RECUR_EXP_P4_);
    p = recur_madd_(p, r, RECUR_EXP_P5_);
    p = recur_madd_(p, r * r, r);
    p = p + 1.0f;
    return recur_ldexp_split_(p, (int)fn);
}

static inline float recur_sigmoidf(float x)
{
    return 1.0f / (1.0f + recur_expf(-x));
}

static inline float recur_tanhf(float x)
{
    float ax = fabsf(x);
    if (ax < RECUR_TANH_SMALL_) {
        float z = x * x;
        float q = RECUR_TANH_Q0_;
        q = recur_madd_(q, z, RECUR_TANH_Q1_);
        q = recur_madd_(q, z, RECUR_TANH_Q2_);
        q = recur_madd_(q, z, RECUR_TANH_Q3_);
        q = recur_madd_(q, z, RECUR_TANH_Q4_);
        return recur_madd_(q * z, x, x);
    }
    ax = ax > RECUR_TANH_BIG_ ? RECUR_TANH_BIG_ : ax;
    float e = recur_expf(ax + ax);
    float t = 1.0f - 2.0f / (e + 1.0f);
    return copysignf(t, x);
}

#ifdef __AVX2__

#ifdef __FMA__
#define RECUR_MADD8_(a, b, c) _mm256_fmadd_ps(a, b, c)
#else
#define RECUR_MADD8_(a, b, c) _mm256_add_ps(_mm256_mul_ps(a, b), c)
#endif

/* 8-wide versions for fused kernels. */
static inline __m256 recur_exp8(__m256 x)
{
    /* max/min return their second operand when either is NaN: keep x there. */
    x = _mm256_max_ps(_mm256_set1_ps(RECUR_EXP_LO_), x);
    x = _mm256_min_ps(_mm256_set1_ps(RECUR_EXP_HI_), x);
    __m256 magic = _mm256_set1_ps(RECUR_ROUND_MAGIC_);
    __m256 t = RECUR_MADD8_(x, _mm256_set1_ps(RECUR_LOG2E_), magic);
    __m256 fn = _mm256_sub_ps(t, magic);
    __m256 r = RECUR_MADD8_(fn, _mm256_set1_ps(-RECUR_LN2_HI_), x);
    r = RECUR_MADD8_(fn, _mm256_set1_ps(-RECUR_LN2_LO_), r);
    __m256 p = _mm256_set1_ps(RECUR_EXP_P0_);
    p = RECUR_MADD8_(p, r, _mm256_set1_ps(RECUR_EXP_P1_));
    p = RECUR_MADD8_(p, r, _mm256_set1_ps(RECUR_EXP_P2_));
    p = RECUR_MADD8_(p, r, _mm256_set1_ps(RECUR_EXP_P3_));
    p = RECUR_MADD8_(p, r, _mm256_set1_ps(RECUR_EXP_P4_));
    p = RECUR_MADD8_(p, r, _mm256_set1_ps(RECUR_EXP_P5_));
    p = RECUR_MADD8_(p, _mm256_mul_ps(r, r), r);
    p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
    /* The low bits of t hold n (plus the magic's); n1 = n >> 1, n2 = n - n1. */
    __m256i n = _mm256_cvtps_epi32(fn);
    __m256i n1 = _mm256_srai_epi32(n, 1);
    __m256i n2 = _mm256_sub_epi32(n, n1);
    __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

static inline __m256 recur_sigmoid8(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = recur_exp8(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f)));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

static inline __m256 recur_tanh8(__m256 x)
{
    __m256 sign_mask = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(sign_mask, x);
    /* Small |x|: odd polynomial. */
    __m256 z = _mm256_mul_ps(x, x);
    __m256 q = _mm256_set1_ps(RECUR_TANH_Q0_);
    q = RECUR_MADD8_(q, z, _mm256_set1_ps(RECUR_TANH_Q1_));
    q = RECUR_MADD8_(q, z, _mm256_set1_ps(RECUR_TANH_Q2_));
    q = RECUR_MADD8_(q, z, _mm256_set1_ps(RECUR_TANH_Q3_));
    q = RECUR_MADD8_(q, z, _mm256_set1_ps(RECUR_TANH_Q4_));
    __m256 small = RECUR_MADD8_(_mm256_mul_ps(q, z), x, x);
    /* Large |x|: 1 - 2 / (e^2|x| + 1), sign restored. */
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 axc = _mm256_min_ps(_mm256_set1_ps(RECUR_TANH_BIG_), ax);
    __m256 e = recur_exp8(_mm256_add_ps(axc, axc));
    __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    big = _mm256_or_ps(big, _mm256_and_ps(sign_mask, x));
    __m256 use_small = _mm256_cmp_ps(ax, _mm256_set1_ps(RECUR_TANH_SMALL_), _CMP_LT_OQ);
    return _mm256_blendv_ps(big, small, use_small);
}

#endif /* __AVX2__ */

#endif
