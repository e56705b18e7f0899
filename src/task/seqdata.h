/* Encoded sequence data for the task models, the training loop over it and
 * batched prediction. Internal to src/task. */
#ifndef RECUR_TASK_SEQDATA_H
#define RECUR_TASK_SEQDATA_H

#include <stddef.h>
#include <stdint.h>

#include "model/network.h"
#include "recur/task.h"

typedef struct task_seq {
    int32_t *ids;     /* [len] */
    int32_t *feats;   /* [len][K], -1 empty; NULL without features */
    int32_t *targets; /* tag: [len] label ids; NULL for classify and cloze */
    int32_t label;    /* classify */
    int len;
} task_seq;

typedef struct task_data {
    task_seq *seqs;
    int n, cap;
    int K;            /* feature slots per token */
} task_data;

/* Appends a sequence (takes ownership of its arrays on success and failure). */
recur_status task_data_push(task_data *d, task_seq s, recur_error *err);
void task_data_free(task_data *d);
size_t task_data_tokens(const task_data *d);

/* Cloze masking: a run of 1..max_span characters at a time is replaced by the
 * mask id until about rate of the sequence is masked; targets receive the
 * original ids there and -1 elsewhere. */
void cloze_mask(const int32_t *ids, int len, int32_t mask_id, float rate, int max_span, recur_rng *rng,
                int32_t *in, int32_t *targets);

typedef void (*task_progress_fn)(void *ctx, const recur_task_progress *p);

/* Trains m on d: every epoch the sequences are sorted into batches of similar
 * length (at most batch sequences and about batch * 128 tokens), shuffled; Adam
 * with global-norm clipping; the mean loss over the targets of a batch. */
recur_status task_train(recur_model *m, const task_data *d, const recur_task_train_config *tc,
                        task_progress_fn progress, void *ctx, recur_error *err);

/* Runs m over d in batches. For each sequence writes, for tag/cloze, one
 * prediction per step into pred (concatenated in sequence order) or, for
 * classify, one per sequence; maxp (may be NULL) the predicted probability.
 * Cloze inputs are masked with the given seed. Sums the loss over the
 * targets into *loss and their number into *count (either may be NULL). */
recur_status task_predict(const recur_model *m, const task_data *d, int batch, uint64_t cloze_seed, float mask_rate,
                          int32_t *pred, float *maxp, double *loss, size_t *count, size_t *correct,
                          recur_error *err);

/* The cloze mask id of a model (U+E000 in its vocabulary) or -1. */
int32_t task_mask_id(const recur_model *m);

#endif
