/* The crew of crew.h. A phase is published through one word, `claim`: the
 * phase's generation in its high bits and the next unclaimed item in its
 * low bits. Claiming an item is a compare-and-swap of that word, so a
 * claim made with an old generation fails. The caller rewrites a phase's
 * description only after closing the word (the seqlock pattern), so a
 * helper whose claim succeeds read the description of the phase it
 * claimed from. Each item's state word carries the generation too: a late
 * helper's bid to write an item of a phase that has ended fails. */
#define _GNU_SOURCE /* pthread_attr_setaffinity_np; sigset_t under strict C11 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/crew.h"
#include "core/error.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

enum { ITEM_BITS = 24 };
#define ITEM_MASK ((UINT64_C(1) << ITEM_BITS) - 1)
#define CLOSED ITEM_MASK /* the item part while a phase is being described */
#define GEN_MASK ((UINT64_C(1) << (64 - ITEM_BITS)) - 1)

/* An item's state: its phase's generation, shifted, and one of these. */
enum { OPEN = 0, WRITING = 2, WRITTEN = 3 };

/* How long a helper with nothing to do looks for a next phase before it
 * sleeps: phases of one step follow each other within microseconds. */
#define HELPER_SPIN_S 50e-6
/* How long the caller waits for a helper's item, beyond twice the slowest
 * item it ran itself, before it runs the item again. */
#define PATIENCE_S 5e-6
/* The same when the helpers took every item (no time of the caller's own). */
#define IDLE_PATIENCE_S 50e-6

struct crew_turn {
    crew *c;
    uint64_t gen;
    int item, won;
};

typedef struct {
    crew *c;
    int worker;
    pthread_t thread;
} helper;

struct crew {
    _Alignas(64) _Atomic uint64_t claim;
    /* the phase's description: written while claim is closed */
    _Atomic(crew_item_fn) fn;
    _Atomic(void *) ctx;
    _Atomic int args[CREW_ARGS];
    _Atomic int items;
    _Atomic uint64_t *state; /* [max_items] */
    int max_items;
    uint64_t gen; /* the caller's: the last phase published */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    _Atomic int sleepers, stop;
    int helpers, started;
    helper *team;
};

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static uint64_t claim_gen(uint64_t w) { return w >> ITEM_BITS; }
static uint64_t claim_item(uint64_t w) { return w & ITEM_MASK; }

static void run_item(crew *c, crew_item_fn fn, void *ctx, const int *args, uint64_t gen, int item, int worker)
{
    crew_turn t = {c, gen, item, 0};
    fn(ctx, args, item, worker, &t);
    if (t.won)
        atomic_store_explicit(&c->state[item], gen << 2 | WRITTEN, memory_order_release);
}

int crew_write(crew_turn *t)
{
    uint64_t open = t->gen << 2 | OPEN;
    t->won = atomic_compare_exchange_strong_explicit(&t->c->state[t->item], &open, t->gen << 2 | WRITING,
                                                     memory_order_acq_rel, memory_order_relaxed);
    return t->won;
}

/* A new phase's claim word (not `done`, not closed), or 0 once stopping. */
static uint64_t wait_for_phase(crew *c, uint64_t done)
{
    double since = monotonic_seconds();
    for (unsigned spins = 1;; spins++) {
        if (atomic_load_explicit(&c->stop, memory_order_relaxed))
            return 0;
        uint64_t w = atomic_load_explicit(&c->claim, memory_order_acquire);
        if (claim_gen(w) != done && claim_item(w) != CLOSED)
            return w;
        relax();
        if (spins % 64 == 0 && monotonic_seconds() - since > HELPER_SPIN_S)
            break;
    }
    /* Asleep until the caller publishes: it looks at `sleepers` after
     * opening a phase, and we look at the phase after counting ourselves
     * in (both sequentially consistent), so one of us sees the other. */
    uint64_t w = 0;
    pthread_mutex_lock(&c->lock);
    atomic_fetch_add(&c->sleepers, 1);
    while (!atomic_load(&c->stop)) {
        w = atomic_load(&c->claim);
        if (claim_gen(w) != done && claim_item(w) != CLOSED)
            break;
        w = 0;
        pthread_cond_wait(&c->wake, &c->lock);
    }
    atomic_fetch_sub(&c->sleepers, 1);
    pthread_mutex_unlock(&c->lock);
    return w;
}

