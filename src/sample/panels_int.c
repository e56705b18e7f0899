/* The int8 panels' products (see panels_int.h) for many streams.
 *
 * AVX512-VNNI: a block of B streams times one group's P panels keeps B x P
 * sums of 16 lanes in registers (24 of AVX-512's 32: P = 4 and B = 6, or
 * P = 3 and B = 8). Each quad loads its P weight vectors once and broadcasts each
 * stream's four input bytes once, then does B x P vpdpbusd, 64 multiply-adds
 * each: 4 + 6 loads for 24 instructions, so the integer units set the pace.
 * With more streams than a block holds, the blocks take turns over tiles
 * of TILE quads (16 KB of a group of 4 panels, which stay in L1 for the
 * blocks after the first), their sums parked in memory between turns. A
 * segment's sums go to floats at its end, with the rows' and the inputs'
 * scales, as the int8 rows do (rows_int.c).
 *
 * AVX2 takes one panel at a time: a quad's 16 lanes are two vectors, each
 * made |w| once for all the block's B <= 4 streams, which multiply it by
 * their broadcast levels signed by w (rows_int.c's sign trick), so 2 B
 * sums and the two |w| stay in the 16 registers. The tiles are a panel's
 * TILE quads, 4 KB. The sums are the levels' own (no offsets to take out),
 * the same integers as VNNI's less the offsets. */
#include "sample/panels_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
#include <immintrin.h>
#define PANELS_HAVE_INT 1
#define PANELS_INT_VNNI 1
#elif defined(__AVX2__)
#include <immintrin.h>
#define PANELS_HAVE_INT 1
#endif

enum { QUAD = 4, LANES = PANEL_LANES, QUAD_BYTES = QUAD * PANEL_LANES, TILE = 64 };
/* Streams one call takes (the sums' parking space); more are split. */
enum { SETS_PASS = 16 };

int panel_int_available(void)
{
#ifdef PANELS_HAVE_INT
    return 1;
#else
    return 0;
#endif
}

