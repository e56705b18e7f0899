/* Layer and batch normalisation, forward and backward (see norm.h). The
 * statistics are summed in double: a pre-activation row of a wide layer
 * holds thousands of values whose float sum would lose the small variance of
 * a nearly constant row. */
#include "nn/norm.h"

#include <math.h>

/* Eight partial sums in double, one per lane of j % 8, then added in one
 * order: independent chains the compiler keeps in vector registers, where
 * one running double sum waits on each add. */
enum { LANES = 8 };

static double add_lanes(const double *acc, double tail)
{
    return (((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))) + tail;
}

static double sum_of(const float *x, int d)
{
    double acc[LANES] = {0}, tail = 0.0;
    int j = 0;
    for (; j + LANES <= d; j += LANES)
        for (int k = 0; k < LANES; k++)
            acc[k] += x[j + k];
    for (; j < d; j++)
        tail += x[j];
    return add_lanes(acc, tail);
}

static double squares_about(const float *x, int d, double mean)
{
    double acc[LANES] = {0}, tail = 0.0;
    int j = 0;
    for (; j + LANES <= d; j += LANES)
        for (int k = 0; k < LANES; k++) {
            double e = x[j + k] - mean;
            acc[k] += e * e;
        }
    for (; j < d; j++)
        tail += (x[j] - mean) * (x[j] - mean);
    return add_lanes(acc, tail);
}

void layer_norm_forward(const float *x, size_t n, int d, const float *gain, const float *bias, float *xhat,
                        float *rstd, float *y)
{
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * (size_t)d;
        double mean = sum_of(xr, d) / d;
        float rs = (float)(1.0 / sqrt(squares_about(xr, d, mean) / d + NORM_EPS));
        float m = (float)mean;
        float *hr = xhat + r * (size_t)d, *yr = y + r * (size_t)d;
        for (int j = 0; j < d; j++) {
            float h = (xr[j] - m) * rs;
            hr[j] = h;
            yr[j] = gain[j] * h + (bias ? bias[j] : 0.0f);
        }
        rstd[r] = rs;
    }
}

void layer_norm_backward(const float *xhat, const float *rstd, size_t n, int d, const float *gain, const float *dy,
                         float *dgain, float *dbias, float *dx)
{
    for (size_t r = 0; r < n; r++) {
        const float *hr = xhat + r * (size_t)d, *dr = dy + r * (size_t)d;
        for (int j = 0; j < d; j++)
            dgain[j] += dr[j] * hr[j];
        if (dbias)
            for (int j = 0; j < d; j++)
                dbias[j] += dr[j];
        double acc_g[LANES] = {0}, acc_gh[LANES] = {0}, tail_g = 0.0, tail_gh = 0.0;
        int j = 0;
        for (; j + LANES <= d; j += LANES)
            for (int k = 0; k < LANES; k++) {
                double g = (double)dr[j + k] * gain[j + k];
                acc_g[k] += g;
                acc_gh[k] += g * hr[j + k];
            }
        for (; j < d; j++) {
            double g = (double)dr[j] * gain[j];
            tail_g += g;
            tail_gh += g * hr[j];
        }
        float mg = (float)(add_lanes(acc_g, tail_g) / d), mgh = (float)(add_lanes(acc_gh, tail_gh) / d),
              rs = rstd[r];
        float *xr = dx + r * (size_t)d;
        for (int j2 = 0; j2 < d; j2++)
            xr[j2] = rs * (dr[j2] * gain[j2] - mg - hr[j2] * mgh);
    }
}

