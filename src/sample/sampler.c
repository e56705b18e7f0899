/* Batch-1 generation, built for speed: one token at a time is a chain of
 * matrix-vector products, bound by how fast the weights stream from cache.
 *
 * At creation the sampler repacks the weights once:
 *  - layer 0's input projection of every token is precomputed
 *    (embedding row x W_ih^T + biases, a [V][G*H] table), so that product
 *    disappears from each step;
 *  - every layer's rows are interleaved by unit: for unit j the G gate rows,
 *    each [W_ih row | W_hh row], lie together. A thread that owns units
 *    [j0, j1) computes their gates and updates their cells without waiting
 *    for anyone, so a step needs one barrier per layer.
 *  - with RECUR_WEIGHTS_F16 or _I8 the rows and the decoder are stored as
 *    halves or as 8-bit integers with a scale per row (the layer-0 table
 *    stays float: one row of it is read per step), which halves or
 *    quarters the bytes a step streams; sums stay in float.
 * Nothing is allocated per step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/vmath.h"
#include "model/model_internal.h"
#include "nn/cells.h"
#include "recur/sample.h"
#include "sample/rows.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

typedef struct packed_layer {
    int in;          /* input width read from x (0 for layer 0: the table has it) */
    int width;       /* in + H: the length of a packed row */
    rows_matrix w;   /* [H][G] rows of [W_ih row | W_hh row] */
    float *bias;     /* [H][G]: b_ih + b_hh (GRU: b_ih + b_hh for r, z; b_in for n) */
    float *b_hn;     /* GRU: [H] */
} packed_layer;

struct recur_sampler {
    const recur_model *m;
    recur_rng rng;
    int G, H, L, V;
    packed_layer *layers;
    float *table;       /* [V][H][G]: layer 0's input side, unit-interleaved */
    float *h[2], *c;    /* h[cur][layers][H], double-buffered; c [layers][H] */
    int cur;
    float *logits;      /* V: the last step's logits */
    float *work;        /* V: probabilities */
    rows_matrix dec;    /* [V][H] decoder */
    float *pre;         /* [G + 1][H]: a step's gate pre-activations by gate */
    int int_dot;        /* the layers' int8 rows take quantised inputs (rows_matrix_group_int) */
    uint8_t *qbuf;      /* int_dot: 2H bytes per thread, its quantised copies of x and h_prev */
    int threads;
    int32_t last;       /* last token fed, -1 before any */
    int32_t space_id;   /* id of " ", or -1 */
};

static recur_status pack(recur_sampler *s, recur_sample_weights format, recur_error *err)
{
    const recur_model *m = s->m;
    const int G = s->G, H = s->H, E = m->cfg.embed;
    s->layers = calloc((size_t)s->L, sizeof *s->layers);
    s->table = malloc((size_t)s->V * G * H * sizeof *s->table);
    if (!s->layers || !s->table)
        return recur_fail_nomem(err, "the sampler's weights");
    for (int l = 0; l < s->L; l++) {
        packed_layer *p = &s->layers[l];
        rnn_weights w = model_layer_weights(m, l, m->params);
        int I = m->layers[l].in;
        p->in = l == 0 ? 0 : I;
        p->width = p->in + H;
        float *rows = malloc((size_t)H * G * p->width * sizeof *rows);
        p->bias = malloc((size_t)H * G * sizeof *p->bias);
        p->b_hn = malloc((size_t)H * sizeof *p->b_hn);
        if (!rows || !p->bias || !p->b_hn) {
            free(rows);
            return recur_fail_nomem(err, "the sampler's weights");
        }
        for (int j = 0; j < H; j++)
            for (int g = 0; g < G; g++) {
                size_t src = (size_t)g * H + j;
                float *row = rows + ((size_t)j * G + g) * p->width;
                if (p->in)
                    memcpy(row, w.w_ih + src * I, (size_t)I * sizeof *row);
                memcpy(row + p->in, w.w_hh + src * H, (size_t)H * sizeof *row);
                int gru_n = m->cfg.cell == RECUR_CELL_GRU && g == 2;
                p->bias[(size_t)j * G + g] = w.b_ih[src] + (gru_n ? 0.0f : w.b_hh[src]);
                if (gru_n)
                    p->b_hn[j] = w.b_hh[src];
            }
        if (l == 0) {
            /* The table takes the input side and the biases. */
            for (int v = 0; v < s->V; v++) {
                const float *x = m->params + m->enc_w + (size_t)v * E;
                for (int j = 0; j < H; j++)
                    for (int g = 0; g < G; g++) {
                        size_t src = (size_t)g * H + j;
                        s->table[((size_t)v * H + j) * G + g] =
                            rows_dot_f32(w.w_ih + src * I, x, I) + p->bias[(size_t)j * G + g];
                    }
            }
        }
        /* the float rows become the matrix itself, or are freed once converted */
        recur_status st = rows_matrix_init(&p->w, format, rows, (size_t)H * G, (size_t)p->width, ROWS_TAKE, err);
        if (!st)
            st = rows_matrix_prepare_int(&p->w, (size_t)p->in, err);
        if (st)
            return st;
    }
    return rows_matrix_init(&s->dec, format, m->params + m->dec_w, (size_t)s->V, (size_t)H, ROWS_BORROW,
                            err);
}

