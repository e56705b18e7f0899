/* One generation thread for every request: each step feeds all active
 * completions together (recur_streams_feed reads the weights once for all
 * of them), then picks each one's next token with its own chain. The lock
 * guards the queue, the published text and the flags; the streams, the
 * pickers and the text assembly belong to the generation thread alone, so
 * the batched pass runs without the lock. */
#include "scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/strbuf.h"

typedef struct completion {
    serve_job *job;
    int index;
    int slot;               /* -1 until admitted */
    /* the generation thread's own */
    recur_picker *picker;
    recur_text_out *text;
    size_t fed;             /* prompt tokens fed so far */
    int32_t next;           /* the picked token to feed next */
    int tokens;             /* tokens picked */
    serve_finish ending;    /* set during a step, published after it */
    recur_strbuf staged;    /* text of this step, published after it */
    /* under the lock */
    recur_strbuf out;       /* published text not yet taken */
    size_t told;            /* bytes of out its readers were woken for */
    serve_finish finish;
    int finish_taken;
    int tokens_published;
} completion;

struct serve_job {
    serve_scheduler *s;
    int refs;               /* the caller's and the scheduler's */
    int cancel;
    int n, max_tokens;
    int32_t *prompt;
    size_t prompt_len;
    completion *c;
    int running;            /* completions not finished */
    pthread_cond_t news;
    int signalled;          /* its readers were woken at least once */
    int fresh;              /* text published since they were last woken */
    double signalled_at;    /* when (CLOCK_MONOTONIC seconds) */
    serve_job *next;        /* in the queue */
};

struct serve_scheduler {
    const recur_model *model;
    recur_streams *streams;
    int slots, queue_capacity;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t work;
    double flush_seconds;   /* the longest published text waits before its readers are woken */
    int stopping;
    serve_job *head, *tail; /* the queue, oldest first */
    int queued;
    int queued_n;           /* completions of the queued jobs */
    /* the generation thread's own, though nfree changes only under the lock */
    completion **active;
    int nactive;
    int *free_slots;
    int nfree;
    int *feed_slots;
    int32_t *feed_ids;
    /* statistics, under the lock */
    uint64_t jobs_done, tokens, steps;
};

static void job_free(serve_job *j)
{
    for (int i = 0; i < j->n; i++) {
        completion *c = &j->c[i];
        recur_picker_free(c->picker);
        recur_text_out_free(c->text);
        recur_strbuf_free(&c->staged);
        recur_strbuf_free(&c->out);
    }
    free(j->c);
    free(j->prompt);
    pthread_cond_destroy(&j->news);
    free(j);
}

/* Under the lock. */
static void job_unref(serve_job *j)
{
    if (--j->refs == 0)
        job_free(j);
}

static double monotonic_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Under the lock: wakes the job's readers for all the text published so far. */
static void wake_readers(serve_job *j, double now)
{
    for (int i = 0; i < j->n; i++)
        j->c[i].told = j->c[i].out.len;
    pthread_cond_broadcast(&j->news);
    j->signalled = 1;
    j->fresh = 0;
    j->signalled_at = now;
}

/* Under the lock: publishes a completion's end and gives back its slot. The
 * caller removes it from the active list. */
static void finish(serve_scheduler *s, completion *c, serve_finish why)
{
    serve_job *j = c->job;
    c->finish = why;
    if (c->slot >= 0) {
        s->free_slots[s->nfree++] = c->slot;
        c->slot = -1;
    }
    recur_picker_free(c->picker);
    c->picker = NULL;
    recur_text_out_free(c->text);
    c->text = NULL;
    wake_readers(j, monotonic_seconds());
    if (--j->running == 0) {
        s->jobs_done++;
        job_unref(j);
    }
}

/* Under the lock: ends every completion of a job that never got slots. */
static void finish_queued(serve_scheduler *s, serve_job *j)
{
    for (int i = 0; i < j->n; i++)
        finish(s, &j->c[i], SERVE_FINISH_CANCELLED);
}

/* Under the lock: drops cancelled jobs from the queue, then admits jobs in
 * order while the oldest fits (first come, first served: a large n is not
 * overtaken forever by small ones). */
