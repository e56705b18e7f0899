/* Softmax and cross-entropy fused in one pass per row; the gradient is written
 * over the logits, so no second [n][V] array is needed. */
#include <math.h>

#include "core/reduce.h"
#include "core/vmath.h"
#include "nn/layers.h"
#include "nn/softmax.h"

double softmax_row_xent(float *z, int V, int32_t target, double *sum)
{
    float zmax = recur_fmax(z, (size_t)V);
    float target_logit = z[target];
    for (int j = 0; j < V; j++)
        z[j] -= zmax;
    recur_vexp(z, z, (size_t)V);
    double s = recur_dsum(z, (size_t)V);
    *sum = s;
    return log(s) - (double)(target_logit - zmax);
}

double softmax_xent(float *logits, int V, const int32_t *targets, size_t n, float grad_scale)
{
    double total = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : total) if (n * (size_t)V >= 32768)
    for (size_t r = 0; r < n; r++) {
        float *z = logits + r * (size_t)V;
        double sum;
        total += softmax_row_xent(z, V, targets[r], &sum);
        if (grad_scale != 0.0f) {
            float scale = (float)(grad_scale / sum);
            for (int j = 0; j < V; j++)
                z[j] *= scale;
            z[targets[r]] -= grad_scale;
        }
    }
    return total;
}

void softmax_probs(const float *z, int V, float *p)
{
    float zmax = z[0];
    for (int j = 1; j < V; j++)
        zmax = z[j] > zmax ? z[j] : zmax;
    double sum = 0;
    for (int j = 0; j < V; j++)
        sum += exp((double)(z[j] - zmax));
    for (int j = 0; j < V; j++)
        p[j] = (float)(exp((double)(z[j] - zmax)) / sum);
}
