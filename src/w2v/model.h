/* The word2vec model's weights and its SGD steps. The steps take their noise
 * words as arguments so that one update can be checked by hand. */
#ifndef RECUR_W2V_MODEL_H
#define RECUR_W2V_MODEL_H

#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"

#define W2V_MAX_CODE 64
#define W2V_EXP_TABLE 1000
#define W2V_MAX_EXP 6

typedef enum w2v_loss { W2V_LOSS_NEGATIVE = 0, W2V_LOSS_NCE = 1 } w2v_loss;

typedef struct w2v_model {
    int size;        /* vector dimension */
    int stride;      /* floats per row: size rounded up to 16 so rows are whole cache
                      * lines and the kernels need no tail loop; the padding stays 0 */
    int vocab;
    int plain;       /* scalar loops and word2vec.c's sigmoid table */
    w2v_loss loss;
    float *syn0;     /* vocab x stride input vectors (the embeddings) */
    float *syn1neg;  /* vocab x stride output vectors for negative sampling / NCE, or NULL */
    float *syn1;     /* (vocab - 1) x stride inner nodes of the Huffman tree, or NULL */
    float *log_kq;   /* NCE: log(k q(w)) subtracted from each logit, or NULL */
    uint8_t *codelen;   /* hierarchical softmax: code length per word ... */
    uint8_t *codes;     /* ... vocab x W2V_MAX_CODE bits (0/1) ... */
    int32_t *points;    /* ... and the inner node of each bit */
    float *exp_table;   /* plain: sigmoid at W2V_EXP_TABLE points on [-6, 6] */
} w2v_model;

/* Allocates the weights: syn0 uniform in [-0.5/size, 0.5/size) from rng,
 * syn1neg (when with_output) and syn1 (when counts != NULL: Huffman tree from
 * counts) zero. */
recur_status w2v_model_create(w2v_model *m, int vocab, int size, int plain, int with_output,
                              const int64_t *hs_counts, recur_rng *rng, recur_error *err);
void w2v_model_free(w2v_model *m);

/* Builds the Huffman codes of hierarchical softmax for counts[vocab]. */
recur_status w2v_huffman(w2v_model *m, const int64_t *counts, recur_error *err);

float w2v_dot(const float *a, const float *b, int n);
float w2v_sigmoid(const w2v_model *m, float x);

/* Skip-gram, as word2vec.c: the input row is syn0[context] and the words
 * predicted are center (label 1) and negs[0..nneg) (label 0). neu1e is a
 * scratch row of stride floats. */
void w2v_sg_step(const w2v_model *m, int32_t context, int32_t center, const int32_t *negs,
                 int nneg, float alpha, float *neu1e);
/* CBOW: the input is the mean of syn0 over ctx[0..nctx); each context row
 * receives the whole input gradient (as word2vec.c). */
void w2v_cbow_step(const w2v_model *m, const int32_t *ctx, int nctx, int32_t center,
                   const int32_t *negs, int nneg, float alpha, float *neu1, float *neu1e);

#endif
