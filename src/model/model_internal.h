/* The model's internals: the parameter block and its named tensors. Shared by
 * src/model, src/train and src/sample; not part of the public API. */
#ifndef RECUR_MODEL_INTERNAL_H
#define RECUR_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nn/recurrent.h"
#include "recur/model.h"

#define MODEL_NO_TENSOR ((size_t)-1)

/* A named view into the parameter block, as it is saved. */
typedef struct model_tensor {
    char name[48];
    int ndim;
    int64_t shape[2];
    size_t offset, size; /* in floats */
    int decay;           /* a weight matrix: L1/L2 regularisation applies */
    int alias;           /* the tied decoder: same storage as encoder.weight */
} model_tensor;

typedef struct model_layer {
    int in, hidden;
    size_t w_ih, w_hh, b_ih, b_hh; /* offsets into the block */
    size_t w_peep;                 /* [3][H] or MODEL_NO_TENSOR */
} model_layer;

/* layers[] holds layers * dirs entries: layer l's forward direction at
 * l * dirs, its reverse direction (bidirectional models) at l * dirs + 1. */
struct recur_model {
    recur_config cfg;
    recur_vocab *vocab;
    recur_vocab *labels;    /* tag/classify: the label names, decoder row order */
    recur_vocab *features;  /* tag with features: the feature strings, features.weight row order */
    int dirs;               /* 2 when bidirectional, else 1 */
    float *params;          /* ONE block: every parameter, in tensor order */
    size_t n_params;
    model_tensor *tensors;
    int n_tensors;
    model_layer *layers;
    size_t enc_w, dec_w, dec_b;
    size_t feat_w;          /* features.weight or MODEL_NO_TENSOR */
};

/* Parameters a (checked) configuration stores, a tied decoder once. */
size_t model_param_total(const recur_config *cfg);
/* Rows of the decoder: the label count for tag/classify, else vocab_size. */
int model_output_size(const recur_config *cfg);
/* RECUR_OK for a language model (one direction, next-token head); else an
 * error saying what m is, for what (e.g. "evaluation") needs one. */
recur_status model_require_lm(const recur_model *m, const char *what, recur_error *err);

/* Checks a configuration (sizes, overflow, combinations). */
recur_status model_config_check(const recur_config *cfg, recur_error *err);
/* Allocates a model with its tensor table for cfg (params zeroed); takes no
 * vocabulary. */
recur_status model_alloc(const recur_config *cfg, recur_model **out, recur_error *err);
/* Fills the parameters as PyTorch initialises them, or uniform(+-init_scale). */
void model_init_params(recur_model *m, uint64_t seed);

/* The weights of entry l of m->layers (layer * dirs + direction) inside any block laid out like the parameters (the
 * parameters themselves, gradients, optimizer moments). */
rnn_weights model_layer_weights(const recur_model *m, int l, const float *block);
rnn_grads model_layer_grads(const recur_model *m, int l, float *block);

/* Config <-> JSON for the checkpoint metadata. */
struct recur_strbuf;
struct json_value;
void model_config_to_json(const recur_config *cfg, struct recur_strbuf *out);
recur_status model_config_from_json(const struct json_value *obj, recur_config *cfg, recur_error *err);

#endif
