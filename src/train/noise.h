/* Data noising for language-model training (Xie et al. 2017, "Data Noising
 * as Smoothing in Neural Network Language Models"): each input token of a
 * window is, with probability p_blank, replaced by a blank token, else with
 * probability p_unigram by a draw from the training text's unigram
 * distribution. Targets are left alone.
 *
 * Each position's draw comes from a generator keyed by the run's seed, the
 * step, the stream's global index and the position in the window, as the
 * dropout masks are (nn/layers.h): the same whichever thread count, rank
 * count or resume runs it. */
#ifndef RECUR_TRAIN_NOISE_H
#define RECUR_TRAIN_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "recur/error.h"

typedef struct data_noise {
    float p_unigram, p_blank;
    int32_t blank;       /* the blank token's id */
    int V;
    uint64_t *cumulative; /* [V] running counts of the training text's tokens */
    uint64_t total;
} data_noise;

/* What a draw did to a token. */
enum { NOISE_KEPT = 0, NOISE_BLANK, NOISE_UNIGRAM };

/* The unigram counts of ids (each in [0, V)). Nothing is allocated when
 * both probabilities are 0. */
recur_status data_noise_init(data_noise *n, float p_unigram, float p_blank, int32_t blank, const int32_t *ids,
                             size_t count, int V, recur_error *err);
void data_noise_free(data_noise *n);
static inline int data_noise_active(const data_noise *n) { return n->p_unigram > 0.0f || n->p_blank > 0.0f; }

/* The key of one step's window. */
uint64_t data_noise_key(uint64_t seed, int64_t step);
/* The draw at position t of global stream `stream`: returns what it did and
 * leaves the token to feed in *tok. */
int data_noise_draw(const data_noise *n, uint64_t key, int stream, int t, int32_t *tok);
/* Noises x [T][B], whose column b is global stream first + b. */
void data_noise_window(const data_noise *n, uint64_t key, int32_t *x, int T, int B, int first);

#endif
