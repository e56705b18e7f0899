/* Generation beyond one token at a time: the sampling chain (penalties,
 * top-k, top-p, min-p, temperature), many streams stepped together in one
 * batched product, text assembly with stop strings, beam search, and one
 * call that runs all of it for a prime.
 *
 * The pieces, from the bottom:
 *  - recur_streams: S independent recurrent states over one model's weights;
 *    a feed advances any subset of them with one pass over the weights, so
 *    S streams cost little more than one (batch-1 generation is bound by
 *    reading the weights). A slot's logits do not depend on which other
 *    slots are fed with it.
 *  - recur_picker: one stream's sampling chain, with its own random
 *    generator and the recent tokens the penalties look at.
 *  - recur_text_out: turns token ids into text (words joined by one space,
 *    "<eos>" as a newline) and holds back a tail that could begin a stop
 *    string, so a stop is found across token boundaries and never printed.
 *  - recur_generate: prime -> count samples of at most max_tokens tokens,
 *    streamed to a callback; or a beam search when settings.mode is
 *    RECUR_SAMPLE_BEAM.
 */
#ifndef RECUR_GENERATE_H
#define RECUR_GENERATE_H

#include "recur/api.h"

#include "recur/sample.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The chain runs in this order on a copy of the logits (llama.cpp's
 * meanings for the penalties):
 *   1. repetition penalty over the last repeat_last_n tokens: a positive
 *      logit is divided by repeat_penalty, a negative one multiplied;
 *   2. presence and frequency penalties over the same window: a logit drops
 *      by presence_penalty if its token occurred, and by frequency_penalty
 *      times its count;
 *   3. top-k, 4. top-p (the smallest set whose probability reaches top_p),
 *   5. min-p (tokens below min_p times the top probability), each on the
 *      distribution at temperature 1, then
 *   6. temperature on what is left, and a draw.
 * The truncations run before the temperature so that they keep the same
 * tokens whatever the temperature: the temperature then only reshapes the
 * kept set. ARGMAX takes the most likely token after the penalties. */
/* The largest values the checks accept. */
#define RECUR_REPEAT_LAST_N_MAX (1 << 20)
#define RECUR_BEAM_MAX 1000
#define RECUR_COUNT_MAX 100000

typedef struct recur_sample_settings {
    recur_sample_mode mode;  /* default RECUR_SAMPLE_WEIGHTED */
    float temperature;       /* > 0; default 1 */
    int top_k;               /* 0 (default): off */
    float top_p;             /* (0, 1]; 1 (default): off */
    float min_p;             /* [0, 1); 0 (default): off */
    float repeat_penalty;    /* > 0; 1 (default): off */
    int repeat_last_n;       /* window of the penalties, in tokens (prime included); default 64 */
    float presence_penalty;  /* default 0 */
    float frequency_penalty; /* default 0 */
    int beam;                /* beam width for RECUR_SAMPLE_BEAM; default 4 */
    uint64_t seed;           /* default 1; sample i of a count-N run draws with seed + i */
} recur_sample_settings;

/* Today's `recur sample` defaults: weighted, temperature 1, nothing else. */
RECUR_API void recur_sample_settings_default(recur_sample_settings *s);
/* Checks every field; the error names the field and its range. */
RECUR_API recur_status recur_sample_settings_check(const recur_sample_settings *s, recur_error *err);
/* "argmax", "weighted", "space", "beam" (and the course's 0, 1, 2). */
RECUR_API const char *recur_sample_mode_name(recur_sample_mode mode);
RECUR_API recur_status recur_sample_mode_parse(const char *name, recur_sample_mode *mode, recur_error *err);

/* ---- many streams over one model ---- */

typedef struct recur_streams recur_streams;

/* capacity slots, every state zero. The streams borrow the model. */
RECUR_API recur_status recur_streams_create(const recur_model *m, int capacity, recur_sample_weights weights,
                                            recur_streams **out, recur_error *err);
RECUR_API void recur_streams_free(recur_streams *st);
RECUR_API int recur_streams_capacity(const recur_streams *st);
/* Zeroes one slot's state. */
RECUR_API void recur_streams_reset(recur_streams *st, int slot);
/* Feeds ids[k] to slot slots[k] for k < n (distinct slots), advancing them
 * together, and computes each fed slot's next distribution. */
RECUR_API recur_status recur_streams_feed(recur_streams *st, int n, const int *slots, const int32_t *ids,
                                          recur_error *err);
/* A slot's logits at temperature 1 (vocab_size of them: log-probabilities
 * up to a constant, as recur_sampler_logits; the penalties' signs are
 * those of these), valid after its first feed and until its next feed or
 * reset. Bitwise those of a recur_sampler with the same weights fed the
 * same tokens. */
RECUR_API const float *recur_streams_logits(const recur_streams *st, int slot);
/* The recurrent state of a slot as floats (h of every layer, then c for an
 * LSTM, then for a batch-norm model the slot's step: tokens fed since its
 * start, which pick the running averages, saturating at norm_steps):
 * recur_streams_state_size of them. set_state reads a step that is no
 * count (negative, NaN) as 0. */
