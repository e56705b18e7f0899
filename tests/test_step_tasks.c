/* The step loop shared among threads as tasks (nn/step_tasks.h): every
 * (stream, step) runs exactly once, each stream's steps in the pass's
 * order; a thread made slow does fewer tasks than a fast one; and a
 * recurrent layer's step loop (outputs, cell states, the gradients it
 * propagates and the gate gradients it leaves) is bitwise the same on 1, 2,
 * 3 and 4 threads, whichever thread ran which task. (The window's large
 * products around the loop are cut into slabs by core/gemm.c, whose numbers
 * may change with the cut where OpenBLAS takes its small-matrix kernels;
 * test_gemm checks those.) */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gemm.h"
#include "core/rng.h"
#include "nn/cells.h"
#include "nn/recurrent.h"
#include "nn/step_tasks.h"
#include "test.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

enum { MAX_B = 64, MAX_T = 64, MAX_THREADS = 8 };

typedef struct visit_log {
    int B, T, reverse, slow_thread;
    int runs[MAX_B][MAX_T];  /* times each (stream, step) ran */
    int next[MAX_B];         /* the step each stream must run next */
    int in_order;            /* every task began where its streams stood */
    long steps_by[MAX_THREADS];
} visit_log;

static int thread_id(void)
{
#ifdef RECUR_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A group's tasks run one after another (the group passes between threads
 * through the pool's atomics), so the per-stream records need no locks. */
static void record(void *ctx, int b0, int b1, int t0, int t1)
{
    visit_log *v = ctx;
    int id = thread_id();
    for (int b = b0; b < b1; b++) {
        if (v->next[b] != (v->reverse ? t1 - 1 : t0))
            v->in_order = 0;
        for (int t = t0; t < t1; t++)
            v->runs[b][t]++;
        v->next[b] = v->reverse ? t0 - 1 : t1;
    }
    if (id < MAX_THREADS) {
#pragma omp atomic
        v->steps_by[id] += (long)(b1 - b0) * (t1 - t0);
    }
    if (v->slow_thread >= 0) {
        /* Busy, not asleep: a sleep's wake-up on a loaded machine can
         * take longer than the slow thread's whole task. */
        double until = now() + (id == v->slow_thread ? 2e-3 : 1e-4);
        while (now() < until) {
        }
    }
}

static void check_coverage(int threads, int B, int T, int reverse)
{
    static visit_log v;
    memset(&v, 0, sizeof v);
    v.B = B, v.T = T, v.reverse = reverse, v.in_order = 1, v.slow_thread = -1;
    for (int b = 0; b < B; b++)
        v.next[b] = reverse ? T - 1 : 0;
#ifdef RECUR_HAVE_OPENMP
    omp_set_num_threads(threads);
#endif
    rnn_run_step_tasks(B, T, reverse, 1, record, &v);
    int once = 1;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            once &= v.runs[b][t] == 1;
    CHECK_MSG(once, "threads %d, B %d, T %d%s: a (stream, step) ran other than once", threads, B, T,
              reverse ? " reverse" : "");
    CHECK_MSG(v.in_order, "threads %d, B %d, T %d%s: a stream's steps out of order", threads, B, T,
              reverse ? " reverse" : "");
}

/* Thread 1 takes 2 ms for each of its tasks, thread 0 0.1 ms. */
static void check_slow_thread_does_less(void)
{
#ifdef RECUR_HAVE_OPENMP
    static visit_log v;
    memset(&v, 0, sizeof v);
    v.B = 50, v.T = 50, v.in_order = 1, v.slow_thread = 1;
    for (int b = 0; b < 50; b++)
        v.next[b] = 0;
    omp_set_num_threads(2);
    rnn_run_step_tasks(50, 50, 0, 1, record, &v);
    printf("slow thread: %ld of %d stream-steps (fast: %ld)\n", v.steps_by[1], 50 * 50, v.steps_by[0]);
    CHECK_MSG(v.steps_by[0] + v.steps_by[1] == 50 * 50, "%ld + %ld stream-steps", v.steps_by[0], v.steps_by[1]);
    CHECK(v.in_order);
    CHECK_MSG(v.steps_by[1] < v.steps_by[0], "the slow thread ran %ld stream-steps, the fast one %ld", v.steps_by[1],
              v.steps_by[0]);
#endif
}

static float *randn(size_t n, float scale, recur_rng *rng)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = scale * recur_rng_normal(rng);
    return p;
}

typedef struct layer_result {
    float *hs, *cs, *gates, *aux, *dh, *dx, *g_ih, *g_hh, *gb_ih, *gb_hh, *g_peep, *dh0, *dc0, *dgx;
} layer_result;

