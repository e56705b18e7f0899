/* The int8 rows' integer products: unsigned activation bytes times signed
 * weight bytes, summed in 32-bit integers by AVX512-VNNI's vpdpbusd, 64
 * products an instruction. A 2x512 LSTM's step is then a pass over 3 MB of
 * bytes with no conversion to float on the way (see rows.h for the
 * arithmetic). Without VNNI the sampler keeps the float path. */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "sample/rows.h"

#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include <immintrin.h>
#define ROWS_HAVE_INT 1
#endif

/* Rows are asked for this far ahead of the loop (see ROWS_PF_BYTES in
 * rows.c): i8 on two threads about 11,800 -> 13,900 chars/s. */
#define INT_PF_BYTES 8192

/* 255 * 127 per product: 32-bit sums hold rows of up to this many. */
enum { INT_MAX_WIDTH = 65536 };

int rows_int_available(void)
{
#ifdef ROWS_HAVE_INT
    return 1;
#else
    return 0;
#endif
}

void rows_qvec_set(rows_qvec *qv, const float *v, int n)
{
    /* Plain loops the compiler vectorises: fmaxf and lrintf would be libm
     * calls (errno), which cost more here than the products they feed. */
    float big = 0.0f;
    for (int j = 0; j < n; j++) {
        float a = fabsf(v[j]);
        big = a > big ? a : big;
    }
    float scale = big > 0.0f ? big / 127.0f : 1.0f, inv = 1.0f / scale;
    /* v / scale lies in [-127, 127], so v / scale + 128.5 is positive and
     * truncation rounds it to the nearest (halves up): q in [1, 255]. The
     * clamps guard the ends against rounding, and make a NaN (a diverged
     * model's state) 0 instead of an undefined conversion. */
    for (int j = 0; j < n; j++) {
        float t = v[j] * inv + 128.5f;
        t = t >= 0.0f ? t : 0.0f;
        t = t <= 255.0f ? t : 255.0f;
        qv->q[j] = (uint8_t)(int)t;
    }
    qv->scale = scale;
}

recur_status rows_matrix_prepare_int(rows_matrix *m, size_t split, recur_error *err)
{
    if (m->format != RECUR_WEIGHTS_I8 || !rows_int_available() || m->width > INT_MAX_WIDTH || split > m->width)
        return RECUR_OK;
    m->sum_lo = malloc(m->count * sizeof *m->sum_lo);
    m->sum_hi = malloc(m->count * sizeof *m->sum_hi);
    if (!m->sum_lo || !m->sum_hi) {
        free(m->sum_lo);
        free(m->sum_hi);
        m->sum_lo = m->sum_hi = NULL;
        return recur_fail_nomem(err, "the sampler's weights");
    }
    for (size_t r = 0; r < m->count; r++) {
        const int8_t *row = m->i8 + r * m->width;
        int32_t lo = 0, hi = 0;
        for (size_t j = 0; j < split; j++)
            lo += row[j];
        for (size_t j = split; j < m->width; j++)
            hi += row[j];
        m->sum_lo[r] = lo;
        m->sum_hi[r] = hi;
    }
    m->split = split;
    return RECUR_OK;
}

#ifdef ROWS_HAVE_INT
/* out[g] = sum_j rows[g * stride + j] * q[j] for g < G <= 4, two
 * accumulators a row so that eight products are in flight. */
