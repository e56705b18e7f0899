/* The sampler's products for many sets of inputs at once (many streams,
 * rows_matrix_group_multi): G <= 4 rows against S input vectors, each
 * weight vector loaded once for a block of sets and multiplied into each
 * one's accumulators.
 *
 * For every (row, set) pair the operations are exactly those of the
 * one-set kernel in rows.c, in the same order: the same two vector
 * accumulators over the same steps, the same scalar tail after each
 * segment, the same reduction. So a set's sums are bitwise what it gets
 * alone, whichever other sets share the pass, and whatever the tiling
 * below (it only changes when an accumulator visits memory).
 *
 * Sets go in blocks of ROWS_SETS(G), whose 2 G S accumulators and 2 S
 * input vectors fit the registers. Many blocks walk the rows in tiles of
 * TILE columns, so that the tile of every set's input (16 sets: 16 KB) and
 * of the weights stays in L1 while the blocks take their turns; the
 * accumulators wait in memory between tiles. */
#include "sample/rows.h"
#include "sample/rows_simd.h"

enum { MAX_SETS = 16, TILE = 256 };

#ifdef ROWS_W
#if ROWS_W == 16
#define ROWS_SETS(G) ((G) >= 3 ? 2 : 4)
#else
#define ROWS_SETS(G) ((G) >= 3 ? 1 : 2)
#endif

/* Left alone, the compiler folds loads into the FMAs: an input vector
 * loaded again for each row, or a weight vector again for each set (1.25
 * to 1.5 loads an FMA instead of 0.75 with 4 rows and 2 sets, and then the
 * loads, not the FMAs, set the pace: 33 against 46 GFMA/s on one core from
 * L1). An empty asm that claims to change the register keeps it there. */
#define KEEP_IN_REGISTER(v) __asm__("" : "+v"(v))

/* The first `main` columns (whole steps of 2 W) of sets [0, S) in blocks
 * of B (S a multiple of B), tile by tile when there are several blocks:
 * each block's accumulators come from and go back to acc_mem around its
 * turn. Only the first block of a tile asks for the rows ahead; the others
 * find them in L1. One call does every tile and block, so the overhead of
 * a call is paid once per segment, not once per turn. */
#define DEFINE_STEPS(SUFFIX, T)                                                                        \
    ALWAYS_INLINE void steps_##SUFFIX(vec *acc_mem, const T *rows, size_t stride, const int G,         \
                                      const int B, int S, const float *const *x, int main)             \
    {                                                                                                  \
        const int tile = S > B ? TILE : main;                                                          \
        for (int j0 = 0; j0 < main; j0 += tile) {                                                      \
            const int j1 = j0 + tile < main ? j0 + tile : main;                                        \
            for (int s0 = 0; s0 < S; s0 += B) {                                                        \
                vec acc[16];                                                                           \
                vec *mem = acc_mem + 2 * G * s0;                                                       \
                const float *const *xs = x + s0;                                                       \
                for (int k = 0; k < 2 * G * B; k++)                                                    \
                    acc[k] = mem[k];                                                                   \
                for (int j = j0; j < j1; j += 2 * ROWS_W) {                                            \
                    vec xv[8];                                                                         \
                    for (int s = 0; s < B; s++) {                                                      \
                        xv[2 * s] = vload(xs[s] + j);                                                  \
                        xv[2 * s + 1] = vload(xs[s] + j + ROWS_W);                                     \
                        KEEP_IN_REGISTER(xv[2 * s]);                                                   \
                        KEEP_IN_REGISTER(xv[2 * s + 1]);                                               \
                    }                                                                                  \
                    for (int g = 0; g < G; g++) {                                                      \
                        if (s0 == 0)                                                                   \
                            ROWS_PREFETCH(rows + g * stride + j);                                      \
                        vec w0 = wload_##SUFFIX(rows + g * stride + j);                                \
                        vec w1 = wload_##SUFFIX(rows + g * stride + j + ROWS_W);                       \
                        KEEP_IN_REGISTER(w0);                                                          \
                        KEEP_IN_REGISTER(w1);                                                          \
                        for (int s = 0; s < B; s++) {                                                  \
                            vec *a = acc + 2 * (s * G + g);                                            \
                            a[0] = vfma(w0, xv[2 * s], a[0]);                                          \
                            a[1] = vfma(w1, xv[2 * s + 1], a[1]);                                      \
                        }                                                                              \
                    }                                                                                  \
                }                                                                                      \
                for (int k = 0; k < 2 * G * B; k++)                                                    \
                    mem[k] = acc[k];                                                                   \
            }                                                                                          \
        }                                                                                              \
    }                                                                                                  \
    /* One instance per (rows, block) pair with B <= ROWS_SETS(G). */                                  \
    static void blocks_##SUFFIX(vec *acc_mem, const T *rows, size_t stride, int G, int B, int S,       \
                                const float *const *x, int main)                                       \
    {                                                                                                  \
        switch (G * 8 + B) {                                                                           \
        case 9: steps_##SUFFIX(acc_mem, rows, stride, 1, 1, S, x, main); break;                        \
        case 10: steps_##SUFFIX(acc_mem, rows, stride, 1, 2, S, x, main); break;                       \
        case 11: steps_##SUFFIX(acc_mem, rows, stride, 1, 3, S, x, main); break;                       \
        case 12: steps_##SUFFIX(acc_mem, rows, stride, 1, 4, S, x, main); break;                       \
        case 17: steps_##SUFFIX(acc_mem, rows, stride, 2, 1, S, x, main); break;                       \
        case 18: steps_##SUFFIX(acc_mem, rows, stride, 2, 2, S, x, main); break;                       \
        case 19: steps_##SUFFIX(acc_mem, rows, stride, 2, 3, S, x, main); break;                       \
        case 20: steps_##SUFFIX(acc_mem, rows, stride, 2, 4, S, x, main); break;                       \
        case 25: steps_##SUFFIX(acc_mem, rows, stride, 3, 1, S, x, main); break;                       \
        case 26: steps_##SUFFIX(acc_mem, rows, stride, 3, 2, S, x, main); break;                       \
        case 33: steps_##SUFFIX(acc_mem, rows, stride, 4, 1, S, x, main); break;                       \
        default: steps_##SUFFIX(acc_mem, rows, stride, 4, 2, S, x, main); break;                       \
        }                                                                                              \
    }