recur_status recur_sampler_create(const recur_model *m, uint64_t seed, recur_sampler **out, recur_error *err)
{
    return recur_sampler_create_with(m, seed, RECUR_WEIGHTS_F32, out, err);
}

recur_status recur_sampler_create_with(const recur_model *m, uint64_t seed, recur_sample_weights weights,
                                       recur_sampler **out, recur_error *err)
{
    if (weights != RECUR_WEIGHTS_F32 && weights != RECUR_WEIGHTS_F16 && weights != RECUR_WEIGHTS_I8)
        return recur_fail(err, RECUR_E_ARG, "unknown sampler weight format %d", (int)weights);
    /* Generation reads the next-token decoder of a left-to-right model. */
    if (m->cfg.task != RECUR_TASK_LM || m->cfg.bidirectional)
        return recur_fail(err, RECUR_E_ARG, "this is a %s%s model, not a language model: it cannot generate text",
                          m->cfg.bidirectional ? "bidirectional " : "", recur_task_name(m->cfg.task));
    recur_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return recur_fail_nomem(err, "the sampler");
    const recur_config *c = &m->cfg;
    s->m = m;
    s->G = rnn_gate_count(c->cell);
    s->H = c->hidden;
    s->L = c->layers;
    s->V = c->vocab_size;
    recur_rng_seed(&s->rng, seed);
    size_t LH = (size_t)s->L * s->H;
    s->h[0] = calloc(LH, sizeof(float));
    s->h[1] = calloc(LH, sizeof(float));
    s->c = calloc(LH, sizeof(float));
    s->logits = calloc((size_t)s->V, sizeof(float));
    s->work = calloc((size_t)s->V, sizeof(float));
    s->pre = calloc((size_t)(s->G + 1) * s->H, sizeof(float));
    recur_status st = RECUR_OK;
    if (!s->h[0] || !s->h[1] || !s->c || !s->logits || !s->work || !s->pre)
        st = recur_fail_nomem(err, "the sampler");
    if (!st)
        st = pack(s, weights, err);
    if (st) {
        recur_sampler_free(s);
        return st;
    }
#ifdef RECUR_HAVE_OPENMP
    /* A thread team pays off only when each share streams enough weights. */
    s->threads = (long)s->G * s->H * (s->H * 2) >= 262144 ? omp_get_max_threads() : 1;
#else
    s->threads = 1;
#endif
    s->int_dot = s->layers[0].w.sum_hi != NULL;
    if (s->int_dot && !(s->qbuf = malloc((size_t)s->threads * 2 * s->H))) {
        recur_sampler_free(s);
        return recur_fail_nomem(err, "the sampler");
    }
    s->space_id = recur_vocab_find(m->vocab, " ", 1);
    s->last = -1;
    *out = s;
    return RECUR_OK;
}

void recur_sampler_free(recur_sampler *s)
{
    if (!s)
        return;
    for (int l = 0; s->layers && l < s->L; l++) {
        rows_matrix_free(&s->layers[l].w);
        free(s->layers[l].bias);
        free(s->layers[l].b_hn);
    }
    free(s->layers);
    free(s->table);
    rows_matrix_free(&s->dec);
    free(s->pre);
    free(s->qbuf);
    free(s->h[0]);
    free(s->h[1]);
    free(s->c);
    free(s->logits);
    free(s->work);
    free(s);
}

void recur_sampler_reset(recur_sampler *s)
{
    size_t LH = (size_t)s->L * s->H;
    memset(s->h[0], 0, LH * sizeof(float));
    memset(s->h[1], 0, LH * sizeof(float));
    memset(s->c, 0, LH * sizeof(float));
    s->last = -1;
}

