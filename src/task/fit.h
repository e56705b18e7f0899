/* The last step of every task's training (tag, classify, cloze): train the
 * model just created on the data encoded for it, and hand it over. Internal
 * to src/task. */
#ifndef RECUR_TASK_FIT_H
#define RECUR_TASK_FIT_H

#include "task/seqdata.h"

/* encoded is the status of encoding d for m: on failure d holds nothing and
 * only m is freed. Else trains m on d (task_train) and frees d; on success
 * *out = m, on failure m is freed. */
recur_status task_fit(recur_model *m, recur_status encoded, task_data *d, const recur_task_train_config *tc,
                      task_progress_fn progress, void *ctx, recur_model **out, recur_error *err);

#endif
