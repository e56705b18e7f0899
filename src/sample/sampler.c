/* Batch-1 generation: one stream of recur_streams (the packed weights and
 * the stepping live there, see streams.c and packed.h) with its own random
 * generator and the course's three sampling modes. Nothing is allocated
 * per step. */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/rng.h"
#include "recur/generate.h"
#include "sample/draw.h"

struct recur_sampler {
    recur_streams *st;
    recur_rng rng;
    int V;
    float *work;        /* V: probabilities */
    int32_t last;       /* last token fed, -1 before any */
    int32_t space_id;   /* id of " ", or -1 */
};

recur_status recur_sampler_create(const recur_model *m, uint64_t seed, recur_sampler **out, recur_error *err)
{
    return recur_sampler_create_with(m, seed, RECUR_WEIGHTS_F32, out, err);
}

recur_status recur_sampler_create_with(const recur_model *m, uint64_t seed, recur_sample_weights weights,
                                       recur_sampler **out, recur_error *err)
{
    recur_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return recur_fail_nomem(err, "the sampler");
    recur_status st = recur_streams_create(m, 1, weights, &s->st, err);
    if (st) {
        free(s);
        return st;
    }
    s->V = recur_model_config(m)->vocab_size;
    if (!(s->work = calloc((size_t)s->V, sizeof *s->work))) {
        recur_sampler_free(s);
        return recur_fail_nomem(err, "the sampler");
    }
    recur_rng_seed(&s->rng, seed);
    s->space_id = recur_vocab_find(recur_model_vocab(m), " ", 1);
    s->last = -1;
    *out = s;
    return RECUR_OK;
}

void recur_sampler_free(recur_sampler *s)
{
    if (!s)
        return;
    recur_streams_free(s->st);
    free(s->work);
    free(s);
}

void recur_sampler_reset(recur_sampler *s)
{
    recur_streams_reset(s->st, 0);
    s->last = -1;
}

recur_status recur_sampler_feed(recur_sampler *s, int32_t id, recur_error *err)
{
    static const int slot0 = 0;
    recur_status st = recur_streams_feed(s->st, 1, &slot0, &id, err);
    if (!st)
        s->last = id;
    return st;
}

const float *recur_sampler_logits(const recur_sampler *s) { return recur_streams_logits(s->st, 0); }

static int32_t draw(recur_sampler *s, float temperature, int top_k)
{
    const float *z = recur_streams_logits(s->st, 0);
    float cutoff = -INFINITY;
    if (top_k > 0 && top_k < s->V)
        cutoff = draw_kth_largest(z, s->work, s->V, top_k);
    return draw_weighted(&s->rng, z, s->V, cutoff, temperature, s->work, NULL);
}

int32_t recur_sampler_pick(recur_sampler *s, recur_sample_mode mode, float temperature, int top_k)
{
    if (!(temperature > 0.0f))
        temperature = 1.0f;
    const float *z = recur_streams_logits(s->st, 0);
    switch (mode) {
    case RECUR_SAMPLE_ARGMAX:
    case RECUR_SAMPLE_BEAM: /* one stream: the best next token */
        return recur_argmax(z, s->V);
    case RECUR_SAMPLE_SPACE:
        /* char-rnn's sampling type 2: choose freely only at word starts. */
        if (s->last != s->space_id || s->space_id < 0)
            return recur_argmax(z, s->V);
        return draw(s, temperature, top_k);
    default:
        return draw(s, temperature, top_k);
    }
}