static void admit(serve_scheduler *s)
{
    serve_job **link = &s->head;
    s->tail = NULL;
    while (*link) {
        serve_job *j = *link;
        if (j->cancel || s->stopping) {
            *link = j->next;
            s->queued--;
            s->queued_n -= j->n;
            finish_queued(s, j);
        } else {
            s->tail = j;
            link = &j->next;
        }
    }
    while (s->head && s->head->n <= s->nfree) {
        serve_job *j = s->head;
        s->head = j->next;
        if (!s->head)
            s->tail = NULL;
        s->queued--;
        s->queued_n -= j->n;
        for (int i = 0; i < j->n; i++) {
            completion *c = &j->c[i];
            c->slot = s->free_slots[--s->nfree];
            recur_streams_reset(s->streams, c->slot);
            s->active[s->nactive++] = c;
        }
    }
}

/* Without the lock: one batched pass, then each completion's pick. */
static void step(serve_scheduler *s)
{
    int n = s->nactive;
    for (int k = 0; k < n; k++) {
        completion *c = s->active[k];
        s->feed_slots[k] = c->slot;
        s->feed_ids[k] = c->fed < c->job->prompt_len ? c->job->prompt[c->fed] : c->next;
    }
    recur_error err = {0};
    if (recur_streams_feed(s->streams, n, s->feed_slots, s->feed_ids, &err) != RECUR_OK) {
        for (int k = 0; k < n; k++)
            s->active[k]->ending = SERVE_FINISH_ERROR;
        return;
    }
    for (int k = 0; k < n; k++) {
        completion *c = s->active[k];
        serve_job *j = c->job;
        if (c->fed < j->prompt_len) {
            recur_picker_accept(c->picker, j->prompt[c->fed]);
            recur_text_out_seen(c->text, j->prompt[c->fed]);
            if (++c->fed < j->prompt_len)
                continue;
        }
        int32_t id = recur_picker_pick(c->picker, recur_streams_logits(s->streams, c->slot));
        recur_picker_accept(c->picker, id);
        c->tokens++;
        const char *piece;
        size_t len;
        int stopped = recur_text_out_push(c->text, id, &piece, &len);
        recur_strbuf_append(&c->staged, piece, len);
        if (stopped) {
            c->ending = SERVE_FINISH_STOP;
        } else if (c->tokens >= j->max_tokens) {
            recur_text_out_flush(c->text, &piece, &len);
            recur_strbuf_append(&c->staged, piece, len);
            c->ending = SERVE_FINISH_LENGTH;
        } else {
            c->next = id;
        }
        if (c->staged.oom)
            c->ending = SERVE_FINISH_ERROR;
    }
}

/* Under the lock: hands this step's text to the waiting HTTP threads and
 * retires what ended (or was cancelled meanwhile). */
static void publish(serve_scheduler *s)
{
    const double now = monotonic_seconds();
    int kept = 0;
    for (int k = 0; k < s->nactive; k++) {
        completion *c = s->active[k];
        serve_job *j = c->job;
        if (c->staged.len) {
            recur_strbuf_append(&c->out, c->staged.data, c->staged.len);
            recur_strbuf_clear(&c->staged);
            j->fresh = 1;
        }
        /* The first text at once (time to first token); later text at most
         * every flush_seconds, so that a reader wakes for several tokens
         * rather than for each step. */
        if (j->fresh && (!j->signalled || now - j->signalled_at >= s->flush_seconds))
            wake_readers(j, now);
        s->tokens += (uint64_t)(c->tokens - c->tokens_published);
        c->tokens_published = c->tokens;
        serve_finish why = c->ending;
        if (!why && (j->cancel || s->stopping))
            why = SERVE_FINISH_CANCELLED;
        if (c->out.oom)
            why = SERVE_FINISH_ERROR;
        if (why)
            finish(s, c, why);
        else
            s->active[kept++] = c;
    }
    s->nactive = kept;
}

