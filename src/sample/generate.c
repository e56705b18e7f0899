/* recur_generate: count samples from one prime, stepped together on
 * recur_streams (sample i draws with seed + i, and since a stream's logits
 * do not depend on the others, it is the text a single run with that seed
 * gives), each with its own picker and text output; or a beam search. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sample/generate_internal.h"

void recur_generate_options_default(recur_generate_options *o)
{
    memset(o, 0, sizeof *o);
    o->prime = NULL;
    o->max_tokens = 500;
    o->stop = NULL;
    o->n_stop = 0;
    o->count = 1;
    o->weights = RECUR_WEIGHTS_F32;
}

recur_status generate_prime_ids(const recur_vocab *v, const char *prime, int32_t **ids, size_t *n,
                                recur_error *err)
{
    *ids = NULL;
    *n = 0;
    if (prime && *prime) {
        size_t len = strlen(prime);
        recur_status st = recur_utf8_validate(prime, len, err);
        if (!st)
            st = recur_vocab_encode(v, prime, len, ids, n, err);
        if (st) {
            recur_error_prefix(err, "prime");
            return st;
        }
        /* Words: every line of text ends with "<eos>", the prime's last one
         * too; a prime that does not end with a new line is a sentence to
         * continue, not one that ended. */
        int32_t eos = recur_vocab_level(v) == RECUR_LEVEL_WORD ? recur_vocab_find(v, "<eos>", 5) : -1;
        if (*n > 0 && eos >= 0 && (*ids)[*n - 1] == eos && prime[len - 1] != '\n')
            (*n)--;
        if (*n > 0)
            return RECUR_OK;
        free(*ids);
        *ids = NULL;
    }
    int start = recur_vocab_level(v) == RECUR_LEVEL_WORD ? recur_vocab_find(v, "<eos>", 5)
                                                         : recur_vocab_find(v, "\n", 1);
    if (!(*ids = malloc(sizeof **ids)))
        return recur_fail_nomem(err, "the prime");
    (*ids)[0] = start >= 0 ? start : 0;
    *n = 1;
    return RECUR_OK;
}

typedef struct sample_run {
    int count;
    recur_streams *st;
    recur_picker **pick;
    recur_text_out **text;
    int *slots;       /* [count]: the streams fed this step */
    int32_t *ids;     /* [count]: and their tokens */
} sample_run;

static void run_free(sample_run *r)
{
    for (int i = 0; i < r->count; i++) {
        if (r->pick)
            recur_picker_free(r->pick[i]);
        if (r->text)
            recur_text_out_free(r->text[i]);
    }
    free(r->pick);
    free(r->text);
    free(r->slots);
    free(r->ids);
    recur_streams_free(r->st);
}

static recur_status run_init(sample_run *r, const recur_model *m, const recur_sample_settings *s,
                             const recur_generate_options *o, recur_error *err)
{
    const recur_vocab *v = recur_model_vocab(m);
    const int N = o->count;
    r->count = N;
    recur_status st = recur_streams_create(m, N, o->weights, &r->st, err);
    if (st)
        return st;
    r->pick = calloc((size_t)N, sizeof *r->pick);
    r->text = calloc((size_t)N, sizeof *r->text);
    r->slots = malloc((size_t)N * sizeof *r->slots);
    r->ids = malloc((size_t)N * sizeof *r->ids);
    if (!r->pick || !r->text || !r->slots || !r->ids)
        return recur_fail_nomem(err, "the samples");
    int32_t space = recur_vocab_find(v, " ", 1);
    for (int i = 0; i < N && !st; i++) {
        recur_sample_settings si = *s;
        si.seed = s->seed + (uint64_t)i;
        st = recur_picker_create(&si, recur_vocab_size(v), space, &r->pick[i], err);
        if (!st)
            st = recur_text_out_create(v, o->stop, o->n_stop, &r->text[i], err);
    }
    return st;
}

/* Ends sample i: what the stop check held back (unless a stop or the
 * caller ended it), then the final call. */
static void finish(sample_run *r, int i, recur_finish why, recur_text_fn fn, void *user)
{
    if (why == RECUR_FINISH_LENGTH) {
        const char *piece;
        size_t len;
        recur_text_out_flush(r->text[i], &piece, &len);
        if (len)
            fn(user, i, piece, len, 0, why);
    }
    fn(user, i, "", 0, 1, why);
}

