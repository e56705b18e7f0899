/* The parts of recur_generate that live in their own files. */
#ifndef RECUR_SAMPLE_GENERATE_INTERNAL_H
#define RECUR_SAMPLE_GENERATE_INTERNAL_H

#include "recur/generate.h"

/* The prime's token ids (malloc'd): the encoded text, or the start token
 * ("\n" for characters, "<eos>" for words, else id 0) when prime is NULL
 * or empty. */
recur_status generate_prime_ids(const recur_vocab *v, const char *prime, int32_t **ids, size_t *n,
                                recur_error *err);

/* Beam search from the prime (beam.c): the hypothesis of the highest
 * length-normalised log-probability, delivered to fn as sample 0. */
recur_status beam_generate(const recur_model *m, const recur_sample_settings *s, const recur_generate_options *o,
                           const int32_t *prime, size_t n_prime, recur_text_fn fn, void *user, recur_error *err);

#endif
