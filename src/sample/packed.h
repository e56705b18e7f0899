/* A language model's weights repacked for stepping one token at a time
 * (sampler and streams share one layout):
 *  - layer 0's input projection of every token is precomputed
 *    (embedding row x W_ih^T + biases, a [V][G][Hp] table), so that product
 *    disappears from each step;
 *  - every layer's rows [W_ih row | W_hh row] are in panels (panels.h):
 *    a group holds the G gates of 16 units (of 64 for a one-gate cell,
 *    four panels a group), so a thread that owns whole groups computes
 *    their gates and updates their cells without waiting for anyone, and a
 *    step needs one barrier per layer;
 *  - the pre-activations, biases and the table lie by gate, Hp apart, Hp
 *    being H rounded up to whole groups;
 *  - with RECUR_WEIGHTS_F16 or _I8 the rows and the decoder are stored as
 *    halves or as 8-bit integers with a scale per row (the layer-0 table
 *    stays float: one row of it is read per step). Where the CPU has the
 *    integer products (rows_int.c), int8 layers keep plain rows instead,
 *    interleaved by unit, for rows_matrix_group_int at one stream, and the
 *    same integers in panels of quads (panels_int.h) for many;
 *  - a normalised model (--norm) keeps the two sides of every product apart
 *    (the norm takes each alone), its table holds the input projection
 *    without the biases, and its cells are nn's normalised ones, which take
 *    a whole stream's pre-activations (packed_norm_cell). */
#ifndef RECUR_SAMPLE_PACKED_H
#define RECUR_SAMPLE_PACKED_H

#include "nn/recurrent_norm.h"
#include "recur/sample.h"
#include "sample/panels.h"
#include "sample/panels_int.h"
#include "sample/rows.h"

typedef struct packed_layer {
    int in;           /* input width read from x (0 for layer 0: the table has it) */
    int width;        /* in + H: the length of a packed row */
    panel_matrix pw;  /* the rows in panels (unless int_dot) */
    rows_matrix w;    /* int_dot: [H][G] rows, unit-interleaved (one stream at a time) */
    panel_int_matrix qw; /* int_dot: the same integers in panels, for several streams at once */
    float *bias;      /* [G][Hp]: b_ih + b_hh (GRU: b_ih + b_hh for r, z; b_in for n) */
    float *b_hn;      /* GRU: [H] */
    float *peep;      /* LSTM peepholes [3][Hp], or NULL */
    /* A normalised layer: its biases (b_ih, b_hh; no matrices) and its
     * normalisation by the running averages, all in norm_block, a copy. */
    rnn_weights fw;
    rnn_norm norm;
    float *norm_block;
} packed_layer;

typedef struct packed_model {
    const recur_model *m;
    recur_cell cell;
    int G, H, L, V;
    int unit_group;    /* units per group: 16, or 64 for a one-gate cell */
    int groups, Hp;    /* groups a layer; groups * unit_group */
    int Vp;            /* V rounded up to whole panels */
    packed_layer *layers;
    float *table;      /* [V][G][Hp]: layer 0's input side and biases */
    panel_matrix dec;  /* the decoder's V rows in panels of one */
    const float *dec_b; /* [V] (the model's) */
    int int_dot;       /* the layers' int8 rows take quantised inputs (rows_matrix_group_int) */
    recur_norm norm;   /* the model's --norm */
    int split;         /* the products keep the input and hidden sides apart (GRU, or a norm) */
} packed_model;

/* Where a layer's products land: by gate, Hp apart. */
panel_out packed_layer_out(const packed_model *p);

/* Checks that m is a left-to-right language model and packs its weights. */
recur_status packed_model_init(packed_model *p, const recur_model *m, recur_sample_weights weights,
                               recur_error *err);
void packed_model_free(packed_model *p);

/* Floats of scratch packed_norm_cell needs (one thread's). */
size_t packed_norm_scratch(const packed_model *p);
/* One stream's cell of normalised layer l at step `step` of its sequence
 * (batch norm's running averages of that step; the last one's beyond):
 * x_side and h_side are the products of the two sides without biases, by
 * gate Hp apart; h holds h_prev on entry and the new h on exit, c the
 * LSTM's cell (updated in place). */
void packed_norm_cell(const packed_model *p, int l, const float *x_side, const float *h_side, int step,
                      float *scratch, float *h, float *c);

#endif
