/* The generation scheduler: one thread owns a recur_streams of S slots over
 * the model and, each step, feeds every active completion its next token in
 * one batched pass (the weights are read once for all of them), then runs
 * each one's own sampling chain and text assembly. HTTP threads submit jobs
 * and collect the text as it comes; a job waits in a bounded queue until it
 * has slots for all of its n completions. */
#ifndef RECUR_SERVE_SCHEDULER_H
#define RECUR_SERVE_SCHEDULER_H

#include <stdint.h>

#include "recur.h"

typedef struct serve_scheduler serve_scheduler;
typedef struct serve_job serve_job;

typedef struct serve_job_spec {
    const int32_t *prompt;     /* tokens fed before the first pick (at least one) */
    size_t prompt_len;
    int n;                     /* completions; completion i samples with seed + i */
    int max_tokens;
    const char *const *stop;
    int n_stop;
    recur_sample_settings settings;
} serve_job_spec;

typedef enum serve_submit_result {
    SERVE_SUBMITTED = 0,
    SERVE_QUEUE_FULL,          /* answer 503 */
    SERVE_STOPPING,            /* the server is shutting down: 503 */
    SERVE_SUBMIT_ERROR         /* err says why */
} serve_submit_result;

/* How a completion ended. */
typedef enum serve_finish {
    SERVE_RUNNING = 0,
    SERVE_FINISH_LENGTH,       /* max_tokens */
    SERVE_FINISH_STOP,         /* a stop string */
    SERVE_FINISH_CANCELLED,    /* the client left, its time ran out, or the server stopped */
    SERVE_FINISH_ERROR
} serve_finish;

typedef struct serve_sched_stats {
    int active;                /* completions being generated */
    int queued;                /* jobs waiting */
    int slots, queue_capacity;
    uint64_t jobs_done;
    uint64_t tokens;           /* tokens generated since the start */
    uint64_t steps;            /* batched passes */
} serve_sched_stats;

/* A job's readers are woken for its first text at once, then at most
 * every flush_ms for more (0: every step), and at once for an end. */
recur_status serve_scheduler_create(const recur_model *m, int slots, int queue, recur_sample_weights weights,
                                    int flush_ms, serve_scheduler **out, recur_error *err);
/* Ends every job (queued and running ones finish as cancelled), joins the thread. */
void serve_scheduler_stop(serve_scheduler *s);
void serve_scheduler_free(serve_scheduler *s);
void serve_scheduler_stats(serve_scheduler *s, serve_sched_stats *out);

/* On SERVE_SUBMITTED *out holds a reference the caller drops with
 * serve_job_release. The spec is copied. */
serve_submit_result serve_job_submit(serve_scheduler *s, const serve_job_spec *spec, serve_job **out,
                                     recur_error *err);

/* Receives one completion's new text since the last take; finish is set
 * once, with the completion's last text. */
typedef void (*serve_news_fn)(void *user, int index, const char *text, size_t len, serve_finish finish,
                              int tokens);

/* Waits up to timeout_ms for new text or an end, then hands every
 * completion's news to fn (under the scheduler's lock: fn must be quick and
 * must not call back into the scheduler). Returns 1 once every completion
 * has ended and its end was handed over, else 0. */
int serve_job_take(serve_job *j, int timeout_ms, serve_news_fn fn, void *user);
/* Asks the generation thread to end the job (its completions finish as cancelled). */
void serve_job_cancel(serve_job *j);
/* Drops the caller's reference; a job still running is cancelled. */
void serve_job_release(serve_job *j);

#endif
