#include "model/layer_run.h"

void carve_layer_norm_cache(carver *c, const recur_model *m, const rnn_shape *s, rnn_norm_cache *nc)
{
    if (m->cfg.norm == RECUR_NORM_NONE) {
        rnn_norm_cache none = {0};
        *nc = none;
        return;
    }
    float *block = carve(c, rnn_norm_cache_size(s));
    if (block)
        rnn_norm_cache_lay_out(nc, s, block);
}

size_t layer_backward_scratch(const recur_model *m, const rnn_shape *s)
{
    if (m->cfg.norm == RECUR_NORM_NONE)
        return rnn_backward_scratch(s);
    size_t a = rnn_backward_scratch(s), b = rnn_norm_backward_scratch(s);
    return a > b ? a : b;
}

void layer_forward(const recur_model *m, int l, const rnn_shape *s, const float *x, const rnn_tokens *tok,
                   rnn_cache *k, rnn_norm_cache *nc, int training, int t0)
{
    rnn_weights w = model_layer_weights(m, l, m->params);
    if (m->cfg.norm == RECUR_NORM_NONE) {
        if (tok)
            rnn_forward_tokens(s, &w, tok, k);
        else
            rnn_forward(s, &w, x, k);
        return;
    }
    rnn_norm nm = model_layer_norm(m, l, m->params, !training);
    nm.t0 = t0;
    if (tok) {
        rnn_tokens_gates(s, &w, tok, 0, k->gates);
        rnn_norm_forward_steps(s, &w, &nm, k, nc);
    } else {
        rnn_norm_forward(s, &w, &nm, x, k, nc);
    }
}

void layer_backward(const recur_model *m, int l, const rnn_shape *s, float *grads, const float *x,
                    const rnn_cache *k, const rnn_norm_cache *nc, float *dh, float *dx, float *scratch, float *dh0,
                    float *dc0)
{
    rnn_weights w = model_layer_weights(m, l, m->params);
    rnn_grads g = model_layer_grads(m, l, grads);
    if (m->cfg.norm == RECUR_NORM_NONE) {
        rnn_backward(s, &w, &g, x, k, dh, dx, scratch, dh0, dc0);
        return;
    }
    rnn_norm nm = model_layer_norm(m, l, m->params, nc->fixed);
    rnn_norm_grads ng = model_layer_norm_grads(m, l, grads);
    rnn_norm_backward(s, &w, &nm, &g, &ng, x, k, nc, dh, dx, scratch, dh0, dc0);
}

void layer_backward_tokens(const recur_model *m, int l, const rnn_shape *s, float *grads, const rnn_tokens *tok,
                           const rnn_cache *k, const rnn_norm_cache *nc, float *dh, float *d_emb, float *scratch)
{
    rnn_weights w = model_layer_weights(m, l, m->params);
    rnn_grads g = model_layer_grads(m, l, grads);
    if (m->cfg.norm == RECUR_NORM_NONE) {
        rnn_backward_tokens(s, &w, &g, tok, k, dh, d_emb, scratch);
        return;
    }
    rnn_norm nm = model_layer_norm(m, l, m->params, nc->fixed);
    rnn_norm_grads ng = model_layer_norm_grads(m, l, grads);
    const float *dgx = rnn_norm_backward_steps(s, &w, &nm, &g, &ng, k, nc, dh, scratch, NULL, NULL);
    rnn_tokens_input_backward(s, &w, &g, tok, dgx, 0, d_emb);
}
