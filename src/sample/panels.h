/* The sampler's weight matrices stored for products against one or many
 * vectors at once (a small matrix product: S streams times the rows).
 *
 * The rows are cut into panels of PANEL_LANES rows, and P panels make a
 * group; a group is stored column by column, each column its P x 16
 * weights together:
 *   element (group q, column c, panel p, lane l) at ((q * width + c) * P + p) * 16 + l,
 * which is row (q * P + p) * 16 + l of the matrix ("panel row order").
 * A vector register then holds one column of 16 rows, and an input value
 * is broadcast against it: each output row is one accumulator lane, so
 * there is nothing to sum across lanes at the end, and the weights of a
 * group are one stream through memory.
 *
 * Every output is one chain of fused multiply-adds over the columns in
 * order, starting from zero: the x segment's columns, then the h
 * segment's (or, split, the two segments as separate chains). That order
 * does not depend on how many vectors share a pass, so a vector's results
 * are bitwise the same alone or among any others. */
#ifndef RECUR_SAMPLE_PANELS_H
#define RECUR_SAMPLE_PANELS_H

#include <stddef.h>
#include <stdint.h>

#include "recur/error.h"
#include "recur/sample.h"

enum { PANEL_LANES = 16, PANEL_MAX_GROUP = 4 };

typedef struct panel_matrix {
    recur_sample_weights format;
    int groups, P, width; /* groups of P panels; width columns */
    float *f32;
    uint16_t *f16;
    int8_t *i8;
    float *scale; /* i8: one per row, panel row order (largest |w| / 127) */
} panel_matrix;

/* Stores src, groups * P * 16 rows of width floats already in panel row
 * order (padding rows zero), in the format. src stays the caller's. */
recur_status panel_matrix_init(panel_matrix *m, recur_sample_weights format, const float *src, int groups, int P,
                               int width, recur_error *err);
void panel_matrix_free(panel_matrix *m);

/* Where the results go: panel p of group q lands at
 *   out + q * group_step + (p / per_gate) * gate_step + (p % per_gate) * 16,
 * so that a layer's panels (per_gate panels of consecutive units for
 * each gate of a group) land by gate, gate_step apart. */
typedef struct panel_out {
    size_t group_step, gate_step;
    int per_gate;
} panel_out;

/* For groups [q0, q1) and the S vectors s: the products of the rows with
 * [x[s] (nx values) | h[s] (nh values)], nx + nh = width, written to
 * out[s] as `where` says. With split, the two segments are separate sums:
 * the x part goes to out[s], the h part to out_h[s] (all zeros for an
 * empty segment). x is NULL when nx is 0. */
void panel_products(const panel_matrix *m, int q0, int q1, int S, const float *const *x, int nx,
                    const float *const *h, int nh, int split, float *const *out, float *const *out_h,
                    const panel_out *where);

#endif
