/* The batched evaluation every caller shares: K models (an ensemble, or one
 * model alone) read the same B token streams window by window, each with its
 * own carried state. Internal to src/eval. */
#ifndef RECUR_EVAL_BATCHED_H
#define RECUR_EVAL_BATCHED_H

#include <stddef.h>
#include <stdint.h>

#include "model/model_internal.h"
#include "recur/model.h"

/* The checks every evaluation makes: batch and seq positive, each model a
 * language model (what: "evaluation", "an ensemble"), at least two tokens a
 * stream, every id in the first model's vocabulary. */
recur_status eval_check(const recur_model *const *models, int K, const int32_t *ids, size_t count, int batch, int seq,
                        const char *what, recur_error *err);

/* Sums the losses of K >= 1 checked models over the predictions of batch
 * streams of ids, in windows of at most seq steps: member[k] receives model
 * k's, mixture (NULL: not wanted) that of the mean of their predicted
 * distributions, *predictions how many tokens were predicted. watch may be
 * NULL. */
recur_status eval_batched(const recur_model *const *models, int K, const int32_t *ids, size_t count, int batch,
                          int seq, const recur_eval_watch *watch, double *member, double *mixture, size_t *predictions,
                          recur_error *err);

/* loss, bits per token and perplexity of a summed loss over n predictions. */
void eval_result_fill(double total, size_t n, recur_eval_result *r);

#endif