/* Claims and runs items of the phase that w opened until none is left. */
static void take_items(crew *c, uint64_t w, int worker)
{
    const uint64_t gen = claim_gen(w);
    crew_item_fn fn = atomic_load_explicit(&c->fn, memory_order_relaxed);
    void *ctx = atomic_load_explicit(&c->ctx, memory_order_relaxed);
    int args[CREW_ARGS];
    for (int i = 0; i < CREW_ARGS; i++)
        args[i] = atomic_load_explicit(&c->args[i], memory_order_relaxed);
    const uint64_t items = (uint64_t)atomic_load_explicit(&c->items, memory_order_relaxed);
    /* the description is read before any claim below checks that the
     * phase is still the one w opened */
    atomic_thread_fence(memory_order_acquire);
    while (claim_gen(w) == gen && claim_item(w) < items) {
        if (atomic_compare_exchange_weak_explicit(&c->claim, &w, w + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            run_item(c, fn, ctx, args, gen, (int)claim_item(w), worker);
            w = atomic_load_explicit(&c->claim, memory_order_acquire);
        }
    }
}

static void *helper_main(void *arg)
{
    helper *h = arg;
    uint64_t done = 0;
    for (;;) {
        uint64_t w = wait_for_phase(h->c, done);
        if (!w)
            return NULL;
        take_items(h->c, w, h->worker);
        done = claim_gen(w);
    }
}

/* Where OpenMP's threads 1 .. helpers are allowed to run, in attrs[0 ..
 * helpers - 1], for the helpers to sit in the same places: recur binds
 * that team a core a thread (recur_pin_threads), and a helper would
 * otherwise inherit the caller's one core. Returns 0 where it cannot tell
 * (the helpers then start where the caller is allowed). */
static int team_places(int helpers, pthread_attr_t *attrs)
{
#if defined(__linux__) && defined(RECUR_HAVE_OPENMP)
    if (omp_in_parallel())
        return 0;
    cpu_set_t *places = calloc((size_t)helpers + 1, sizeof *places);
    if (!places)
        return 0;
    int failed = 0;
#pragma omp parallel num_threads(helpers + 1) reduction(| : failed)
    {
        int id = omp_get_thread_num();
        failed |= omp_get_num_threads() != helpers + 1 || sched_getaffinity(0, sizeof places[id], &places[id]) != 0;
    }
    for (int i = 0; i < helpers && !failed; i++)
        failed |= pthread_attr_setaffinity_np(&attrs[i], sizeof places[i + 1], &places[i + 1]) != 0;
    free(places);
    return !failed;
#else
    (void)helpers;
    (void)attrs;
    return 0;
#endif
}

recur_status crew_create(int helpers, int max_items, crew **out, recur_error *err)
{
    *out = NULL;
    if (helpers < 1 || max_items < 1 || (uint64_t)max_items >= CLOSED)
        return recur_fail(err, RECUR_E_ARG, "crew: %d helpers for %d items", helpers, max_items);
    crew *c = aligned_alloc(64, (sizeof *c + 63) / 64 * 64);
    if (!c)
        return recur_fail_nomem(err, "the sampler's threads");
    *c = (crew){.max_items = max_items, .helpers = helpers};
    atomic_init(&c->claim, 0);
    atomic_init(&c->sleepers, 0);
    atomic_init(&c->stop, 0);
    c->state = calloc((size_t)max_items, sizeof *c->state);
    c->team = calloc((size_t)helpers, sizeof *c->team);
    pthread_attr_t *attrs = calloc((size_t)helpers, sizeof *attrs);
    if (!c->state || !c->team || !attrs || pthread_mutex_init(&c->lock, NULL)) {
        free(c->state);
        free(c->team);
        free(attrs);
        free(c);
        return recur_fail_nomem(err, "the sampler's threads");
    }
    pthread_cond_init(&c->wake, NULL);
    for (int i = 0; i < helpers; i++)
        pthread_attr_init(&attrs[i]);
    const int placed = team_places(helpers, attrs);
    /* Signals stay with the caller's threads (the command's SIGINT handler
     * among them): the helpers start with every signal blocked. */
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    recur_status s = RECUR_OK;
    for (int i = 0; i < helpers && !s; i++) {
        c->team[i] = (helper){c, i + 1, 0};
        if (pthread_create(&c->team[i].thread, placed ? &attrs[i] : NULL, helper_main, &c->team[i]))
            s = recur_fail(err, RECUR_E_NOMEM, "could not start the sampler's thread %d of %d", i + 1, helpers);
        else
            c->started++;
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    for (int i = 0; i < helpers; i++)
        pthread_attr_destroy(&attrs[i]);
    free(attrs);
    if (s) {
        crew_free(c);
        return s;
    }
    *out = c;
    return RECUR_OK;
}

void crew_free(crew *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    atomic_store(&c->stop, 1);
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
    for (int i = 0; i < c->started; i++)
        pthread_join(c->team[i].thread, NULL);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c->state);
    free(c->team);
    free(c);
}

void crew_run(crew *c, crew_item_fn fn, void *ctx, const int args[CREW_ARGS], int items)
{
    if (items <= 0)
        return;
    if (items > c->max_items)
        items = c->max_items; /* a caller's bug: crew_create's bound */
    uint64_t gen = (c->gen + 1) & GEN_MASK;
    gen = c->gen = gen ? gen : 1; /* 0 is no phase yet */
    atomic_store_explicit(&c->claim, gen << ITEM_BITS | CLOSED, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&c->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&c->ctx, ctx, memory_order_relaxed);
    for (int i = 0; i < CREW_ARGS; i++)
        atomic_store_explicit(&c->args[i], args[i], memory_order_relaxed);
    atomic_store_explicit(&c->items, items, memory_order_relaxed);
    for (int i = 0; i < items; i++)
        atomic_store_explicit(&c->state[i], gen << 2 | OPEN, memory_order_relaxed);
    atomic_store(&c->claim, gen << ITEM_BITS); /* open (see wait_for_phase) */
    if (atomic_load(&c->sleepers)) {
        pthread_mutex_lock(&c->lock);
        pthread_cond_broadcast(&c->wake);
        pthread_mutex_unlock(&c->lock);
    }

    /* The caller's own share, from the same counter. */
    double slowest = 0;
    uint64_t w = gen << ITEM_BITS;
    while (claim_item(w) < (uint64_t)items) {
        if (atomic_compare_exchange_weak_explicit(&c->claim, &w, w + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            double t0 = monotonic_seconds();
            run_item(c, fn, ctx, args, gen, (int)claim_item(w), 0);
            double took = monotonic_seconds() - t0;
            slowest = took > slowest ? took : slowest;
            w = atomic_load_explicit(&c->claim, memory_order_acquire);
        }
    }

    /* The helpers' items. One still open after the wait is run here too:
     * its helper has most likely lost its core. */
    const double patience = slowest > 0 ? 2 * slowest + PATIENCE_S : IDLE_PATIENCE_S;
    const uint64_t open = gen << 2 | OPEN, written = gen << 2 | WRITTEN;
    for (int i = 0; i < items; i++) {
        double since = -1;
        for (;;) {
            uint64_t s = atomic_load_explicit(&c->state[i], memory_order_acquire);
            if (s == written)
                break;
            if (s == open) {
                double now = monotonic_seconds();
                if (since < 0)
                    since = now;
                else if (now - since > patience) {
                    run_item(c, fn, ctx, args, gen, i, 0);
                    continue;
                }
            }
            relax();
        }
    }
}