RECUR_API size_t recur_streams_state_size(const recur_streams *st);
RECUR_API void recur_streams_get_state(const recur_streams *st, int slot, float *out);
RECUR_API void recur_streams_set_state(recur_streams *st, int slot, const float *state);
/* Copies slot from's state and logits into slot to (beam search forks). */
RECUR_API void recur_streams_copy(recur_streams *st, int from, int to);

/* ---- one stream's sampling chain ---- */

typedef struct recur_picker recur_picker;

/* space_id: the id of " " for RECUR_SAMPLE_SPACE (-1 if none). */
RECUR_API recur_status recur_picker_create(const recur_sample_settings *s, int vocab_size, int32_t space_id,
                                           recur_picker **out, recur_error *err);
RECUR_API void recur_picker_free(recur_picker *p);
/* Records a token the stream has seen (prime tokens and picked ones) for
 * the penalties and the space mode. */
RECUR_API void recur_picker_accept(recur_picker *p, int32_t id);
/* The next token from these logits (not changed). */
RECUR_API int32_t recur_picker_pick(recur_picker *p, const float *logits);
/* The distribution the chain draws from, for tests and for the curious:
 * probs gets vocab_size probabilities (zero where the chain cut; one-hot
 * when the pick is an argmax). Every cut keeps the most likely token, and
 * the tokens tied with the last one it keeps. */
RECUR_API void recur_picker_distribution(recur_picker *p, const float *logits, float *probs);

/* ---- token ids to text, with stop strings ---- */

typedef struct recur_text_out recur_text_out;

RECUR_API recur_status recur_text_out_create(const recur_vocab *v, const char *const *stop, int n_stop,
                                             recur_text_out **out, recur_error *err);
RECUR_API void recur_text_out_free(recur_text_out *t);
/* Records a token of the prime, shown by the caller rather than here:
 * nothing is emitted and no stop is looked for, but a word model's first
 * generated word is then joined to it with a space. */
RECUR_API void recur_text_out_seen(recur_text_out *t, int32_t id);
/* Appends a token. *piece and *len get the text now safe to show (may be
 * empty; valid until the next call). A word after a word starts with its
 * separating space. Returns 1 when a stop string was
 * completed: the piece then ends before the stop, and the stream is done. */
RECUR_API int recur_text_out_push(recur_text_out *t, int32_t id, const char **piece, size_t *len);
/* The tail held back at the end of a stream (no stop followed). */
RECUR_API void recur_text_out_flush(recur_text_out *t, const char **piece, size_t *len);

/* ---- the whole loop ---- */

/* Why a sample ended. */
typedef enum recur_finish {
    RECUR_FINISH_LENGTH = 0, /* max_tokens reached */
    RECUR_FINISH_STOP,       /* a stop string */
    RECUR_FINISH_CALLER      /* the callback asked to stop */
} recur_finish;

/* Receives each piece of sample `index` as it is produced; a nonzero return
 * ends that sample. A final call with len 0 and the finish reason follows
 * each sample's last piece. */
typedef int (*recur_text_fn)(void *user, int index, const char *text, size_t len, int done,
                             recur_finish why);

typedef struct recur_generate_options {
    const char *prime;          /* UTF-8; NULL or "": a newline (char) or "<eos>" (word). A word
                                   prime not ending in a new line is continued: its last line's
                                   "<eos>" is not fed */
    int max_tokens;             /* default 500 */
    const char *const *stop;    /* stop strings (may be NULL) */
    int n_stop;
    int count;                  /* samples, stepped together; default 1 (beam search: 1) */
    recur_sample_weights weights;
} recur_generate_options;

RECUR_API void recur_generate_options_default(recur_generate_options *o);

/* Generates o->count samples from the model. The prime text itself is not
 * passed to fn. With settings->mode RECUR_SAMPLE_BEAM (count 1) the result
 * is the beam of the highest length-normalised log-probability, delivered
 * once at the end; the beam ranks by the model's log-probabilities at
 * temperature 1, without penalties. Seeded: the same model, settings and
 * options give the same text, and sample i of a count-N run is the text
 * of a count-1 run with seed + i. */
RECUR_API recur_status recur_generate(const recur_model *m, const recur_sample_settings *s, const recur_generate_options *o,
                                      recur_text_fn fn, void *user, recur_error *err);

/* ---- one sample, pulled from the caller's thread ---- */

typedef struct recur_generator recur_generator;

/* One sample (o->count 1, any mode but beam), advanced a token per
 * recur_generator_next: the text a count-1 recur_generate gives for the
 * same model, settings and options. */
RECUR_API recur_status recur_generator_create(const recur_model *m, const recur_sample_settings *s,
                                              const recur_generate_options *o, recur_generator **out, recur_error *err);
/* Generates one token. *piece and *len get the text now safe to show (may
 * be empty; valid until the next call); *done is set, with *why, on the
 * call that ends the sample (its piece then includes any held-back tail)
 * and on every call after it. */
RECUR_API recur_status recur_generator_next(recur_generator *g, const char **piece, size_t *len, int *done,
                                            recur_finish *why, recur_error *err);
RECUR_API void recur_generator_free(recur_generator *g);

#ifdef __cplusplus
}
#endif
#endif
