/* Exact t-SNE (van der Maaten and Hinton 2008): Gaussian affinities with a
 * per-point bandwidth matching the perplexity, Student-t affinities in 2-D,
 * gradient descent with momentum, gains and early exaggeration. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "recur/w2v.h"

#define TSNE_MAX_POINTS 5000

void recur_tsne_options_default(recur_tsne_options *o)
{
    o->perplexity = 30;
    o->iterations = 1000;
    o->learning_rate = 200;
    o->seed = 1;
}

/* Row i of the conditional affinities p(j|i), found by bisection on the
 * Gaussian precision beta so that the entropy is log(perplexity). */
static void conditional_row(const double *d2, int n, int i, double perplexity, double *p)
{
    double target = log(perplexity), beta = 1.0, lo = 0, hi = INFINITY;
    for (int step = 0; step < 100; step++) {
        double sum = 0, dot = 0;
        for (int j = 0; j < n; j++) {
            p[j] = j == i ? 0.0 : exp(-beta * d2[j]);
            sum += p[j];
            dot += p[j] * d2[j];
        }
        if (sum <= 0) {
            /* All too far for this beta: widen. */
            hi = beta;
            beta = (lo + hi) / 2;
            continue;
        }
        double entropy = log(sum) + beta * dot / sum;
        for (int j = 0; j < n; j++)
            p[j] /= sum;
        double diff = entropy - target;
        if (fabs(diff) < 1e-5)
            break;
        if (diff > 0) {
            lo = beta;
            beta = isinf(hi) ? beta * 2 : (beta + hi) / 2;
        } else {
            hi = beta;
            beta = (beta + lo) / 2;
        }
    }
}

recur_status recur_tsne(const float *x, int n, int dim, const recur_tsne_options *o, float *y,
                        recur_error *err)
{
    if (n < 2 || n > TSNE_MAX_POINTS)
        return recur_fail(err, RECUR_E_ARG, "t-SNE of %d points: need 2 to %d", n, TSNE_MAX_POINTS);
    if (dim < 1 || o->iterations < 1 || !(o->perplexity > 0) || !(o->learning_rate > 0))
        return recur_fail(err, RECUR_E_ARG, "t-SNE: bad dimension, iterations, perplexity or learning rate");
    double perplexity = o->perplexity;
    if (perplexity > (n - 1) / 3.0)
        perplexity = (n - 1) / 3.0 > 1 ? (n - 1) / 3.0 : 1.0;
    size_t nn = (size_t)n * (size_t)n;
    float *P = malloc(nn * sizeof *P);
    double *d2 = malloc((size_t)n * sizeof *d2), *row = malloc((size_t)n * sizeof *row);
    double *Y = malloc((size_t)n * 2 * sizeof *Y), *grad = malloc((size_t)n * 2 * sizeof *grad);
    double *update = calloc((size_t)n * 2, sizeof *update), *gains = malloc((size_t)n * 2 * sizeof *gains);
    if (!P || !d2 || !row || !Y || !grad || !update || !gains) {
        free(P), free(d2), free(row), free(Y), free(grad), free(update), free(gains);
        return recur_fail_nomem(err, "t-SNE");
    }
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * (size_t)dim;
        for (int j = 0; j < n; j++) {
            const float *xj = x + (size_t)j * (size_t)dim;
            double s = 0;
            for (int c = 0; c < dim; c++) {
                double t = (double)xi[c] - xj[c];
                s += t * t;
            }
            d2[j] = s;
        }
        conditional_row(d2, n, i, perplexity, row);
        for (int j = 0; j < n; j++)
            P[(size_t)i * n + j] = (float)row[j];
    }
    /* Symmetric joint affinities. */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            float v = (P[(size_t)i * n + j] + P[(size_t)j * n + i]) / (2.0f * (float)n);
            v = v > 1e-12f ? v : 1e-12f;
            P[(size_t)i * n + j] = P[(size_t)j * n + i] = v;
        }
    recur_rng rng;
    recur_rng_seed(&rng, o->seed);
    for (int i = 0; i < 2 * n; i++) {
        Y[i] = 1e-4 * recur_rng_normal(&rng);
        gains[i] = 1.0;
    }
    int exaggerate_until = o->iterations / 4 < 250 ? o->iterations / 4 : 250;
    for (int it = 0; it < o->iterations; it++) {
        double exag = it < exaggerate_until ? 12.0 : 1.0, momentum = it < exaggerate_until ? 0.5 : 0.8;
        double zsum = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
                zsum += 2.0 / (1.0 + dx * dx + dy * dy);
            }
        memset(grad, 0, (size_t)n * 2 * sizeof *grad);
        for (int i = 0; i < n; i++) {
            const float *Pi = P + (size_t)i * n;
            double gx = 0, gy = 0;
            for (int j = 0; j < n; j++) {
                if (j == i)
                    continue;
                double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
                double num = 1.0 / (1.0 + dx * dx + dy * dy);
                double m = (exag * Pi[j] - num / zsum) * num;
                gx += m * dx;
                gy += m * dy;
            }
            grad[2 * i] = 4 * gx;
            grad[2 * i + 1] = 4 * gy;
        }
        double mean[2] = {0, 0};
        for (int k = 0; k < 2 * n; k++) {
            gains[k] = (grad[k] > 0) != (update[k] > 0) ? gains[k] + 0.2 : gains[k] * 0.8;
            if (gains[k] < 0.01)
                gains[k] = 0.01;
            update[k] = momentum * update[k] - o->learning_rate * gains[k] * grad[k];
            Y[k] += update[k];
            mean[k & 1] += Y[k];
        }
        for (int k = 0; k < 2 * n; k++)
            Y[k] -= mean[k & 1] / n;
    }
    int finite = 1;
    for (int k = 0; k < 2 * n; k++) {
        y[k] = (float)Y[k];
        finite &= isfinite(y[k]);
    }
    free(P), free(d2), free(row), free(Y), free(grad), free(update), free(gains);
    return finite ? RECUR_OK : recur_fail(err, RECUR_E_NONFINITE, "t-SNE diverged (try a lower learning rate)");
}
