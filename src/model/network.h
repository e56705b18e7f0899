/* The network of every model, over one batch of T steps for B streams
 * (time-major [T][B]):
 *
 *   embedding (plus summed word-feature embeddings) -> dropout ->
 *   recurrent layers, each of one or two directions (dropout between) ->
 *   dropout -> a head: a linear decoder at every step, or after pooling the
 *   steps of each sequence -> softmax cross-entropy; and its backward pass.
 *
 * What varies between its users is said in the workspace's options and in
 * each batch, not in another copy of the network:
 *   - the language model: one direction, the state carried from window to
 *     window (net_state), a prediction at every step, each stream's dropout
 *     masks its own (dropout_streams);
 *   - the task models (tag, cloze, classify): whole sequences of different
 *     lengths padded at the end, a zero initial state, one or two
 *     directions, a per-step or a pooled head, one dropout generator;
 *   - gradient-flow measurement: the language model with a head on the last
 *     step alone and a tap that reads dL/dh of every layer and step.
 * Dropout sits only on non-recurrent connections, as in Zaremba et al. 2014.
 *
 * Per-layer options (a normalisation, another cell) belong in the layer loop
 * of net_forward / net_backward, which every model runs.
 *
 * The reverse direction of a layer runs the ordinary step loop over a copy
 * of its input in which each sequence's own steps are reversed (step t of
 * sequence b reads step len[b]-1-t) and the padding stays at the end, so
 * padding never reaches a real output in either direction and a batch gives
 * exactly the outputs of its sequences run one at a time (as PyTorch's
 * packed sequences do). */
#ifndef RECUR_MODEL_NETWORK_H
#define RECUR_MODEL_NETWORK_H

#include <signal.h>

#include "core/rng.h"
#include "model/model_internal.h"
#include "model/workspace.h"
#include "nn/layers.h"

/* Recurrent state of every layer for B streams: h[l] and, for the LSTM, c[l],
 * each B*H floats, stored as [layers][B][H]. Only a one-direction network
 * carries a state (a reverse direction starts at each sequence's end). */
typedef struct net_state {
    int layers, B, H;
    float *h, *c; /* c is NULL except for the LSTM */
} net_state;

recur_status net_state_init(net_state *s, const recur_model *m, int B, recur_error *err);
void net_state_zero(net_state *s);
void net_state_free(net_state *s);

/* What the head predicts from. */
typedef enum net_head {
    NET_HEAD_MODEL = 0,  /* the model's own: pooled for classify (by cfg.pool), per step otherwise */
    NET_HEAD_STEPS,      /* a prediction at every step */
    NET_HEAD_POOL_MEAN,  /* one per sequence, from the mean of its steps */
    NET_HEAD_POOL_LAST,  /* one per sequence, from its last step (with two directions, the
                            forward half at the end and the backward half at step 0) */
} net_head;

/* The largest batch a workspace takes and what it keeps. */
typedef struct net_options {
    int T, B;       /* steps and streams */
    int K;          /* feature ids per token (tagging's word features); 0 without */
    int training;   /* keep what backward needs, and the dropout buffers */
    int word_dropout; /* training drops whole words on the embedding (dropout_streams.word_p) */
    int own_input_dropout; /* training: layer 0's input takes input_dropout instead of the model's dropout */
    float input_dropout;
    net_head head;  /* NET_HEAD_MODEL (0) unless a tool wants another */
} net_options;

/* One batch: T <= ws->T steps of B <= ws->B streams. */
typedef struct net_batch {
    int T, B;
    const int32_t *ids;     /* [T][B] token ids (padding: any valid id) */
    const int32_t *feats;   /* [T][B][K] feature ids, -1 for an empty slot; NULL without features */
    int K;                  /* feature slots per token */
    /* [B] lengths 1..T of sequences padded at the end; NULL: every stream
     * runs all T steps (the language model's windows). */
    const int *len;
    /* Per-step head: [T][B] target per step; with lengths, -1 where a step
     * has no loss. Pooled head: [B] one target per sequence. NULL: forward
     * only. */
    const int32_t *targets;
} net_batch;

/* The dropout masks of a training forward: each stream's its own (the
 * language model's, see dropout_streams), or drawn from one generator over
 * the whole batch (the task trainers'). Set one of the two. */
