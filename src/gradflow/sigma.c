/* The largest singular value of a recurrent weight matrix. For a linear RNN
 * h_t = W h_{t-1}, dL/dh_{t-k} = (W^T)^k dL/dh_t, so sigma_max(W) < 1 makes
 * the gradient vanish geometrically and a spectral radius > 1 lets it explode
 * (Pascanu et al. 2013, section 2.1). */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/rng.h"
#include "model/model_internal.h"
#include "recur/gradflow.h"

enum { SIGMA_MAX_ITERS = 2000 };

/* u = W v (rows), z = W^T u (cols); returns |W v|^2. */
static double apply_wtw(const float *w, int rows, int cols, const double *v, double *u, double *z)
{
    double uu = 0.0;
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t)r * cols;
        double s = 0.0;
        for (int c = 0; c < cols; c++)
            s += row[c] * v[c];
        u[r] = s;
        uu += s * s;
    }
    for (int c = 0; c < cols; c++)
        z[c] = 0.0;
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t)r * cols;
        for (int c = 0; c < cols; c++)
            z[c] += row[c] * u[r];
    }
    return uu;
}

/* Returns 0 when the work vectors cannot be allocated. */
static int largest_singular_value(const float *w, int rows, int cols, double *out)
{
    *out = 0.0;
    if (!w || rows < 1 || cols < 1)
        return 1;
    double *v = malloc((size_t)cols * sizeof *v), *z = malloc((size_t)cols * sizeof *z);
    double *u = malloc((size_t)rows * sizeof *u);
    double sigma = 0.0;
    int ok = v && z && u;
    if (!ok)
        goto done;
    /* A random start has a component along the top singular vector almost
     * surely; a fixed seed keeps the answer reproducible. */
    recur_rng rng;
    recur_rng_seed(&rng, 0x5eed);
    double norm = 0.0;
    for (int c = 0; c < cols; c++) {
        v[c] = recur_rng_uniform_double(&rng) - 0.5;
        norm += v[c] * v[c];
    }
    norm = sqrt(norm);
    for (int c = 0; c < cols; c++)
        v[c] /= norm;
    double prev = 0.0;
    for (int it = 0; it < SIGMA_MAX_ITERS; it++) {
        /* |W v| with |v| = 1 rises monotonically to sigma_max. */
        double uu = apply_wtw(w, rows, cols, v, u, z);
        sigma = sqrt(uu);
        double zn = 0.0;
        for (int c = 0; c < cols; c++)
            zn += z[c] * z[c];
        zn = sqrt(zn);
        if (!(zn > 0.0) || !isfinite(zn))
            break; /* W v = 0 (a zero matrix) or overflow */
        for (int c = 0; c < cols; c++)
            v[c] = z[c] / zn;
        if (it > 2 && fabs(sigma - prev) <= 1e-12 * sigma)
            break;
        prev = sigma;
    }
done:
    free(v);
    free(z);
    free(u);
    *out = sigma;
    return ok;
}

double recur_largest_singular_value(const float *w, int rows, int cols)
{
    double sigma;
    return largest_singular_value(w, rows, cols, &sigma) ? sigma : NAN;
}

recur_status recur_model_whh_sigma(const recur_model *m, int layer, int gate, double *sigma, recur_error *err)
{
    if (!m || !sigma)
        return recur_fail(err, RECUR_E_ARG, "recur_model_whh_sigma: NULL model or result");
    if (layer < 0 || layer >= m->cfg.layers)
        return recur_fail(err, RECUR_E_ARG, "layer %d out of range (the model has %d)", layer, m->cfg.layers);
    int G = rnn_gate_count(m->cfg.cell), H = m->cfg.hidden;
    if (gate >= G)
        return recur_fail(err, RECUR_E_ARG, "gate %d out of range (a %s has %d)", gate,
                          recur_cell_name(m->cfg.cell), G);
    const float *w = m->params + m->layers[layer].w_hh;
    int ok = gate >= 0 ? largest_singular_value(w + (size_t)gate * H * H, H, H, sigma)
                       : largest_singular_value(w, G * H, H, sigma);
    if (!ok)
        return recur_fail_nomem(err, "the singular value's vectors");
    return RECUR_OK;
}
