/* The network of the non-LM tasks over a batch of whole sequences:
 * embedding (plus summed word-feature embeddings) -> dropout -> recurrent
 * layers, each forward-only or bidirectional (dropout between) -> dropout ->
 * a head: a linear decoder at every step (tag, cloze) or after pooling the
 * steps of each sequence (classify); softmax cross-entropy.
 *
 * Sequences of different lengths share a batch padded at the end. Every
 * sequence starts from a zero state. The reverse direction of a layer runs
 * the ordinary step loop over a copy of its input in which each sequence's
 * own steps are reversed (step t of sequence b reads step len[b]-1-t) and the
 * padding stays at the end, so padding never reaches a real output in either
 * direction and a batch gives exactly the outputs of its sequences run one
 * at a time (as PyTorch's packed sequences do). */
#ifndef RECUR_MODEL_SEQNET_H
#define RECUR_MODEL_SEQNET_H

#include "core/rng.h"
#include "model/model_internal.h"
#include "model/workspace.h"

typedef struct seq_batch {
    int T, B;               /* padded length and sequences, at most the workspace's */
    const int32_t *ids;     /* [T][B] token ids (padding: any valid id) */
    const int32_t *feats;   /* [T][B][K] feature ids, -1 for an empty slot; NULL without features */
    int K;                  /* feature slots per token */
    const int *len;         /* [B] lengths, 1..T */
    /* tag, cloze: [T][B] target per step, -1 where there is no loss;
     * classify: [B] one label per sequence; NULL: forward only */
    const int32_t *targets;
} seq_batch;

typedef struct seqnet_ws {
    int T, B, K, training;
    int E0;                 /* layer 0's input width: embed + feature_embed */
    int out_rows;           /* rows of logits of the last forward: T*B or B */
    float *arena;
    float *emb;             /* [T][B][E0] */
    int32_t *rev;           /* [T*B] row of the same step in the sequence's reversed order */
    layer_inputs inputs;    /* what each layer and, at [layers], the head read */
    float **xrev;           /* per layer: the reversed input of its reverse direction */
    float **out;            /* per layer: [T][B][dirs*H] outputs */
    rnn_cache *cache;       /* layers * dirs */
    float *pooled;          /* classify: [B][dirs*H] */
    float *logits;          /* [out_rows][O]: logits, or the loss gradient after a training forward */
    float *dgrad[2];        /* [T][B][max(E0, dirs*H)] */
    float *dh_rev, *dx_rev; /* reverse-direction scratch */
    float *scratch;         /* rnn_backward scratch */
    seq_batch batch;        /* the last forward's batch */
} seqnet_ws;

recur_status seqnet_ws_init(seqnet_ws *ws, const recur_model *m, int T, int B, int K, int training,
                            recur_error *err);
void seqnet_ws_free(seqnet_ws *ws);

/* Forward over a batch. With targets returns the summed cross-entropy (nats)
 * over the steps (or sequences) that have a target and, when grad_scale != 0,
 * leaves grad_scale * dLoss/dlogits in ws->logits. Without targets ws->logits
 * holds the logits ([T][B][O] or [B][O]). rng != NULL applies dropout. */
double seqnet_forward(const recur_model *m, seqnet_ws *ws, const seq_batch *batch, recur_rng *rng,
                      float grad_scale);

/* Backward through the last training forward; adds dLoss/dparams into grads. */
void seqnet_backward(const recur_model *m, seqnet_ws *ws, float *grads);

#endif
