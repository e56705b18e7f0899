/* The int8 rows' integer products, summed exactly in 32-bit integers:
 *  - AVX512-VNNI: unsigned activation bytes (q = level + 128) times signed
 *    weight bytes by vpdpbusd, 64 products an instruction, the 128s taken
 *    back out with the rows' sums afterwards;
 *  - AVX2: signed levels times signed weights by the sign trick:
 *    vpmaddubsw(|w|, sign(level, w)) multiplies |w| <= 128 by
 *    +-level <= 127, so a pair's sum stays within 16 bits, and vpmaddwd
 *    widens the pairs to 32 bits: 32 products in four instructions, twice
 *    the float path's rate after converting the bytes (and the same sums).
 * A 2x512 LSTM's step is then a pass over 3 MB of bytes with no conversion
 * to float on the way (see rows.h for the arithmetic). Without either the
 * sampler keeps the float path. */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "sample/rows.h"

#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include <immintrin.h>
#define ROWS_HAVE_INT 1
#define ROWS_INT_VNNI 1
/* the bytes are q = level + 128, vpdpbusd's unsigned operand */
#define Q_FLIP 0x00
#elif defined(__AVX2__)
#include <immintrin.h>
#define ROWS_HAVE_INT 1
/* the bytes are the levels themselves, as int8: q xor 0x80 = q - 128 */
#define Q_FLIP 0x80
#endif

#ifndef Q_FLIP
#define Q_FLIP 0x00
#endif

#define ALWAYS_INLINE static inline __attribute__((always_inline))

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
        qv->q[j] = (uint8_t)((int)t ^ Q_FLIP);
    }
    qv->scale = scale;
}

int rows_qvec_level(const rows_qvec *qv, int j)
{
    return (int)(qv->q[j] ^ Q_FLIP) - 128;
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

#ifdef ROWS_INT_VNNI
/* out[g] = sum_j rows[g * stride + j] * q[j] for g < G <= 4, two
 * accumulators a row so that eight products are in flight. */
ALWAYS_INLINE void dots(const int8_t *rows, size_t stride, const int G, const uint8_t *q, int n, int32_t *out)
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

/* The same for S quantised vectors at once: each weight block is loaded
 * once for all of them. Integer sums are exact, so a vector's results do
 * not depend on which others share the pass. S <= 2 with G <= 4 keeps the
 * 2 G S accumulators and 2 S inputs in registers. */
ALWAYS_INLINE void mdots(const int8_t *rows, size_t stride, const int G, const int S, const uint8_t *const *q, int n,
                         int32_t *out)
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

#elif defined(ROWS_HAVE_INT)
/* AVX2: 32 products of a level byte and a weight byte in 32-bit lanes (see
 * the top of the file). */
ALWAYS_INLINE __m256i dot32(__m256i acc, __m256i level, __m256i w)
{
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(level, w));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

ALWAYS_INLINE int32_t hsum32(__m256i a)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/* The last n % 32 bytes one at a time: the rows' two segments lie end to
 * end, so a wider load would read the other segment. */
ALWAYS_INLINE int32_t tail_dot(const int8_t *w, const uint8_t *q, int j, int n)
{
    int32_t sum = 0;
    for (; j < n; j++)
        sum += (int32_t)w[j] * (int8_t)q[j];
    return sum;
}

/* out[s * G + g] = sum_j rows[g * stride + j] * level_s[j] for g < G <= 4
 * and S <= 2 vectors, 64 bytes a turn: each weight vector loaded once for
 * both vectors, 2 S levels and G S sums in registers. */
ALWAYS_INLINE void mdots(const int8_t *rows, size_t stride, const int G, const int S, const uint8_t *const *q, int n,
                         int32_t *out)
{
    __m256i acc[8];
    for (int k = 0; k < G * S; k++)
        acc[k] = _mm256_setzero_si256();
    int j = 0;
    for (; j + 64 <= n; j += 64) {
        __m256i lv[4];
        for (int s = 0; s < S; s++) {
            lv[2 * s] = _mm256_loadu_si256((const __m256i *)(q[s] + j));
            lv[2 * s + 1] = _mm256_loadu_si256((const __m256i *)(q[s] + j + 32));
        }
        for (int g = 0; g < G; g++) {
            const int8_t *w = rows + g * stride + j;
            _mm_prefetch((const char *)w + INT_PF_BYTES, _MM_HINT_T0);
            const __m256i w0 = _mm256_loadu_si256((const __m256i *)w), w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
            for (int s = 0; s < S; s++)
                acc[s * G + g] = dot32(dot32(acc[s * G + g], lv[2 * s], w0), lv[2 * s + 1], w1);
        }
    }
    for (; j + 32 <= n; j += 32)
        for (int g = 0; g < G; g++) {
            const __m256i w0 = _mm256_loadu_si256((const __m256i *)(rows + g * stride + j));
            for (int s = 0; s < S; s++)
                acc[s * G + g] = dot32(acc[s * G + g], _mm256_loadu_si256((const __m256i *)(q[s] + j)), w0);
        }
    for (int s = 0; s < S; s++)
        for (int g = 0; g < G; g++)
            out[s * G + g] = hsum32(acc[s * G + g]) + tail_dot(rows + g * stride, q[s], j, n);
}

ALWAYS_INLINE void dots(const int8_t *rows, size_t stride, const int G, const uint8_t *q, int n, int32_t *out)
{
    mdots(rows, stride, G, 1, &q, n, out);
}
#endif

#ifdef ROWS_HAVE_INT
static void dots_any(const int8_t *rows, size_t stride, int G, const uint8_t *q, int n, int32_t *out)
{
    switch (G) {
    case 1: dots(rows, stride, 1, q, n, out); break;
    case 2: dots(rows, stride, 2, q, n, out); break;
    case 3: dots(rows, stride, 3, q, n, out); break;
    default: dots(rows, stride, 4, q, n, out); break;
    }
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

/* A sum of a row's integers times the bytes as the kernel left it, less
 * the offsets: the level-times-weight sum (the same integer either way). */
ALWAYS_INLINE int32_t centred(int32_t dot, int32_t row_sum)
{
#ifdef ROWS_INT_VNNI
    return dot - 128 * row_sum;
#else
    (void)row_sum;
    return dot;
#endif
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
                xs[k] = use_x ? sc * x[s0 + s].scale * (float)centred(dx[s * G + g], m->sum_lo[row + (size_t)g])
                              : 0.0f;
                hs[k] = sc * h[s0 + s].scale * (float)centred(dh[s * G + g], m->sum_hi[row + (size_t)g]);
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
        xs[g] = x && m->split ? s * x->scale * (float)centred(dx[g], m->sum_lo[row + (size_t)g]) : 0.0f;
        hs[g] = s * h->scale * (float)centred(dh[g], m->sum_hi[row + (size_t)g]);
    }
#else
    (void)m, (void)row, (void)x, (void)h;
    for (int g = 0; g < G; g++)
        xs[g] = hs[g] = 0.0f;
#endif
}
