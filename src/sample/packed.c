/* Repacking a model's weights for stepping (see packed.h). */
#include "sample/packed.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/model_internal.h"
#include "nn/cells.h"

static recur_status pack_layer(packed_model *p, int l, recur_sample_weights format, recur_error *err)
{
    const recur_model *m = p->m;
    const int G = p->G, H = p->H, E = m->cfg.embed;
    packed_layer *pl = &p->layers[l];
    rnn_weights w = model_layer_weights(m, l, m->params);
    const int I = m->layers[l].in;
    pl->in = l == 0 ? 0 : I;
    pl->width = pl->in + H;
    pl->peep = m->layers[l].w_peep == MODEL_NO_TENSOR ? NULL : m->params + m->layers[l].w_peep;
    float *rows = malloc((size_t)H * G * pl->width * sizeof *rows);
    pl->bias = malloc((size_t)H * G * sizeof *pl->bias);
    pl->b_hn = malloc((size_t)H * sizeof *pl->b_hn);
    if (!rows || !pl->bias || !pl->b_hn) {
        free(rows);
        return recur_fail_nomem(err, "the sampler's weights");
    }
    for (int j = 0; j < H; j++)
        for (int g = 0; g < G; g++) {
            size_t src = (size_t)g * H + j;
            float *row = rows + ((size_t)j * G + g) * pl->width;
            if (pl->in)
                memcpy(row, w.w_ih + src * I, (size_t)I * sizeof *row);
            memcpy(row + pl->in, w.w_hh + src * H, (size_t)H * sizeof *row);
            int gru_n = p->cell == RECUR_CELL_GRU && g == 2;
            pl->bias[(size_t)j * G + g] = w.b_ih[src] + (gru_n ? 0.0f : w.b_hh[src]);
            if (gru_n)
                pl->b_hn[j] = w.b_hh[src];
        }
    if (l == 0) {
        /* The table takes the input side and the biases. */
        for (int v = 0; v < p->V; v++) {
            const float *x = m->params + m->enc_w + (size_t)v * E;
            for (int j = 0; j < H; j++)
                for (int g = 0; g < G; g++) {
                    size_t src = (size_t)g * H + j;
                    p->table[((size_t)v * H + j) * G + g] =
                        rows_dot_f32(w.w_ih + src * I, x, I) + pl->bias[(size_t)j * G + g];
                }
        }
    }
    /* the float rows become the matrix itself, or are freed once converted */
    recur_status st = rows_matrix_init(&pl->w, format, rows, (size_t)H * G, (size_t)pl->width, ROWS_TAKE, err);
    if (!st)
        st = rows_matrix_prepare_int(&pl->w, (size_t)pl->in, err);
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
    /* The packed rows sum the input and hidden sides in one dot product,
     * which a normalised cell must keep apart. */
    if (c->norm != RECUR_NORM_NONE)
        return recur_fail(err, RECUR_E_ARG, "generating from a --norm %s model is not supported yet (the sampler "
                          "has no normalised cells); recur eval scores it", recur_norm_name(c->norm));
    p->m = m;
    p->cell = c->cell;
    p->G = rnn_gate_count(c->cell);
    p->H = c->hidden;
    p->L = c->layers;
    p->V = c->vocab_size;
    p->dec_b = m->params + m->dec_b;
    p->layers = calloc((size_t)p->L, sizeof *p->layers);
    p->table = malloc((size_t)p->V * p->G * p->H * sizeof *p->table);
    recur_status st = RECUR_OK;
    if (!p->layers || !p->table)
        st = recur_fail_nomem(err, "the sampler's weights");
    for (int l = 0; !st && l < p->L; l++)
        st = pack_layer(p, l, weights, err);
    if (!st)
        st = rows_matrix_init(&p->dec, weights, m->params + m->dec_w, (size_t)p->V, (size_t)p->H, ROWS_BORROW, err);
    if (st) {
        packed_model_free(p);
        return st;
    }
    p->int_dot = p->layers[0].w.sum_hi != NULL;
    return RECUR_OK;
}

void packed_model_free(packed_model *p)
{
    for (int l = 0; p->layers && l < p->L; l++) {
        rows_matrix_free(&p->layers[l].w);
        free(p->layers[l].bias);
        free(p->layers[l].b_hn);
    }
    free(p->layers);
    free(p->table);
    rows_matrix_free(&p->dec);
    memset(p, 0, sizeof *p);
}
