/* A language model's weights repacked for stepping one token at a time
 * (sampler and streams share one layout):
 *  - layer 0's input projection of every token is precomputed
 *    (embedding row x W_ih^T + biases, a [V][H][G] table), so that product
 *    disappears from each step;
 *  - every layer's rows are interleaved by unit: for unit j the G gate rows,
 *    each [W_ih row | W_hh row], lie together. A thread that owns units
 *    [j0, j1) computes their gates and updates their cells without waiting
 *    for anyone, so a step needs one barrier per layer;
 *  - with RECUR_WEIGHTS_F16 or _I8 the rows and the decoder are stored as
 *    halves or as 8-bit integers with a scale per row (the layer-0 table
 *    stays float: one row of it is read per step). */
#ifndef RECUR_SAMPLE_PACKED_H
#define RECUR_SAMPLE_PACKED_H

#include "recur/sample.h"
#include "sample/rows.h"

typedef struct packed_layer {
    int in;           /* input width read from x (0 for layer 0: the table has it) */
    int width;        /* in + H: the length of a packed row */
    rows_matrix w;    /* [H][G] rows of [W_ih row | W_hh row] */
    float *bias;      /* [H][G]: b_ih + b_hh (GRU: b_ih + b_hh for r, z; b_in for n) */
    float *b_hn;      /* GRU: [H] */
    const float *peep; /* LSTM peepholes [3][H] (the model's), or NULL */
} packed_layer;

typedef struct packed_model {
    const recur_model *m;
    recur_cell cell;
    int G, H, L, V;
    packed_layer *layers;
    float *table;      /* [V][H][G]: layer 0's input side and biases, unit-interleaved */
    rows_matrix dec;   /* [V][H] decoder */
    const float *dec_b; /* [V] (the model's) */
    int int_dot;       /* the layers' int8 rows take quantised inputs (rows_matrix_group_int) */
} packed_model;

/* Checks that m is a left-to-right language model and packs its weights. */
recur_status packed_model_init(packed_model *p, const recur_model *m, recur_sample_weights weights,
                               recur_error *err);
void packed_model_free(packed_model *p);

#endif
