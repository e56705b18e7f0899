/* GFLOP/s of recur_sgemm (whatever the build links: OpenBLAS here) and of the
 * portable kernels at 2048^3 and at the shapes the recurrent layers use.
 * Usage: bench_gemm [threads]   (default 2) */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gemm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef void (*gemm_fn)(int, int, int, int, int, float, const float *, int, const float *, int,
                        float, float *, int);

/* Best of 3 timings, each repeating the product for at least 0.15 s. */
static double gflops(gemm_fn fn, int ta, int tb, int m, int n, int k, float beta)
{
    float *a = malloc((size_t)m * k * sizeof *a), *b = malloc((size_t)k * n * sizeof *b);
    float *c = malloc((size_t)m * n * sizeof *c);
    for (size_t i = 0; i < (size_t)m * k; i++)
        a[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)k * n; i++)
        b[i] = (float)(i % 5) * 0.1f;
    memset(c, 0, (size_t)m * n * sizeof *c);
    int lda = ta ? m : k, ldb = tb ? k : n;
    fn(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, n); /* warm up */
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        int iters = 0;
        double t0 = now(), t;
        do {
            fn(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, n);
            iters++;
            t = now() - t0;
        } while (t < 0.15);
        if (t / iters < best)
            best = t / iters;
    }
    free(a), free(b), free(c);
    return 2.0 * m * n * k / best * 1e-9;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    recur_blas_set_threads(threads);
    char desc[128];
    recur_blas_describe(desc, sizeof desc);
    printf("recur_sgemm: %s; portable with %d thread(s)\n\n", desc, threads);
    static const struct {
        int ta, tb, m, n, k;
        float beta;
        const char *what;
    } shapes[] = {
        {0, 0, 2048, 2048, 2048, 0.0f, "square"},
        {0, 0, 50, 512, 128, 0.0f, "input projection, one step (B50, H128, 4H gates)"},
        {0, 0, 2500, 512, 128, 0.0f, "input projection, all steps (B50 x T50)"},
        {1, 0, 512, 128, 2500, 1.0f, "weight gradient X^T dY over T50 x B50"},
        {0, 1, 2500, 128, 512, 0.0f, "input gradient dY W^T"},
        {0, 0, 20, 800, 200, 0.0f, "PTB small, one step (B20, H200, 4H gates)"},
        {0, 1, 400, 10000, 200, 0.0f, "PTB small output layer (B20 x T20, V10k)"},
        {0, 0, 50, 2048, 512, 0.0f, "LSTM 512, one step (B50, 4H gates)"},
    };
    printf("| op | m | n | k | use | recur_sgemm GFLOP/s | portable GFLOP/s |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        double g1 = gflops(recur_sgemm, shapes[s].ta, shapes[s].tb, shapes[s].m, shapes[s].n,
                           shapes[s].k, shapes[s].beta);
        double g2 = gflops(recur_sgemm_portable, shapes[s].ta, shapes[s].tb, shapes[s].m,
                           shapes[s].n, shapes[s].k, shapes[s].beta);
        printf("| %s%s | %d | %d | %d | %s | %.1f | %.1f |\n", shapes[s].ta ? "T" : "N",
               shapes[s].tb ? "T" : "N", shapes[s].m, shapes[s].n, shapes[s].k, shapes[s].what,
               g1, g2);
        fflush(stdout);
    }
    return 0;
}
