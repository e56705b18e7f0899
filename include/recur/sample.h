/* Generation: batch-1 stepping with the weights kept hot; no allocation per step. */
#ifndef RECUR_SAMPLE_H
#define RECUR_SAMPLE_H

#include "recur/api.h"

#include "recur/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum recur_sample_mode {
    RECUR_SAMPLE_ARGMAX = 0,   /* most likely token every step */
    RECUR_SAMPLE_WEIGHTED,     /* draw from the distribution every step */
    RECUR_SAMPLE_SPACE,        /* draw after a space, argmax otherwise */
    RECUR_SAMPLE_BEAM          /* beam search (recur/generate.h); a picker treats it as argmax */
} recur_sample_mode;

/* How the sampler stores its copy of the weight matrices. */
typedef enum recur_sample_weights {
    RECUR_WEIGHTS_F32 = 0, /* as trained: the training network's logits, to float rounding */
    RECUR_WEIGHTS_F16,     /* half precision: half the bytes per token, so faster once the
                              weights outgrow the caches; logits move by about 1e-3 */
    RECUR_WEIGHTS_I8       /* 8-bit integers with one scale per row: a quarter of the
                              bytes; an approximation (logits move by about 1e-2) */
} recur_sample_weights;

/* "f32", "f16", "i8" (the --weights of recur sample and recur serve). */
RECUR_API const char *recur_sample_weights_name(recur_sample_weights weights);
RECUR_API recur_status recur_sample_weights_parse(const char *name, recur_sample_weights *weights, recur_error *err);

typedef struct recur_sampler recur_sampler;

/* The sampler borrows the model; recur_sampler_create keeps float weights. */
RECUR_API recur_status recur_sampler_create(const recur_model *m, uint64_t seed, recur_sampler **out,
                                            recur_error *err);
RECUR_API recur_status recur_sampler_create_with(const recur_model *m, uint64_t seed, recur_sample_weights weights,
                                                 recur_sampler **out, recur_error *err);
RECUR_API void recur_sampler_free(recur_sampler *s);
/* Zeroes the recurrent state. */
RECUR_API void recur_sampler_reset(recur_sampler *s);
/* Feeds one token: advances the state and computes the next distribution. */
RECUR_API recur_status recur_sampler_feed(recur_sampler *s, int32_t id, recur_error *err);
/* Picks the next token from the current distribution (after at least one feed).
 * temperature > 0 divides the logits; top_k > 0 keeps only the k most likely. */
RECUR_API int32_t recur_sampler_pick(recur_sampler *s, recur_sample_mode mode, float temperature, int top_k);
/* The current logits (vocab_size of them) at temperature 1: log-probabilities up to a constant. */
RECUR_API const float *recur_sampler_logits(const recur_sampler *s);

#ifdef __cplusplus
}
#endif
#endif
