/* A layer's int8 rows in panels for VNNI's vpdpbusd, for many streams at
 * once: the small-matrix product of panels.h with integer sums.
 *
 * vpdpbusd sums four byte products into each 32-bit lane, so a panel
 * column here is a "quad", four consecutive columns of 16 rows:
 *   byte b of lane l, panel p, quad c of group q at ((q * quads + c) * P + p) * 64 + l * 4 + b,
 * which is column 4 c + b of row (q * P + p) * 16 + l (panel row order,
 * as panels.h). Each segment (the input side x, then the hidden side h)
 * starts on a quad of its own, padded with zero weights. A stream's four
 * input bytes of a quad are broadcast against a loaded quad of weights:
 * every output row is one lane, with nothing to add across lanes.
 *
 * The integers are those of the int8 rows (rows_int.c), and the sums are
 * exact, so each output is bitwise what rows_matrix_group_int_multi
 * gives, whichever streams share the pass. */
#ifndef RECUR_SAMPLE_PANELS_INT_H
#define RECUR_SAMPLE_PANELS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "recur/error.h"
#include "sample/panels.h"
#include "sample/rows.h"

typedef struct panel_int_matrix {
    int groups, P;       /* groups of P panels of 16 rows */
    int nx, nh;          /* columns of the two segments */
    int qx, qh;          /* their quads */
    int8_t *w;           /* groups * (qx + qh) * P * 64 bytes */
    float *scale;        /* per row, panel row order: the int8 row's scale */
    int32_t *sum_x, *sum_h; /* per row: its integers summed over each segment */
} panel_int_matrix;

/* Builds the panels from int8 rows prepared for integer products
 * (rows_matrix_prepare_int, split = nx). Row r of panel row order is row
 * row_of(r) of rows, or padding (zero) where row_of gives -1. */
recur_status panel_int_matrix_init(panel_int_matrix *m, const rows_matrix *rows, int groups, int P,
                                   long (*row_of)(const void *ctx, size_t r), const void *ctx, recur_error *err);
void panel_int_matrix_free(panel_int_matrix *m);

/* For groups [q0, q1) and S streams: the products of the rows with the
 * quantised inputs [x[s] | h[s]] (x NULL, or nx 0, for no input side),
 * written as panel_products writes them (split: the x part to out[s], the h
 * part to out_h[s]; else their sum to out[s]). Each input's bytes must be
 * readable up to the end of its last quad (they meet zero weights there). */
void panel_int_products(const panel_int_matrix *m, int q0, int q1, int S, const rows_qvec *x, const rows_qvec *h,
                        int split, float *const *out, float *const *out_h, const panel_out *where);

/* Whether this build has the kernel (AVX512-VNNI). */
int panel_int_available(void);

#endif
