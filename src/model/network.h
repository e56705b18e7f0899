/* The whole network over one window of T steps for B streams:
 * embedding -> dropout -> recurrent layers (dropout between) -> dropout ->
 * decoder -> fused softmax cross-entropy; and its backward pass.
 * Dropout sits only on non-recurrent connections, as in Zaremba et al. 2014. */
#ifndef RECUR_MODEL_NETWORK_H
#define RECUR_MODEL_NETWORK_H

#include <signal.h>

#include "core/rng.h"
#include "model/model_internal.h"
#include "model/workspace.h"
#include "nn/layers.h"

/* Recurrent state of every layer for B streams: h[l] and, for the LSTM, c[l],
 * each B*H floats, stored as [layers][B][H]. */
typedef struct net_state {
    int layers, B, H;
    float *h, *c; /* c is NULL except for the LSTM */
} net_state;

recur_status net_state_init(net_state *s, const recur_model *m, int B, recur_error *err);
void net_state_zero(net_state *s);
void net_state_free(net_state *s);

/* Every buffer a window needs, allocated once for at most T x B. */
typedef struct net_workspace {
    int T, B;
    int training;          /* buffers for backward and dropout exist */
    float *arena;
    int tokens;            /* layer 0 reads the tokens through a projected table (rnn_tokens) */
    float *emb;            /* [T][B][E] embedding output (NULL with tokens) */
    float *token_table;    /* rnn_tokens_scratch floats (NULL without tokens) */
    layer_inputs inputs;   /* what each recurrent layer and, at [layers], the decoder read */
    rnn_cache *cache;      /* per layer */
    float *logits;         /* [T][B][V]; gradient in place after a training forward */
    float *dgrad[2];       /* ping-pong gradient buffers, [T][B][max(E, H)] */
    float *scratch;        /* recurrent backward scratch */
    const int32_t *ids;    /* inputs of the last forward */
    int cur_T;             /* T of the last forward */
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

recur_status net_workspace_init(net_workspace *ws, const recur_model *m, int T, int B, int training,
                                recur_error *err);
void net_workspace_free(net_workspace *ws);

/* Whether a T x B window feeds layer 0 through the projected embedding
 * table (nn/recurrent.h, rnn_tokens) rather than embedding rows and a
 * product: when the vocabulary is small against the window and no dropout
 * sits on the embedding's output. */
int net_uses_tokens(const recur_model *m, int T, int B, int training);

/* Forward over T <= ws->T steps of ids [T][B]. Starts from state and leaves
 * the final state in it. With targets, returns the summed cross-entropy
 * (nats) and, when grad_scale != 0, leaves grad_scale * dLoss/dlogits in
 * ws->logits for net_backward. drop != NULL applies dropout (training only),
 * each stream's masks its own (nn/layers.h). */
double net_forward(const recur_model *m, net_workspace *ws, const int32_t *ids, const int32_t *targets,
                   int T, net_state *state, const dropout_streams *drop, float grad_scale);

/* Backward through the last training forward; adds dLoss/dparams into grads
 * (a block laid out like m->params). */
void net_backward(const recur_model *m, net_workspace *ws, float *grads);

#endif
