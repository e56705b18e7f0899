/* Models: an embedding, a stack of recurrent layers and a linear decoder,
 * with their parameters in one block, saved as safetensors with PyTorch's
 * parameter names. */
#ifndef RECUR_MODEL_H
#define RECUR_MODEL_H

#include "recur/api.h"

#include <signal.h>

#include "recur/error.h"
#include "recur/text.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum recur_cell {
    RECUR_CELL_RNN_TANH = 0,
    RECUR_CELL_RNN_RELU,
    RECUR_CELL_LSTM,
    RECUR_CELL_GRU
} recur_cell;

/* Normalisation inside the recurrent layers (nn/recurrent_norm.h): none,
 * recurrent batch normalisation (Cooijmans et al. 2017) or layer
 * normalisation (Ba et al. 2016). */
typedef enum recur_norm {
    RECUR_NORM_NONE = 0,
    RECUR_NORM_BATCH,
    RECUR_NORM_LAYER
} recur_norm;

/* What a model's decoder predicts. Only RECUR_TASK_LM models are language
 * models (train, sample, eval); the others are trained and run through
 * recur/task.h. */
typedef enum recur_task {
    RECUR_TASK_LM = 0,   /* the next token at every step */
    RECUR_TASK_TAG,      /* a label per token (sequence labelling) */
    RECUR_TASK_CLOZE,    /* the token at masked positions, from both sides */
    RECUR_TASK_CLASSIFY  /* one label per sequence, from pooled outputs */
} recur_task;

/* How a classifier turns the outputs of a sequence into one vector. */
typedef enum recur_pool {
    RECUR_POOL_MEAN = 0, /* mean over the sequence's steps */
    RECUR_POOL_LAST      /* forward half at the last step, backward half at the first */
} recur_pool;

typedef struct recur_config {
    recur_level level;
    recur_cell cell;
    int layers;          /* recurrent layers, >= 1 */
    int hidden;          /* units per layer */
    int embed;           /* embedding size; 0 means "same as hidden" */
    int vocab_size;      /* filled in from the vocabulary */
    int tied;            /* decoder.weight is encoder.weight (needs embed == hidden) */
    int peephole;        /* LSTM peephole connections (Graves 2013) */
    float dropout;       /* drop probability on non-recurrent connections */
    float init_scale;    /* > 0: uniform(-s, s) for every parameter; 0: PyTorch's defaults */
    float forget_bias;   /* LSTM: if not 0, the forget gate's bias_ih slice starts at this value
                            and its bias_hh slice at 0 (default 0: PyTorch's random init) */
    /* Bidirectional stacks and task heads (zero for a language model). */
    int bidirectional;   /* every layer also runs right to left; outputs are [forward | backward] */
    recur_task task;
    int labels;          /* decoder rows for tag/classify (the label set); 0 otherwise */
    recur_pool pool;     /* classify only */
    int feature_size;    /* tag: rows of the word-feature table (suffixes, shape); 0 = none */
    int feature_embed;   /* its width, added to layer 0's input */
    /* Normalisation inside every recurrent layer (none by default). */
    recur_norm norm;
    int norm_steps;      /* batch norm: time steps with their own running averages
                            (the trained window length); later steps use the last */
} recur_config;

/* char-rnn-tensorflow's defaults: char level, LSTM, 2 layers of 128, no dropout; forget bias 0. */
RECUR_API void recur_config_default(recur_config *cfg);
/* PyTorch's mode names: "rnn_tanh", "rnn_relu", "lstm", "gru" ("rnn" = "rnn_tanh"). */
RECUR_API const char *recur_cell_name(recur_cell cell);
/* "none", "batch", "layer". */
RECUR_API const char *recur_norm_name(recur_norm norm);
RECUR_API recur_status recur_norm_parse(const char *name, recur_norm *norm, recur_error *err);
RECUR_API recur_status recur_cell_parse(const char *name, recur_cell *cell, recur_error *err);
/* "lm", "tag", "cloze", "classify". */
RECUR_API const char *recur_task_name(recur_task task);
RECUR_API recur_status recur_task_parse(const char *name, recur_task *task, recur_error *err);
/* "mean", "last". */
RECUR_API const char *recur_pool_name(recur_pool pool);
RECUR_API recur_status recur_pool_parse(const char *name, recur_pool *pool, recur_error *err);

typedef struct recur_model recur_model;

/* Creates a freshly initialised model. On success the model owns vocab
 * (freed with the model); on failure the caller still owns it. */
RECUR_API recur_status recur_model_create(const recur_config *cfg, recur_vocab *vocab, uint64_t seed,
                                          recur_model **out, recur_error *err);
/* Creates a freshly initialised task model (cfg->task says which). vocab is
 * the input vocabulary, labels the label names (tag, classify), features the
 * word-feature strings (tag; may be NULL). On success the model owns all
 * three; on failure the caller still does. */
RECUR_API recur_status recur_task_model_create(const recur_config *cfg, recur_vocab *vocab, recur_vocab *labels,
                                               recur_vocab *features, uint64_t seed, recur_model **out, recur_error *err);
/* The label names of a tag or classify model, and the word-feature strings
 * of a tagger (NULL otherwise). */
RECUR_API const recur_vocab *recur_model_labels(const recur_model *m);
RECUR_API const recur_vocab *recur_model_features(const recur_model *m);
/* Loads a safetensors checkpoint, checking everything it reads. */
RECUR_API recur_status recur_model_load(const char *path, recur_model **out, recur_error *err);
/* Writes a safetensors checkpoint atomically (temporary file, fsync, rename). */
RECUR_API recur_status recur_model_save(const recur_model *m, const char *path, recur_error *err);
RECUR_API void recur_model_free(recur_model *m);