void batch_norm_forward(const float *x, size_t n, int d, const float *gain, const float *bias, float *xhat,
                        float *rstd, float *mean, float *var, float *y)
{
    /* Each column's sums run over the rows in order, as one loop per column
     * would, but a block of columns at a time row by row: contiguous reads
     * the compiler vectorises, where a column's walk strides d floats. */
    enum { BLOCK = 64 };
    for (int j0 = 0; j0 < d; j0 += BLOCK) {
        const int w = d - j0 < BLOCK ? d - j0 : BLOCK;
        double sum[BLOCK] = {0}, sq[BLOCK] = {0}, mu[BLOCK];
        for (size_t r = 0; r < n; r++) {
            const float *xr = x + r * (size_t)d + j0;
            for (int k = 0; k < w; k++)
                sum[k] += xr[k];
        }
        for (int k = 0; k < w; k++)
            mu[k] = sum[k] / (double)n;
        for (size_t r = 0; r < n; r++) {
            const float *xr = x + r * (size_t)d + j0;
            for (int k = 0; k < w; k++) {
                double e = xr[k] - mu[k];
                sq[k] += e * e;
            }
        }
        for (int k = 0; k < w; k++) {
            double v = sq[k] / (double)n;
            rstd[j0 + k] = (float)(1.0 / sqrt(v + NORM_EPS));
            mean[j0 + k] = (float)mu[k];
            var[j0 + k] = (float)v;
        }
    }
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * (size_t)d;
        float *hr = xhat + r * (size_t)d, *yr = y + r * (size_t)d;
        for (int j = 0; j < d; j++) {
            float h = (xr[j] - mean[j]) * rstd[j];
            hr[j] = h;
            yr[j] = gain[j] * h + (bias ? bias[j] : 0.0f);
        }
    }
}

void batch_norm_forward_fixed(const float *x, size_t n, int d, const float *gain, const float *bias,
                              const float *mean, const float *var, float *xhat, float *rstd, float *y)
{
    for (int j = 0; j < d; j++)
        rstd[j] = 1.0f / sqrtf(var[j] + NORM_EPS);
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * (size_t)d;
        float *yr = y + r * (size_t)d;
        for (int j = 0; j < d; j++) {
            float h = (xr[j] - mean[j]) * rstd[j];
            if (xhat)
                xhat[r * (size_t)d + j] = h;
            yr[j] = gain[j] * h + (bias ? bias[j] : 0.0f);
        }
    }
}

void batch_norm_backward(const float *xhat, const float *rstd, size_t n, int d, const float *gain, const float *dy,
                         int fixed, float *dgain, float *dbias, float *dx, float *scratch)
{
    float *mean_g = scratch, *mean_gh = scratch + d;
    for (int j = 0; j < d; j++)
        mean_g[j] = mean_gh[j] = 0.0f;
    /* Column sums row by row (contiguous), each in one order. */
    for (size_t r = 0; r < n; r++) {
        const float *hr = xhat + r * (size_t)d, *dr = dy + r * (size_t)d;
        for (int j = 0; j < d; j++) {
            mean_g[j] += dr[j];
            mean_gh[j] += dr[j] * hr[j];
        }
    }
    for (int j = 0; j < d; j++) {
        dgain[j] += mean_gh[j];
        if (dbias)
            dbias[j] += mean_g[j];
        mean_g[j] *= gain[j] / (float)n;
        mean_gh[j] *= gain[j] / (float)n;
    }
    for (size_t r = 0; r < n; r++) {
        const float *hr = xhat + r * (size_t)d, *dr = dy + r * (size_t)d;
        float *xr = dx + r * (size_t)d;
        for (int j = 0; j < d; j++) {
            float g = dr[j] * gain[j];
            xr[j] = fixed ? rstd[j] * g : rstd[j] * (g - mean_g[j] - hr[j] * mean_gh[j]);
        }
    }
}

void batch_norm_update_running(float *run_mean, float *run_var, const float *mean, const float *var, size_t n,
                               int d, float momentum)
{
    float unbias = n > 1 ? (float)n / (float)(n - 1) : 1.0f;
    for (int j = 0; j < d; j++) {
        run_mean[j] = (1.0f - momentum) * run_mean[j] + momentum * mean[j];
        run_var[j] = (1.0f - momentum) * run_var[j] + momentum * unbias * var[j];
    }
}
