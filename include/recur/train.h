/* Training: truncated backpropagation through time over a token stream. */
#ifndef RECUR_TRAIN_H
#define RECUR_TRAIN_H

#include "recur/api.h"

#include <signal.h>

#include "recur/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum recur_optimizer {
    RECUR_OPT_SGD = 0,   /* with momentum when momentum > 0 */
    RECUR_OPT_ADAM,
    RECUR_OPT_RMSPROP
} recur_optimizer;

typedef enum recur_schedule {
    RECUR_LR_CONSTANT = 0,
    RECUR_LR_STEP,  /* multiply by lr_decay at the end of every epoch >= decay_after (PTB) */
    RECUR_LR_EXP,   /* multiply by lr_decay at the end of every epoch (char-rnn-tensorflow) */
    RECUR_LR_PLATEAU, /* multiply by lr_decay after a validation that is no better than the best so far
                         (PyTorch word_language_model's main.py divides by 4); see
                         recur_trainer_observe_validation */
    RECUR_LR_COSINE,  /* fall from lr to 0 along half a cosine over the run (Loshchilov and Hutter 2017) */
    RECUR_LR_LINEAR   /* fall from lr to 0 in a straight line over the run */
} recur_schedule;

typedef enum recur_loss_scale {
    RECUR_LOSS_MEAN = 0,    /* mean over batch and steps (char-rnn) */
    RECUR_LOSS_SUM_STEPS    /* mean over batch, summed over steps (TensorFlow ptb_word_lm) */
} recur_loss_scale;

typedef struct recur_train_config {
    int batch;               /* B contiguous streams */
    int seq;                 /* T steps per window (truncated BPTT length) */
    recur_optimizer optimizer;
    float lr;
    float momentum;          /* SGD */
    float beta1, beta2, eps; /* Adam; eps also for RMSprop */
    float rms_alpha;         /* RMSprop smoothing */
    float clip;              /* max global gradient norm; 0 turns clipping off */
    float l2;                /* adds l2/2 * |W|^2 over weight matrices to the objective */
    float l1;                /* adds l1 * |W|_1 over weight matrices to the objective */
    recur_schedule schedule;
    float lr_decay;
    int decay_after;         /* first epoch (1-based) whose end decays, RECUR_LR_STEP */
    int64_t warmup_steps;    /* any schedule: the rate rises linearly over the first N steps (0: none) */
    int64_t decay_steps;     /* cosine/linear: the run's length in steps (recur_run sets it from --steps or
                              * --epochs); 0: the caller tells the progress (recur_trainer_set_progress),
                              * as a --minutes budget does */
    recur_loss_scale loss_scale;
    uint64_t seed;           /* dropout: each stream's masks are drawn from (seed, step, stream) */
    /* Data noising (Xie et al. 2017), drawn like the dropout masks: each input
     * token becomes noise_blank_token with probability noise_blank, else a
     * draw from the training text's unigram distribution with probability
     * noise_unigram. */
    float noise_unigram, noise_blank;
    int32_t noise_blank_token; /* -1: none (noise_blank must then be 0) */
    /* AWD-LSTM's regularisers (Merity et al. 2018), beside the model's dropout: */
    int locked_dropout;      /* the dropout masks stay the same over a window's steps (variational dropout,
                                Gal and Ghahramani 2016) */
    float embed_dropout;     /* drop whole words on the embedding with this probability (every occurrence of a
                                dropped id in the window) */
    float weight_drop;       /* DropConnect on every W_hh with this probability, one mask per window */
    /* Dropout on layer 0's input (the embedding's output) in place of the
     * model's dropout there; negative (the default): the model's. At 0 the
     * first layer keeps its token table (the embedding and its input
     * product fused), as char-rnn leaves the input undropped. */
    float input_dropout;
} recur_train_config;

/* char-rnn-tensorflow's defaults: batch 50, seq 50, Adam 2e-3, clip 5. */
RECUR_API void recur_train_config_default(recur_train_config *tc);
RECUR_API recur_status recur_train_config_check(const recur_train_config *tc, recur_error *err);

typedef struct recur_trainer recur_trainer;

