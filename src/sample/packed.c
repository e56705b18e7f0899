/* Repacking a model's weights for stepping (see packed.h). */
#include "sample/packed.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/model_internal.h"
#include "nn/cells.h"

panel_out packed_layer_out(const packed_model *p)
{
    /* panel g * U + u of group q holds gate g of units q * 16U + u * 16 .. + 16 */
    panel_out o = {(size_t)p->unit_group, (size_t)p->Hp, p->unit_group / PANEL_LANES};
    return o;
}

/* Row (gate g, unit j) of a layer: [W_ih row | W_hh row]. */
static void layer_row(const packed_model *p, const packed_layer *pl, const rnn_weights *w, int I, int g, int j,
                      float *row)
{
    size_t src = (size_t)g * p->H + j;
    if (pl->in)
        memcpy(row, w->w_ih + src * I, (size_t)I * sizeof *row);
    memcpy(row + pl->in, w->w_hh + src * p->H, (size_t)p->H * sizeof *row);
}

/* n floats of src at *at, which moves on; NULL stays NULL. */
static float *keep(float **at, const float *src, size_t n)
{
    if (!src)
        return NULL;
    float *dst = *at;
    memcpy(dst, src, n * sizeof *dst);
    *at += n;
    return dst;
}

/* A normalised layer's own copy of its biases and norm parameters (the
 * streams keep what the model held when they were made, as for the weights). */
static recur_status keep_norm(packed_layer *pl, const recur_model *m, int l, int G, int H, recur_error *err)
{
    const rnn_weights w = model_layer_weights(m, l, m->params);
    rnn_norm nm = model_layer_norm(m, l, m->params, 1);
    const size_t GH = (size_t)G * H, S = (size_t)nm.steps;
    const size_t n = 4 * GH + 2 * (size_t)H + 2 * S * (2 * GH + H);
    if (!(pl->norm_block = malloc(n * sizeof *pl->norm_block)))
        return recur_fail_nomem(err, "the sampler's weights");
    float *at = pl->norm_block;
    pl->fw = (rnn_weights){NULL, NULL, keep(&at, w.b_ih, GH), keep(&at, w.b_hh, GH), NULL};
    nm.gain_ih = keep(&at, nm.gain_ih, GH);
    nm.gain_hh = keep(&at, nm.gain_hh, GH);
    nm.gain_c = keep(&at, nm.gain_c, (size_t)H);
    nm.bias_c = keep(&at, nm.bias_c, (size_t)H);
    /* batch norm's running averages (written through nowhere: fixed) */
    nm.mean_ih = keep(&at, nm.mean_ih, S * GH);
    nm.var_ih = keep(&at, nm.var_ih, S * GH);
    nm.mean_hh = keep(&at, nm.mean_hh, S * GH);
    nm.var_hh = keep(&at, nm.var_hh, S * GH);
    nm.mean_c = keep(&at, nm.mean_c, S * (size_t)H);
    nm.var_c = keep(&at, nm.var_c, S * (size_t)H);
    pl->norm = nm;
    return RECUR_OK;
}

/* Panel row order -> the unit-interleaved int8 row (j G + g), or -1 past
 * the last unit. */
static long int_row_of(const void *ctx, size_t r)
{
    const packed_model *p = ctx;
    const size_t U = (size_t)p->unit_group / PANEL_LANES, P = (size_t)p->G * U;
    const size_t q = r / (P * PANEL_LANES), panel = r / PANEL_LANES % P, lane = r % PANEL_LANES;
    const size_t j = q * (size_t)p->unit_group + panel % U * PANEL_LANES + lane, g = panel / U;
    return j < (size_t)p->H ? (long)(j * (size_t)p->G + g) : -1;
}

