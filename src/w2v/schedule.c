#include "w2v/schedule.h"

float w2v_alpha(double start, int64_t done, int64_t total)
{
    double a = start * (1.0 - (double)done / (double)(total + 1));
    double floor_alpha = start * 1e-4;
    return (float)(a < floor_alpha ? floor_alpha : a);
}

int64_t w2v_chunks_per_epoch(size_t nids)
{
    int64_t n = (int64_t)((nids + W2V_CHUNK_WORDS - 1) / W2V_CHUNK_WORDS);
    return n > 0 ? n : 1;
}

int w2v_chunk_at(int64_t index, size_t nids, int iter, int regions, w2v_chunk *c)
{
    int64_t per = w2v_chunks_per_epoch(nids);
    int64_t r = regions < 1 ? 1 : regions > per ? per : regions;
    int64_t span = (per + r - 1) / r; /* chunks per region */
    int64_t claims = span * r;        /* claims per epoch */
    if (index < 0 || index >= claims * (int64_t)iter)
        return 0;
    int64_t k = index % claims;
    int64_t chunk = (k % r) * span + k / r;
    c->epoch = (int)(index / claims);
    if (chunk >= per) {
        c->begin = c->end = nids;
        return 1;
    }
    c->begin = (size_t)chunk * W2V_CHUNK_WORDS;
    c->end = c->begin + W2V_CHUNK_WORDS < nids ? c->begin + W2V_CHUNK_WORDS : nids;
    return 1;
}
