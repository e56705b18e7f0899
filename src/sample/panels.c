/* Products of panel-stored weights (see panels.h) with many vectors.
 *
 * The kernel is a small matrix product tiled for the registers: a block
 * of B vectors times one group's P panels keeps B x P x 16 sums in vector
 * registers (24 of AVX-512's 32 with P = 4 and B = 6); each column loads
 * its P weight vectors once and broadcasts each vector's input value once,
 * then does B x P fused multiply-adds: 10 loads for 24 FMAs, so the FMA
 * units, not the loads, set the pace. With more vectors than one block
 * holds, the blocks take turns over tiles of TILE columns: the first block
 * brings the tile's weights in from L2/L3, the others find them in L1, and
 * the sums wait in memory between turns (48 moves a 1,536-FMA turn).
 * Whatever the blocking, each sum is one chain over the columns in order
 * (panels.h), so it is bitwise independent of the other vectors. */
#include "sample/panels.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/half.h"
#include "sample/rows.h"
#include "sample/rows_simd.h"

/* TILE: 64 columns of a group of 4 float panels are 16 KB, and of 16
 * vectors' inputs 4 KB: both stay in a 32 KB L1. SETS_PASS: the vectors
 * one pass over a group's weights serves (the sums' parking space). */
enum { TILE = 64, SETS_PASS = 64 };

#ifdef ROWS_W
#define VPP (PANEL_LANES / ROWS_W) /* vectors per panel column */
#if ROWS_W == 16
#define MAX_ACC 24 /* of 32 registers: P more for the weights, one for a broadcast */
#define MAX_B 8
#define PANEL_AT_A_TIME 0
#else
/* Of 16 registers, a group's 4 panels (8 vectors a column) leave sums
 * for one vector, which then loads a weight per FMA: with 4 vectors or
 * more, a block takes one panel at a time instead, 2 weight vectors and up
 * to 6 vectors' sums. Fewer keep whole groups, whose 8 sums a vector hide
 * the FMA latency that a panel's 2 would not. */
#define MAX_ACC 12
#define MAX_B 6
#define PANEL_AT_A_TIME 1
#endif
/* The compiler would fold a weight load into each FMA that uses it (a load
 * per FMA, and the loads set the pace); an empty asm claiming to change
 * the register keeps the loaded vector in one. */
#define KEEP_IN_REGISTER(v) __asm__("" : "+v"(v))
/* The loops over the block's registers unrolled whole, so that the sums
 * are registers rather than an array in memory. */
#define UNROLLED _Pragma("GCC unroll 32")

/* Whether n vectors go through the panels one at a time. */
static int per_panel(int n)
{
    return PANEL_AT_A_TIME && n >= 4;
}

/* Vectors per block for P panels, or for one panel at a time. */
static int block_sets(int P, int one_panel)
{
    int b = MAX_ACC / ((one_panel ? 1 : P) * VPP);
    return b < 1 ? 1 : b > MAX_B ? MAX_B : b;
}

/* Columns [c0, c1) of NV vectors of weights a column (w: the first, the
 * columns P panels apart) for B vectors whose input for column c is
 * v[s][c - voff]; the sums come from and go back to mem (B x NV vectors,
 * P x VPP apart). */
