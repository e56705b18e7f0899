/* Layer and batch normalisation, forward and backward (see norm.h). The
 * statistics are summed in double: a pre-activation row of a wide layer
 * holds thousands of values whose float sum would lose the small variance of
 * a nearly constant row. */
#include "nn/norm.h"

#include <math.h>

void layer_norm_forward(const float *x, size_t n, int d, const float *gain, const float *bias, float *xhat,
                        float *rstd, float *y)
{
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * (size_t)d;
        double sum = 0.0, sq = 0.0;
        for (int j = 0; j < d; j++)
            sum += xr[j];
        double mean = sum / d;
        for (int j = 0; j < d; j++)
            sq += (xr[j] - mean) * (xr[j] - mean);
        float rs = (float)(1.0 / sqrt(sq / d + NORM_EPS));
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
        double sum_g = 0.0, sum_gh = 0.0;
        for (int j = 0; j < d; j++) {
            double g = (double)dr[j] * gain[j];
            sum_g += g;
            sum_gh += g * hr[j];
            dgain[j] += dr[j] * hr[j];
            if (dbias)
                dbias[j] += dr[j];
        }
        float mg = (float)(sum_g / d), mgh = (float)(sum_gh / d), rs = rstd[r];
        float *xr = dx + r * (size_t)d;
        for (int j = 0; j < d; j++)
            xr[j] = rs * (dr[j] * gain[j] - mg - hr[j] * mgh);
    }
}

void batch_norm_forward(const float *x, size_t n, int d, const float *gain, const float *bias, float *xhat,
                        float *rstd, float *mean, float *var, float *y)
{
    for (int j = 0; j < d; j++) {
        double sum = 0.0, sq = 0.0;
        for (size_t r = 0; r < n; r++)
            sum += x[r * (size_t)d + j];
        double mu = sum / (double)n;
        for (size_t r = 0; r < n; r++) {
            double e = x[r * (size_t)d + j] - mu;
            sq += e * e;
        }
        double v = sq / (double)n;
        rstd[j] = (float)(1.0 / sqrt(v + NORM_EPS));
        mean[j] = (float)mu;
        var[j] = (float)v;
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
