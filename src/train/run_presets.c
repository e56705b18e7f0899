/* The preset table of recur_run_options ("preset" option). The ptb-* rows
 * are TensorFlow's ptb_word_lm.py SmallConfig, MediumConfig and LargeConfig
 * field for field. */
#include <string.h>

#include "train/run_internal.h"

typedef struct train_preset {
    const char *name;
    const char *about;     /* one line for --help and docs */
    /* ptb_word_lm.py's config fields, under their TensorFlow names. */
    float init_scale;
    float learning_rate;
    float max_grad_norm;
    int num_layers;
    int num_steps;
    int hidden_size;
    int max_epoch;         /* epochs at the full learning rate */
    int max_max_epoch;     /* epochs in all */
    float keep_prob;       /* dropout keeps this share: --dropout = 1 - keep_prob */
    float lr_decay;        /* per epoch after max_epoch */
    int batch_size;
    /* Beyond TensorFlow's configs. */
    int tied;              /* decoder weight = embedding (Press & Wolf 2017, Inan et al. 2017) */
    double minutes;        /* > 0: a time budget with a cosine decay to its end, in place of the epochs */
    int locked;            /* variational dropout masks */
    float embed_dropout, weight_drop;
    int warmup_steps;
} train_preset;

static const train_preset presets[] = {
    /* name, about,
     * init_scale, lr, max_grad_norm, layers, num_steps, hidden, max_epoch, max_max_epoch, keep_prob, lr_decay,
     * batch, tied, minutes, locked, embed_dropout, weight_drop, warmup_steps */
    {"ptb-small", "Zaremba et al. 2014 small: 2 x 200 LSTM, no dropout, 13 epochs (test ppl 114.5 published)",
     0.1f, 1.0f, 5.0f, 2, 20, 200, 4, 13, 1.0f, 0.5f, 20, 0, 0, 0, 0, 0, 0},
    {"ptb-medium", "Zaremba et al. 2014 medium: 2 x 650 LSTM, dropout 0.5, 39 epochs (82.7 published)",
     0.05f, 1.0f, 5.0f, 2, 35, 650, 6, 39, 0.5f, 0.8f, 20, 0, 0, 0, 0, 0, 0},
    {"ptb-large", "Zaremba et al. 2014 large: 2 x 1500 LSTM, dropout 0.65, 55 epochs (78.4 published)",
     0.04f, 1.0f, 10.0f, 2, 35, 1500, 14, 55, 0.35f, (float)(1.0 / 1.15), 20, 0, 0, 0, 0, 0, 0},
    /* ptb-small's size and cost with what was learnt after 2014: the decoder
     * shares the embedding matrix (Press & Wolf 2017; Inan et al. 2017),
     * which removes 2M of the 4.65M parameters and regularises the output
     * layer, and dropout on the embedding, between the layers and before the
     * decoder (Zaremba's non-recurrent dropout, lighter than medium's) curbs
     * the overfitting that ends ptb-small's training at train ppl ~40 vs
     * valid ~120. Dropout slows learning, so the full rate lasts 6 epochs
     * instead of 4. Same layers, width, batch, window and epochs: the same
     * time per epoch. */
    {"ptb-small-tied", "ptb-small with tied embedding/decoder and dropout 0.25: 2 x 200 LSTM, 2.65M parameters",
     0.1f, 1.0f, 5.0f, 2, 20, 200, 6, 13, 0.75f, 0.5f, 20, 1, 0, 0, 0, 0, 0},
    /* The best test perplexity two hours of two cores can buy (docs/ptb.md).
     * Medium's width and window, with what was learnt after 2014: the tied
     * decoder; AWD-LSTM's regularisers (Merity et al. 2018) at strengths
     * fit for the ~15 epochs the budget allows rather than AWD's 500:
     * variational dropout 0.4 (one mask per window), word dropout 0.1 on
     * the embedding, weight drop 0.2 on W_hh; and instead of the step
     * decay, a cosine decay that reaches 0 at the 120th minute, so that
     * the last minutes refine instead of being cut off. */
    {"ptb-2h", "2 x 650 tied LSTM with variational, word and weight dropout and a cosine decay over 120 minutes",
     0.05f, 1.0f, 5.0f, 2, 35, 650, 0, 0, 0.6f, 1.0f, 20, 1, 120.0, 1, 0.1f, 0.2f, 200},
};

#define N_PRESETS ((int)(sizeof presets / sizeof presets[0]))

const char *recur_run_preset_name(int i, const char **about)
{
    if (i < 0 || i >= N_PRESETS)
        return NULL;
    if (about)
        *about = presets[i].about;
    return presets[i].name;
}

/* ptb_word_lm.py's config, its SGD with the loss summed over steps, forget
 * bias 0, the step decay after max_epoch, and validation as TensorFlow runs it
 * (batch_size streams, num_steps windows, once per epoch). */
int run_preset_apply(recur_run_options *o, const char *name)
{
    const train_preset *p = NULL;
    for (int i = 0; i < N_PRESETS; i++)
        if (strcmp(presets[i].name, name) == 0)
            p = &presets[i];
    if (!p)
        return -1;
    o->model.level = RECUR_LEVEL_WORD;
    o->model.cell = RECUR_CELL_LSTM;
    o->train.optimizer = RECUR_OPT_SGD;
    o->train.schedule = RECUR_LR_STEP;
    o->train.loss_scale = RECUR_LOSS_SUM_STEPS;
    o->model.layers = p->num_layers;
    o->model.hidden = p->hidden_size;
    o->model.embed = 0;
    o->model.tied = p->tied;
    o->model.dropout = 1.0f - p->keep_prob;
    o->model.init_scale = p->init_scale;
    o->model.forget_bias = 0.0f;
    o->train.batch = p->batch_size;
    o->train.seq = p->num_steps;
    o->train.lr = p->learning_rate;
    o->train.momentum = 0.0f;
    o->train.clip = p->max_grad_norm;
    o->train.lr_decay = p->lr_decay;
    o->train.decay_after = p->max_epoch;
    o->epochs = p->max_max_epoch;
    o->eval_every = 0;
    o->train.locked_dropout = p->locked;
    o->train.embed_dropout = p->embed_dropout;
    o->train.weight_drop = p->weight_drop;
    o->train.warmup_steps = p->warmup_steps;
    if (p->minutes > 0) {
        o->minutes = p->minutes;
        o->train.schedule = RECUR_LR_COSINE;
    }
    return 0;
}

void run_preset_names(char *buf, size_t size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (int i = 0; i < N_PRESETS && used < size; i++) {
        size_t n = strlen(presets[i].name) + (i ? 2 : 0);
        if (used + n + 1 > size)
            break;
        if (i)
            memcpy(buf + used, ", ", 2);
        memcpy(buf + used + (i ? 2 : 0), presets[i].name, strlen(presets[i].name) + 1);
        used += n;
    }
}
