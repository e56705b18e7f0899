#include "task/fit.h"

#include "model/model_internal.h"

recur_status task_fit(recur_model *m, recur_status encoded, task_data *d, const recur_task_train_config *tc,
                      task_progress_fn progress, void *ctx, recur_model **out, recur_error *err)
{
    recur_status st = encoded;
    if (!st) {
        st = task_train(m, d, tc, progress, ctx, err);
        task_data_free(d);
    }
    if (st) {
        recur_model_free(m);
        return st;
    }
    *out = m;
    return RECUR_OK;
}
