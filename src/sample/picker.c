/* One stream's sampling chain (the order and its reasons are in
 * recur/generate.h): penalties over a window of recent tokens, then
 * top-k, top-p and min-p on the distribution at temperature 1, then the
 * temperature and a draw.
 *
 * Each truncation keeps the tokens whose logit reaches a threshold, so the
 * three together are one threshold (the highest of theirs), and the draw
 * is the batch-1 sampler's: at the defaults a picker draws exactly the
 * tokens recur_sampler_pick draws for the same seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "recur/generate.h"
#include "sample/draw.h"

struct recur_picker {
    recur_sample_settings s;
    int V;
    int32_t space_id;
    recur_rng rng;
    int32_t last;     /* last token accepted, -1 before any */
    int32_t *window;  /* ring of the last repeat_last_n tokens */
    int wpos, wcount;
    int *counts;      /* [V]: occurrences in the window */
    float *z;         /* [V]: penalised logits */
    float *p;         /* [V]: weights */
    int32_t *order;   /* [V]: top-p's candidates by logit */
    int32_t *tmp;     /* [V]: the sort's buffer */
};

recur_status recur_picker_create(const recur_sample_settings *s, int vocab_size, int32_t space_id,
                                 recur_picker **out, recur_error *err)
{
    *out = NULL;
    recur_status st = recur_sample_settings_check(s, err);
    if (st)
        return st;
    if (vocab_size < 1)
        return recur_fail(err, RECUR_E_ARG, "picker: vocabulary size must be at least 1, got %d", vocab_size);
    recur_picker *p = calloc(1, sizeof *p);
    if (!p)
        return recur_fail_nomem(err, "the picker");
    p->s = *s;
    p->V = vocab_size;
    p->space_id = space_id;
    p->last = -1;
    recur_rng_seed(&p->rng, s->seed);
    size_t V = (size_t)vocab_size;
    p->window = malloc((size_t)(s->repeat_last_n > 0 ? s->repeat_last_n : 1) * sizeof *p->window);
    p->counts = calloc(V, sizeof *p->counts);
    p->z = malloc(V * sizeof *p->z);
    p->p = malloc(V * sizeof *p->p);
    p->order = malloc(V * sizeof *p->order);
    p->tmp = malloc(V * sizeof *p->tmp);
    if (!p->window || !p->counts || !p->z || !p->p || !p->order || !p->tmp) {
        recur_picker_free(p);
        return recur_fail_nomem(err, "the picker");
    }
    *out = p;
    return RECUR_OK;
}

void recur_picker_free(recur_picker *p)
{
    if (!p)
        return;
    free(p->window);
    free(p->counts);
    free(p->z);
    free(p->p);
    free(p->order);
    free(p->tmp);
    free(p);
}

void recur_picker_accept(recur_picker *p, int32_t id)
{
    if (id < 0 || id >= p->V)
        return;
    p->last = id;
    const int n = p->s.repeat_last_n;
    if (n == 0)
        return;
    if (p->wcount == n)
        p->counts[p->window[p->wpos]]--;
    else
        p->wcount++;
    p->window[p->wpos] = id;
    p->counts[id]++;
    p->wpos = (p->wpos + 1) % n;
}

static int penalties_on(const recur_picker *p)
{
    return p->wcount > 0 &&
           (p->s.repeat_penalty != 1.0f || p->s.presence_penalty != 0.0f || p->s.frequency_penalty != 0.0f);
}

/* The logits after the penalties (llama.cpp's meanings): a token seen in
 * the window has a positive logit divided by repeat_penalty and a negative
 * one multiplied, then loses presence_penalty once and frequency_penalty
 * per occurrence. */