/* The trainer borrows the model and the ids: both must outlive it. The ids
 * are cut into batch streams once; an error says which flag to lower when the
 * stream is too short for one window. */
RECUR_API recur_status recur_trainer_create(recur_model *m, const recur_train_config *tc, const int32_t *ids,
                                            size_t count, recur_trainer **out, recur_error *err);
RECUR_API void recur_trainer_free(recur_trainer *t);

/* One of several processes training one model data-parallel
 * (include/recur/dist.h): every rank of comm calls this with the same model,
 * configuration and ids; rank r runs its share of the batch streams
 * (recur_comm_split: uneven shares allowed, --batch >= ranks) and starts
 * from rank 0's weights. recur_trainer_step, _save_state and _load_state are
 * then collective: each step sums the loss and the gradient block over the
 * ranks and every rank applies the same update, so the run is the
 * single-process one to float rounding (dropout masks are drawn per stream,
 * not per rank). save_state writes at rank 0 only (path is read there);
 * load_state reads the file at every rank. A failure on any rank returns on
 * all, with that rank's message. comm is borrowed (NULL: alone, as
 * recur_trainer_create). */
typedef struct recur_comm recur_comm;
RECUR_API recur_status recur_trainer_create_comm(recur_model *m, const recur_train_config *tc, const int32_t *ids,
                                                 size_t count, recur_comm *comm, recur_trainer **out, recur_error *err);

/* For cosine and linear schedules over a budget the trainer cannot count
 * in steps (wall time): the share of the run done, 0 to 1, before the next
 * step. With decay_steps set too, the further of the two counts. Every rank
 * of a distributed run must pass the same value. */
RECUR_API void recur_trainer_set_progress(recur_trainer *t, double progress);
/* The caller's wall time of training so far, kept in the state so that a
 * time budget (--minutes) spans a run and its resumptions: set before
 * saving, read after restoring (0 for a new trainer). */
RECUR_API void recur_trainer_set_seconds(recur_trainer *t, double seconds);
RECUR_API double recur_trainer_seconds(const recur_trainer *t);

/* How a trainer over several ranks sums its gradient block. */
typedef enum recur_grad_sum {
    RECUR_GRAD_SUM_BLOCK = 0, /* one allreduce over the whole block after backward (the default) */
    RECUR_GRAD_SUM_LAYERS     /* each layer's slice as soon as backward has finished it, the decoder's
                               * first and the embedding's last, overlapped with the layers below
                               * where the communicator has a nonblocking allreduce */
} recur_grad_sum;

/* The names the command line and the saved files use ("adam", "cosine",
 * "sum", "layers"), and their parsers (RECUR_E_ARG naming the choices). */
RECUR_API const char *recur_optimizer_name(recur_optimizer value);
RECUR_API recur_status recur_optimizer_parse(const char *name, recur_optimizer *out, recur_error *err);
RECUR_API const char *recur_schedule_name(recur_schedule value);
RECUR_API recur_status recur_schedule_parse(const char *name, recur_schedule *out, recur_error *err);
RECUR_API const char *recur_loss_scale_name(recur_loss_scale value);
RECUR_API recur_status recur_loss_scale_parse(const char *name, recur_loss_scale *out, recur_error *err);
RECUR_API const char *recur_grad_sum_name(recur_grad_sum value);
RECUR_API recur_status recur_grad_sum_parse(const char *name, recur_grad_sum *out, recur_error *err);

/* Chooses how the gradient is summed (no effect alone). Both give the same
 * sums up to the order of the additions within MPI. */
RECUR_API void recur_trainer_set_grad_sum(recur_trainer *t, recur_grad_sum mode);

typedef struct recur_step_info {
    double loss;          /* mean nats per token of this window (before the update): the data term */
    double penalty;       /* the l1/l2 term added to it in the objective (0 without penalties) */
    double grad_norm;     /* global norm before clipping */
    double lr;            /* learning rate used */
    int clipped;          /* the gradient was scaled down */
    int skipped;          /* non-finite loss or gradient: no update was made */
    int64_t step;         /* steps done, this one included */
    int epoch;            /* 1-based epoch of this step */
    int64_t epoch_step;   /* 1-based step within the epoch */
    int epoch_end;        /* this step finished the epoch */
} recur_step_info;