static void *generation_thread(void *arg)
{
    serve_scheduler *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        publish(s);
        admit(s);
        if (s->stopping && s->nactive == 0 && !s->head)
            break;
        if (s->nactive == 0) {
            pthread_cond_wait(&s->work, &s->lock);
            continue;
        }
        s->steps++;
        pthread_mutex_unlock(&s->lock);
        step(s);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

recur_status serve_scheduler_create(const recur_model *m, int slots, int queue, recur_sample_weights weights,
                                    int flush_ms, serve_scheduler **out, recur_error *err)
{
    *out = NULL;
    serve_scheduler *s = calloc(1, sizeof *s);
    if (!s)
        return recur_fail(err, RECUR_E_NOMEM, "out of memory for the scheduler");
    s->model = m;
    s->slots = slots;
    s->queue_capacity = queue;
    s->flush_seconds = 1e-3 * flush_ms;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->work, NULL);
    s->active = calloc((size_t)slots, sizeof *s->active);
    s->free_slots = calloc((size_t)slots, sizeof *s->free_slots);
    s->feed_slots = calloc((size_t)slots, sizeof *s->feed_slots);
    s->feed_ids = calloc((size_t)slots, sizeof *s->feed_ids);
    if (!s->active || !s->free_slots || !s->feed_slots || !s->feed_ids) {
        serve_scheduler_free(s);
        return recur_fail(err, RECUR_E_NOMEM, "out of memory for %d slots", slots);
    }
    recur_status st = recur_streams_create(m, slots, weights, &s->streams, err);
    if (st != RECUR_OK) {
        serve_scheduler_free(s);
        return st;
    }
    /* Slot 0 is handed out first: a lone client always runs in the same slot. */
    for (int i = slots - 1; i >= 0; i--)
        s->free_slots[s->nfree++] = i;
    if (pthread_create(&s->thread, NULL, generation_thread, s) != 0) {
        serve_scheduler_free(s);
        return recur_fail(err, RECUR_E_IO, "cannot start the generation thread");
    }
    s->thread_started = 1;
    *out = s;
    return RECUR_OK;
}

void serve_scheduler_stop(serve_scheduler *s)
{
    if (!s || !s->thread_started)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    s->thread_started = 0;
}

