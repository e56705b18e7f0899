#define _POSIX_C_SOURCE 200809L
/* word2vec training: threads share the weights without locks (Hogwild, as
 * word2vec.c); they take 10,000-word chunks of the corpus from one shared
 * counter (w2v/schedule.h), consecutive claims in different regions, each
 * thread with its own random generator and scratch rows. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "recur/text.h"
#include "recur/w2v.h"
#include "w2v/model.h"
#include "w2v/noise.h"
#include "w2v/schedule.h"
#include "w2v/vocab.h"

void recur_w2v_options_default(recur_w2v_options *o)
{
    memset(o, 0, sizeof *o);
    o->size = 100;
    o->window = 5;
    o->negative = 5;
    o->sample = 1e-3;
    o->min_count = 5;
    o->iter = 5;
    o->threads = 1;
    o->seed = 1;
    o->max_sentence = 1000;
}

typedef struct shared {
    const recur_w2v_options *o;
    const w2v_model *m;
    const w2v_noise *noise;
    const int32_t *ids;
    size_t nids;
    const float *keep;
    int nthreads;
    int k;                 /* noise words per pair (negative or nce) */
    float start_alpha;
    int64_t words_total;   /* iter x train_words */
    double t0;
    _Alignas(64) atomic_llong words_done;
    _Alignas(64) atomic_llong next_chunk;
} shared;

/* 64-byte aligned, so one thread's generator, written at every draw, never
 * shares a cache line with another thread's fields: with the array packed,
 * thread 1's generator straddled the line of thread 0's buffer pointers, and
 * paired runs took 45-47 CPU seconds where the aligned layout takes 32-40. */
typedef struct worker {
    _Alignas(64) recur_rng rng;
    shared *s;
    int index;
    float *neu1, *neu1e;
    int32_t *sen, *ctx, *negs;
    pthread_t tid;
} worker;

static float current_alpha(const shared *s, int64_t done)
{
    return w2v_alpha(s->start_alpha, done, s->words_total);
}

static int draw_negatives(worker *w, int32_t center)
{
    const shared *s = w->s;
    int n = 0;
    for (int d = 0; d < s->k; d++) {
        int32_t t = s->o->plain ? w2v_noise_draw_plain(s->noise, &w->rng)
                                : w2v_noise_draw(s->noise, &w->rng);
        if (t != center) /* an accidental hit is skipped, as word2vec.c */
            w->negs[n++] = t;
    }
    return n;
}

static void train_sentence(worker *w, int len, float alpha)
{
    const shared *s = w->s;
    const w2v_model *m = s->m;
    int window = s->o->window;
    for (int p = 0; p < len; p++) {
        int reach = w2v_reach(&w->rng, window);
        int lo = p - reach < 0 ? 0 : p - reach;
        int hi = p + reach >= len ? len - 1 : p + reach;
        int32_t center = w->sen[p];
        if (s->o->cbow) {
            int nctx = 0;
            for (int c = lo; c <= hi; c++)
                if (c != p)
                    w->ctx[nctx++] = w->sen[c];
            int nneg = draw_negatives(w, center);
            w2v_cbow_step(m, w->ctx, nctx, center, w->negs, nneg, alpha, w->neu1, w->neu1e);
        } else {
            for (int c = lo; c <= hi; c++) {
                if (c == p)
                    continue;
                int nneg = draw_negatives(w, center);
                w2v_sg_step(m, w->sen[c], center, w->negs, nneg, alpha, w->neu1e);
            }
        }
    }
}

static void report(shared *s, int64_t done)
{
    recur_w2v_progress p;
    p.words_done = done;
    p.words_total = s->words_total;
    p.alpha = current_alpha(s, done);
    p.elapsed_s = monotonic_seconds() - s->t0;
    p.words_per_sec_per_thread = p.elapsed_s > 0 ? (double)done / p.elapsed_s / s->nthreads : 0;
    p.eta_s = done > 0 ? p.elapsed_s * (double)(s->words_total - done) / (double)done : 0;
    s->o->progress(&p, s->o->progress_user);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *s = w->s;
    const recur_w2v_options *o = s->o;
    int64_t unreported = 0;
    float alpha = current_alpha(s, 0);
    double last_report = s->t0;
    w2v_chunk chunk;
    while (w2v_chunk_at(atomic_fetch_add_explicit(&s->next_chunk, 1, memory_order_relaxed), s->nids, o->iter,
                        s->nthreads, &chunk)) {
        /* A sentence ends at "</s>", at max_sentence kept words, or at the
         * chunk's end. */
        size_t pos = chunk.begin;
        while (pos < chunk.end) {
            int len = 0;
            while (pos < chunk.end && len < o->max_sentence) {
                int32_t id = s->ids[pos++];
                unreported++;
                if (id == 0)
                    break;
                float keep = s->keep[id];
                if (keep < 1.0f && recur_rng_uniform(&w->rng) >= keep)
                    continue;
                w->sen[len++] = id;
            }
            if (unreported >= 10000) {
                int64_t done = atomic_fetch_add_explicit(&s->words_done, unreported, memory_order_relaxed) + unreported;
                unreported = 0;
                alpha = current_alpha(s, done);
                if (w->index == 0 && o->progress) {
                    double t = monotonic_seconds();
                    if (t - last_report >= 0.5) {
                        last_report = t;
                        report(s, done);
                    }
                }
            }
            train_sentence(w, len, alpha);
        }
    }
    atomic_fetch_add_explicit(&s->words_done, unreported, memory_order_relaxed);
    return NULL;
}

