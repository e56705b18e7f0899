/* Model construction: the configuration, the parameter block and its tensor
 * table with PyTorch's names, and initialisation. */
#include "model/model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/names.h"
#include "core/rng.h"

/* Far above any model this CPU could train, far below size_t overflow. */
#define MODEL_MAX_PARAMS ((size_t)1 << 34)

void recur_config_default(recur_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->level = RECUR_LEVEL_CHAR;
    cfg->cell = RECUR_CELL_LSTM;
    cfg->layers = 2;
    cfg->hidden = 128;
    cfg->embed = 0;
    /* 0: the forget gate's bias keeps PyTorch's random init. Measured on tiny
     * Shakespeare (2x128, Adam 2e-3, same seed): validation loss 1.773 after
     * 600 steps with 0 against 1.861 with a forget bias of 1. */
    cfg->forget_bias = 0.0f;
}

const char *recur_norm_name(recur_norm norm)
{
    switch (norm) {
    case RECUR_NORM_NONE: return "none";
    case RECUR_NORM_BATCH: return "batch";
    case RECUR_NORM_LAYER: return "layer";
    }
    return "?";
}

recur_status recur_norm_parse(const char *name, recur_norm *norm, recur_error *err)
{
    static const char *const names[] = {"none", "batch", "layer"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *norm = (recur_norm)i;
            return RECUR_OK;
        }
    return recur_fail(err, RECUR_E_ARG, "unknown normalisation '%s' (expected none, batch or layer)", name);
}

const char *recur_cell_name(recur_cell cell)
{
    switch (cell) {
    case RECUR_CELL_RNN_TANH: return "rnn_tanh";
    case RECUR_CELL_RNN_RELU: return "rnn_relu";
    case RECUR_CELL_LSTM: return "lstm";
    case RECUR_CELL_GRU: return "gru";
    }
    return "?";
}

recur_status recur_cell_parse(const char *name, recur_cell *cell, recur_error *err)
{
    static const struct { const char *name; recur_cell cell; } names[] = {
        {"rnn_tanh", RECUR_CELL_RNN_TANH}, {"rnn", RECUR_CELL_RNN_TANH}, {"tanh", RECUR_CELL_RNN_TANH},
        {"rnn_relu", RECUR_CELL_RNN_RELU}, {"relu", RECUR_CELL_RNN_RELU}, {"lstm", RECUR_CELL_LSTM},
        {"gru", RECUR_CELL_GRU},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *cell = names[i].cell;
            return RECUR_OK;
        }
    return recur_fail(err, RECUR_E_ARG, "unknown cell '%s' (expected rnn_tanh, rnn_relu, lstm or gru)", name);
}