void serve_scheduler_free(serve_scheduler *s)
{
    if (!s)
        return;
    serve_scheduler_stop(s);
    recur_streams_free(s->streams);
    free(s->active);
    free(s->free_slots);
    free(s->feed_slots);
    free(s->feed_ids);
    pthread_cond_destroy(&s->work);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void serve_scheduler_stats(serve_scheduler *s, serve_sched_stats *out)
{
    pthread_mutex_lock(&s->lock);
    out->active = s->nactive;
    out->queued = s->queued;
    out->slots = s->slots;
    out->queue_capacity = s->queue_capacity;
    out->jobs_done = s->jobs_done;
    out->tokens = s->tokens;
    out->steps = s->steps;
    pthread_mutex_unlock(&s->lock);
}

/* Builds a job with its pickers and text assembly, outside the lock. */
static recur_status job_create(serve_scheduler *s, const serve_job_spec *spec, serve_job **out, recur_error *err)
{
    *out = NULL;
    serve_job *j = calloc(1, sizeof *j);
    if (!j)
        return recur_fail(err, RECUR_E_NOMEM, "out of memory for a request");
    pthread_cond_init(&j->news, NULL);
    j->s = s;
    j->refs = 2;
    j->n = spec->n;
    j->running = spec->n;
    j->max_tokens = spec->max_tokens;
    j->prompt = malloc(spec->prompt_len * sizeof *j->prompt);
    j->c = calloc((size_t)spec->n, sizeof *j->c);
    if (!j->prompt || !j->c) {
        job_free(j);
        return recur_fail(err, RECUR_E_NOMEM, "out of memory for a request");
    }
    memcpy(j->prompt, spec->prompt, spec->prompt_len * sizeof *j->prompt);
    j->prompt_len = spec->prompt_len;
    const recur_vocab *v = recur_model_vocab(s->model);
    int32_t space = recur_vocab_find(v, " ", 1); /* as recur_generate: the same picks as recur sample */
    for (int i = 0; i < spec->n; i++) {
        completion *c = &j->c[i];
        c->job = j;
        c->index = i;
        c->slot = -1;
        recur_strbuf_init(&c->staged);
        recur_strbuf_init(&c->out);
        recur_sample_settings st = spec->settings;
        st.seed += (uint64_t)i;
        recur_status rs = recur_picker_create(&st, recur_vocab_size(v), space, &c->picker, err);
        if (rs == RECUR_OK)
            rs = recur_text_out_create(v, spec->stop, spec->n_stop, &c->text, err);
        if (rs != RECUR_OK) {
            job_free(j);
            return rs;
        }
    }
    *out = j;
    return RECUR_OK;
}

serve_submit_result serve_job_submit(serve_scheduler *s, const serve_job_spec *spec, serve_job **out,
                                     recur_error *err)
{
    *out = NULL;
    if (spec->n < 1 || spec->n > s->slots || spec->prompt_len < 1 || spec->max_tokens < 1) {
        recur_fail(err, RECUR_E_ARG, "a job needs 1 to %d completions, a prompt and max_tokens >= 1", s->slots);
        return SERVE_SUBMIT_ERROR;
    }
    serve_job *j = NULL;
    if (job_create(s, spec, &j, err) != RECUR_OK)
        return SERVE_SUBMIT_ERROR;
    pthread_mutex_lock(&s->lock);
    serve_submit_result r = SERVE_SUBMITTED;
    if (s->stopping)
        r = SERVE_STOPPING;
    else if (s->queued_n + j->n > s->nfree && s->queued >= s->queue_capacity)
        r = SERVE_QUEUE_FULL; /* a job that finds free slots never counts as waiting */
    if (r == SERVE_SUBMITTED) {
        if (s->tail)
            s->tail->next = j;
        else
            s->head = j;
        s->tail = j;
        s->queued++;
        s->queued_n += j->n;
        pthread_cond_signal(&s->work);
    }
    pthread_mutex_unlock(&s->lock);
    if (r != SERVE_SUBMITTED) {
        job_free(j);
        return r;
    }
    *out = j;
    return r;
}

/* Text is news once its readers are woken for it (publish): a reader that comes back
 * for more before that waits, so its pieces are flush_seconds apart whether
 * it is quick or slow. An end is always news. */
static int has_news(const serve_job *j)
{
    for (int i = 0; i < j->n; i++)
        if (j->c[i].told || (j->c[i].finish && !j->c[i].finish_taken))
            return 1;
    return 0;
}

int serve_job_take(serve_job *j, int timeout_ms, serve_news_fn fn, void *user)
{
    serve_scheduler *s = j->s;
    pthread_mutex_lock(&s->lock);
    if (!has_news(j) && j->running > 0 && timeout_ms > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!has_news(j) && j->running > 0)
            if (pthread_cond_timedwait(&j->news, &s->lock, &until) == ETIMEDOUT)
                break;
    }
    int all_done = 1;
    for (int i = 0; i < j->n; i++) {
        completion *c = &j->c[i];
        if (c->told || (c->finish && !c->finish_taken)) {
            /* all of it: text published since the wake goes along */
            serve_finish f = c->finish_taken ? SERVE_RUNNING : c->finish;
            fn(user, i, c->out.data ? c->out.data : "", c->out.len, f, c->tokens_published);
            recur_strbuf_clear(&c->out);
            c->told = 0;
            if (c->finish)
                c->finish_taken = 1;
        }
        if (!c->finish_taken)
            all_done = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return all_done;
}

void serve_job_cancel(serve_job *j)
{
    serve_scheduler *s = j->s;
    pthread_mutex_lock(&s->lock);
    j->cancel = 1;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->lock);
}

void serve_job_release(serve_job *j)
{
    if (!j)
        return;
    serve_scheduler *s = j->s;
    pthread_mutex_lock(&s->lock);
    if (j->running > 0) {
        j->cancel = 1;
        pthread_cond_signal(&s->work);
    }
    job_unref(j);
    pthread_mutex_unlock(&s->lock);
}
