/* Normalised models for the sampler's tests: a fresh --norm model has gains
 * of 0.1 or 1, shifts of 0 and running averages of 0 and 1, where a wrong
 * statistic or a skipped norm could go unseen. These give every norm
 * parameter its own value, and batch norm's running averages a different
 * row at every step. */
#ifndef RECUR_TESTS_NORM_MODELS_H
#define RECUR_TESTS_NORM_MODELS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "recur.h"

/* A deterministic value in [lo, hi) from (seed, tensor, index). */
static inline float norm_models_value(uint64_t seed, int tensor, size_t k, float lo, float hi)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + (uint64_t)tensor * 0xBF58476D1CE4E5B9ull + k * 0x94D049BB133111EBull;
    x ^= x >> 31;
    x *= 0xD6E8FEB86721D7A5ull;
    x ^= x >> 29;
    return lo + (hi - lo) * (float)((x >> 40) * (1.0 / 16777216.0));
}

/* Gains in [0.5, 1.5], the cell's shift in [-0.3, 0.3], running means in
 * [-0.5, 0.5] and variances in [0.2, 2]. */
static inline void norm_models_vary(recur_model *m, uint64_t seed)
{
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        recur_tensor_info info;
        float *t = recur_model_tensor(m, i, &info);
        if (!strstr(info.name, ".norm_"))
            continue;
        float lo = 0.5f, hi = 1.5f;
        if (strstr(info.name, ".running_mean"))
            lo = -0.5f, hi = 0.5f;
        else if (strstr(info.name, ".running_var"))
            lo = 0.2f, hi = 2.0f;
        else if (strstr(info.name, ".bias"))
            lo = -0.3f, hi = 0.3f;
        for (size_t k = 0; k < info.size; k++)
            t[k] = norm_models_value(seed, i, k, lo, hi);
    }
}

/* A character model of text: cell, hidden units, layers, the norm and
 * (batch norm) its steps of running averages, its norm tensors varied. */
static inline recur_model *norm_model(const char *text, recur_cell cell, int hidden, int layers, recur_norm norm,
                                      int norm_steps, uint64_t seed)
{
    recur_error err = {0};
    recur_vocab *vocab = NULL;
    if (recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &vocab, &err))
        return NULL;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.hidden = hidden;
    cfg.embed = 24;
    cfg.layers = layers;
    cfg.norm = norm;
    cfg.norm_steps = norm == RECUR_NORM_BATCH ? norm_steps : 0;
    recur_model *m = NULL;
    if (recur_model_create(&cfg, vocab, seed, &m, &err)) {
        fprintf(stderr, "norm_model: %s\n", err.msg);
        return NULL;
    }
    norm_models_vary(m, seed);
    return m;
}

#endif