/* One window: forward, backward, clip, update. A non-finite loss or gradient
 * skips the update (info->skipped) and still returns RECUR_OK. When the
 * cancel flag (recur_trainer_set_cancel) becomes non-zero during the step, the
 * step stops between two layers and returns RECUR_E_INTERRUPTED with the
 * trainer exactly as it was before the step (weights, carried state, RNG,
 * counters), so that a save then holds the last step done. */
RECUR_API recur_status recur_trainer_step(recur_trainer *t, recur_step_info *info, recur_error *err);

/* A flag the caller may set from a signal handler or another thread to stop
 * a step early (NULL: none). The trainer only reads it. A trainer over a
 * communicator of several ranks ignores it: ranks stopping at different
 * layers would wait for each other, so its caller agrees between steps. */
RECUR_API void recur_trainer_set_cancel(recur_trainer *t, const volatile sig_atomic_t *cancel);

/* Tells the trainer a validation loss. Under RECUR_LR_PLATEAU a loss that is
 * not below the best one seen multiplies the learning rate by lr_decay;
 * returns 1 when it did so, 0 otherwise (and always 0 under the other
 * schedules). The best loss and the factor are part of the saved state. */
RECUR_API int recur_trainer_observe_validation(recur_trainer *t, double val_loss);

RECUR_API int64_t recur_trainer_steps_per_epoch(const recur_trainer *t);
RECUR_API int64_t recur_trainer_step_count(const recur_trainer *t);
RECUR_API int recur_trainer_epoch(const recur_trainer *t);    /* 1-based epoch the next step belongs to */
RECUR_API double recur_trainer_lr(const recur_trainer *t);
RECUR_API int64_t recur_trainer_skipped_steps(const recur_trainer *t);

/* Training state: the model's current weights (the file also loads with
 * recur_model_load), optimizer moments, step, epoch, data position, carried
 * hidden state of every stream, and an opaque string of the caller's (may be NULL; for
 * example the command line that started the run). Written atomically. */
RECUR_API recur_status recur_trainer_save_state(const recur_trainer *t, const char *path, const char *extra,
                                                recur_error *err);
/* Restores a state written by recur_trainer_save_state for the same model
 * config and data. *extra (malloc'd, may be NULL) gets the caller's string. */
RECUR_API recur_status recur_trainer_load_state(recur_trainer *t, const char *path, char **extra, recur_error *err);

/* Reads what a state file says about the run that wrote it: its training
 * configuration and the caller's string (malloc'd; NULL if none), so a
 * resumed run can continue with the same settings. */
RECUR_API recur_status recur_train_state_info(const char *path, recur_train_config *tc, char **extra, recur_error *err);

/* A state file read once, for resuming without reading it again (a wide
 * model's state is gigabytes): its training configuration, the caller's
 * string, the model it holds, then the trainer's counters and moments. */
typedef struct recur_train_state recur_train_state;
RECUR_API recur_status recur_train_state_read(const char *path, recur_train_state **out, recur_error *err);
RECUR_API void recur_train_state_free(recur_train_state *s);
RECUR_API const recur_train_config *recur_train_state_config(const recur_train_state *s);
/* The caller's string saved with the state, or NULL. Owned by s. */
RECUR_API const char *recur_train_state_extra(const recur_train_state *s);
/* The step the state was saved at. */
RECUR_API int64_t recur_train_state_step(const recur_train_state *s);
/* A new model with the state's configuration, vocabulary and weights. */
RECUR_API recur_status recur_train_state_model(const recur_train_state *s, recur_model **out, recur_error *err);
/* recur_trainer_load_state from a state already read. */
RECUR_API recur_status recur_trainer_restore(recur_trainer *t, const recur_train_state *s, recur_error *err);
/* A hash of the token ids the trainer was created with (what a state checks). */
RECUR_API uint64_t recur_trainer_data_hash(const recur_trainer *t);

#ifdef __cplusplus
}
#endif
#endif