static inline __attribute__((always_inline)) void dots(const int8_t *rows, size_t stride, const int G,
                                                        const uint8_t *q, int n, int32_t *out)
{
    __m512i acc[8];
    for (int k = 0; k < 2 * G; k++)
        acc[k] = _mm512_setzero_si512();
    int j = 0;
    for (; j + 128 <= n; j += 128) {
        __m512i q0 = _mm512_loadu_si512(q + j), q1 = _mm512_loadu_si512(q + j + 64);
        for (int g = 0; g < G; g++) {
            const int8_t *w = rows + g * stride + j;
            _mm_prefetch((const char *)w + INT_PF_BYTES, _MM_HINT_T0);
            _mm_prefetch((const char *)w + INT_PF_BYTES + 64, _MM_HINT_T0);
            acc[2 * g] = _mm512_dpbusd_epi32(acc[2 * g], q0, _mm512_loadu_si512(w));
            acc[2 * g + 1] = _mm512_dpbusd_epi32(acc[2 * g + 1], q1, _mm512_loadu_si512(w + 64));
        }
    }
    for (; j < n; j += 64) {
        /* The last bytes by mask: lanes past n read as zero on both sides. */
        __mmask64 k = n - j >= 64 ? ~(__mmask64)0 : _bzhi_u64(~0ULL, (unsigned)(n - j));
        __m512i q0 = _mm512_maskz_loadu_epi8(k, q + j);
        for (int g = 0; g < G; g++)
            acc[2 * g] = _mm512_dpbusd_epi32(acc[2 * g], q0, _mm512_maskz_loadu_epi8(k, rows + g * stride + j));
    }
    for (int g = 0; g < G; g++)
        out[g] = _mm512_reduce_add_epi32(_mm512_add_epi32(acc[2 * g], acc[2 * g + 1]));
}

static void dots_any(const int8_t *rows, size_t stride, int G, const uint8_t *q, int n, int32_t *out)
{
    switch (G) {
    case 1: dots(rows, stride, 1, q, n, out); break;
    case 2: dots(rows, stride, 2, q, n, out); break;
    case 3: dots(rows, stride, 3, q, n, out); break;
    default: dots(rows, stride, 4, q, n, out); break;
    }
}

/* The same for S quantised vectors at once: each weight block is loaded
 * once for all of them. Integer sums are exact, so a vector's results do
 * not depend on which others share the pass. S <= 2 with G <= 4 keeps the
 * 2 G S accumulators and 2 S inputs in registers. */
static inline __attribute__((always_inline)) void mdots(const int8_t *rows, size_t stride, const int G, const int S,
                                                         const uint8_t *const *q, int n, int32_t *out)
{
    __m512i acc[16];
    for (int k = 0; k < 2 * G * S; k++)
        acc[k] = _mm512_setzero_si512();
    int j = 0;
    for (; j + 128 <= n; j += 128) {
        __m512i qv[4];
        for (int s = 0; s < S; s++) {
            qv[2 * s] = _mm512_loadu_si512(q[s] + j);
            qv[2 * s + 1] = _mm512_loadu_si512(q[s] + j + 64);
        }
        for (int g = 0; g < G; g++) {
            const int8_t *w = rows + g * stride + j;
            _mm_prefetch((const char *)w + INT_PF_BYTES, _MM_HINT_T0);
            _mm_prefetch((const char *)w + INT_PF_BYTES + 64, _MM_HINT_T0);
            __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + 64);
            for (int s = 0; s < S; s++) {
                __m512i *a = acc + 2 * (s * G + g);
                a[0] = _mm512_dpbusd_epi32(a[0], qv[2 * s], w0);
                a[1] = _mm512_dpbusd_epi32(a[1], qv[2 * s + 1], w1);
            }
        }
    }
    for (; j < n; j += 64) {
        __mmask64 k = n - j >= 64 ? ~(__mmask64)0 : _bzhi_u64(~0ULL, (unsigned)(n - j));
        for (int g = 0; g < G; g++) {
            __m512i w0 = _mm512_maskz_loadu_epi8(k, rows + g * stride + j);
            for (int s = 0; s < S; s++)
                acc[2 * (s * G + g)] =
                    _mm512_dpbusd_epi32(acc[2 * (s * G + g)], _mm512_maskz_loadu_epi8(k, q[s] + j), w0);
        }
    }
    for (int k = 0; k < G * S; k++)
        out[k] = _mm512_reduce_add_epi32(_mm512_add_epi32(acc[2 * k], acc[2 * k + 1]));
}

