#define _POSIX_C_SOURCE 200809L
#include "nn/step_tasks.h"

#include "core/threads.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
#endif

#ifdef RECUR_HAVE_OPENMP
enum { MAX_GROUPS = 32, MAX_THREADS = 32, MAX_BLOCKS = 8, MIN_GROUP = 8 };

typedef struct task_pool {
    int B, T, groups, blocks, reverse;
    rnn_task_fn fn;
    void *ctx;
    atomic_int next[MAX_GROUPS];      /* blocks of each group done */
    atomic_int owner[MAX_GROUPS];     /* thread running the group, -1: free */
    atomic_int left;                  /* blocks not done yet */
    atomic_int idle[MAX_THREADS];     /* the thread found nothing free to take */
    _Atomic float cost[MAX_THREADS];  /* its seconds per stream-step so far; 0: none yet */
} task_pool;

/* Streams [b0, b1) of group g and steps [t0, t1) of its block k. */
static void task_range(const task_pool *p, int g, int k, int *b0, int *b1, int *t0, int *t1)
{
    *b0 = (int)((long)p->B * g / p->groups);
    *b1 = (int)((long)p->B * (g + 1) / p->groups);
    int lo = (int)((long)p->T * k / p->blocks), hi = (int)((long)p->T * (k + 1) / p->blocks);
    *t0 = p->reverse ? p->T - hi : lo;
    *t1 = p->reverse ? p->T - lo : hi;
}

/* Whether another thread waits for work and has run its tasks at least a
 * third faster than this one: then this one hands its group over. */
static int faster_one_waits(task_pool *p, int id, int nt)
{
    float mine = atomic_load(&p->cost[id]);
    for (int j = 0; j < nt; j++) {
        if (j == id || !atomic_load(&p->idle[j]))
            continue;
        float theirs = atomic_load(&p->cost[j]);
        if (theirs > 0.0f && theirs < 0.75f * mine)
            return 1;
    }
    return 0;
}

/* Takes a free group with blocks left, trying `first` first and never
 * `skip`; -1 when none is free. */
static int claim(task_pool *p, int id, int first, int skip)
{
    for (int i = 0; i < p->groups; i++) {
        int g = (first + i) % p->groups, free_mark = -1;
        if (g == skip || atomic_load(&p->next[g]) >= p->blocks)
            continue;
        if (atomic_compare_exchange_strong(&p->owner[g], &free_mark, id)) {
            if (atomic_load(&p->next[g]) < p->blocks)
                return g;
            atomic_store(&p->owner[g], -1); /* finished between the look and the claim */
        }
    }
    return -1;
}

static void work(task_pool *p, int id, int nt)
{
    int g, g_end, skip = -1;
    recur_thread_share(p->groups, 1, id, nt, &g, &g_end); /* starts at its own share's first group */
    double seconds = 0.0, done = 0.0;
    while (atomic_load(&p->left) > 0) {
        int got = claim(p, id, g, skip);
        skip = -1;
        if (got < 0) {
            /* Every group left is someone's: wait for one to be handed over
             * or finished, giving the core to whoever needs it. */
            atomic_store(&p->idle[id], 1);
            sched_yield();
            continue;
        }
        atomic_store(&p->idle[id], 0);
        g = got;
        for (;;) {
            int k = atomic_load(&p->next[g]), b0, b1, t0, t1;
            task_range(p, g, k, &b0, &b1, &t0, &t1);
            double start = omp_get_wtime();
            p->fn(p->ctx, b0, b1, t0, t1);
            seconds += omp_get_wtime() - start;
            done += (double)(b1 - b0) * (t1 - t0);
            atomic_store(&p->cost[id], (float)(seconds / done));
            atomic_store(&p->next[g], k + 1);
            atomic_fetch_sub(&p->left, 1);
            if (k + 1 == p->blocks)
                break;
            if (faster_one_waits(p, id, nt)) {
                skip = g;
                break;
            }
        }
        atomic_store(&p->owner[g], -1);
    }
    atomic_store(&p->idle[id], 0);
}

#endif

void rnn_run_step_tasks(int B, int T, int reverse, int parallel, rnn_task_fn fn, void *ctx)
{
    if (B <= 0 || T <= 0)
        return;
#ifdef RECUR_HAVE_OPENMP
    int nt = parallel && !omp_in_parallel() ? omp_get_max_threads() : 1;
    if (nt > MAX_THREADS)
        nt = MAX_THREADS;
    if (nt > B)
        nt = B;
    if (nt > 1) {
        /* Two groups a thread where each keeps MIN_GROUP streams (a step's
         * product of fewer rows runs the kernels below their pace), else one. */
        int groups = B / MIN_GROUP < 2 * nt ? B / MIN_GROUP : 2 * nt;
        if (groups < nt)
            groups = nt;
        if (groups > MAX_GROUPS)
            groups = MAX_GROUPS;
        task_pool p = {.B = B, .T = T, .groups = groups, .blocks = T < MAX_BLOCKS ? T : MAX_BLOCKS,
                       .reverse = reverse, .fn = fn, .ctx = ctx};
        for (int g = 0; g < groups; g++) {
            atomic_init(&p.next[g], 0);
            atomic_init(&p.owner[g], -1);
        }
        for (int i = 0; i < MAX_THREADS; i++) {
            atomic_init(&p.idle[i], 0);
            atomic_init(&p.cost[i], 0.0f);
        }
        atomic_init(&p.left, groups * p.blocks);
#pragma omp parallel num_threads(nt)
        work(&p, omp_get_thread_num(), omp_get_num_threads());
        return;
    }
#else
    (void)parallel, (void)reverse;
#endif
    fn(ctx, 0, B, 0, T);
}
