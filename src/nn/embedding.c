/* Embedding lookup (PyTorch nn.Embedding), and the summed lookup of a bag of
 * ids per row (nn.EmbeddingBag with mode "sum"), which word features use. */
#include <string.h>

#include "nn/layers.h"

void embedding_forward_ld(const float *table, int E, const int32_t *ids, size_t n, float *out, size_t ld)
{
    for (size_t r = 0; r < n; r++)
        memcpy(out + r * ld, table + (size_t)ids[r] * E, (size_t)E * sizeof *out);
}

void embedding_backward_ld(float *dtable, int E, const int32_t *ids, size_t n, const float *dout, size_t ld)
{
    for (size_t r = 0; r < n; r++) {
        float *row = dtable + (size_t)ids[r] * E;
        const float *d = dout + r * ld;
        for (int j = 0; j < E; j++)
            row[j] += d[j];
    }
}

void embedding_forward(const float *table, int E, const int32_t *ids, size_t n, float *out)
{
    embedding_forward_ld(table, E, ids, n, out, (size_t)E);
}

void embedding_backward(float *dtable, int E, const int32_t *ids, size_t n, const float *dout)
{
    embedding_backward_ld(dtable, E, ids, n, dout, (size_t)E);
}

void embedding_bag_forward(const float *table, int F, const int32_t *ids, int K, size_t n, float *out, size_t ld)
{
    for (size_t r = 0; r < n; r++) {
        float *f = out + r * ld;
        memset(f, 0, (size_t)F * sizeof *f);
        for (int k = 0; ids && k < K; k++) {
            int32_t id = ids[r * (size_t)K + k];
            if (id < 0)
                continue;
            const float *row = table + (size_t)id * F;
            for (int j = 0; j < F; j++)
                f[j] += row[j];
        }
    }
}

void embedding_bag_backward(float *dtable, int F, const int32_t *ids, int K, size_t n, const float *dout, size_t ld)
{
    for (size_t r = 0; r < n; r++) {
        const float *d = dout + r * ld;
        for (int k = 0; ids && k < K; k++) {
            int32_t id = ids[r * (size_t)K + k];
            if (id < 0)
                continue;
            float *row = dtable + (size_t)id * F;
            for (int j = 0; j < F; j++)
                row[j] += d[j];
        }
    }
}
