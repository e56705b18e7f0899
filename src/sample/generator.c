/* One sample pulled a token at a time, from the caller's own thread: the
 * same operations, in the same order, as one sample of recur_generate, so
 * the same text. A binding that streams (Python's generate(stream=True))
 * steps it directly instead of handing each piece from a worker thread
 * through a queue, which cost a thread switch per token. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sample/generate_internal.h"

struct recur_generator {
    recur_streams *st;
    recur_picker *pick;
    recur_text_out *text;
    int max_tokens;
    int made;        /* tokens generated so far */
    int done;
    char *joined;    /* a last piece and the flushed tail together */
    size_t joined_cap;
};

void recur_generator_free(recur_generator *g)
{
    if (!g)
        return;
    recur_text_out_free(g->text);
    recur_picker_free(g->pick);
    recur_streams_free(g->st);
    free(g->joined);
    free(g);
}

recur_status recur_generator_create(const recur_model *m, const recur_sample_settings *s,
                                    const recur_generate_options *o, recur_generator **out, recur_error *err)
{
    *out = NULL;
    recur_status st = recur_sample_settings_check(s, err);
    if (st)
        return st;
    if (s->mode == RECUR_SAMPLE_BEAM)
        return recur_fail(err, RECUR_E_ARG, "beam search ranks whole texts: use recur_generate, not a generator");
    if (o->count != 1)
        return recur_fail(err, RECUR_E_ARG, "a generator gives one sample: count must be 1, got %d", o->count);
    if (o->max_tokens < 0)
        return recur_fail(err, RECUR_E_ARG, "max_tokens must be 0 or more, got %d", o->max_tokens);
    if (o->n_stop < 0 || (o->n_stop > 0 && !o->stop))
        return recur_fail(err, RECUR_E_ARG, "stop strings: %d given without the strings", o->n_stop);
    for (int i = 0; i < o->n_stop; i++)
        if (!o->stop[i] || !*o->stop[i])
            return recur_fail(err, RECUR_E_ARG, "stop string %d is empty", i + 1);
    const recur_vocab *v = recur_model_vocab(m);
    int32_t *prime = NULL;
    size_t n_prime = 0;
    if ((st = generate_prime_ids(v, o->prime, &prime, &n_prime, err)))
        return st;
    recur_generator *g = calloc(1, sizeof *g);
    if (!g) {
        free(prime);
        return recur_fail_nomem(err, "the generator");
    }
    g->max_tokens = o->max_tokens;
    st = recur_streams_create(m, 1, o->weights, &g->st, err);
    if (!st)
        st = recur_picker_create(s, recur_vocab_size(v), recur_vocab_find(v, " ", 1), &g->pick, err);
    if (!st)
        st = recur_text_out_create(v, o->stop, o->n_stop, &g->text, err);
    const int slot = 0;
    for (size_t k = 0; !st && k < n_prime; k++) {
        st = recur_streams_feed(g->st, 1, &slot, &prime[k], err);
        recur_picker_accept(g->pick, prime[k]);
        recur_text_out_seen(g->text, prime[k]);
    }
    free(prime);
    if (st) {
        recur_generator_free(g);
        return st;
    }
    *out = g;
    return RECUR_OK;
}

/* piece + the tail the stop check held back, as one piece. */
static recur_status join_tail(recur_generator *g, const char **piece, size_t *len, recur_error *err)
{
    const char *tail;
    size_t tail_len;
    recur_text_out_flush(g->text, &tail, &tail_len);
    if (!tail_len)
        return RECUR_OK;
    size_t need = *len + tail_len;
    if (need > g->joined_cap) {
        char *p = realloc(g->joined, need);
        if (!p)
            return recur_fail_nomem(err, "the generator's text");
        g->joined = p;
        g->joined_cap = need;
    }
    /* the piece may point into the text output's buffer: copy it first */
    memmove(g->joined, *piece, *len);
    memcpy(g->joined + *len, tail, tail_len);
    *piece = g->joined;
    *len = need;
    return RECUR_OK;
}

recur_status recur_generator_next(recur_generator *g, const char **piece, size_t *len, int *done,
                                  recur_finish *why, recur_error *err)
{
    *piece = "";
    *len = 0;
    *done = 1;
    *why = RECUR_FINISH_LENGTH;
    if (g->done)
        return RECUR_OK;
    if (g->max_tokens == 0) {
        g->done = 1;
        return join_tail(g, piece, len, err);
    }
    const int slot = 0;
    int32_t id = recur_picker_pick(g->pick, recur_streams_logits(g->st, slot));
    recur_picker_accept(g->pick, id);
    g->made++;
    if (recur_text_out_push(g->text, id, piece, len)) {
        g->done = 1;
        *why = RECUR_FINISH_STOP;
        return RECUR_OK;
    }
    if (g->made >= g->max_tokens) {
        g->done = 1;
        return join_tail(g, piece, len, err);
    }
    *done = 0;
    recur_status st = recur_streams_feed(g->st, 1, &slot, &id, err);
    if (st)
        g->done = 1;
    return st;
}