static const float *penalised(recur_picker *p, const float *logits)
{
    if (!penalties_on(p))
        return logits;
    memcpy(p->z, logits, (size_t)p->V * sizeof *p->z);
    for (int j = 0; j < p->V; j++) {
        int n = p->counts[j];
        if (!n)
            continue;
        float z = p->z[j];
        z = z > 0.0f ? z / p->s.repeat_penalty : z * p->s.repeat_penalty;
        p->z[j] = z - (float)n * p->s.frequency_penalty - p->s.presence_penalty;
    }
    return p->z;
}

/* Whether this pick is the most likely token rather than a draw. */
static int picks_argmax(const recur_picker *p)
{
    switch (p->s.mode) {
    case RECUR_SAMPLE_WEIGHTED: return 0;
    case RECUR_SAMPLE_SPACE: return p->space_id < 0 || p->last != p->space_id;
    default: return 1;
    }
}

/* Sorts ids[0..n) by descending logit z, equal logits by ascending id
 * (a merge sort, stable on ids given in ascending order; tmp holds n). */
static void sort_by_logit(int32_t *ids, int32_t *tmp, int n, const float *z)
{
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = z[ids[b]] > z[ids[a]] ? ids[b++] : ids[a++];
            while (a < mid)
                tmp[k++] = ids[a++];
            while (b < hi)
                tmp[k++] = ids[b++];
        }
        memcpy(ids, tmp, (size_t)n * sizeof *ids);
    }
}

/* The logit threshold of the truncations: tokens with z >= it are kept.
 * Each truncation keeps the most likely token, so the kept set is never
 * empty; tokens tied with the last one kept are kept too. */
static float threshold(recur_picker *p, const float *z)
{
    const int V = p->V;
    float cut = -INFINITY;
    if (p->s.top_k > 0 && p->s.top_k < V)
        cut = draw_kth_largest(z, p->p, V, p->s.top_k);
    if (p->s.top_p >= 1.0f && p->s.min_p <= 0.0f)
        return cut;
    /* the candidates top-k left, at temperature 1 */
    const float zmax = z[recur_argmax(z, V)];
    int n = 0;
    double total = 0.0;
    for (int j = 0; j < V; j++)
        if (z[j] >= cut) {
            p->order[n++] = j;
            total += exp((double)z[j] - zmax);
        }
    if (p->s.top_p < 1.0f) {
        /* the smallest most-likely-first prefix whose probability reaches top_p */
        sort_by_logit(p->order, p->tmp, n, z);
        double acc = 0.0;
        int k = 0;
        while (k < n - 1) {
            acc += exp((double)z[p->order[k]] - zmax) / total;
            if (acc >= p->s.top_p)
                break;
            k++;
        }
        float cut_p = z[p->order[k]];
        cut = cut_p > cut ? cut_p : cut;
    }
    if (p->s.min_p > 0.0f) {
        /* p_j >= min_p * p_max, i.e. exp(z_j - z_max) >= min_p: the
         * smallest logit that passes */
        float cut_m = zmax;
        for (int j = 0; j < V; j++)
            if (z[j] >= cut && z[j] < cut_m && exp((double)z[j] - zmax) >= p->s.min_p)
                cut_m = z[j];
        cut = cut_m > cut ? cut_m : cut;
    }
    return cut;
}

int32_t recur_picker_pick(recur_picker *p, const float *logits)
{
    const float *z = penalised(p, logits);
    if (picks_argmax(p))
        return recur_argmax(z, p->V);
    return draw_weighted(&p->rng, z, p->V, threshold(p, z), p->s.temperature, p->p, NULL);
}

void recur_picker_distribution(recur_picker *p, const float *logits, float *probs)
{
    const float *z = penalised(p, logits);
    if (picks_argmax(p)) {
        memset(probs, 0, (size_t)p->V * sizeof *probs);
        probs[recur_argmax(z, p->V)] = 1.0f;
        return;
    }
    double sum;
    draw_weighted(NULL, z, p->V, threshold(p, z), p->s.temperature, probs, &sum);
    for (int j = 0; j < p->V; j++)
        probs[j] = (float)(probs[j] / sum);
}