#define DEFINE_BLOCK(SUFFIX, T)                                                                        \
    ALWAYS_INLINE void block_##SUFFIX(const T *w, const int P, const int NV, const int B, int c0,      \
                                      int c1, const float *const *v, int voff, vec *mem, int prefetch) \
    {                                                                                                  \
        vec acc[MAX_B * PANEL_MAX_GROUP * VPP];                                                        \
        const float *vs[MAX_B];                                                                        \
        UNROLLED for (int s = 0; s < B; s++)                                                           \
            UNROLLED for (int k = 0; k < NV; k++)                                                      \
                acc[s * NV + k] = mem[s * P * VPP + k];                                                \
        UNROLLED for (int s = 0; s < B; s++)                                                           \
            vs[s] = v[s] - voff;                                                                       \
        for (int c = c0; c < c1; c++) {                                                                \
            const T *wc = w + (size_t)c * P * PANEL_LANES;                                             \
            vec wv[PANEL_MAX_GROUP * VPP];                                                             \
            UNROLLED for (int k = 0; k < NV; k++) {                                                    \
                if (prefetch)                                                                          \
                    ROWS_PREFETCH(wc + k * ROWS_W);                                                    \
                wv[k] = wload_##SUFFIX(wc + k * ROWS_W);                                               \
                if (B > 1)                                                                             \
                    KEEP_IN_REGISTER(wv[k]);                                                           \
            }                                                                                          \
            UNROLLED for (int s = 0; s < B; s++) {                                                     \
                vec xb = vset1(vs[s][c]);                                                              \
                if (NV > 1)                                                                            \
                    KEEP_IN_REGISTER(xb);                                                              \
                UNROLLED for (int k = 0; k < NV; k++)                                                  \
                    acc[s * NV + k] = vfma(wv[k], xb, acc[s * NV + k]);                                \
            }                                                                                          \
        }                                                                                              \
        UNROLLED for (int s = 0; s < B; s++)                                                           \
            UNROLLED for (int k = 0; k < NV; k++)                                                      \
                mem[s * P * VPP + k] = acc[s * NV + k];                                                \
    }                                                                                                  \
    /* One instance per (P, B), so that the sums stay in registers. */                                 \
    static void blocks_##SUFFIX(const T *w, int P, int B, int one_panel, int c0, int c1,               \
                                const float *const *v, int voff, vec *mem, int prefetch)               \
    {                                                                                                  \
        switch (P * 16 + B) {                                                                          \
        CASES(SUFFIX, 1)                                                                               \
        CASES(SUFFIX, 2)                                                                               \
        CASES(SUFFIX, 3)                                                                               \
        CASES(SUFFIX, 4)                                                                               \
        default: break;                                                                                \
        }                                                                                              \
    }
#define CASE(SUFFIX, P, B)                                                                             \
    case P * 16 + B:                                                                                   \
        if (PANEL_AT_A_TIME && one_panel)                                                              \
            for (int p = 0; p < P; p++)                                                                \
                block_##SUFFIX(w + p * PANEL_LANES, P, VPP, B, c0, c1, v, voff, mem + p * VPP,         \
                               prefetch);                                                              \
        else                                                                                           \
            block_##SUFFIX(w, P, P * VPP, B, c0, c1, v, voff, mem, prefetch);                          \
        break;
#define CASES(SUFFIX, P)                                                                               \
    CASE(SUFFIX, P, 1)                                                                                 \
    CASE(SUFFIX, P, 2)                                                                                 \
    CASE(SUFFIX, P, 3)                                                                                 \
    CASE(SUFFIX, P, 4)                                                                                 \
    CASE(SUFFIX, P, 5)                                                                                 \
    CASE(SUFFIX, P, 6)                                                                                 \
    CASES_7_8(SUFFIX, P)
#if MAX_B == 8
#define CASES_7_8(SUFFIX, P) CASE(SUFFIX, P, 7) CASE(SUFFIX, P, 8)
#else
#define CASES_7_8(SUFFIX, P)
#endif

DEFINE_BLOCK(f32, float)
DEFINE_BLOCK(f16, uint16_t)
DEFINE_BLOCK(i8, int8_t)

/* Writes the parked sums of n vectors (outs[0..n)) for group q, times the
 * rows' scales when there are any. */
static void store_sums(const panel_matrix *m, int q, int n, const vec *mem, float *const *outs,
                       const panel_out *where)
{
    const int P = m->P, NV = P * VPP;
    for (int i = 0; i < n; i++)
        for (int p = 0; p < P; p++) {
            float *dst = outs[i] + (size_t)q * where->group_step + (size_t)(p / where->per_gate) * where->gate_step +
                         (size_t)(p % where->per_gate) * PANEL_LANES;
            for (int k = 0; k < VPP; k++) {
                vec a = mem[i * NV + p * VPP + k];
                if (m->scale)
                    a = vmul(a, vload(m->scale + ((size_t)q * P + p) * PANEL_LANES + (size_t)k * ROWS_W));
                vstore(dst + k * ROWS_W, a);
            }
        }
}

