/* Batch-1 generation: one matrix-vector product per weight matrix per step,
 * every buffer allocated once when the sampler is created. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/gemm.h"
#include "core/rng.h"
#include "model/model_internal.h"
#include "recur/sample.h"

struct recur_sampler {
    const recur_model *m;
    recur_rng rng;
    float *h, *c;       /* [layers][H] */
    float *pre, *hh;    /* G*H each */
    float *logits;      /* V: the last step's logits */
    float *work;        /* V: probabilities */
    int32_t last;       /* last token fed, -1 before any */
    int32_t space_id;   /* id of " ", or -1 */
};

recur_status recur_sampler_create(const recur_model *m, uint64_t seed, recur_sampler **out, recur_error *err)
{
    recur_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return recur_fail_nomem(err, "the sampler");
    const recur_config *c = &m->cfg;
    size_t LH = (size_t)c->layers * c->hidden, GH = (size_t)rnn_gate_count(c->cell) * c->hidden;
    s->m = m;
    recur_rng_seed(&s->rng, seed);
    s->h = calloc(LH, sizeof *s->h);
    s->c = calloc(LH, sizeof *s->c);
    s->pre = calloc(GH, sizeof *s->pre);
    s->hh = calloc(GH, sizeof *s->hh);
    s->logits = calloc((size_t)c->vocab_size, sizeof *s->logits);
    s->work = calloc((size_t)c->vocab_size, sizeof *s->work);
    if (!s->h || !s->c || !s->pre || !s->hh || !s->logits || !s->work) {
        recur_sampler_free(s);
        return recur_fail_nomem(err, "the sampler");
    }
    s->space_id = recur_vocab_find(m->vocab, " ", 1);
    s->last = -1;
    *out = s;
    return RECUR_OK;
}

void recur_sampler_free(recur_sampler *s)
{
    if (!s)
        return;
    free(s->h);
    free(s->c);
    free(s->pre);
    free(s->hh);
    free(s->logits);
    free(s->work);
    free(s);
}

void recur_sampler_reset(recur_sampler *s)
{
    const recur_config *c = &s->m->cfg;
    size_t LH = (size_t)c->layers * c->hidden;
    memset(s->h, 0, LH * sizeof *s->h);
    memset(s->c, 0, LH * sizeof *s->c);
    s->last = -1;
}

recur_status recur_sampler_feed(recur_sampler *s, int32_t id, recur_error *err)
{
    const recur_model *m = s->m;
    const recur_config *c = &m->cfg;
    if (id < 0 || id >= c->vocab_size)
        return recur_fail(err, RECUR_E_ARG, "token id %d is outside the vocabulary", (int)id);
    const int H = c->hidden, GH = rnn_gate_count(c->cell) * H;
    const float *x = m->params + m->enc_w + (size_t)id * c->embed;
    for (int l = 0; l < c->layers; l++) {
        rnn_weights w = model_layer_weights(m, l, m->params);
        int I = m->layers[l].in;
        memcpy(s->pre, w.b_ih, (size_t)GH * sizeof *s->pre);
        recur_sgemv(0, GH, I, 1.0f, w.w_ih, I, x, 1.0f, s->pre);
        rnn_shape shape = {1, 1, I, H, c->cell, c->peephole};
        float *h = s->h + (size_t)l * H;
        rnn_step(&shape, &w, s->pre, s->hh, h, s->c + (size_t)l * H);
        x = h;
    }
    memcpy(s->logits, m->params + m->dec_b, (size_t)c->vocab_size * sizeof *s->logits);
    recur_sgemv(0, c->vocab_size, H, 1.0f, m->params + m->dec_w, H, x, 1.0f, s->logits);
    s->last = id;
    return RECUR_OK;
}

const float *recur_sampler_logits(const recur_sampler *s) { return s->logits; }

static int32_t argmax(const float *v, int n)
{
    int32_t best = 0;
    for (int j = 1; j < n; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* The k-th largest value of v (1-based k), by partial selection on a copy. */
static float kth_largest(const float *v, float *scratch, int n, int k)
{
    memcpy(scratch, v, (size_t)n * sizeof *scratch);
    int lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        float pivot = scratch[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (scratch[i] > pivot)
                i++;
            while (scratch[j] < pivot)
                j--;
            if (i <= j) {
                float tmp = scratch[i];
                scratch[i++] = scratch[j];
                scratch[j--] = tmp;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            break;
    }
    return scratch[want];
}

static int32_t draw(recur_sampler *s, float temperature, int top_k)
{
    const int V = s->m->cfg.vocab_size;
    float *p = s->work;
    float cutoff = -INFINITY;
    if (top_k > 0 && top_k < V)
        cutoff = kth_largest(s->logits, p, V, top_k);
    float zmax = s->logits[argmax(s->logits, V)];
    double sum = 0.0;
    for (int j = 0; j < V; j++) {
        float z = s->logits[j];
        p[j] = z >= cutoff ? expf((z - zmax) / temperature) : 0.0f;
        sum += p[j];
    }
    double u = recur_rng_uniform_double(&s->rng) * sum, acc = 0.0;
    int32_t last_nonzero = 0;
    for (int j = 0; j < V; j++) {
        if (p[j] <= 0.0f)
            continue;
        last_nonzero = j;
        acc += p[j];
        if (u < acc)
            return j;
    }
    return last_nonzero; /* rounding left u at the very top */
}

int32_t recur_sampler_pick(recur_sampler *s, recur_sample_mode mode, float temperature, int top_k)
{
    const int V = s->m->cfg.vocab_size;
    if (!(temperature > 0.0f))
        temperature = 1.0f;
    switch (mode) {
    case RECUR_SAMPLE_ARGMAX:
        return argmax(s->logits, V);
    case RECUR_SAMPLE_SPACE:
        /* char-rnn's sampling type 2: choose freely only at word starts. */
        if (s->last != s->space_id || s->space_id < 0)
            return argmax(s->logits, V);
        return draw(s, temperature, top_k);
    default:
        return draw(s, temperature, top_k);
    }
}
