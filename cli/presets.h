/* Named training configurations for `recur train --preset NAME`: the Penn
 * Treebank models of Zaremba, Sutskever and Vinyals 2014 with the exact
 * settings of TensorFlow's ptb_word_lm.py, and a tied-weight variant. */
#ifndef RECUR_CLI_PRESETS_H
#define RECUR_CLI_PRESETS_H

#include <stddef.h>

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
} train_preset;

/* The preset called name, or NULL. */
const train_preset *preset_find(const char *name);
/* The i-th preset (NULL past the end), for listing. */
const train_preset *preset_at(size_t i);
/* "ptb-small, ptb-medium, ..." into buf. */
void preset_names(char *buf, size_t size);

/* Finds a shipped data file such as "ptb/ptb.train.txt" as cli_data_path
 * does (cli/data_path.h): ./data, $RECUR_DATA_DIR, beside the executable,
 * the compiled-in install prefix. */
int preset_data_path(const char *relative, char *out, size_t size);

#endif
