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

int w2v_chunk_at(int64_t index, size_t nids, int iter, w2v_chunk *c)
{
    int64_t per = w2v_chunks_per_epoch(nids);
    if (index < 0 || index >= per * (int64_t)iter)
        return 0;
    int64_t k = index % per;
    c->epoch = (int)(index / per);
    c->begin = (size_t)k * W2V_CHUNK_WORDS;
    c->end = c->begin + W2V_CHUNK_WORDS < nids ? c->begin + W2V_CHUNK_WORDS : nids;
    return 1;
}