static recur_status pack_layer(packed_model *p, int l, recur_sample_weights format, recur_error *err)
{
    const recur_model *m = p->m;
    const int G = p->G, H = p->H, Hp = p->Hp, E = m->cfg.embed, U = p->unit_group / PANEL_LANES;
    packed_layer *pl = &p->layers[l];
    rnn_weights w = model_layer_weights(m, l, m->params);
    const int I = m->layers[l].in;
    pl->in = l == 0 ? 0 : I;
    if (p->norm != RECUR_NORM_NONE) {
        recur_status st = keep_norm(pl, m, l, G, H, err);
        if (st)
            return st;
    }
    pl->width = pl->in + H;
    const size_t nrows = p->int_dot ? (size_t)H * G : (size_t)Hp * G;
    float *rows = calloc(nrows * pl->width, sizeof *rows);
    pl->bias = calloc((size_t)G * Hp, sizeof *pl->bias);
    pl->b_hn = malloc((size_t)H * sizeof *pl->b_hn);
    int peep = m->layers[l].w_peep != MODEL_NO_TENSOR;
    if (peep)
        pl->peep = calloc((size_t)3 * Hp, sizeof *pl->peep);
    if (!rows || !pl->bias || !pl->b_hn || (peep && !pl->peep)) {
        free(rows);
        return recur_fail_nomem(err, "the sampler's weights");
    }
    for (int j = 0; j < H; j++)
        for (int g = 0; g < G; g++) {
            size_t src = (size_t)g * H + j;
            int gru_n = p->cell == RECUR_CELL_GRU && g == 2;
            pl->bias[(size_t)g * Hp + j] = w.b_ih[src] + (gru_n ? 0.0f : w.b_hh[src]);
            if (gru_n)
                pl->b_hn[j] = w.b_hh[src];
            size_t r; /* where the row goes */
            if (p->int_dot)
                r = (size_t)j * G + g;
            else {
                int q = j / p->unit_group, u = j % p->unit_group / PANEL_LANES, lane = j % PANEL_LANES;
                r = (((size_t)q * G + g) * U + u) * PANEL_LANES + lane;
            }
            layer_row(p, pl, &w, I, g, j, rows + r * pl->width);
        }
    if (peep)
        for (int k = 0; k < 3; k++)
            memcpy(pl->peep + (size_t)k * Hp, m->params + m->layers[l].w_peep + (size_t)k * H,
                   (size_t)H * sizeof *pl->peep);
    if (l == 0) {
        /* The table takes the input side and the biases (a norm's input
         * side goes in raw: the biases come after the norm). */
        const int raw = p->norm != RECUR_NORM_NONE;
        for (int v = 0; v < p->V; v++) {
            const float *x = m->params + m->enc_w + (size_t)v * E;
            for (int g = 0; g < G; g++)
                for (int j = 0; j < H; j++) {
                    size_t src = (size_t)g * H + j, at = (size_t)g * Hp + j;
                    p->table[(size_t)v * G * Hp + at] = rows_dot_f32(w.w_ih + src * I, x, I) + (raw ? 0.0f : pl->bias[at]);
                }
        }
    }
    recur_status st;
    if (p->int_dot) {
        /* the float rows become the matrix itself, or are freed once converted */
        st = rows_matrix_init(&pl->w, format, rows, nrows, (size_t)pl->width, ROWS_TAKE, err);
        if (!st)
            st = rows_matrix_prepare_int(&pl->w, (size_t)pl->in, err);
        if (!st && !pl->w.sum_hi)
            st = recur_fail(err, RECUR_E_ARG, "int8 sampler: rows of %d weights are too wide for integer sums",
                            pl->width);
        if (!st)
            st = panel_int_matrix_init(&pl->qw, &pl->w, p->groups, G * U, int_row_of, p, err);
    } else {
        st = panel_matrix_init(&pl->pw, format, rows, p->groups, G * U, pl->width, err);
        free(rows);
    }
    return st;
}

static recur_status pack_decoder(packed_model *p, recur_sample_weights format, recur_error *err)
{
    const recur_model *m = p->m;
    float *rows = calloc((size_t)p->Vp * p->H, sizeof *rows);
    if (!rows)
        return recur_fail_nomem(err, "the sampler's weights");
    memcpy(rows, m->params + m->dec_w, (size_t)p->V * p->H * sizeof *rows);
    recur_status st = panel_matrix_init(&p->dec, format, rows, p->Vp / PANEL_LANES, 1, p->H, err);
    free(rows);
    return st;
}

