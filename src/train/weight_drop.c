/* Weight drop on W_hh (weight_drop.h). */
#include "train/weight_drop.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/layers.h"
#include "nn/recurrent.h"

static size_t hh_floats(const recur_model *m, int k)
{
    size_t H = (size_t)m->layers[k].hidden;
    return (size_t)rnn_gate_count(m->cfg.cell) * H * H;
}

recur_status weight_drop_init(weight_drop *wd, const recur_model *m, float p, recur_error *err)
{
    memset(wd, 0, sizeof *wd);
    if (!(p > 0.0f))
        return RECUR_OK;
    if (!(p < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "--weight-drop must be below 1, got %g", (double)p);
    wd->p = p;
    for (int k = 0; k < m->cfg.layers * m->dirs; k++)
        wd->n += hh_floats(m, k);
    wd->saved = malloc(wd->n * sizeof *wd->saved);
    wd->mask = malloc(wd->n * sizeof *wd->mask);
    if (!wd->saved || !wd->mask) {
        weight_drop_free(wd);
        return recur_fail_nomem(err, "the weight-drop masks");
    }
    return RECUR_OK;
}

void weight_drop_free(weight_drop *wd)
{
    free(wd->saved);
    free(wd->mask);
    memset(wd, 0, sizeof *wd);
}

void weight_drop_apply(weight_drop *wd, recur_model *m, uint64_t key)
{
    if (!wd->p)
        return;
    size_t at = 0;
    for (int k = 0; k < m->cfg.layers * m->dirs; k++) {
        size_t n = hh_floats(m, k);
        float *w = m->params + m->layers[k].w_hh, *mask = wd->mask + at;
        memcpy(wd->saved + at, w, n * sizeof *w);
        dropout_mask_weights(mask, n, wd->p, key, k);
        for (size_t i = 0; i < n; i++)
            w[i] *= mask[i];
        at += n;
    }
    wd->masked = 1;
}

void weight_drop_restore(weight_drop *wd, recur_model *m)
{
    if (!wd->masked)
        return;
    size_t at = 0;
    for (int k = 0; k < m->cfg.layers * m->dirs; k++) {
        size_t n = hh_floats(m, k);
        memcpy(m->params + m->layers[k].w_hh, wd->saved + at, n * sizeof(float));
        at += n;
    }
    wd->masked = 0;
}

void weight_drop_backward(weight_drop *wd, recur_model *m, float *grads)
{
    if (!wd->masked)
        return;
    size_t at = 0;
    for (int k = 0; k < m->cfg.layers * m->dirs; k++) {
        size_t n = hh_floats(m, k);
        float *g = grads + m->layers[k].w_hh;
        const float *mask = wd->mask + at;
        for (size_t i = 0; i < n; i++)
            g[i] *= mask[i];
        at += n;
    }
    weight_drop_restore(wd, m);
}
