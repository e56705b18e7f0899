/* Embedding lookup (PyTorch nn.Embedding): a row of the table per token. */
#include <string.h>

#include "nn/layers.h"

void embedding_forward(const float *table, int E, const int32_t *ids, size_t n, float *out)
{
    for (size_t r = 0; r < n; r++)
        memcpy(out + r * (size_t)E, table + (size_t)ids[r] * E, (size_t)E * sizeof *out);
}

void embedding_backward(float *dtable, int E, const int32_t *ids, size_t n, const float *dout)
{
    for (size_t r = 0; r < n; r++) {
        float *row = dtable + (size_t)ids[r] * E;
        const float *d = dout + r * (size_t)E;
        for (int j = 0; j < E; j++)
            row[j] += d[j];
    }
}