recur_status packed_model_init(packed_model *p, const recur_model *m, recur_sample_weights weights,
                               recur_error *err)
{
    memset(p, 0, sizeof *p);
    if (weights != RECUR_WEIGHTS_F32 && weights != RECUR_WEIGHTS_F16 && weights != RECUR_WEIGHTS_I8)
        return recur_fail(err, RECUR_E_ARG, "unknown sampler weight format %d", (int)weights);
    /* Generation reads the next-token decoder of a left-to-right model. */
    if (m->cfg.task != RECUR_TASK_LM || m->cfg.bidirectional)
        return recur_fail(err, RECUR_E_ARG, "this is a %s%s model, not a language model: it cannot generate text",
                          m->cfg.bidirectional ? "bidirectional " : "", recur_task_name(m->cfg.task));
    const recur_config *c = &m->cfg;
    p->m = m;
    p->cell = c->cell;
    p->G = rnn_gate_count(c->cell);
    p->H = c->hidden;
    p->L = c->layers;
    p->V = c->vocab_size;
    /* four panels a group whatever the cell: enough independent sums to
     * hide the FMA latency at one stream */
    p->unit_group = PANEL_LANES * (p->G >= 3 ? 1 : PANEL_MAX_GROUP);
    p->groups = (p->H + p->unit_group - 1) / p->unit_group;
    p->Hp = p->groups * p->unit_group;
    p->Vp = (p->V + PANEL_LANES - 1) / PANEL_LANES * PANEL_LANES;
    p->int_dot = weights == RECUR_WEIGHTS_I8 && rows_int_available();
    p->norm = c->norm;
    p->split = c->cell == RECUR_CELL_GRU || c->norm != RECUR_NORM_NONE;
    p->dec_b = m->params + m->dec_b;
    p->layers = calloc((size_t)p->L, sizeof *p->layers);
    p->table = calloc((size_t)p->V * p->G * p->Hp, sizeof *p->table);
    recur_status st = RECUR_OK;
    if (!p->layers || !p->table)
        st = recur_fail_nomem(err, "the sampler's weights");
    for (int l = 0; !st && l < p->L; l++)
        st = pack_layer(p, l, weights, err);
    if (!st)
        st = pack_decoder(p, weights, err);
    if (st) {
        packed_model_free(p);
        return st;
    }
    return RECUR_OK;
}

size_t packed_norm_scratch(const packed_model *p)
{
    const rnn_shape one = {.T = 1, .B = 1, .H = p->H, .cell = p->cell};
    return 2 * (size_t)p->G * p->H + rnn_norm_step_cells_work(&one);
}

void packed_norm_cell(const packed_model *p, int l, const float *x_side, const float *h_side, int step,
                      float *scratch, float *h, float *c)
{
    const int G = p->G, H = p->H;
    const size_t Hp = (size_t)p->Hp;
    const packed_layer *pl = &p->layers[l];
    const rnn_shape one = {.T = 1, .B = 1, .I = pl->in, .H = H, .cell = p->cell};
    /* nn's cells take a stream's G*H pre-activations contiguous */
    float *pre = scratch, *hh = pre + (size_t)G * H;
    for (int g = 0; g < G; g++) {
        memcpy(pre + (size_t)g * H, x_side + g * Hp, (size_t)H * sizeof *pre);
        memcpy(hh + (size_t)g * H, h_side + g * Hp, (size_t)H * sizeof *hh);
    }
    rnn_norm_step_cells(&one, &pl->fw, &pl->norm, step, pre, hh, hh + (size_t)G * H, h, c);
}

void packed_model_free(packed_model *p)
{
    for (int l = 0; p->layers && l < p->L; l++) {
        rows_matrix_free(&p->layers[l].w);
        panel_int_matrix_free(&p->layers[l].qw);
        panel_matrix_free(&p->layers[l].pw);
        free(p->layers[l].bias);
        free(p->layers[l].b_hn);
        free(p->layers[l].peep);
        free(p->layers[l].norm_block);
    }
    free(p->layers);
    free(p->table);
    panel_matrix_free(&p->dec);
    memset(p, 0, sizeof *p);
}
