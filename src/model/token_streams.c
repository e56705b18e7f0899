#include "model/token_streams.h"

token_streams token_streams_cut(const int32_t *ids, size_t count, int B)
{
    token_streams s = {ids, B, B > 0 ? count / (size_t)B : 0};
    return s;
}

void token_streams_window(const token_streams *s, int first, int n, size_t pos, int T, int32_t *x, int32_t *y)
{
    for (int t = 0; t < T; t++)
        for (int b = 0; b < n; b++) {
            const int32_t *stream = s->ids + (size_t)(first + b) * s->len + pos + (size_t)t;
            x[(size_t)t * n + b] = stream[0];
            if (y)
                y[(size_t)t * n + b] = stream[1];
        }
}

recur_status token_ids_check(const int32_t *ids, size_t count, int V, recur_error *err)
{
    for (size_t k = 0; k < count; k++)
        if (ids[k] < 0 || ids[k] >= V)
            return recur_fail(err, RECUR_E_ARG, "token %zu has id %d outside the vocabulary", k, (int)ids[k]);
    return RECUR_OK;
}