#else
#define ROWS_SETS(G) 1
#define DEFINE_STEPS(SUFFIX, T)
#endif

#ifdef ROWS_W
#define MAIN_COLUMNS(n) ((n) - (n) % (2 * ROWS_W))
#else
#define MAIN_COLUMNS(n) 0
#endif

/* G rows against S <= MAX_SETS sets of [x | h]: out[s * G + g]. The
 * vector accumulators and the scalar tails are separate sums until the
 * end, so the vector steps of both segments come first, then the tails. */
#define DEFINE_MULTI(SUFFIX, T)                                                                        \
    DEFINE_STEPS(SUFFIX, T)                                                                            \
    static void multi_##SUFFIX(const T *rows, size_t stride, int G, int S, const float *const *x,      \
                               int nx, const float *const *h, int nh, float *out)                      \
    {                                                                                                  \
        VECTOR_STEPS(SUFFIX, T)                                                                        \
        float tail[MAX_SETS * 4];                                                                      \
        for (int k = 0; k < G * S; k++)                                                                \
            tail[k] = 0.0f;                                                                            \
        for (int seg = 0; seg < 2; seg++) {                                                            \
            const T *r = seg ? rows + nx : rows;                                                       \
            const float *const *v = seg ? h : x;                                                       \
            const int n = seg ? nh : nx;                                                               \
            for (int j = MAIN_COLUMNS(n); j < n; j++)                                                  \
                for (int g = 0; g < G; g++)                                                            \
                    for (int s = 0; s < S; s++)                                                        \
                        tail[s * G + g] += weight_##SUFFIX(r + g * stride + j) * v[s][j];              \
        }                                                                                              \
        for (int k = 0; k < G * S; k++)                                                                \
            out[k] = REDUCED(k) + tail[k];                                                             \
    }

#ifdef ROWS_W
#define VECTOR_STEPS(SUFFIX, T)                                                                        \
    vec acc[MAX_SETS * 8];                                                                             \
    for (int k = 0; k < 2 * G * S; k++)                                                                \
        acc[k] = vzero();                                                                              \
    const int block = ROWS_SETS(G), whole = S - S % block;                                            \
    for (int seg = 0; seg < 2; seg++) {                                                                \
        const int n = seg ? nh : nx, main = MAIN_COLUMNS(n);                                           \
        const T *r = seg ? rows + nx : rows;                                                           \
        const float *const *v = seg ? h : x;                                                           \
        if (!main)                                                                                     \
            continue;                                                                                  \
        if (whole)                                                                                     \
            blocks_##SUFFIX(acc, r, stride, G, block, whole, v, main);                                 \
        if (S > whole)                                                                                 \
            blocks_##SUFFIX(acc + 2 * G * whole, r, stride, G, S - whole, S - whole, v + whole, main); \
    }
#define REDUCED(k) vsum(vadd(acc[2 * (k)], acc[2 * (k) + 1]))
#else
#define VECTOR_STEPS(SUFFIX, T)
#define REDUCED(k) 0.0f
#endif

DEFINE_MULTI(f32, float)
DEFINE_MULTI(f16, uint16_t)
DEFINE_MULTI(i8, int8_t)

void rows_matrix_group_multi(const rows_matrix *m, size_t row, size_t col, int G, int S, const float *const *x,
                             int nx, const float *const *h, int nh, float *out)
{
    if (S == 1) { /* the one-set kernel itself */
        rows_matrix_group(m, row, col, G, x[0], nx, h ? h[0] : NULL, nh, out);
        return;
    }
    const size_t at = row * m->width + col;
    for (int s0 = 0; s0 < S; s0 += MAX_SETS) {
        const int n = S - s0 < MAX_SETS ? S - s0 : MAX_SETS;
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