#define DEFINE_PRODUCTS(SUFFIX, T)                                                                     \
    static void products_##SUFFIX(const panel_matrix *m, const T *weights, int q0, int q1, int S,      \
                                  const float *const *x, int nx, const float *const *h, int nh,        \
                                  int split, float *const *out, float *const *out_h,                   \
                                  const panel_out *where)                                              \
    {                                                                                                  \
        const int P = m->P, NV = P * VPP;                                                              \
        vec mem[SETS_PASS * PANEL_MAX_GROUP * VPP];                                                    \
        for (int q = q0; q < q1; q++) {                                                                \
            const T *w = weights + (size_t)q * m->width * P * PANEL_LANES;                             \
            for (int s0 = 0; s0 < S; s0 += SETS_PASS) {                                                \
                const int n = S - s0 < SETS_PASS ? S - s0 : SETS_PASS;                                 \
                /* near-equal blocks: no short last one */                                             \
                const int one = per_panel(n), Bmax = block_sets(P, one);                               \
                const int blocks = (n + Bmax - 1) / Bmax;                                              \
                for (int k = 0; k < n * NV; k++)                                                       \
                    mem[k] = vzero();                                                                  \
                for (int seg = 0; seg < 2; seg++) {                                                    \
                    const int c0 = seg ? nx : 0, c1 = seg ? nx + nh : nx;                              \
                    const float *const *v = seg ? h + s0 : (nx ? x + s0 : NULL);                      \
                    const int tile = n > Bmax ? TILE : c1 - c0;                                        \
                    for (int t0 = c0; t0 < c1; t0 += tile) {                                           \
                        const int t1 = t0 + tile < c1 ? t0 + tile : c1;                                \
                        for (int b = 0; b < blocks; b++) {                                             \
                            const int b0 = n * b / blocks, b1 = n * (b + 1) / blocks;                  \
                            blocks_##SUFFIX(w, P, b1 - b0, one, t0, t1, v + b0, c0, mem + b0 * NV,     \
                                            b == 0);                                                   \
                        }                                                                              \
                    }                                                                                  \
                    if (split && seg == 0) {                                                           \
                        store_sums(m, q, n, mem, out + s0, where);                                     \
                        for (int k = 0; k < n * NV; k++)                                               \
                            mem[k] = vzero();                                                          \
                    }                                                                                  \
                }                                                                                      \
                store_sums(m, q, n, mem, (split ? out_h : out) + s0, where);                          \
            }                                                                                          \
        }                                                                                              \
    }
#else
/* Plain C: each sum on its own, column by column. */
#define DEFINE_PRODUCTS(SUFFIX, T)                                                                     \
    static void products_##SUFFIX(const panel_matrix *m, const T *weights, int q0, int q1, int S,      \
                                  const float *const *x, int nx, const float *const *h, int nh,        \
                                  int split, float *const *out, float *const *out_h,                   \
                                  const panel_out *where)                                              \
    {                                                                                                  \
        const int P = m->P;                                                                            \
        for (int q = q0; q < q1; q++)                                                                  \
            for (int p = 0; p < P; p++)                                                                \
                for (int l = 0; l < PANEL_LANES; l++) {                                                \
                    const size_t row = ((size_t)q * P + p) * PANEL_LANES + (size_t)l;                  \
                    const float scale = m->scale ? m->scale[row] : 1.0f;                               \
                    const size_t at = (size_t)q * where->group_step +                                  \
                                      (size_t)(p / where->per_gate) * where->gate_step +               \
                                      (size_t)(p % where->per_gate) * PANEL_LANES + (size_t)l;         \
                    const T *w = weights + (size_t)q * m->width * P * PANEL_LANES +                    \
                                 (size_t)p * PANEL_LANES + (size_t)l;                                  \
                    for (int s = 0; s < S; s++) {                                                      \
                        float a = 0.0f;                                                                \
                        for (int c = 0; c < nx; c++)                                                   \
                            a += weight_##SUFFIX(w + (size_t)c * P * PANEL_LANES) * x[s][c];           \
                        if (split) {                                                                   \
                            out[s][at] = a * scale;                                                    \
                            a = 0.0f;                                                                  \
                        }                                                                              \
                        for (int c = 0; c < nh; c++)                                                   \
                            a += weight_##SUFFIX(w + (size_t)(nx + c) * P * PANEL_LANES) * h[s][c];    \
                        (split ? out_h : out)[s][at] = a * scale;                                      \
                    }                                                                                  \
                }                                                                                      \
    }
