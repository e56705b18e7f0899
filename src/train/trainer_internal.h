/* The trainer's state, shared by trainer.c (the step) and train_state.c
 * (saving and restoring it). */
#ifndef RECUR_TRAIN_TRAINER_INTERNAL_H
#define RECUR_TRAIN_TRAINER_INTERNAL_H

#include "model/network.h"
#include "model/token_streams.h"
#include "recur/dist.h"
#include "train/grad_sum.h"
#include "train/noise.h"
#include "train/optim.h"
#include "train/sparse_rows.h"
#include "train/weight_drop.h"

struct recur_trainer {
    recur_model *m;
    recur_train_config tc;
    const int32_t *ids;
    size_t count;
    token_streams streams;   /* the ids cut into tc.batch streams */
    recur_comm *comm;        /* the ranks training this model together; NULL alone */
    int first, B;            /* this rank's streams [first, first + B) of tc.batch */
    int64_t epoch_steps;     /* (streams.len - 1) / seq, as ptb_producer */
    uint64_t data_hash;      /* of the ids, so a resume can check its data */
    net_workspace ws;
    net_state state;         /* this rank's streams' */
    float *grads;            /* laid out like m->params */
    grad_sum sum;            /* several ranks: how grads is summed over them */
    optim_state opt;
    data_noise noise;        /* --noise-unigram / --noise-blank on the inputs */
    weight_drop wdrop;       /* --weight-drop on W_hh */
    sparse_rows sparse;      /* plain SGD: the embedding rows of the window (sparse.seen NULL otherwise) */
    int32_t *x, *y;          /* the current window of this rank's streams, [T][B] */
    int32_t *x_all;          /* the whole window's inputs [T][tc.batch] (sparse rows on several ranks), or NULL */
    int64_t step;            /* steps done */
    int epoch;               /* 1-based epoch of the next step */
    int64_t pos;             /* 0-based window of the next step within the epoch */
    int64_t skipped;         /* non-finite steps skipped, in all */
    double lr_scale;         /* RECUR_LR_PLATEAU: the product of the decays so far (1 at the start) */
    double plateau_best;     /* RECUR_LR_PLATEAU: the best validation loss seen (infinity at the start) */
    double progress;         /* the caller's share of the run done (recur_trainer_set_progress) */
    double seconds;          /* the caller's wall time of training so far (recur_trainer_set_seconds) */
    const volatile sig_atomic_t *cancel; /* the caller's stop request, or NULL */
    net_state before;        /* the carried state at the start of the step, restored when it is cancelled */
};

/* Whether other ranks take part (a communicator of more than one). */
static inline int trainer_distributed(const recur_trainer *t) { return t->comm && t->comm->size > 1; }


#endif