/* The input-side and hidden-side sums of unit j's G gate rows: xin and
 * hid apart for the GRU, whose candidate gate needs its hidden side alone;
 * for the other cells all in hid. With integer products, qx and qh are x
 * and h_prev quantised. */
static void gate_sums(const recur_sampler *s, const packed_layer *p, int j, const float *x, const float *h_prev,
                      const rows_qvec *qx, const rows_qvec *qh, float *xin, float *hid)
{
    const int G = s->G, H = s->H;
    const size_t first = (size_t)j * G;
    const int gru = s->m->cfg.cell == RECUR_CELL_GRU;
    if (s->int_dot) {
        float xs[4], hs[4];
        rows_matrix_group_int(&p->w, first, G, p->in ? qx : NULL, qh, xs, hs);
        for (int g = 0; g < G; g++) {
            xin[g] = gru ? xs[g] : 0.0f;
            hid[g] = gru ? hs[g] : xs[g] + hs[g];
        }
    } else if (!gru) {
        /* one pass over [W_ih | W_hh] rows against [x | h_prev] */
        rows_matrix_group(&p->w, first, 0, G, x, p->in, h_prev, H, hid);
    } else {
        if (p->in)
            rows_matrix_group(&p->w, first, 0, G, x, p->in, NULL, 0, xin);
        rows_matrix_group(&p->w, first, (size_t)p->in, G, h_prev, H, NULL, 0, hid);
    }
}

/* Units [j0, j1) of layer l: gate pre-activations from the packed rows
 * into s->pre (each thread writes only its own units' slots), then the cell
 * over the whole range with the vector nonlinearities. x is the layer's
 * input (unused for layer 0), h_prev this layer's previous h; qbuf is this
 * thread's 2H bytes for their quantised copies. */
static void layer_units(const recur_sampler *s, int l, int32_t id, const float *x, const float *h_prev,
                        float *h_new, float *c, int j0, int j1, uint8_t *qbuf)
{
    const recur_model *m = s->m;
    const packed_layer *p = &s->layers[l];
    const int G = s->G, H = s->H;
    const recur_cell cell = m->cfg.cell;
    const float *peep = m->layers[l].w_peep == MODEL_NO_TENSOR ? NULL : m->params + m->layers[l].w_peep;
    float *pre = s->pre, *hn = s->pre + (size_t)G * H; /* [G][H], and the GRU's W_hn h + b_hn */
    rows_qvec qx = {NULL, 1.0f}, qh = {NULL, 1.0f};
    if (s->int_dot) {
        /* Each thread quantises the whole vectors for itself: 2H bytes,
         * cheaper than another barrier. */
        qh.q = qbuf;
        qx.q = qbuf + H;
        rows_qvec_set(&qh, h_prev, H);
        if (p->in)
            rows_qvec_set(&qx, x, p->in);
    }
    for (int j = j0; j < j1; j++) {
        size_t first = (size_t)j * G;
        const float *base = l == 0 ? s->table + ((size_t)id * H + j) * G : p->bias + first;
        float xin[4] = {0, 0, 0, 0}, hid[4];
        gate_sums(s, p, j, x, h_prev, &qx, &qh, xin, hid);
        if (cell == RECUR_CELL_GRU) {
            hn[j] = hid[2] + p->b_hn[j];
            hid[2] = 0.0f;
        }
        for (int g = 0; g < G; g++)
            pre[(size_t)g * H + j] = base[g] + xin[g] + hid[g];
    }
    const size_t n = (size_t)(j1 - j0);
    float *a0 = pre + j0, *a1 = a0 + H, *a2 = a1 + H;
    float *hj = h_new + j0, *cj = c + j0;
    const float *hp = h_prev + j0;
    switch (cell) {
    case RECUR_CELL_LSTM:
        /* gates i, f, g, o in a0..a3, H apart; tanh(c) goes where g was */
        lstm_cell((int)n, (size_t)H, a0, peep ? peep + j0 : NULL, cj, cj, a2, hj);
        break;
    case RECUR_CELL_GRU: {
        /* r, z, and the candidate's input side in a0..a2 */
        const float *hnj = hn + j0;
        recur_vsigmoid(a0, a0, n);
        recur_vsigmoid(a1, a1, n);
        for (size_t k = 0; k < n; k++)
            a2[k] += a0[k] * hnj[k];
        recur_vtanh(a2, a2, n);
        for (size_t k = 0; k < n; k++)
            hj[k] = (1.0f - a1[k]) * a2[k] + a1[k] * hp[k];
        break;
    }
    case RECUR_CELL_RNN_RELU:
        for (size_t k = 0; k < n; k++)
            hj[k] = a0[k] > 0.0f ? a0[k] : 0.0f;
        break;
    default:
        recur_vtanh(hj, a0, n);
        break;
    }
}

