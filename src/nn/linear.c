/* The linear decoder (PyTorch nn.Linear): y = x W^T + b. */
#include <string.h>

#include "core/gemm.h"
#include "nn/layers.h"

void linear_forward(const float *w, const float *b, int I, int O, const float *x, size_t n, float *y)
{
#pragma omp parallel for schedule(static) if (n * (size_t)O >= 65536)
    for (size_t r = 0; r < n; r++)
        memcpy(y + r * (size_t)O, b, (size_t)O * sizeof *y);
    recur_sgemm(0, 1, (int)n, O, I, 1.0f, x, I, w, I, 1.0f, y, O);
}

void linear_backward(const float *w, float *dw, float *db, int I, int O, const float *x, size_t n,
                     const float *dy, float *dx)
{
    recur_sgemm(1, 0, O, I, (int)n, 1.0f, dy, O, x, I, 1.0f, dw, I);
    /* Column sums, threads over blocks of columns (one summation order). */
    enum { BLOCK = 64 };
#pragma omp parallel for schedule(static) if (n * (size_t)O >= 65536)
    for (int j0 = 0; j0 < O; j0 += BLOCK) {
        int j1 = j0 + BLOCK < O ? j0 + BLOCK : O;
        for (size_t r = 0; r < n; r++) {
            const float *row = dy + r * (size_t)O;
            for (int j = j0; j < j1; j++)
                db[j] += row[j];
        }
    }
    if (dx)
        recur_sgemm(0, 0, (int)n, I, O, 1.0f, dy, O, w, I, 0.0f, dx, I);
}