RECUR_API const recur_config *recur_model_config(const recur_model *m);
RECUR_API const recur_vocab *recur_model_vocab(const recur_model *m);
/* Distinct trainable parameters (a tied matrix counts once). */
RECUR_API size_t recur_model_param_count(const recur_model *m);

/* A deep copy (weights and vocabulary). */
RECUR_API recur_status recur_model_clone(const recur_model *m, recur_model **out, recur_error *err);
/* Copies src's weights into dst; both must have the same configuration. */
RECUR_API recur_status recur_model_copy_weights(recur_model *dst, const recur_model *src, recur_error *err);
/* A new model whose every parameter (batch norm's running averages too) is
 * the mean of that parameter over n_models models of one architecture and
 * vocabulary, e.g. the checkpoints of a run's last epochs
 * (src/model/average.c). The configuration is models[0]'s. */
RECUR_API recur_status recur_model_average(const recur_model *const *models, int n_models, recur_model **out,
                                           recur_error *err);

/* Tensors by PyTorch's names (src/model/tensors.c), in the order a
 * checkpoint lists them: "encoder.weight", "rnn.weight_ih_l0", ...,
 * "decoder.weight", "decoder.bias". */
typedef struct recur_tensor_info {
    const char *name;  /* valid while the model lives */
    int ndim;          /* 1 or 2 */
    int64_t shape[2];  /* shape[1] is 0 for a vector */
    size_t size;       /* floats */
    int tied;          /* decoder.weight of a tied model: the same floats as encoder.weight */
} recur_tensor_info;

RECUR_API int recur_model_tensor_count(const recur_model *m);
/* The i-th tensor's floats (row-major) in the model's own storage, and its
 * description in *info (may be NULL); NULL when i is out of range. Writing
 * through the pointer changes the model; samplers and streams created
 * earlier keep the copy they made. */
RECUR_API float *recur_model_tensor(recur_model *m, int i, recur_tensor_info *info);

/* The log-probabilities of a whole sequence read from a zero state, dropout
 * off. A language model: count x vocab_size floats, row t the distribution
 * of the token after ids[0..t]. tag and cloze: count x outputs, row t the
 * distribution at position t from both directions. classify: one row over
 * the labels. */
RECUR_API recur_status recur_model_log_probs(const recur_model *m, const int32_t *ids, size_t count, float *out,
                                             recur_error *err);

/* Fine-tuning on a text with tokens the model never saw (src/model/finetune.c):
 * a copy of language model m whose vocabulary also holds every token of
 * extra that m's lacks, appended after m's in extra's order, so every old id
 * keeps its id and its rows. *added (may be NULL) receives how many. A new
 * token's embedding row is the mean of the old rows; its decoder row is zero
 * and its decoder bias the smallest old bias less log(added), so that the new
 * tokens together start as likely as the least likely old token a priori
 * (with tied weights the decoder row is the embedding row, the mean). Untied, every old token's logit is
 * unchanged, so the old tokens keep their probabilities relative to each
 * other and only give up the share the new ones take. With nothing to add the
 * copy computes exactly what m does. */
RECUR_API recur_status recur_model_extend_vocab(const recur_model *m, const recur_vocab *extra, recur_model **out, int *added,
                                                recur_error *err);
/* Sets the dropout a trainer created afterwards applies (fine-tuning with
 * another regularisation than the first run's); the weights are untouched. */
RECUR_API recur_status recur_model_set_dropout(recur_model *m, float dropout, recur_error *err);

typedef struct recur_eval_result {
    double loss;           /* mean nats per predicted token */
    double bits_per_token; /* loss / ln 2 */
    double perplexity;     /* exp(loss) */
    size_t tokens;         /* predicted tokens */
} recur_eval_result;

/* Mean cross-entropy of the model over ids, the state carried across
 * windows of seq steps. batch 1 predicts every token after the first exactly
 * once; batch B > 1 cuts ids into B contiguous streams (the tail that does
 * not fill all streams is dropped, as TensorFlow's ptb_producer does). */
RECUR_API recur_status recur_model_evaluate(const recur_model *m, const int32_t *ids, size_t count, int batch,
                                            int seq, recur_eval_result *out, recur_error *err);

/* What a long evaluation reports, and how to stop it. */
typedef struct recur_eval_watch {
    /* Called now and then (every window batched, every 256 tokens at batch
     * 1) with the predictions made so far and in all. May be NULL. */
    void (*progress)(void *user, size_t done, size_t total);
    void *user;
    /* Non-zero stops the evaluation with RECUR_E_INTERRUPTED (set it from a
     * signal handler or another thread). May be NULL. */
    const volatile sig_atomic_t *cancel;
} recur_eval_watch;

/* recur_model_evaluate with progress reports and a stop request (watch may
 * be NULL). */
RECUR_API recur_status recur_model_evaluate_watched(const recur_model *m, const int32_t *ids, size_t count, int batch,
                                                    int seq, const recur_eval_watch *watch, recur_eval_result *out,
                                                    recur_error *err);


/* Ensemble evaluation (src/eval/ensemble.c): every model reads ids with its
 * own carried state, laid out as recur_model_evaluate does (batch streams,
 * windows of seq steps), and the ensemble predicts the mean of their
 * probabilities. each (may be NULL) receives each model's own result, in
 * order; ensemble the result of the averaged distribution. The models must
 * share one vocabulary (same tokens, same order). */
RECUR_API recur_status recur_ensemble_evaluate(const recur_model *const *models, int n_models, const int32_t *ids,
                                               size_t count, int batch, int seq, recur_eval_result *each,
                                               recur_eval_result *ensemble, recur_error *err);

#ifdef __cplusplus
}
#endif
#endif
