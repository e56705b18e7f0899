/* The crew (core/crew.h): every item of every phase is written exactly
 * once, with the phase's own arguments; a helper that stalls in an item
 * holds nobody up, its item is run again by the caller, and its late write
 * is refused; helpers that fell asleep between phases wake for the next. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/crew.h"
#include "test.h"

enum { MAX_ITEMS = 64, HELPERS = 2 };

typedef struct {
    uint64_t out[MAX_ITEMS];
    _Atomic int writes[MAX_ITEMS];
    _Atomic int bad_worker, by_helpers;
    /* the stall test */
    _Atomic int stall;         /* helpers sleep this many ms in an item before asking to write */
    int busy_us;               /* the caller's items take this long */
    _Atomic int stalled, late_refused, helper_woke;
    int writer[MAX_ITEMS];
} job;

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* What an item computes from its phase's arguments. */
static uint64_t mix(const int args[CREW_ARGS], int item)
{
    uint64_t v = (uint64_t)args[0] * 1000003u + (uint64_t)args[1] * (uint64_t)item;
    v += (uint64_t)args[2] - (uint64_t)args[3];
    for (int i = 0; i < 200; i++)
        v = v * 6364136223846793005u + 1442695040888963407u;
    return v;
}

static void item_fn(void *ctx, const int args[CREW_ARGS], int item, int worker, crew_turn *turn)
{
    job *j = ctx;
    if (worker < 0 || worker > HELPERS)
        j->bad_worker = 1;
    /* some arithmetic of the phase's arguments, computed privately first */
    uint64_t v = mix(args, item);
    if (worker != 0 && j->stall) {
        j->stalled++;
        sleep_ms(j->stall);
        j->helper_woke = 1;
        if (!crew_write(turn))
            j->late_refused++;
        return;
    }
    if (j->busy_us) {
        double t0 = now_s();
        while (now_s() - t0 < 1e-6 * j->busy_us)
            ;
    }
    if (!crew_write(turn))
        return;
    j->out[item] = v;
    j->writes[item]++;
    j->writer[item] = worker;
    if (worker != 0)
        j->by_helpers++;
}

static job *new_job(void)
{
    job *j = calloc(1, sizeof *j);
    CHECK(j != NULL);
    return j;
}

/* The plain arrays by memset, the atomic one element by element: with one
 * loop storing to both kinds, GCC 12.2 at -O1 and above dropped every
 * call of this function (the job was never cleared). */
static void reset(job *j)
{
    memset(j->out, 0, sizeof j->out);
    memset(j->writer, 0xff, sizeof j->writer); /* -1 */
    for (int i = 0; i < MAX_ITEMS; i++)
        atomic_store(&j->writes[i], 0);
}

/* Many phases back to back, and some with pauses long enough for the
 * helpers to fall asleep: each ends with every item written once. */
static void check_phases(crew *c, job *j)
{
    int wrong = 0, phases = 3000;
    for (int p = 0; p < phases; p++) {
        int items = 1 + p * 7 % MAX_ITEMS;
        int args[CREW_ARGS] = {p, 3 * p + 1, p % 5, 11};
        reset(j);
        crew_run(c, item_fn, j, args, items);
        for (int i = 0; i < items; i++)
            wrong += j->writes[i] != 1 || j->out[i] != mix(args, i);
        for (int i = items; i < MAX_ITEMS; i++)
            wrong += j->writes[i] != 0;
        if (p % 500 == 499)
            sleep_ms(5); /* past the helpers' spin: they sleep */
    }
    CHECK_MSG(wrong == 0, "%d items of %d phases written other than once or wrongly", wrong, phases);
    CHECK(j->bad_worker == 0);
    fprintf(stderr, "crew: %d of the items written by helpers\n", j->by_helpers);
}

/* Helpers that stall inside an item: the caller runs their items again
 * and returns without them. */
static void check_stall(void)
{
    recur_error err = {0};
    crew *c = NULL;
    CHECK(crew_create(HELPERS, MAX_ITEMS, &c, &err) == RECUR_OK);
    job *j = new_job();
    reset(j);
    j->stall = 400;
    j->busy_us = 200; /* long enough for a sleeping helper to wake and claim */
    int args[CREW_ARGS] = {7, 8, 9, 10};
    const int items = 16;
    /* phases until a helper has taken an item (usually the first) */
    int tries = 0;
    while (j->stalled == 0 && tries++ < 200) {
        reset(j);
        crew_run(c, item_fn, j, args, items);
        if (j->stalled == 0)
            sleep_ms(1);
    }
    CHECK_MSG(j->stalled > 0, "no helper took an item in %d phases", tries);
    CHECK_MSG(j->helper_woke == 0, "crew_run waited for a stalled helper");
    int wrong = 0;
    for (int i = 0; i < items; i++)
        wrong += j->writes[i] != 1 || j->writer[i] != 0 || j->out[i] != mix(args, i);
    CHECK_MSG(wrong == 0, "%d items not written once by the caller", wrong);
    int stalled = j->stalled;
    /* a next phase goes on while the helpers still sleep in the last */
    int args2[CREW_ARGS] = {1, 2, 3, 4};
    j->stall = 0;
    reset(j);
    crew_run(c, item_fn, j, args2, items);
    for (int i = 0; i < items; i++)
        wrong += j->writes[i] != 1 || j->out[i] != mix(args2, i);
    CHECK(wrong == 0);
    crew_free(c); /* joins the helpers, once they have woken */
    CHECK_MSG(j->late_refused == stalled, "%d of %d late writes refused", j->late_refused, stalled);
    free(j);
}

int main(void)
{
    recur_error err = {0};
    crew *c = NULL;
    CHECK(crew_create(0, 4, &c, &err) == RECUR_E_ARG && c == NULL);
    CHECK(crew_create(1, 0, &c, &err) == RECUR_E_ARG && c == NULL);
    CHECK(crew_create(HELPERS, MAX_ITEMS, &c, &err) == RECUR_OK && c != NULL);
    job *j = new_job();
    check_phases(c, j);
    crew_run(c, item_fn, j, (int[CREW_ARGS]){0}, 0); /* nothing to do */
    crew_free(c);
    free(j);
    crew_free(NULL);
    check_stall();
    return test_report();
}