recur_status model_config_check(const recur_config *c, recur_error *err)
{
    if (c->level != RECUR_LEVEL_CHAR && c->level != RECUR_LEVEL_WORD)
        return recur_fail(err, RECUR_E_ARG, "unknown level %d", (int)c->level);
    if ((unsigned)c->cell > RECUR_CELL_GRU)
        return recur_fail(err, RECUR_E_ARG, "unknown cell %d", (int)c->cell);
    if (c->layers < 1 || c->layers > 64)
        return recur_fail(err, RECUR_E_ARG, "layers must be between 1 and 64, got %d", c->layers);
    if (c->hidden < 1 || c->hidden > 65536)
        return recur_fail(err, RECUR_E_ARG, "hidden must be between 1 and 65536, got %d", c->hidden);
    if (c->embed < 0 || c->embed > 65536)
        return recur_fail(err, RECUR_E_ARG, "embed must be between 1 and 65536, got %d", c->embed);
    if (c->vocab_size < 1 || c->vocab_size > (1 << 24))
        return recur_fail(err, RECUR_E_ARG, "vocabulary size must be between 1 and 16777216, got %d",
                          c->vocab_size);
    int E = c->embed ? c->embed : c->hidden;
    if (c->tied && E != c->hidden)
        return recur_fail(err, RECUR_E_ARG, "weight tying needs embed == hidden (got embed %d, hidden %d)", E,
                          c->hidden);
    if (c->peephole && c->cell != RECUR_CELL_LSTM)
        return recur_fail(err, RECUR_E_ARG, "peephole connections exist only for the lstm cell");
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return recur_fail(err, RECUR_E_ARG, "dropout must be in [0, 1), got %g", (double)c->dropout);
    if (!(c->init_scale >= 0.0f && c->init_scale <= 100.0f))
        return recur_fail(err, RECUR_E_ARG, "init scale must be in [0, 100], got %g", (double)c->init_scale);
    if (!isfinite(c->forget_bias))
        return recur_fail(err, RECUR_E_ARG, "forget bias must be finite");
    if (c->bidirectional != 0 && c->bidirectional != 1)
        return recur_fail(err, RECUR_E_ARG, "bidirectional must be 0 or 1, got %d", c->bidirectional);
    if ((unsigned)c->task > RECUR_TASK_CLASSIFY)
        return recur_fail(err, RECUR_E_ARG, "unknown task %d", (int)c->task);
    if ((unsigned)c->pool > RECUR_POOL_LAST)
        return recur_fail(err, RECUR_E_ARG, "unknown pooling %d", (int)c->pool);
    if (c->task == RECUR_TASK_LM && c->bidirectional)
        return recur_fail(err, RECUR_E_ARG,
                          "a bidirectional model sees the future and cannot be a left-to-right language model "
                          "(use it for tagging, cloze or classification)");
    int wants_labels = c->task == RECUR_TASK_TAG || c->task == RECUR_TASK_CLASSIFY;
    if (wants_labels && (c->labels < 1 || c->labels > 65536))
        return recur_fail(err, RECUR_E_ARG, "a %s model needs between 1 and 65536 labels, got %d",
                          recur_task_name(c->task), c->labels);
    if (!wants_labels && c->labels != 0)
        return recur_fail(err, RECUR_E_ARG, "only tag and classify models have labels");
    if (c->feature_size < 0 || c->feature_size > (1 << 24) || c->feature_embed < 0 || c->feature_embed > 65536)
        return recur_fail(err, RECUR_E_ARG, "feature table size %d x %d out of range", c->feature_size,
                          c->feature_embed);
    if ((c->feature_size > 0) != (c->feature_embed > 0))
        return recur_fail(err, RECUR_E_ARG, "a feature table needs both a size and a width");
    if (c->feature_size > 0 && c->task != RECUR_TASK_TAG)
        return recur_fail(err, RECUR_E_ARG, "word features exist only for tag models");
    if (c->tied && c->task != RECUR_TASK_LM)
        return recur_fail(err, RECUR_E_ARG, "weight tying exists only for language models");
    if ((unsigned)c->norm > RECUR_NORM_LAYER)
        return recur_fail(err, RECUR_E_ARG, "unknown normalisation %d", (int)c->norm);
    if (c->norm != RECUR_NORM_NONE && c->peephole)
        return recur_fail(err, RECUR_E_ARG, "--norm %s is not combined with peephole connections",
                          recur_norm_name(c->norm));
    if (c->norm == RECUR_NORM_BATCH ? c->norm_steps < 1 || c->norm_steps > 100000 : c->norm_steps != 0)
        return recur_fail(err, RECUR_E_ARG, "batch norm keeps running averages for 1 to 100000 steps and the others "
                          "for none; got %d steps with --norm %s", c->norm_steps, recur_norm_name(c->norm));
    size_t total = model_param_total(c);
    if (total > MODEL_MAX_PARAMS)
        return recur_fail(err, RECUR_E_ARG, "model too large: %zu parameters (limit %zu)", total, MODEL_MAX_PARAMS);
    return RECUR_OK;
}