/* This thread's share [lo, hi) of n items. */
static void share(int n, int *lo, int *hi)
{
#ifdef RECUR_HAVE_OPENMP
    int nt = omp_get_num_threads(), id = omp_get_thread_num();
#else
    int nt = 1, id = 0;
#endif
    *lo = (int)((long)n * id / nt);
    *hi = (int)((long)n * (id + 1) / nt);
}

recur_status recur_sampler_feed(recur_sampler *s, int32_t id, recur_error *err)
{
    if (id < 0 || id >= s->V)
        return recur_fail(err, RECUR_E_ARG, "token id %d is outside the vocabulary", (int)id);
    const recur_model *m = s->m;
    const int H = s->H, L = s->L, V = s->V;
    float *h_old = s->h[s->cur], *h_new = s->h[s->cur ^ 1];
    const float *dec_b = m->params + m->dec_b;
#pragma omp parallel num_threads(s->threads) if (s->threads > 1)
    {
        int j0, j1;
        share(H, &j0, &j1);
#ifdef RECUR_HAVE_OPENMP
        uint8_t *qbuf = s->qbuf ? s->qbuf + (size_t)omp_get_thread_num() * 2 * H : NULL;
#else
        uint8_t *qbuf = s->qbuf;
#endif
        for (int l = 0; l < L; l++) {
            const float *x = l ? h_new + (size_t)(l - 1) * H : NULL;
            layer_units(s, l, id, x, h_old + (size_t)l * H, h_new + (size_t)l * H, s->c + (size_t)l * H, j0, j1,
                        qbuf);
#pragma omp barrier
        }
        int v0, v1;
        share(V, &v0, &v1);
        const float *top = h_new + (size_t)(L - 1) * H;
        for (int v = v0; v < v1; v++)
            s->logits[v] = dec_b[v] + rows_matrix_dot(&s->dec, (size_t)v, top);
    }
    s->cur ^= 1;
    s->last = id;
    return RECUR_OK;
}

const float *recur_sampler_logits(const recur_sampler *s) { return s->logits; }

static int32_t argmax(const float *v, int n)
{
    int32_t best = 0;
    for (int j = 1; j < n; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* The k-th largest value of v (1-based k), by partial selection on a copy. */
static float kth_largest(const float *v, float *scratch, int n, int k)
{
    memcpy(scratch, v, (size_t)n * sizeof *scratch);
    int lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        float pivot = scratch[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (scratch[i] > pivot)
                i++;
            while (scratch[j] < pivot)
                j--;
            if (i <= j) {
                float tmp = scratch[i];
                scratch[i++] = scratch[j];
                scratch[j--] = tmp;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            break;
    }
    return scratch[want];
}

static int32_t draw(recur_sampler *s, float temperature, int top_k)
{
    const int V = s->V;
    float *p = s->work;
    float cutoff = -INFINITY;
    if (top_k > 0 && top_k < V)
        cutoff = kth_largest(s->logits, p, V, top_k);
    float zmax = s->logits[argmax(s->logits, V)];
    double sum = 0.0;
    for (int j = 0; j < V; j++) {
        float z = s->logits[j];
        p[j] = z >= cutoff ? expf((z - zmax) / temperature) : 0.0f;
        sum += p[j];
    }
    double u = recur_rng_uniform_double(&s->rng) * sum, acc = 0.0;
    int32_t last_nonzero = 0;
    for (int j = 0; j < V; j++) {
        if (p[j] <= 0.0f)
            continue;
        last_nonzero = j;
        acc += p[j];
        if (u < acc)
            return j;
    }
    return last_nonzero; /* rounding left u at the very top */
}

int32_t recur_sampler_pick(recur_sampler *s, recur_sample_mode mode, float temperature, int top_k)
{
    if (!(temperature > 0.0f))
        temperature = 1.0f;
    switch (mode) {
    case RECUR_SAMPLE_ARGMAX:
        return argmax(s->logits, s->V);
    case RECUR_SAMPLE_SPACE:
        /* char-rnn's sampling type 2: choose freely only at word starts. */
        if (s->last != s->space_id || s->space_id < 0)
            return argmax(s->logits, s->V);
        return draw(s, temperature, top_k);
    default:
        return draw(s, temperature, top_k);
    }
}
