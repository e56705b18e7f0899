/* GFLOP/s on one thread of the per-step recurrent product: recur_sgemm
 * (the BLAS, packing W_hh on every call) against recur_sgemm_packed (W_hh
 * packed once per window), at the shapes a training step runs: m streams
 * (a group of the step loop: 8-13 for batch 50 at 2 threads; 50 for one
 * group) times W_hh, forward (n = G x H, k = H) and backward (n = H,
 * k = G x H). The numbers decide rnn_packing_pays (src/nn/recurrent.c).
 * Usage: bench_packed */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gemm.h"
#include "core/gemm_packed.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds a product, best of 5 timings of at least 0.05 s each. */
static double seconds(int packed, int trans, int m, int n, int k, const float *a, const float *w,
                      const float *wp, float *c)
{
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        int iters = 0;
        double t0 = now(), t;
        do {
            if (packed)
                recur_sgemm_packed(m, n, k, a, k, wp, c, n);
            else
                recur_sgemm(0, trans, m, n, k, 1.0f, a, k, w, trans ? k : n, 1.0f, c, n);
            iters++;
            t = now() - t0;
        } while (t < 0.05);
        if (t / iters < best)
            best = t / iters;
    }
    return best;
}

static void row(const char *what, int m, int n, int k, int trans)
{
    float *a = malloc((size_t)m * k * sizeof *a), *w = malloc((size_t)k * n * sizeof *w);
    float *c = calloc((size_t)m * n, sizeof *c), *wp = malloc(recur_packed_size(k, n) * sizeof *wp);
    for (size_t i = 0; i < (size_t)m * k; i++)
        a[i] = (float)(i % 7) * 0.01f;
    for (size_t i = 0; i < (size_t)k * n; i++)
        w[i] = (float)(i % 5) * 0.01f;
    double t0 = now();
    recur_pack_b(trans, k, n, w, trans ? k : n, wp);
    double pack = now() - t0;
    double blas = seconds(0, trans, m, n, k, a, w, wp, c), mine = seconds(1, trans, m, n, k, a, w, wp, c);
    double flop = 2.0 * m * n * k;
    printf("%-22s %4d %5d %5d  %7.1f  %7.1f  %5.2fx  %6.0f\n", what, m, n, k, flop / blas * 1e-9,
           flop / mine * 1e-9, blas / mine, pack * 1e6);
    free(a), free(w), free(c), free(wp);
}

int main(void)
{
    recur_blas_set_threads(1);
    char desc[128];
    recur_blas_describe(desc, sizeof desc);
    const char *kernels = "plain C";
#if defined(__AVX512F__)
    kernels = "AVX-512";
#elif defined(__AVX2__) && defined(__FMA__)
    kernels = "AVX2";
#endif
    printf("recur_sgemm: %s, 1 thread; packed kernels: %s\n\n", desc, kernels);
    printf("%-22s %4s %5s %5s  %7s  %7s  %6s  %6s\n", "shape", "m", "n", "k", "BLAS", "packed", "ratio",
           "pack us");
    static const struct {
        const char *what;
        int G, H;
    } cells[] = {{"LSTM 512", 4, 512}, {"GRU 512", 3, 512}, {"RNN 512", 1, 512}, {"LSTM 200", 4, 200},
                 {"LSTM 128", 4, 128}};
    static const int ms[] = {8, 13, 25, 50};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
        for (size_t j = 0; j < sizeof ms / sizeof *ms; j++) {
            char what[64];
            int G = cells[i].G, H = cells[i].H;
            snprintf(what, sizeof what, "%s forward", cells[i].what);
            row(what, ms[j], G * H, H, 1);
            snprintf(what, sizeof what, "%s backward", cells[i].what);
            row(what, ms[j], H, G * H, 0);
        }
    return 0;
}