#endif

DEFINE_PRODUCTS(f32, float)
DEFINE_PRODUCTS(f16, uint16_t)
DEFINE_PRODUCTS(i8, int8_t)

void panel_products(const panel_matrix *m, int q0, int q1, int S, const float *const *x, int nx,
                    const float *const *h, int nh, int split, float *const *out, float *const *out_h,
                    const panel_out *where)
{
    if (q0 >= q1 || S <= 0)
        return;
    switch (m->format) {
    case RECUR_WEIGHTS_F16: products_f16(m, m->f16, q0, q1, S, x, nx, h, nh, split, out, out_h, where); break;
    case RECUR_WEIGHTS_I8: products_i8(m, m->i8, q0, q1, S, x, nx, h, nh, split, out, out_h, where); break;
    default: products_f32(m, m->f32, q0, q1, S, x, nx, h, nh, split, out, out_h, where); break;
    }
}

/* A 64-byte aligned block of n elements of the given size (loads of a
 * column never straddle a cache line). */
static void *alloc_aligned(size_t n, size_t size)
{
    size_t bytes = (n * size + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

recur_status panel_matrix_init(panel_matrix *m, recur_sample_weights format, const float *src, int groups, int P,
                               int width, recur_error *err)
{
    memset(m, 0, sizeof *m);
    m->format = format;
    m->groups = groups;
    m->P = P;
    m->width = width;
    const size_t rows = (size_t)groups * P * PANEL_LANES, n = rows * (size_t)width;
    int8_t *q8 = NULL;
    int ok;
    switch (format) {
    case RECUR_WEIGHTS_F16: ok = (m->f16 = alloc_aligned(n, sizeof *m->f16)) != NULL; break;
    case RECUR_WEIGHTS_I8:
        m->i8 = alloc_aligned(n, sizeof *m->i8);
        m->scale = alloc_aligned(rows, sizeof *m->scale);
        q8 = malloc((size_t)width + 1);
        ok = m->i8 && m->scale && q8;
        break;
    default: ok = (m->f32 = alloc_aligned(n, sizeof *m->f32)) != NULL; break;
    }
    if (!ok) {
        free(q8);
        panel_matrix_free(m);
        return recur_fail_nomem(err, "the sampler's weights");
    }
    for (size_t r = 0; r < rows; r++) {
        const size_t q = r / ((size_t)P * PANEL_LANES), lane = r % ((size_t)P * PANEL_LANES); /* p * 16 + l */
        const float *row = src + r * (size_t)width;
        const size_t first = q * (size_t)width * P * PANEL_LANES + lane, step = (size_t)P * PANEL_LANES;
        switch (format) {
        case RECUR_WEIGHTS_F16:
            for (int c = 0; c < width; c++)
                recur_halves_from_floats(m->f16 + first + (size_t)c * step, row + c, 1);
            break;
        case RECUR_WEIGHTS_I8:
            rows_quantize(row, (size_t)width, q8, m->scale + r);
            for (int c = 0; c < width; c++)
                m->i8[first + (size_t)c * step] = q8[c];
            break;
        default:
            for (int c = 0; c < width; c++)
                m->f32[first + (size_t)c * step] = row[c];
            break;
        }
    }
    free(q8);
    return RECUR_OK;
}

void panel_matrix_free(panel_matrix *m)
{
    free(m->f32);
    free(m->f16);
    free(m->i8);
    free(m->scale);
    memset(m, 0, sizeof *m);
}
