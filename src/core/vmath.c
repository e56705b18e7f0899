/* Array versions of the nonlinearities in vmath.h. With AVX2 the body runs
 * 8 at a time and the tail (n % 8 elements) goes through the same 8-wide code
 * with masked loads and stores, so every element gets identical arithmetic
 * whatever its position; otherwise each element runs the scalar code. */
#include "core/vmath.h"

#ifdef __AVX2__
/* Lanes [0, count) of a mask for _mm256_maskload_ps / _mm256_maskstore_ps. */
static inline __m256i tail_mask(size_t count)
{
    __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), lanes);
}

#define RECUR_VMAP8_(fn8, y, x, n)                                       \
    do {                                                                 \
        size_t i_ = 0;                                                   \
        for (; i_ + 8 <= (n); i_ += 8)                                   \
            _mm256_storeu_ps((y) + i_, fn8(_mm256_loadu_ps((x) + i_)));  \
        if (i_ < (n)) {                                                  \
            __m256i m_ = tail_mask((n) - i_);                            \
            __m256 v_ = fn8(_mm256_maskload_ps((x) + i_, m_));           \
            _mm256_maskstore_ps((y) + i_, m_, v_);                       \
        }                                                                \
    } while (0)
#endif

void recur_vexp_scalar(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = recur_expf(x[i]);
}

void recur_vsigmoid_scalar(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = recur_sigmoidf(x[i]);
}

void recur_vtanh_scalar(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = recur_tanhf(x[i]);
}

void recur_vexp(float *y, const float *x, size_t n)
{
#ifdef __AVX2__
    RECUR_VMAP8_(recur_exp8, y, x, n);
#else
    recur_vexp_scalar(y, x, n);
#endif
}

void recur_vsigmoid(float *y, const float *x, size_t n)
{
#ifdef __AVX2__
    RECUR_VMAP8_(recur_sigmoid8, y, x, n);
#else
    recur_vsigmoid_scalar(y, x, n);
#endif
}

void recur_vtanh(float *y, const float *x, size_t n)
{
#ifdef __AVX2__
    RECUR_VMAP8_(recur_tanh8, y, x, n);
#else
    recur_vtanh_scalar(y, x, n);
#endif
}