/* One forward and backward pass of a layer on `threads` threads. */
static layer_result run_layer(const rnn_shape *s, const rnn_weights *w, const float *x, const float *h0,
                              const float *c0, const float *dh_top, int threads)
{
    const size_t G = (size_t)rnn_gate_count(s->cell), H = (size_t)s->H, I = (size_t)s->I;
    const size_t TB = (size_t)s->T * s->B, BH = (size_t)s->B * H;
    layer_result r = {
        .hs = calloc(BH * (s->T + 1), sizeof(float)), .cs = calloc(BH * (s->T + 1), sizeof(float)),
        .gates = calloc(TB * G * H, sizeof(float)), .aux = calloc(TB * H, sizeof(float)),
        .dh = malloc(TB * H * sizeof(float)), .dx = calloc(TB * I, sizeof(float)),
        .g_ih = calloc(G * H * I, sizeof(float)), .g_hh = calloc(G * H * H, sizeof(float)),
        .gb_ih = calloc(G * H, sizeof(float)), .gb_hh = calloc(G * H, sizeof(float)),
        .g_peep = calloc(3 * H, sizeof(float)), .dh0 = calloc(BH, sizeof(float)), .dc0 = calloc(BH, sizeof(float)),
    };
    float *step = calloc(BH * G, sizeof(float)), *scratch = calloc(rnn_backward_scratch(s), sizeof(float));
    float *packed = rnn_packing_pays(s) ? calloc(rnn_packed_size(s), sizeof(float)) : NULL;
    memcpy(r.hs, h0, BH * sizeof(float));
    memcpy(r.cs, c0, BH * sizeof(float));
    memcpy(r.dh, dh_top, TB * H * sizeof(float));
    rnn_cache cache = {.hs = r.hs, .cs = s->cell == RECUR_CELL_LSTM ? r.cs : NULL, .gates = r.gates,
                       .aux = r.aux, .step = step, .packed = packed};
    rnn_grads g = {r.g_ih, r.g_hh, r.gb_ih, r.gb_hh, w->w_peep ? r.g_peep : NULL};
    recur_blas_set_threads(threads); /* the BLAS at one thread a call: the layers split their streams */
    rnn_forward(s, w, x, &cache);
    rnn_backward(s, w, &g, x, &cache, r.dh, r.dx, scratch, r.dh0, s->cell == RECUR_CELL_LSTM ? r.dc0 : NULL);
    r.dgx = scratch; /* the gate gradients (and the GRU's hidden side) the step loop left */
    free(step), free(packed);
    return r;
}

static void result_free(layer_result *r)
{
    free(r->hs), free(r->cs), free(r->gates), free(r->aux), free(r->dh), free(r->dx);
    free(r->g_ih), free(r->g_hh), free(r->gb_ih), free(r->gb_hh), free(r->g_peep), free(r->dh0), free(r->dc0), free(r->dgx);
}

static int same(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof *a) == 0; }

static void check_bitwise(recur_cell cell, int peephole, int T, int B, int I, int H)
{
    rnn_shape s = {T, B, I, H, cell, peephole};
    const size_t G = (size_t)rnn_gate_count(cell), TB = (size_t)T * B, BH = (size_t)B * H;
    recur_rng rng;
    recur_rng_seed(&rng, 5);
    float *w_ih = randn(G * H * I, 0.3f, &rng), *w_hh = randn(G * H * H, 0.3f, &rng);
    float *b_ih = randn(G * H, 0.2f, &rng), *b_hh = randn(G * H, 0.2f, &rng);
    float *w_peep = randn(3 * (size_t)H, 0.3f, &rng);
    float *x = randn(TB * I, 1.0f, &rng), *h0 = randn(BH, 0.5f, &rng), *c0 = randn(BH, 0.5f, &rng);
    float *dh_top = randn(TB * H, 1.0f, &rng);
    rnn_weights w = {w_ih, w_hh, b_ih, b_hh, peephole ? w_peep : NULL};
    layer_result one = run_layer(&s, &w, x, h0, c0, dh_top, 1);
    CHECK(recur_gemm_concurrent_ok()); /* or the layers would not split */
    for (int threads = 2; threads <= 4; threads++) {
        layer_result r = run_layer(&s, &w, x, h0, c0, dh_top, threads);
        int ok = same(one.hs, r.hs, BH * (T + 1)) && same(one.gates, r.gates, TB * G * H) &&
                 same(one.dh, r.dh, TB * H) && same(one.dgx, r.dgx, rnn_backward_scratch(&s)) && same(one.dh0, r.dh0, BH) &&
                 same(one.dc0, r.dc0, BH) && (cell != RECUR_CELL_LSTM || same(one.cs, r.cs, BH * (T + 1)));
        CHECK_MSG(ok, "%s%s T=%d B=%d H=%d: %d threads differ from 1", recur_cell_name(cell),
                  peephole ? " peephole" : "", T, B, H, threads);
        result_free(&r);
    }
    result_free(&one);
    free(w_ih), free(w_hh), free(b_ih), free(b_hh), free(w_peep), free(x), free(h0), free(c0), free(dh_top);
}

int main(void)
{
    const int Bs[] = {8, 13, 50, 64}, Ts[] = {1, 3, 50};
    for (int threads = 1; threads <= 4; threads++)
        for (size_t i = 0; i < sizeof Bs / sizeof *Bs; i++)
            for (size_t j = 0; j < sizeof Ts / sizeof *Ts; j++)
                for (int reverse = 0; reverse < 2; reverse++)
                    check_coverage(threads, Bs[i], Ts[j], reverse);
    check_slow_thread_does_less();
    const recur_cell cells[] = {RECUR_CELL_LSTM, RECUR_CELL_GRU, RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) {
        check_bitwise(cells[i], 0, 11, 50, 64, 64);   /* 4 groups of the streams on 2 threads */
        check_bitwise(cells[i], 0, 5, 20, 128, 128);  /* fewer streams: a group a thread */
    }
    check_bitwise(RECUR_CELL_LSTM, 1, 11, 50, 64, 64);
    return test_report();
}