static void mdots_any(const int8_t *rows, size_t stride, int G, int S, const uint8_t *const *q, int n, int32_t *out)
{
    switch (G * 8 + S) {
    case 9: mdots(rows, stride, 1, 1, q, n, out); break;
    case 10: mdots(rows, stride, 1, 2, q, n, out); break;
    case 17: mdots(rows, stride, 2, 1, q, n, out); break;
    case 18: mdots(rows, stride, 2, 2, q, n, out); break;
    case 25: mdots(rows, stride, 3, 1, q, n, out); break;
    case 26: mdots(rows, stride, 3, 2, q, n, out); break;
    case 33: mdots(rows, stride, 4, 1, q, n, out); break;
    default: mdots(rows, stride, 4, 2, q, n, out); break;
    }
}
#endif

void rows_matrix_group_int_multi(const rows_matrix *m, size_t row, int G, int S, const rows_qvec *x,
                                 const rows_qvec *h, float *xs, float *hs)
{
#ifdef ROWS_HAVE_INT
    if (S == 1) {
        rows_matrix_group_int(m, row, G, x, h, xs, hs);
        return;
    }
    const int8_t *w = m->i8 + row * m->width;
    const int use_x = x && m->split;
    for (int s0 = 0; s0 < S; s0 += 2) {
        const int n = S - s0 < 2 ? S - s0 : 2;
        const uint8_t *qx[2], *qh[2];
        int32_t dx[8] = {0}, dh[8];
        for (int s = 0; s < n; s++) {
            qx[s] = use_x ? x[s0 + s].q : NULL;
            qh[s] = h[s0 + s].q;
        }
        if (use_x)
            mdots_any(w, m->width, G, n, qx, (int)m->split, dx);
        mdots_any(w + m->split, m->width, G, n, qh, (int)(m->width - m->split), dh);
        for (int s = 0; s < n; s++)
            for (int g = 0; g < G; g++) {
                float sc = m->scale[row + (size_t)g];
                size_t k = (size_t)(s0 + s) * G + g;
                /* the same expressions as rows_matrix_group_int */
                xs[k] = use_x ? sc * x[s0 + s].scale * (float)(dx[s * G + g] - 128 * m->sum_lo[row + (size_t)g])
                              : 0.0f;
                hs[k] = sc * h[s0 + s].scale * (float)(dh[s * G + g] - 128 * m->sum_hi[row + (size_t)g]);
            }
    }
#else
    (void)m, (void)row, (void)x, (void)h;
    for (int k = 0; k < G * S; k++)
        xs[k] = hs[k] = 0.0f;
#endif
}


void rows_matrix_group_int(const rows_matrix *m, size_t row, int G, const rows_qvec *x, const rows_qvec *h,
                           float *xs, float *hs)
{
#ifdef ROWS_HAVE_INT
    const int8_t *w = m->i8 + row * m->width;
    int32_t dx[4] = {0, 0, 0, 0}, dh[4];
    if (x && m->split)
        dots_any(w, m->width, G, x->q, (int)m->split, dx);
    dots_any(w + m->split, m->width, G, h->q, (int)(m->width - m->split), dh);
    for (int g = 0; g < G; g++) {
        float s = m->scale[row + (size_t)g];
        /* q = v / scale + 128: take the 128s back out with the row's sums */
        xs[g] = x && m->split ? s * x->scale * (float)(dx[g] - 128 * m->sum_lo[row + (size_t)g]) : 0.0f;
        hs[g] = s * h->scale * (float)(dh[g] - 128 * m->sum_hi[row + (size_t)g]);
    }
#else
    (void)m, (void)row, (void)x, (void)h;
    for (int g = 0; g < G; g++)
        xs[g] = hs[g] = 0.0f;
#endif
}
