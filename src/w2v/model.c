#include "w2v/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define W2V_AVX 1
#endif

static void *alloc_rows(size_t rows, int stride)
{
    size_t bytes = rows * (size_t)stride * sizeof(float);
    bytes = (bytes + 63) / 64 * 64;
    if (bytes == 0)
        bytes = 64;
    void *p = aligned_alloc(64, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void w2v_model_free(w2v_model *m)
{
    if (!m)
        return;
    free(m->syn0);
    free(m->syn1neg);
    free(m->syn1);
    free(m->log_kq);
    free(m->codelen);
    free(m->codes);
    free(m->points);
    free(m->exp_table);
    memset(m, 0, sizeof *m);
}

recur_status w2v_model_create(w2v_model *m, int vocab, int size, int plain, int with_output,
                              const int64_t *hs_counts, recur_rng *rng, recur_error *err)
{
    memset(m, 0, sizeof *m);
    if (vocab < 1 || size < 1)
        return recur_fail(err, RECUR_E_ARG, "word2vec model of %d words x %d dimensions", vocab, size);
    m->vocab = vocab;
    m->size = size;
    m->plain = plain;
    m->stride = plain ? size : (size + 15) / 16 * 16;
    m->syn0 = alloc_rows((size_t)vocab, m->stride);
    if (!m->syn0)
        goto nomem;
    for (size_t w = 0; w < (size_t)vocab; w++)
        for (int c = 0; c < size; c++)
            m->syn0[w * (size_t)m->stride + (size_t)c] = (recur_rng_uniform(rng) - 0.5f) / (float)size;
    if (with_output && !(m->syn1neg = alloc_rows((size_t)vocab, m->stride)))
        goto nomem;
    if (hs_counts) {
        if (!(m->syn1 = alloc_rows((size_t)vocab, m->stride)))
            goto nomem;
        recur_status st = w2v_huffman(m, hs_counts, err);
        if (st != RECUR_OK) {
            w2v_model_free(m);
            return st;
        }
    }
    if (plain) {
        if (!(m->exp_table = malloc((W2V_EXP_TABLE + 1) * sizeof *m->exp_table)))
            goto nomem;
        for (int i = 0; i <= W2V_EXP_TABLE; i++) {
            double e = exp((i / (double)W2V_EXP_TABLE * 2 - 1) * W2V_MAX_EXP);
            m->exp_table[i] = (float)(e / (e + 1));
        }
    }
    return RECUR_OK;
nomem:
    w2v_model_free(m);
    return recur_fail_nomem(err, "word2vec weights");
}

/* ---- Huffman tree -------------------------------------------------------- */

typedef struct leaf {
    int64_t count;
    int32_t word;
} leaf;

static int by_count_ascending(const void *pa, const void *pb)
{
    const leaf *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    return a->word > b->word ? -1 : (a->word < b->word);
}

recur_status w2v_huffman(w2v_model *m, const int64_t *counts, recur_error *err)
{
    int n = m->vocab;
    m->codelen = calloc((size_t)n, 1);
    m->codes = calloc((size_t)n * W2V_MAX_CODE, 1);
    m->points = calloc((size_t)n * W2V_MAX_CODE, sizeof *m->points);
    /* Nodes 0..n-1 are the leaves in ascending count; n..2n-2 the merges. */
    leaf *leaves = malloc((size_t)n * sizeof *leaves);
    int64_t *count = malloc((size_t)(2 * n) * sizeof *count);
    int32_t *parent = malloc((size_t)(2 * n) * sizeof *parent);
    uint8_t *bit = calloc((size_t)(2 * n), 1);
    recur_status st = RECUR_OK;
    if (!m->codelen || !m->codes || !m->points || !leaves || !count || !parent || !bit) {
        st = recur_fail_nomem(err, "Huffman tree");
        goto done;
    }
    for (int i = 0; i < n; i++)
        leaves[i] = (leaf){counts[i], i};
    qsort(leaves, (size_t)n, sizeof *leaves, by_count_ascending);
    for (int i = 0; i < n; i++)
        count[i] = leaves[i].count;
    /* Two queues, both ascending: unmerged leaves (next_leaf) and merged
     * nodes (next_node); take the two smallest heads each time. */
    int next_leaf = 0, next_node = n;
    for (int k = 0; k < n - 1; k++) {
        int pick[2];
        for (int j = 0; j < 2; j++) {
            if (next_leaf < n && (next_node >= n + k || count[next_leaf] <= count[next_node]))
                pick[j] = next_leaf++;
            else
                pick[j] = next_node++;
        }
        count[n + k] = count[pick[0]] + count[pick[1]];
        parent[pick[0]] = n + k;
        parent[pick[1]] = n + k;
        bit[pick[1]] = 1;
    }
    int root = 2 * n - 2;
    for (int i = 0; i < n; i++) {
        int w = leaves[i].word, len = 0;
        uint8_t code[W2V_MAX_CODE];
        int32_t point[W2V_MAX_CODE];
        for (int node = i; node != root && n > 1; node = parent[node]) {
            if (len == W2V_MAX_CODE) {
                st = recur_fail(err, RECUR_E_ARG, "Huffman code longer than %d bits", W2V_MAX_CODE);
                goto done;
            }
            code[len] = bit[node];
            point[len] = parent[node] - n; /* inner node id in syn1, 0..n-2 */
            len++;
        }
        /* Stored root first, as word2vec.c. */
        m->codelen[w] = (uint8_t)len;
        for (int d = 0; d < len; d++) {
            m->codes[(size_t)w * W2V_MAX_CODE + d] = code[len - 1 - d];
            m->points[(size_t)w * W2V_MAX_CODE + d] = point[len - 1 - d];
        }
    }
done:
    free(leaves);
    free(count);
    free(parent);
    free(bit);
    return st;
}

/* ---- Kernels ------------------------------------------------------------- */

float w2v_dot(const float *a, const float *b, int n)
{
#ifdef W2V_AVX
    if ((n & 15) == 0) {
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (int i = 0; i < n; i += 16) {
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        }
        __m256 s = _mm256_add_ps(s0, s1);
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
        return _mm_cvtss_f32(h);
    }
#endif
    float s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* grad += g * out; out += g * in (out read before it is changed). */
static inline void output_update(const w2v_model *m, const float *in, float *out, float *grad, float g)
{
    int n = m->stride;
#ifdef W2V_AVX
    if (!m->plain) {
        __m256 vg = _mm256_set1_ps(g);
        for (int i = 0; i < n; i += 8) {
            __m256 o = _mm256_loadu_ps(out + i);
            _mm256_storeu_ps(grad + i, _mm256_fmadd_ps(vg, o, _mm256_loadu_ps(grad + i)));
            _mm256_storeu_ps(out + i, _mm256_fmadd_ps(vg, _mm256_loadu_ps(in + i), o));
        }
        return;
    }
#endif
    for (int i = 0; i < n; i++)
        grad[i] += g * out[i];
    for (int i = 0; i < n; i++)
        out[i] += g * in[i];
}

static inline void add_row(float *restrict y, const float *restrict x, float a, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

float w2v_sigmoid(const w2v_model *m, float x)
{
    if (m->plain) {
        /* word2vec.c: saturate outside [-6, 6], else the table. */
        if (x >= W2V_MAX_EXP)
            return 1.0f;
        if (x <= -W2V_MAX_EXP)
            return 0.0f;
        return m->exp_table[(int)((x + W2V_MAX_EXP) * (W2V_EXP_TABLE / W2V_MAX_EXP / 2))];
    }
    return 1.0f / (1.0f + expf(-x));
}

static inline float plain_dot(const w2v_model *m, const float *a, const float *b)
{
    if (m->plain) {
        float s = 0;
        for (int i = 0; i < m->size; i++)
            s += a[i] * b[i];
        return s;
    }
    return w2v_dot(a, b, m->stride);
}

/* One output word: the logistic loss of label given the input row `in`. */
static inline void output_term(const w2v_model *m, const float *in, float *neu1e, int32_t word,
                               float label, float alpha)
{
    float *out = m->syn1neg + (size_t)word * (size_t)m->stride;
    float f = plain_dot(m, in, out);
    if (m->loss == W2V_LOSS_NCE)
        f -= m->log_kq[word];
    float g = (label - w2v_sigmoid(m, f)) * alpha;
    output_update(m, in, out, neu1e, g);
}

/* Hierarchical softmax along the word's Huffman path. */
static inline void hs_terms(const w2v_model *m, const float *in, float *neu1e, int32_t word, float alpha)
{
    int len = m->codelen[word];
    const uint8_t *code = m->codes + (size_t)word * W2V_MAX_CODE;
    const int32_t *point = m->points + (size_t)word * W2V_MAX_CODE;
    for (int d = 0; d < len; d++) {
        float *node = m->syn1 + (size_t)point[d] * (size_t)m->stride;
        float f = plain_dot(m, in, node);
        float g = (1.0f - (float)code[d] - w2v_sigmoid(m, f)) * alpha;
        output_update(m, in, node, neu1e, g);
    }
}

/* Asks for the output rows of the true and the noise words at once, so that
 * their cache misses overlap instead of following one another. */
static inline void prefetch_outputs(const w2v_model *m, int32_t center, const int32_t *negs, int nneg)
{
    if (m->plain || !m->syn1neg)
        return;
    size_t stride = (size_t)m->stride;
    for (int i = 0; i < m->stride; i += 16)
        __builtin_prefetch(m->syn1neg + (size_t)center * stride + (size_t)i);
    for (int d = 0; d < nneg; d++)
        for (int i = 0; i < m->stride; i += 16)
            __builtin_prefetch(m->syn1neg + (size_t)negs[d] * stride + (size_t)i);
}

void w2v_sg_step(const w2v_model *m, int32_t context, int32_t center, const int32_t *negs,
                 int nneg, float alpha, float *neu1e)
{
    float *in = m->syn0 + (size_t)context * (size_t)m->stride;
    prefetch_outputs(m, center, negs, nneg);
    memset(neu1e, 0, (size_t)m->stride * sizeof *neu1e);
    if (m->syn1)
        hs_terms(m, in, neu1e, center, alpha);
    if (m->syn1neg) {
        output_term(m, in, neu1e, center, 1.0f, alpha);
        for (int d = 0; d < nneg; d++)
            output_term(m, in, neu1e, negs[d], 0.0f, alpha);
    }
    add_row(in, neu1e, 1.0f, m->stride);
}

void w2v_cbow_step(const w2v_model *m, const int32_t *ctx, int nctx, int32_t center,
                   const int32_t *negs, int nneg, float alpha, float *neu1, float *neu1e)
{
    if (nctx <= 0)
        return;
    int n = m->stride;
    prefetch_outputs(m, center, negs, nneg);
    memset(neu1, 0, (size_t)n * sizeof *neu1);
    memset(neu1e, 0, (size_t)n * sizeof *neu1e);
    for (int c = 0; c < nctx; c++)
        add_row(neu1, m->syn0 + (size_t)ctx[c] * (size_t)n, 1.0f, n);
    float inv = 1.0f / (float)nctx;
    for (int i = 0; i < n; i++)
        neu1[i] *= inv;
    if (m->syn1)
        hs_terms(m, neu1, neu1e, center, alpha);
    if (m->syn1neg) {
        output_term(m, neu1, neu1e, center, 1.0f, alpha);
        for (int d = 0; d < nneg; d++)
            output_term(m, neu1, neu1e, negs[d], 0.0f, alpha);
    }
    for (int c = 0; c < nctx; c++)
        add_row(m->syn0 + (size_t)ctx[c] * (size_t)n, neu1e, 1.0f, n);
}