static void *alloc_aligned(size_t bytes)
{
    bytes = (bytes + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

recur_status panel_int_matrix_init(panel_int_matrix *m, const rows_matrix *rows, int groups, int P,
                                   long (*row_of)(const void *ctx, size_t r), const void *ctx, recur_error *err)
{
    memset(m, 0, sizeof *m);
    if (!rows->i8 || !rows->sum_lo || !rows->sum_hi || P < 1 || P > PANEL_MAX_GROUP)
        return recur_fail(err, RECUR_E_ARG, "int8 panels need int8 rows prepared for integer products");
    m->groups = groups;
    m->P = P;
    m->nx = (int)rows->split;
    m->nh = (int)(rows->width - rows->split);
    m->qx = (m->nx + QUAD - 1) / QUAD;
    m->qh = (m->nh + QUAD - 1) / QUAD;
    const size_t nrows = (size_t)groups * P * LANES, quads = (size_t)(m->qx + m->qh);
    m->w = alloc_aligned(nrows * quads * QUAD);
    m->scale = alloc_aligned(nrows * sizeof *m->scale);
    m->sum_x = alloc_aligned(nrows * sizeof *m->sum_x);
    m->sum_h = alloc_aligned(nrows * sizeof *m->sum_h);
    if (!m->w || !m->scale || !m->sum_x || !m->sum_h) {
        panel_int_matrix_free(m);
        return recur_fail_nomem(err, "the sampler's int8 panels");
    }
    memset(m->w, 0, nrows * quads * QUAD);
    for (size_t r = 0; r < nrows; r++) {
        const size_t q = r / ((size_t)P * LANES), p = r / LANES % (size_t)P, l = r % LANES;
        const long src = row_of(ctx, r);
        m->scale[r] = src < 0 ? 0.0f : rows->scale[src];
        m->sum_x[r] = src < 0 ? 0 : rows->sum_lo[src];
        m->sum_h[r] = src < 0 ? 0 : rows->sum_hi[src];
        if (src < 0)
            continue;
        const int8_t *row = rows->i8 + (size_t)src * rows->width;
        for (int seg = 0; seg < 2; seg++) {
            const int n = seg ? m->nh : m->nx, first_quad = seg ? m->qx : 0;
            const int8_t *from = row + (seg ? m->nx : 0);
            for (int c = 0; c < n; c++) {
                size_t quad = (size_t)first_quad + (size_t)(c / QUAD);
                m->w[((q * quads + quad) * (size_t)P + p) * QUAD_BYTES + l * QUAD + (size_t)(c % QUAD)] = from[c];
            }
        }
    }
    return RECUR_OK;
}

void panel_int_matrix_free(panel_int_matrix *m)
{
    free(m->w);
    free(m->scale);
    free(m->sum_x);
    free(m->sum_h);
    memset(m, 0, sizeof *m);
}

#ifdef PANELS_HAVE_INT
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#endif

#ifdef PANELS_INT_VNNI
enum { MAX_ACC = 24, MAX_B = 8 };
/* As in panels.c: keeps a loaded weight vector in its register instead of
 * a load folded into every instruction that reads it. */
#define KEEP_IN_REGISTER(v) __asm__("" : "+v"(v))
#define UNROLLED _Pragma("GCC unroll 32")

/* Quads [c0, c1) of one segment (w: its first quad of the group) for B
 * streams' input bytes q[s] (of the segment's first quad): added to the
 * sums in acc (B x P vectors). */
ALWAYS_INLINE void block_sums(const int8_t *w, const int P, const int B, int c0, int c1, const uint8_t *const *q,
                              __m512i *acc)
{
    __m512i a[MAX_ACC];
    UNROLLED for (int k = 0; k < P * B; k++)
        a[k] = acc[k];
    for (int c = c0; c < c1; c++) {
        const int8_t *wc = w + (size_t)c * P * QUAD_BYTES;
        __m512i wv[PANEL_MAX_GROUP];
        UNROLLED for (int p = 0; p < P; p++) {
            wv[p] = _mm512_load_si512((const void *)(wc + p * QUAD_BYTES));
            if (B > 1)
                KEEP_IN_REGISTER(wv[p]);
        }
        UNROLLED for (int s = 0; s < B; s++) {
            int32_t four;
            memcpy(&four, q[s] + (size_t)c * QUAD, sizeof four);
            __m512i xb = _mm512_set1_epi32(four);
            UNROLLED for (int p = 0; p < P; p++)
                a[s * P + p] = _mm512_dpbusd_epi32(a[s * P + p], xb, wv[p]);
        }
    }
    UNROLLED for (int k = 0; k < P * B; k++)
        acc[k] = a[k];
}

/* One instance per (P, B), so that the sums stay in registers. */
static void block_any(const int8_t *w, int P, int B, int c0, int c1, const uint8_t *const *q, __m512i *acc)
{
#define CASE(PP, BB) case PP * 16 + BB: block_sums(w, PP, BB, c0, c1, q, acc); break;
#define CASES6(PP) CASE(PP, 1) CASE(PP, 2) CASE(PP, 3) CASE(PP, 4) CASE(PP, 5) CASE(PP, 6)
#define CASES8(PP) CASES6(PP) CASE(PP, 7) CASE(PP, 8)
    switch (P * 16 + B) { /* B <= MAX_ACC / P */
    CASES8(1)
    CASES8(2)
    CASES8(3)
    CASES6(4)
    default: break;
    }
#undef CASES8
#undef CASES6
#undef CASE
}

/* One segment (quads [0, n) from w) of group g for S <= SETS_PASS streams
 * q[s]: the sums into mem (S x P vectors), block by block, tile by tile. */
static void segment_sums(const int8_t *w, int P, int n, int S, const uint8_t *const *q, int32_t *sums)
{
    __m512i *mem = (__m512i *)sums;
    const int Bmax = MAX_ACC / P < MAX_B ? MAX_ACC / P : MAX_B;
    for (int k = 0; k < S * P; k++)
        mem[k] = _mm512_setzero_si512();
    const int tile = S > Bmax ? TILE : n;
    for (int t0 = 0; t0 < n; t0 += tile) {
        const int t1 = t0 + tile < n ? t0 + tile : n;
        for (int b0 = 0; b0 < S; b0 += Bmax)
            block_any(w, P, S - b0 < Bmax ? S - b0 : Bmax, t0, t1, q + b0, mem + b0 * P);
    }
}

#elif defined(PANELS_HAVE_INT)
enum { MAX_B = 4 };

/* Quads [c0, c1) of panel p of one segment (w: its first quad of the
 * group) for B streams' levels q[s] (of the segment's first quad): added
 * to the sums of that panel in mem (16 lanes a stream, P panels apart). */
ALWAYS_INLINE void panel_block(const int8_t *w, const int P, int p, const int B, int c0, int c1,
                               const uint8_t *const *q, int32_t *mem)
{
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i a[2 * MAX_B];
    for (int s = 0; s < B; s++) {
        a[2 * s] = _mm256_load_si256((const __m256i *)(mem + ((size_t)s * P + p) * LANES));
        a[2 * s + 1] = _mm256_load_si256((const __m256i *)(mem + ((size_t)s * P + p) * LANES + 8));
    }
    for (int c = c0; c < c1; c++) {
        const int8_t *wc = w + ((size_t)c * P + p) * QUAD_BYTES;
        const __m256i w0 = _mm256_load_si256((const __m256i *)wc), w1 = _mm256_load_si256((const __m256i *)(wc + 32));
        const __m256i u0 = _mm256_abs_epi8(w0), u1 = _mm256_abs_epi8(w1);
        for (int s = 0; s < B; s++) {
            int32_t four;
            memcpy(&four, q[s] + (size_t)c * QUAD, sizeof four);
            const __m256i level = _mm256_set1_epi32(four);
            a[2 * s] = _mm256_add_epi32(a[2 * s], _mm256_madd_epi16(_mm256_maddubs_epi16(u0, _mm256_sign_epi8(level, w0)), ones));
            a[2 * s + 1] =
                _mm256_add_epi32(a[2 * s + 1], _mm256_madd_epi16(_mm256_maddubs_epi16(u1, _mm256_sign_epi8(level, w1)), ones));
        }
    }
    for (int s = 0; s < B; s++) {
        _mm256_store_si256((__m256i *)(mem + ((size_t)s * P + p) * LANES), a[2 * s]);
        _mm256_store_si256((__m256i *)(mem + ((size_t)s * P + p) * LANES + 8), a[2 * s + 1]);
    }
}

/* One instance per B, so that the sums stay in registers. */
static void panel_block_any(const int8_t *w, int P, int p, int B, int c0, int c1, const uint8_t *const *q,
                            int32_t *mem)
{
    switch (B) {
    case 1: panel_block(w, P, p, 1, c0, c1, q, mem); break;
    case 2: panel_block(w, P, p, 2, c0, c1, q, mem); break;
    case 3: panel_block(w, P, p, 3, c0, c1, q, mem); break;
    default: panel_block(w, P, p, 4, c0, c1, q, mem); break;
    }
}

/* One segment (quads [0, n) from w) of group g for S <= SETS_PASS streams
 * q[s]: the sums into mem (S x P x 16 lanes), panel by panel, block by
 * block, tile by tile. */
static void segment_sums(const int8_t *w, int P, int n, int S, const uint8_t *const *q, int32_t *mem)
{
    memset(mem, 0, (size_t)S * P * LANES * sizeof *mem);
    const int tile = S > MAX_B ? TILE : n;
    for (int t0 = 0; t0 < n; t0 += tile) {
        const int t1 = t0 + tile < n ? t0 + tile : n;
        for (int p = 0; p < P; p++)
            for (int b0 = 0; b0 < S; b0 += MAX_B)
                panel_block_any(w, P, p, S - b0 < MAX_B ? S - b0 : MAX_B, t0, t1, q + b0, mem + (size_t)b0 * P * LANES);
    }
}
#endif

#ifdef PANELS_HAVE_INT
/* Floats of one block's sums (mem: B x P x 16 lanes) for group g, segment
 * sums sums, each stream's input scale; add: onto what dst holds (the other
 * segment). Plain loops: the same expressions as the int8 rows'. */
static void store_block(const panel_int_matrix *m, int g, int B, const int32_t *mem, const int32_t *sums,
                        const rows_qvec *v, float *const *out, const panel_out *where, int add)
{
    const int P = m->P;
    for (int s = 0; s < B; s++)
        for (int p = 0; p < P; p++) {
            const size_t r0 = ((size_t)g * P + (size_t)p) * LANES;
            const int32_t *d = mem + ((size_t)s * P + p) * LANES;
            float *dst = out[s] + (size_t)g * where->group_step + (size_t)(p / where->per_gate) * where->gate_step +
                         (size_t)(p % where->per_gate) * LANES;
            for (int l = 0; l < LANES; l++) {
#ifdef PANELS_INT_VNNI
                /* q = level + 128: the 128s come back out with the rows' sums */
                const int32_t level_sum = d[l] - sums[r0 + l] * 128;
#else
                const int32_t level_sum = d[l];
                (void)sums;
#endif
                const float f = m->scale[r0 + l] * v[s].scale * (float)level_sum;
                dst[l] = add ? dst[l] + f : f;
            }
        }
}

/* An empty input side, split: its products are zeros. */
static void store_zeros(const panel_int_matrix *m, int g, int B, float *const *out, const panel_out *where)
{
    for (int s = 0; s < B; s++)
        for (int p = 0; p < m->P; p++)
            memset(out[s] + (size_t)g * where->group_step + (size_t)(p / where->per_gate) * where->gate_step +
                       (size_t)(p % where->per_gate) * LANES,
                   0, LANES * sizeof(float));
}

void panel_int_products(const panel_int_matrix *m, int q0, int q1, int S, const rows_qvec *x, const rows_qvec *h,
                        int split, float *const *out, float *const *out_h, const panel_out *where)
{
    const int P = m->P, quads = m->qx + m->qh, use_x = x && m->nx > 0;
    _Alignas(64) int32_t mem[SETS_PASS * PANEL_MAX_GROUP * LANES];
    for (int g = q0; g < q1; g++) {
        const int8_t *w = m->w + (size_t)g * quads * P * QUAD_BYTES;
        for (int s0 = 0; s0 < S; s0 += SETS_PASS) {
            const int n = S - s0 < SETS_PASS ? S - s0 : SETS_PASS;
            const uint8_t *q[SETS_PASS];
            if (use_x) {
                for (int s = 0; s < n; s++)
                    q[s] = x[s0 + s].q;
                segment_sums(w, P, m->qx, n, q, mem);
                store_block(m, g, n, mem, m->sum_x, x + s0, out + s0, where, 0);
            } else if (split) {
                store_zeros(m, g, n, out + s0, where);
            }
            for (int s = 0; s < n; s++)
                q[s] = h[s0 + s].q;
            segment_sums(w + (size_t)m->qx * P * QUAD_BYTES, P, m->qh, n, q, mem);
            /* the hidden side alone, or added to the input side's floats */
            store_block(m, g, n, mem, m->sum_h, h + s0, (split ? out_h : out) + s0, where, use_x && !split);
        }
    }
}
#else
void panel_int_products(const panel_int_matrix *m, int q0, int q1, int S, const rows_qvec *x, const rows_qvec *h,
                        int split, float *const *out, float *const *out_h, const panel_out *where)
{
    /* never called: the sampler keeps float panels without VNNI or AVX2 */
    (void)m, (void)q0, (void)q1, (void)S, (void)x, (void)h, (void)split, (void)out, (void)out_h, (void)where;
}
#endif
