/* The panel kernels (src/sample/panels.c): for every format, group size,
 * split and segment shape, the products equal the stored weights times
 * the inputs summed in double, land where panel_out says, and each
 * vector's results are bitwise the same alone as among any number of
 * others (one register block, several, and more than one pass takes). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/half.h"
#include "core/rng.h"
#include "sample/panels.h"
#include "test.h"

enum { MAX_S = 70 };

/* The weight as stored: element (q, c, p, l). */
static double stored(const panel_matrix *m, int q, int c, int p, int l)
{
    size_t at = (((size_t)q * m->width + c) * m->P + p) * PANEL_LANES + l;
    switch (m->format) {
    case RECUR_WEIGHTS_F16: return recur_half_to_float(m->f16[at]);
    case RECUR_WEIGHTS_I8: return m->i8[at] * (double)m->scale[((size_t)q * m->P + p) * PANEL_LANES + l];
    default: return m->f32[at];
    }
}

static void check_shape(recur_sample_weights format, int groups, int P, int nx, int nh, int split)
{
    recur_error err = {0};
    recur_rng rng;
    recur_rng_seed(&rng, 7 + (uint64_t)P * 31 + (uint64_t)nx);
    const int width = nx + nh, rows = groups * P * PANEL_LANES;
    float *src = malloc((size_t)rows * width * sizeof *src);
    for (int k = 0; k < rows * width; k++)
        src[k] = (float)recur_rng_uniform(&rng) - 0.5f;
    panel_matrix m;
    CHECK(panel_matrix_init(&m, format, src, groups, P, width, &err) == RECUR_OK);
    /* the layout: a layer's (per_gate 1 when P is 1) with a gap between gates */
    const int per_gate = P == 4 ? 2 : 1, gates = P / per_gate;
    panel_out where = {(size_t)per_gate * PANEL_LANES, (size_t)groups * per_gate * PANEL_LANES + 5, per_gate};
    const size_t out_size = where.gate_step * gates;
    float *in = malloc((size_t)MAX_S * width * sizeof *in);
    for (int k = 0; k < MAX_S * width; k++)
        in[k] = (float)recur_rng_uniform(&rng) * 2.0f - 1.0f;
    float *all = calloc((size_t)MAX_S * out_size * 2, sizeof *all), *alone = calloc(out_size * 2, sizeof *alone);
    const float *x[MAX_S], *h[MAX_S];
    float *out[MAX_S], *out_h[MAX_S];
    for (int s = 0; s < MAX_S; s++) {
        x[s] = nx ? in + (size_t)s * width : NULL;
        h[s] = in + (size_t)s * width + nx;
        out[s] = all + (size_t)s * out_size * 2;
        out_h[s] = out[s] + out_size;
    }
    int bad_sum = 0, bad_bits = 0;
    static const int counts[] = {1, 2, 5, 6, 7, 16, 23, MAX_S};
    for (int ci = 0; ci < 8; ci++) {
        const int S = counts[ci];
        /* groups [1, groups): the first is left alone */
        panel_products(&m, 1, groups, S, x, nx, h, nh, split, out, out_h, &where);
        for (int s = 0; s < S; s++) {
            float *o1 = alone, *o1h = alone + out_size;
            panel_products(&m, 1, groups, 1, &x[s], nx, &h[s], nh, split, &o1, &o1h, &where);
            for (int q = 1; q < groups; q++)
                for (int p = 0; p < P; p++)
                    for (int l = 0; l < PANEL_LANES; l++) {
                        size_t at = (size_t)q * where.group_step + (size_t)(p / per_gate) * where.gate_step +
                                    (size_t)(p % per_gate) * PANEL_LANES + l;
                        double wx = 0, wh = 0;
                        for (int c = 0; c < nx; c++)
                            wx += stored(&m, q, c, p, l) * x[s][c];
                        for (int c = 0; c < nh; c++)
                            wh += stored(&m, q, nx + c, p, l) * h[s][c];
                        double tol = 1e-5 * (1 + sqrt((double)width));
                        if (split)
                            bad_sum += fabs(out[s][at] - wx) > tol || fabs(out_h[s][at] - wh) > tol;
                        else
                            bad_sum += fabs(out[s][at] - (wx + wh)) > tol;
                        bad_bits += memcmp(&out[s][at], &o1[at], sizeof(float)) != 0;
                        if (split)
                            bad_bits += memcmp(&out_h[s][at], &o1h[at], sizeof(float)) != 0;
                    }
            /* group 0 was not asked for */
            for (int p = 0; p < P; p++)
                bad_sum += out[s][(size_t)(p / per_gate) * where.gate_step + (size_t)(p % per_gate) * PANEL_LANES] !=
                           0.0f;
        }
    }
    CHECK_MSG(bad_sum == 0, "format %d P=%d nx=%d nh=%d split %d: %d products off the double sums", (int)format, P,
              nx, nh, split, bad_sum);
    CHECK_MSG(bad_bits == 0, "format %d P=%d nx=%d nh=%d split %d: %d products differ from the one-vector ones",
              (int)format, P, nx, nh, split, bad_bits);
    panel_matrix_free(&m);
    free(src);
    free(in);
    free(all);
    free(alone);
}

int main(void)
{
    static const recur_sample_weights formats[] = {RECUR_WEIGHTS_F32, RECUR_WEIGHTS_F16, RECUR_WEIGHTS_I8};
    for (int f = 0; f < 3; f++)
        for (int P = 1; P <= 4; P++) {
            check_shape(formats[f], 3, P, 0, 37, 0);   /* layer 0: the hidden side alone */
            check_shape(formats[f], 3, P, 70, 150, 0); /* several column tiles */
            check_shape(formats[f], 2, P, 19, 5, 1);   /* split, as the GRU */
            check_shape(formats[f], 2, P, 0, 21, 1);   /* split with an empty input side */
        }
    return test_report();
}