/* Floats of one layer-direction's normalisation: two gains of G*H, the
 * LSTM cell's gain and shift, and for batch norm the running mean and
 * variance of each site for every step. */
static size_t model_norm_floats(const recur_config *c)
{
    if (c->norm == RECUR_NORM_NONE)
        return 0;
    size_t H = (size_t)c->hidden, GH = (size_t)rnn_gate_count(c->cell) * H;
    size_t cell = c->cell == RECUR_CELL_LSTM ? H : 0;
    size_t n = 2 * GH + 2 * cell;
    if (c->norm == RECUR_NORM_BATCH)
        n += 2 * (size_t)c->norm_steps * (2 * GH + cell);
    return n;
}

size_t model_param_total(const recur_config *c)
{
    /* Every size is bounded above by model_config_check's range checks, so
     * these products fit in 64 bits. */
    size_t V = (size_t)c->vocab_size, H = (size_t)c->hidden, G = (size_t)rnn_gate_count(c->cell);
    size_t E = c->embed ? (size_t)c->embed : H;
    size_t D = c->bidirectional ? 2 : 1, O = (size_t)model_output_size(c);
    size_t total = V * E + (c->tied ? 0 : O * D * H) + O + (size_t)c->feature_size * (size_t)c->feature_embed;
    for (int l = 0; l < c->layers; l++) {
        size_t in = l == 0 ? E + (size_t)c->feature_embed : D * H;
        total += D * (G * H * (in + H + 2) + (c->peephole ? 3 * H : 0) + model_norm_floats(c));
    }
    return total;
}

int model_output_size(const recur_config *cfg)
{
    return cfg->task == RECUR_TASK_TAG || cfg->task == RECUR_TASK_CLASSIFY ? cfg->labels : cfg->vocab_size;
}

recur_status model_require_lm(const recur_model *m, const char *what, recur_error *err)
{
    if (m->cfg.task == RECUR_TASK_LM && !m->cfg.bidirectional)
        return RECUR_OK;
    return recur_fail(err, RECUR_E_ARG, "this is a %s%s model, not a language model: %s needs one",
                      m->cfg.bidirectional ? "bidirectional " : "", recur_task_name(m->cfg.task), what);
}

const char *recur_task_name(recur_task task)
{
    switch (task) {
    case RECUR_TASK_LM: return "lm";
    case RECUR_TASK_TAG: return "tag";
    case RECUR_TASK_CLOZE: return "cloze";
    case RECUR_TASK_CLASSIFY: return "classify";
    }
    return "?";
}

RECUR_ENUM_NAMES(recur_pool, recur_pool_name, recur_pool_parse, "pool", "mean", "last")

recur_status recur_task_parse(const char *name, recur_task *task, recur_error *err)
{
    static const char *const names[] = {"lm", "tag", "cloze", "classify"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *task = (recur_task)i;
            return RECUR_OK;
        }
    return recur_fail(err, RECUR_E_ARG, "unknown task '%s' (expected lm, tag, cloze or classify)", name);
}

typedef struct table_builder {
    recur_model *m;
    size_t offset;
} table_builder;

