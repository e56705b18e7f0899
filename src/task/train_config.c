/* The task trainers' defaults: the language-model trainer's update with the
 * settings the tasks were tuned with. */
#include <string.h>

#include "recur/task.h"

void recur_task_train_config_default(recur_task_train_config *tc)
{
    memset(tc, 0, sizeof *tc);
    recur_train_config_default(&tc->train);
    tc->train.batch = 32;
    tc->train.optimizer = RECUR_OPT_ADAM;
    tc->train.lr = 2e-3f;
    tc->train.schedule = RECUR_LR_EXP; /* lr * lr_decay^(epoch - 1) */
    tc->train.lr_decay = 1.0f;
    tc->train.clip = 5.0f;
    tc->train.seed = 1;
    tc->epochs = 5;
    tc->mask_rate = 0.15f;
    tc->max_span = 3;
}
