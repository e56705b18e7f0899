/* Throughput (elements per ns) of the array nonlinearities against plain
 * libm loops, on a 4096-element array (in L1/L2, as in a layer's gate block). */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/vmath.h"

#define N 4096

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void libm_exp(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = expf(x[i]);
}
static void libm_sigmoid(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = 1.0f / (1.0f + expf(-x[i]));
}
static void libm_tanh(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

typedef void (*vmap_fn)(float *, const float *, size_t);

static float sink;

static double rate(vmap_fn fn, const float *x, float *y)
{
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        int iters = 0;
        double t0 = now(), t;
        do {
            fn(y, x, N);
            sink += y[iters % N];
            iters++;
            t = now() - t0;
        } while (t < 0.05);
        if (t / iters < best)
            best = t / iters;
    }
    return N / (best * 1e9);
}

int main(void)
{
    static float x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = -8.0f + 16.0f * (float)i / N;
    static const struct {
        const char *name;
        vmap_fn libm, vec, scalar;
    } fns[] = {{"exp", libm_exp, recur_vexp, recur_vexp_scalar},
               {"sigmoid", libm_sigmoid, recur_vsigmoid, recur_vsigmoid_scalar},
               {"tanh", libm_tanh, recur_vtanh, recur_vtanh_scalar}};
    printf("| function | libm loop (elem/ns) | recur array (elem/ns) | recur scalar loop (elem/ns) |\n");
    printf("|---|---|---|---|\n");
    for (int f = 0; f < 3; f++)
        printf("| %s | %.2f | %.2f | %.2f |\n", fns[f].name, rate(fns[f].libm, x, y),
               rate(fns[f].vec, x, y), rate(fns[f].scalar, x, y));
    return sink == 12345.0f;
}