static size_t add_tensor(table_builder *tb, const char *name, int64_t rows, int64_t cols, int decay)
{
    recur_model *m = tb->m;
    model_tensor *t = &m->tensors[m->n_tensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = cols ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->size = (size_t)rows * (size_t)(cols ? cols : 1);
    t->offset = tb->offset;
    t->decay = decay;
    tb->offset += t->size;
    return t->offset;
}

/* A layer's normalisation tensors, named as a PyTorch module holding an
 * nn.LayerNorm-like or per-step batch-norm submodule per site would name
 * them (see docs/checkpoint-format.md). */
static void add_norm_tensors(table_builder *tb, const recur_config *cfg, int l, const char *sfx, model_layer *ly)
{
    size_t *const all[] = {&ly->norm_ih, &ly->norm_hh, &ly->norm_c_w, &ly->norm_c_b, &ly->mean_ih,
                           &ly->var_ih,  &ly->mean_hh, &ly->var_hh,   &ly->mean_c,   &ly->var_c};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        *all[k] = MODEL_NO_TENSOR;
    if (cfg->norm == RECUR_NORM_NONE)
        return;
    const int64_t GH = (int64_t)rnn_gate_count(cfg->cell) * cfg->hidden, H = cfg->hidden, S = cfg->norm_steps;
    const int lstm = cfg->cell == RECUR_CELL_LSTM, batch = cfg->norm == RECUR_NORM_BATCH;
    char name[48];
    snprintf(name, sizeof name, "rnn.norm_ih_l%d%s.weight", l, sfx);
    ly->norm_ih = add_tensor(tb, name, GH, 0, 0);
    snprintf(name, sizeof name, "rnn.norm_hh_l%d%s.weight", l, sfx);
    ly->norm_hh = add_tensor(tb, name, GH, 0, 0);
    if (lstm) {
        snprintf(name, sizeof name, "rnn.norm_c_l%d%s.weight", l, sfx);
        ly->norm_c_w = add_tensor(tb, name, H, 0, 0);
        snprintf(name, sizeof name, "rnn.norm_c_l%d%s.bias", l, sfx);
        ly->norm_c_b = add_tensor(tb, name, H, 0, 0);
    }
    if (!batch)
        return;
    static const char *const sites[3] = {"ih", "hh", "c"};
    size_t *const means[3] = {&ly->mean_ih, &ly->mean_hh, &ly->mean_c}, *const vars[3] = {&ly->var_ih, &ly->var_hh,
                                                                                          &ly->var_c};
    for (int s = 0; s < (lstm ? 3 : 2); s++) {
        int64_t width = s == 2 ? H : GH;
        snprintf(name, sizeof name, "rnn.norm_%s_l%d%s.running_mean", sites[s], l, sfx);
        *means[s] = add_tensor(tb, name, S, width, 0);
        snprintf(name, sizeof name, "rnn.norm_%s_l%d%s.running_var", sites[s], l, sfx);
        *vars[s] = add_tensor(tb, name, S, width, 0);
    }
}

recur_status model_alloc(const recur_config *cfg, recur_model **out, recur_error *err)
{
    recur_status st = model_config_check(cfg, err);
    if (st)
        return st;
    recur_model *m = calloc(1, sizeof *m);
    if (!m)
        return recur_fail_nomem(err, "the model");
    m->cfg = *cfg;
    if (!m->cfg.embed)
        m->cfg.embed = cfg->hidden;
    const int L = cfg->layers, E = m->cfg.embed, H = cfg->hidden, V = cfg->vocab_size;
    const int G = rnn_gate_count(cfg->cell), D = cfg->bidirectional ? 2 : 1;
    m->dirs = D;
    m->feat_w = MODEL_NO_TENSOR;
    m->tensors = calloc((size_t)(4 + 17 * L * D), sizeof *m->tensors);
    m->layers = calloc((size_t)(L * D), sizeof *m->layers);
    if (!m->tensors || !m->layers) {
        recur_model_free(m);
        return recur_fail_nomem(err, "the model's tensor table");
    }
    table_builder tb = {m, 0};
    char name[48];
    m->enc_w = add_tensor(&tb, "encoder.weight", V, E, 1);
    if (cfg->feature_size > 0)
        m->feat_w = add_tensor(&tb, "features.weight", cfg->feature_size, cfg->feature_embed, 1);
    for (int k = 0; k < L * D; k++) {
        /* PyTorch's names: rnn.weight_ih_l0, then rnn.weight_ih_l0_reverse, ... */
        int l = k / D;
        const char *sfx = k % D ? "_reverse" : "";
        model_layer *ly = &m->layers[k];
        ly->in = l == 0 ? E + cfg->feature_embed : D * H;
        ly->hidden = H;
        snprintf(name, sizeof name, "rnn.weight_ih_l%d%s", l, sfx);
        ly->w_ih = add_tensor(&tb, name, (int64_t)G * H, ly->in, 1);
        snprintf(name, sizeof name, "rnn.weight_hh_l%d%s", l, sfx);
        ly->w_hh = add_tensor(&tb, name, (int64_t)G * H, H, 1);
        snprintf(name, sizeof name, "rnn.bias_ih_l%d%s", l, sfx);
        ly->b_ih = add_tensor(&tb, name, (int64_t)G * H, 0, 0);
        snprintf(name, sizeof name, "rnn.bias_hh_l%d%s", l, sfx);
        ly->b_hh = add_tensor(&tb, name, (int64_t)G * H, 0, 0);
        ly->w_peep = MODEL_NO_TENSOR;
        if (cfg->peephole) {
            /* Three [H] tensors, contiguous: the cell reads them as [3][H]. */
            static const char gates[3] = {'i', 'f', 'o'};
            for (int g = 0; g < 3; g++) {
                snprintf(name, sizeof name, "rnn.peephole_%c_l%d%s", gates[g], l, sfx);
                size_t off = add_tensor(&tb, name, H, 0, 1);
                if (g == 0)
                    ly->w_peep = off;
            }
        }
        add_norm_tensors(&tb, cfg, l, sfx, ly);
    }
    if (cfg->tied) {
        model_tensor *t = &m->tensors[m->n_tensors++];
        *t = m->tensors[0];
        snprintf(t->name, sizeof t->name, "decoder.weight");
        t->alias = 1;
        m->dec_w = m->enc_w;
    } else {
        m->dec_w = add_tensor(&tb, "decoder.weight", model_output_size(cfg), (int64_t)D * H, 1);
    }
    m->dec_b = add_tensor(&tb, "decoder.bias", model_output_size(cfg), 0, 0);
    m->n_params = tb.offset;
    m->params = calloc(m->n_params, sizeof *m->params);
    if (!m->params) {
        recur_model_free(m);
        return recur_fail_nomem(err, "the model's parameters");
    }
    *out = m;
    return RECUR_OK;
}

static void fill_uniform(float *p, size_t n, float a, recur_rng *rng)
{
    for (size_t k = 0; k < n; k++)
        p[k] = (2.0f * recur_rng_uniform(rng) - 1.0f) * a;
}

static void fill_value(float *p, size_t n, float v)
{
    for (size_t k = 0; k < n; k++)
        p[k] = v;
}

/* Gains at 0.1 for batch norm (Cooijmans et al. 2017, section 4: a small
 * gain keeps the normalised pre-activations in the sigmoids' and tanh's
 * linear range) and 1 for layer norm (Ba et al. 2016), shifts at 0; running
 * averages at PyTorch's start, mean 0 and variance 1. */
static void init_norm(recur_model *m, const model_layer *ly)
{
    const recur_config *c = &m->cfg;
    if (c->norm == RECUR_NORM_NONE)
        return;
    size_t GH = (size_t)rnn_gate_count(c->cell) * (size_t)c->hidden, H = (size_t)c->hidden;
    size_t S = (size_t)c->norm_steps;
    float gain = c->norm == RECUR_NORM_BATCH ? RNN_BATCH_NORM_GAIN : 1.0f;
    fill_value(m->params + ly->norm_ih, GH, gain);
    fill_value(m->params + ly->norm_hh, GH, gain);
    if (ly->norm_c_w != MODEL_NO_TENSOR) {
        fill_value(m->params + ly->norm_c_w, H, gain);
        fill_value(m->params + ly->norm_c_b, H, 0.0f);
    }
    if (ly->mean_ih == MODEL_NO_TENSOR)
        return;
    fill_value(m->params + ly->mean_ih, S * GH, 0.0f);
    fill_value(m->params + ly->var_ih, S * GH, 1.0f);
    fill_value(m->params + ly->mean_hh, S * GH, 0.0f);
    fill_value(m->params + ly->var_hh, S * GH, 1.0f);
    if (ly->mean_c != MODEL_NO_TENSOR) {
        fill_value(m->params + ly->mean_c, S * H, 0.0f);
        fill_value(m->params + ly->var_c, S * H, 1.0f);
    }
}

void model_init_params(recur_model *m, uint64_t seed)
{
    recur_rng rng;
    recur_rng_seed(&rng, seed);
    const recur_config *c = &m->cfg;
    for (int i = 0; i < m->n_tensors; i++) {
        const model_tensor *t = &m->tensors[i];
        if (t->alias)
            continue;
        float *p = m->params + t->offset;
        if (c->init_scale > 0.0f) {
            fill_uniform(p, t->size, c->init_scale, &rng);
        } else if (t->offset == m->enc_w || t->offset == m->feat_w) {
            for (size_t k = 0; k < t->size; k++) /* nn.Embedding: N(0, 1) */
                p[k] = recur_rng_normal(&rng);
        } else if (t->offset == m->dec_w || t->offset == m->dec_b) {
            float fan_in = (float)(m->dirs * c->hidden);
            fill_uniform(p, t->size, 1.0f / sqrtf(fan_in), &rng); /* nn.Linear */
        } else {
            fill_uniform(p, t->size, 1.0f / sqrtf((float)c->hidden), &rng); /* nn.LSTM/GRU/RNN */
        }
    }
    for (int l = 0; l < c->layers * m->dirs; l++)
        init_norm(m, &m->layers[l]);
    if (c->cell == RECUR_CELL_LSTM && c->forget_bias != 0.0f) {
        for (int l = 0; l < c->layers * m->dirs; l++) {
            const model_layer *ly = &m->layers[l];
            float *bi = m->params + ly->b_ih + ly->hidden, *bh = m->params + ly->b_hh + ly->hidden;
            for (int j = 0; j < ly->hidden; j++) {
                bi[j] = c->forget_bias;
                bh[j] = 0.0f;
            }
        }
    }
}

rnn_weights model_layer_weights(const recur_model *m, int l, const float *block)
{
    const model_layer *ly = &m->layers[l];
    rnn_weights w = {block + ly->w_ih, block + ly->w_hh, block + ly->b_ih, block + ly->b_hh,
                     ly->w_peep == MODEL_NO_TENSOR ? NULL : block + ly->w_peep};
    return w;
}

rnn_grads model_layer_grads(const recur_model *m, int l, float *block)
{
    const model_layer *ly = &m->layers[l];
    rnn_grads g = {block + ly->w_ih, block + ly->w_hh, block + ly->b_ih, block + ly->b_hh,
                   ly->w_peep == MODEL_NO_TENSOR ? NULL : block + ly->w_peep};
    return g;
}

static float *at(float *block, size_t off)
{
    return off == MODEL_NO_TENSOR ? NULL : block + off;
}

rnn_norm model_layer_norm(const recur_model *m, int l, const float *block, int fixed)
{
    const model_layer *ly = &m->layers[l];
    rnn_norm n;
    memset(&n, 0, sizeof n);
    n.kind = m->cfg.norm;
    if (n.kind == RECUR_NORM_NONE)
        return n;
    float *b = (float *)block; /* read only: gains and shifts */
    n.gain_ih = at(b, ly->norm_ih);
    n.gain_hh = at(b, ly->norm_hh);
    n.gain_c = at(b, ly->norm_c_w);
    n.bias_c = at(b, ly->norm_c_b);
    n.steps = m->cfg.norm_steps;
    n.mean_ih = at(m->params, ly->mean_ih);
    n.var_ih = at(m->params, ly->var_ih);
    n.mean_hh = at(m->params, ly->mean_hh);
    n.var_hh = at(m->params, ly->var_hh);
    n.mean_c = at(m->params, ly->mean_c);
    n.var_c = at(m->params, ly->var_c);
    n.fixed = fixed;
    n.momentum = fixed ? 0.0f : RNN_NORM_MOMENTUM;
    return n;
}

rnn_norm_grads model_layer_norm_grads(const recur_model *m, int l, float *block)
{
    const model_layer *ly = &m->layers[l];
    rnn_norm_grads g = {at(block, ly->norm_ih), at(block, ly->norm_hh), at(block, ly->norm_c_w),
                        at(block, ly->norm_c_b)};
    return g;
}

recur_status recur_model_create(const recur_config *cfg, recur_vocab *vocab, uint64_t seed, recur_model **out,
                                recur_error *err)
{
    if (!vocab)
        return recur_fail(err, RECUR_E_ARG, "a model needs a vocabulary");
    recur_config c = *cfg;
    c.vocab_size = recur_vocab_size(vocab);
    c.level = recur_vocab_level(vocab);
    recur_model *m;
    recur_status st = model_alloc(&c, &m, err);
    if (st)
        return st;
    model_init_params(m, seed);
    m->vocab = vocab;
    *out = m;
    return RECUR_OK;
}

void recur_model_free(recur_model *m)
{
    if (!m)
        return;
    recur_vocab_free(m->vocab);
    recur_vocab_free(m->labels);
    recur_vocab_free(m->features);
    free(m->params);
    free(m->tensors);
    free(m->layers);
    free(m);
}

const recur_config *recur_model_config(const recur_model *m) { return &m->cfg; }
const recur_vocab *recur_model_vocab(const recur_model *m) { return m->vocab; }
size_t recur_model_param_count(const recur_model *m) { return m->n_params; }

recur_status recur_model_clone(const recur_model *m, recur_model **out, recur_error *err)
{
    recur_model *copy = NULL;
    recur_status st = model_alloc(&m->cfg, &copy, err);
    if (st)
        return st;
    if ((st = recur_vocab_copy(m->vocab, &copy->vocab, err)) || (st = recur_vocab_copy(m->labels, &copy->labels, err)) ||
        (st = recur_vocab_copy(m->features, &copy->features, err))) {
        recur_model_free(copy);
        return st;
    }
    memcpy(copy->params, m->params, m->n_params * sizeof *m->params);
    *out = copy;
    return RECUR_OK;
}

recur_status recur_task_model_create(const recur_config *cfg, recur_vocab *vocab, recur_vocab *labels,
                                     recur_vocab *features, uint64_t seed, recur_model **out, recur_error *err)
{
    if (!vocab)
        return recur_fail(err, RECUR_E_ARG, "a model needs a vocabulary");
    recur_config c = *cfg;
    c.vocab_size = recur_vocab_size(vocab);
    c.level = recur_vocab_level(vocab);
    c.labels = labels ? recur_vocab_size(labels) : 0;
    c.feature_size = features ? recur_vocab_size(features) : 0;
    if (!features)
        c.feature_embed = 0;
    recur_model *m;
    recur_status st = model_alloc(&c, &m, err);
    if (st)
        return st;
    model_init_params(m, seed);
    m->vocab = vocab;
    m->labels = labels;
    m->features = features;
    *out = m;
    return RECUR_OK;
}

const recur_vocab *recur_model_labels(const recur_model *m) { return m->labels; }
const recur_vocab *recur_model_features(const recur_model *m) { return m->features; }

recur_status recur_model_copy_weights(recur_model *dst, const recur_model *src, recur_error *err)
{
    if (dst->n_params != src->n_params || memcmp(&dst->cfg, &src->cfg, sizeof dst->cfg) != 0)
        return recur_fail(err, RECUR_E_ARG, "cannot copy weights between models of different configurations");
    memcpy(dst->params, src->params, src->n_params * sizeof *src->params);
    return RECUR_OK;
}