static recur_status sample_generate(const recur_model *m, const recur_sample_settings *s,
                                    const recur_generate_options *o, const int32_t *prime, size_t n_prime,
                                    recur_text_fn fn, void *user, recur_error *err)
{
    sample_run r;
    memset(&r, 0, sizeof r);
    recur_status st = run_init(&r, m, s, o, err);
    /* the prime once, into stream 0, then copied to the others */
    const int slot0 = 0;
    for (size_t k = 0; !st && k < n_prime; k++)
        st = recur_streams_feed(r.st, 1, &slot0, &prime[k], err);
    for (int i = 0; !st && i < r.count; i++) {
        recur_streams_copy(r.st, 0, i);
        for (size_t k = 0; k < n_prime; k++) {
            recur_picker_accept(r.pick[i], prime[k]);
            recur_text_out_seen(r.text[i], prime[k]);
        }
    }
    /* active[i]: sample i goes on; the fed list is the active ones */
    int n = st ? 0 : r.count;
    for (int i = 0; i < n; i++)
        r.slots[i] = i;
    if (!st && o->max_tokens <= 0) {
        for (int i = 0; i < n; i++)
            finish(&r, i, RECUR_FINISH_LENGTH, fn, user);
        n = 0;
    }
    for (int t = 0; !st && n > 0; t++) {
        int fed = 0;
        for (int k = 0; k < n; k++) {
            int i = r.slots[k];
            int32_t id = recur_picker_pick(r.pick[i], recur_streams_logits(r.st, i));
            recur_picker_accept(r.pick[i], id);
            const char *piece;
            size_t len;
            int stopped = recur_text_out_push(r.text[i], id, &piece, &len);
            int caller = len && fn(user, i, piece, len, 0, RECUR_FINISH_LENGTH) != 0;
            if (stopped)
                finish(&r, i, RECUR_FINISH_STOP, fn, user);
            else if (caller)
                finish(&r, i, RECUR_FINISH_CALLER, fn, user);
            else if (t + 1 >= o->max_tokens)
                finish(&r, i, RECUR_FINISH_LENGTH, fn, user);
            else {
                r.slots[fed] = i;
                r.ids[fed++] = id;
            }
        }
        n = fed;
        if (n)
            st = recur_streams_feed(r.st, n, r.slots, r.ids, err);
    }
    run_free(&r);
    return st;
}

recur_status recur_generate(const recur_model *m, const recur_sample_settings *s, const recur_generate_options *o,
                            recur_text_fn fn, void *user, recur_error *err)
{
    recur_status st = recur_sample_settings_check(s, err);
    if (st)
        return st;
    if (o->count < 1 || o->count > RECUR_COUNT_MAX)
        return recur_fail(err, RECUR_E_ARG, "count must be 1 to %d samples, got %d", RECUR_COUNT_MAX, o->count);
    if (o->max_tokens < 0)
        return recur_fail(err, RECUR_E_ARG, "max_tokens must be 0 or more, got %d", o->max_tokens);
    if (s->mode == RECUR_SAMPLE_BEAM && o->count != 1)
        return recur_fail(err, RECUR_E_ARG, "beam search gives one text: count must be 1, got %d", o->count);
    if (!fn)
        return recur_fail(err, RECUR_E_ARG, "recur_generate needs a callback for the text");
    if (o->n_stop < 0 || (o->n_stop > 0 && !o->stop))
        return recur_fail(err, RECUR_E_ARG, "stop strings: %d given without the strings", o->n_stop);
    for (int i = 0; i < o->n_stop; i++)
        if (!o->stop[i] || !*o->stop[i])
            return recur_fail(err, RECUR_E_ARG, "stop string %d is empty", i + 1);
    int32_t *prime;
    size_t n_prime;
    if ((st = generate_prime_ids(recur_model_vocab(m), o->prime, &prime, &n_prime, err)))
        return st;
    if (s->mode == RECUR_SAMPLE_BEAM)
        st = beam_generate(m, s, o, prime, n_prime, fn, user, err);
    else
        st = sample_generate(m, s, o, prime, n_prime, fn, user, err);
    free(prime);
    return st;
}