static void *alloc_row(int n)
{
    size_t bytes = ((size_t)n * sizeof(float) + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

static recur_status check_options(const recur_w2v_options *o, recur_error *err)
{
    if (o->size < 1 || o->size > 10000)
        return recur_fail(err, RECUR_E_ARG, "size %d is outside [1, 10000]", o->size);
    if (o->window < 1 || o->window > 1000)
        return recur_fail(err, RECUR_E_ARG, "window %d is outside [1, 1000]", o->window);
    if (o->negative < 0 || o->negative > 1000 || o->nce < 0 || o->nce > 1000)
        return recur_fail(err, RECUR_E_ARG, "negative %d / nce %d is outside [0, 1000]", o->negative, o->nce);
    if (o->nce > 0 && o->negative > 0)
        return recur_fail(err, RECUR_E_ARG, "negative %d and nce %d: choose one loss (set negative 0 for NCE)",
                          o->negative, o->nce);
    if (o->negative == 0 && o->nce == 0 && !o->hs)
        return recur_fail(err, RECUR_E_ARG, "no loss: negative, nce and hs are all 0");
    if (!(o->sample >= 0) || o->sample > 1)
        return recur_fail(err, RECUR_E_ARG, "sample %g is outside [0, 1]", o->sample);
    if (!(o->alpha >= 0) || o->alpha > 10)
        return recur_fail(err, RECUR_E_ARG, "alpha %g is outside [0, 10]", o->alpha);
    if (o->iter < 1 || o->threads < 1 || o->threads > 1024 || o->min_count < 1 || o->max_sentence < 1)
        return recur_fail(err, RECUR_E_ARG, "iter, threads, min-count and max-sentence must be at least 1");
    return RECUR_OK;
}

static recur_status copy_out(const w2v_model *m, const w2v_vocab *v, recur_w2v_vectors **out, recur_error *err)
{
    recur_w2v_vectors *r = calloc(1, sizeof *r);
    if (!r)
        return recur_fail_nomem(err, "word vectors");
    r->count = v->size;
    r->dim = m->size;
    r->words = calloc((size_t)v->size, sizeof *r->words);
    r->data = malloc((size_t)v->size * (size_t)m->size * sizeof *r->data);
    if (!r->words || !r->data) {
        recur_w2v_vectors_free(r);
        return recur_fail_nomem(err, "word vectors");
    }
    for (int i = 0; i < v->size; i++) {
        r->words[i] = strdup(v->words[i]);
        if (!r->words[i]) {
            recur_w2v_vectors_free(r);
            return recur_fail_nomem(err, "word vectors");
        }
        memcpy(r->data + (size_t)i * (size_t)m->size, m->syn0 + (size_t)i * (size_t)m->stride,
               (size_t)m->size * sizeof(float));
    }
    *out = r;
    return RECUR_OK;
}

recur_status recur_w2v_train(const char *text, size_t len, const recur_w2v_options *o,
                             recur_w2v_vectors **out, recur_w2v_stats *stats, recur_error *err)
{
    *out = NULL;
    recur_status st = check_options(o, err);
    if (st != RECUR_OK)
        return st;
    w2v_vocab v;
    int32_t *ids = NULL;
    size_t nids = 0;
    st = w2v_vocab_build(text, len, o->min_count, &v, &ids, &nids, err);
    if (st != RECUR_OK)
        return st;
    if (v.size < 2) {
        w2v_vocab_free(&v);
        free(ids);
        return recur_fail(err, RECUR_E_FORMAT, "no word occurs at least %d times (min-count)", o->min_count);
    }

    w2v_model m;
    w2v_noise noise;
    memset(&noise, 0, sizeof noise);
    float *keep = malloc((size_t)v.size * sizeof *keep);
    worker *workers = aligned_alloc(64, (size_t)o->threads * sizeof *workers);
    if (workers)
        memset(workers, 0, (size_t)o->threads * sizeof *workers);
    shared *s = aligned_alloc(64, (sizeof(shared) + 63) / 64 * 64);
    recur_rng init_rng;
    recur_rng_seed(&init_rng, o->seed);
    int k = o->nce > 0 ? o->nce : o->negative;
    st = w2v_model_create(&m, v.size, o->size, o->plain, k > 0, o->hs ? v.counts : NULL, &init_rng, err);
    if (st != RECUR_OK)
        goto free_early;
    if (!keep || !workers || !s) {
        st = recur_fail_nomem(err, "word2vec training state");
        goto done;
    }
    w2v_keep_probabilities(&v, o->sample, keep);
    if (k > 0 && (st = w2v_noise_build(v.counts, v.size, o->plain, &noise, err)) != RECUR_OK)
        goto done;
    if (o->nce > 0) {
        m.loss = W2V_LOSS_NCE;
        if (!(m.log_kq = malloc((size_t)v.size * sizeof *m.log_kq))) {
            st = recur_fail_nomem(err, "NCE noise log-probabilities");
            goto done;
        }
        for (int i = 0; i < v.size; i++)
            m.log_kq[i] = (float)log((double)o->nce * fmax(noise.p[i], 1e-30));
    }

    memset(s, 0, sizeof *s);
    s->o = o;
    s->m = &m;
    s->noise = &noise;
    s->ids = ids;
    s->nids = nids;
    s->keep = keep;
    s->nthreads = o->threads;
    s->k = k;
    s->start_alpha = (float)(o->alpha > 0 ? o->alpha : (o->cbow ? 0.05 : 0.025));
    s->words_total = (int64_t)o->iter * (int64_t)nids;
    atomic_init(&s->words_done, 0);
    atomic_init(&s->next_chunk, 0);
    for (int t = 0; t < o->threads; t++) {
        worker *w = &workers[t];
        w->s = s;
        w->index = t;
        recur_rng_seed(&w->rng, o->seed * 0x9E3779B97F4A7C15ull + (uint64_t)t + 1);
        w->neu1 = alloc_row(m.stride);
        w->neu1e = alloc_row(m.stride);
        w->sen = malloc((size_t)o->max_sentence * sizeof *w->sen);
        w->ctx = malloc((size_t)(2 * o->window + 1) * sizeof *w->ctx);
        w->negs = malloc((size_t)(k + 1) * sizeof *w->negs);
        if (!w->neu1 || !w->neu1e || !w->sen || !w->ctx || !w->negs) {
            st = recur_fail_nomem(err, "word2vec thread buffers");
            goto done;
        }
    }
    s->t0 = monotonic_seconds();
    int started = 0;
    for (; started < o->threads; started++)
        if (pthread_create(&workers[started].tid, NULL, worker_main, &workers[started]) != 0)
            break;
    for (int t = 0; t < started; t++)
        pthread_join(workers[t].tid, NULL);
    if (started < o->threads) {
        st = recur_fail(err, RECUR_E_NOMEM, "could start only %d of %d training threads", started, o->threads);
        goto done;
    }
    double seconds = monotonic_seconds() - s->t0;
    int64_t done_words = atomic_load(&s->words_done);
    if (o->progress)
        report(s, done_words);
    if (stats) {
        stats->vocab_size = v.size;
        stats->corpus_words = v.corpus_words;
        stats->train_words = v.train_words;
        stats->words_done = done_words;
        stats->seconds = seconds;
        stats->words_per_sec_per_thread = seconds > 0 ? (double)done_words / seconds / o->threads : 0;
    }
    st = copy_out(&m, &v, out, err);
done:
    for (int t = 0; workers && t < o->threads; t++) {
        free(workers[t].neu1);
        free(workers[t].neu1e);
        free(workers[t].sen);
        free(workers[t].ctx);
        free(workers[t].negs);
    }
    w2v_model_free(&m);
free_early:
    w2v_noise_free(&noise);
    free(workers);
    free(s);
    free(keep);
    free(ids);
    w2v_vocab_free(&v);
    return st;
}

recur_status recur_w2v_train_file(const char *path, const recur_w2v_options *o,
                                  recur_w2v_vectors **out, recur_w2v_stats *stats, recur_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    recur_status st = recur_read_file(path, &text, &len, err);
    if (st != RECUR_OK)
        return st;
    st = recur_w2v_train(text, len, o, out, stats, err);
    free(text);
    if (st != RECUR_OK)
        recur_error_prefix(err, "%s", path);
    return st;
}
