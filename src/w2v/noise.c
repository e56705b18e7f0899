#include "w2v/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void w2v_noise_free(w2v_noise *z)
{
    if (!z)
        return;
    free(z->p);
    free(z->threshold);
    free(z->alias);
    free(z->table);
    memset(z, 0, sizeof *z);
}

recur_status w2v_noise_build(const int64_t *counts, int n, int plain, w2v_noise *z, recur_error *err)
{
    memset(z, 0, sizeof *z);
    if (n < 1)
        return recur_fail(err, RECUR_E_ARG, "noise distribution over an empty vocabulary");
    z->n = n;
    z->p = malloc((size_t)n * sizeof *z->p);
    z->threshold = malloc((size_t)n * sizeof *z->threshold);
    z->alias = malloc((size_t)n * sizeof *z->alias);
    int32_t *small = malloc((size_t)n * sizeof *small), *large = malloc((size_t)n * sizeof *large);
    double *scaled = malloc((size_t)n * sizeof *scaled);
    recur_status st = RECUR_OK;
    if (!z->p || !z->threshold || !z->alias || !small || !large || !scaled) {
        st = recur_fail_nomem(err, "noise distribution");
        goto done;
    }
    double total = 0;
    for (int i = 0; i < n; i++) {
        /* "</s>" is never a noise word unless it is the only word. */
        z->p[i] = (i == 0 && n > 1) ? 0.0 : pow((double)counts[i], W2V_NOISE_POWER);
        total += z->p[i];
    }
    if (!(total > 0)) {
        for (int i = 0; i < n; i++)
            z->p[i] = 1.0;
        total = n;
    }
    int ns = 0, nl = 0;
    for (int i = 0; i < n; i++) {
        z->p[i] /= total;
        scaled[i] = z->p[i] * n;
        z->alias[i] = i;
        if (scaled[i] < 1.0)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
        int s = small[--ns], l = large[nl - 1];
        z->threshold[s] = (float)scaled[s];
        z->alias[s] = l;
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    /* What is left has (up to rounding) probability mass exactly 1. */
    while (nl > 0)
        z->threshold[large[--nl]] = 1.0f;
    while (ns > 0)
        z->threshold[small[--ns]] = 1.0f;

    if (plain) {
        /* word2vec.c's InitUnigramTable: word i fills a share of the table
         * proportional to its probability. */
        z->table_size = W2V_PLAIN_TABLE_SIZE;
        z->table = malloc((size_t)z->table_size * sizeof *z->table);
        if (!z->table) {
            st = recur_fail_nomem(err, "noise table");
            goto done;
        }
        int i = n > 1 ? 1 : 0;
        double cum = z->p[i];
        for (int64_t a = 0; a < z->table_size; a++) {
            z->table[a] = i;
            if ((double)a / (double)z->table_size > cum && i < n - 1) {
                i++;
                cum += z->p[i];
            }
        }
    }
done:
    free(small);
    free(large);
    free(scaled);
    if (st != RECUR_OK)
        w2v_noise_free(z);
    return st;
}
