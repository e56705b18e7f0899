/* GFLOP/s of recur_sgemv (OpenBLAS here) and the portable gemv at the
 * batch-1 sampling shapes. Usage: bench_gemv [threads] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/gemm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef void (*gemv_fn)(int, int, int, float, const float *, int, const float *, float, float *);

static double gflops(gemv_fn fn, int trans, int m, int n)
{
    float *a = malloc((size_t)m * n * sizeof *a), *x = malloc((size_t)(m + n) * sizeof *x);
    float *y = malloc((size_t)(m + n) * sizeof *y);
    for (size_t i = 0; i < (size_t)m * n; i++)
        a[i] = (float)(i % 7) * 0.1f;
    for (int i = 0; i < m + n; i++)
        x[i] = y[i] = 0.5f;
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        int iters = 0;
        double t0 = now(), t;
        do {
            fn(trans, m, n, 1.0f, a, n, x, 0.0f, y);
            iters++;
            t = now() - t0;
        } while (t < 0.1);
        if (t / iters < best)
            best = t / iters;
    }
    free(a), free(x), free(y);
    return 2.0 * m * n / best * 1e-9;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    recur_blas_set_threads(threads);
    static const struct {
        int trans, m, n;
        const char *what;
    } shapes[] = {{0, 2048, 512, "LSTM 512 recurrent step, batch 1"},
                  {1, 512, 2048, "same, transposed storage"},
                  {0, 800, 200, "PTB small gates, batch 1"},
                  {0, 10000, 200, "PTB output layer, batch 1"}};
    printf("| op | m | n | use | recur_sgemv GFLOP/s | portable GFLOP/s |\n|---|---|---|---|---|---|\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        printf("| %s | %d | %d | %s | %.1f | %.1f |\n", shapes[s].trans ? "T" : "N", shapes[s].m,
               shapes[s].n, shapes[s].what, gflops(recur_sgemv, shapes[s].trans, shapes[s].m, shapes[s].n),
               gflops(recur_sgemv_portable, shapes[s].trans, shapes[s].m, shapes[s].n));
    return 0;
}