typedef struct net_dropout {
    const dropout_streams *streams;
    recur_rng *rng;
} net_dropout;

/* A reader of the gradient inside backward: called for each layer, top
 * first, with the full dL/dh_t of every step of the layer's forward
 * direction ([T][B][H]; the recurrent contributions included), which is
 * what gradient-flow measurement reads. */
typedef struct net_tap {
    void (*dh)(void *ctx, int layer, const float *dh, int T, int B, int H);
    void *ctx;
} net_tap;

/* Every buffer a batch needs, allocated once for the options' T x B. */
typedef struct net_workspace {
    int T, B, K, training;
    net_head head;          /* resolved: never NET_HEAD_MODEL */
    int dirs;               /* 1 or 2 */
    int E0;                 /* layer 0's input width: embed + feature_embed */
    float *arena;
    int tokens;             /* layer 0 reads the tokens through a projected table (rnn_tokens) */
    int word_dropout;       /* net_options.word_dropout: the input mask exists without --dropout */
    float input_p;          /* training: the dropout on layer 0's input (the model's, or net_options') */
    float *emb;             /* [T][B][E0] embedding output (NULL with tokens) */
    float *token_table;     /* rnn_tokens_scratch floats (NULL without tokens) */
    int32_t *rev;           /* two directions: [T*B] row of the same step in the sequence's reversed order */
    layer_inputs inputs;    /* what each layer and, at [layers], the head read */
    float **xrev;           /* two directions, per layer: the reversed input of its reverse direction */
    float **out;            /* two directions, per layer: [T][B][2H] outputs */
    rnn_cache *cache;       /* layers * dirs */
    rnn_norm_cache *norm;   /* layers * dirs: what a normalised layer keeps (model/layer_run.h) */
    float *pooled;          /* pooled head: [B][dirs*H] */
    int out_rows;           /* rows of logits of the last forward: T*B, or B pooled */
    float *logits;          /* [out_rows][O]; the loss gradient after a training forward */
    float *dgrad[2];        /* ping-pong gradient buffers, [T][B][max(E0, dirs*H)] */
    float *dh_rev, *dx_rev; /* two directions: the reverse direction's gradients */
    float *scratch;         /* recurrent backward scratch */
    net_batch batch;        /* the last forward's */
    net_tap tap;            /* optional (tap.dh NULL: none) */
    /* A caller's stop request, read between layers (a layer of a wide model
     * takes seconds): when it is non-zero the pass stops early and sets
     * cancelled; its results are then meaningless. */
    const volatile sig_atomic_t *cancel;
    int cancelled;
    /* Optional: told during net_backward that grads[from, end of the block)
     * are final (nothing later in the pass adds to them), so that a caller
     * can start summing them over ranks. from only decreases, to 0 last. */
    void (*grads_ready)(void *ctx, size_t from);
    void *grads_ready_ctx;
} net_workspace;

recur_status net_workspace_init(net_workspace *ws, const recur_model *m, const net_options *o, recur_error *err);
void net_workspace_free(net_workspace *ws);

/* Whether a T x B window feeds layer 0 through the projected embedding
 * table (nn/recurrent.h, rnn_tokens) rather than embedding rows and a
 * product: for a language model whose vocabulary is small against the
 * window, with no dropout on the embedding's output (input_p: its
 * probability). */
int net_uses_tokens(const recur_model *m, int T, int B, float input_p);

/* Forward over a batch. state != NULL (one direction, no lengths): starts
 * from it and leaves the final state in it; NULL: every sequence starts from
 * a zero state. With targets, returns the summed cross-entropy (nats) over
 * the steps (or sequences) that have one and, when grad_scale != 0, leaves
 * grad_scale * dLoss/dlogits in ws->logits for net_backward; without, 0 and
 * the logits in ws->logits. drop != NULL applies dropout (training only). */
double net_forward(const recur_model *m, net_workspace *ws, const net_batch *b, net_state *state,
                   const net_dropout *drop, float grad_scale);

/* Backward through the last training forward; adds dLoss/dparams into grads
 * (a block laid out like m->params). */
void net_backward(const recur_model *m, net_workspace *ws, float *grads);

#endif
