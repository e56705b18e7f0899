/* Many recurrent states over one packed model, advanced together: a feed
 * walks the weights once, and each group of packed rows, once loaded, is
 * applied to every fed stream's input (panel_products, a small matrix
 * product). Batch-1 generation is bound by reading the weights, so S
 * streams cost little more than one until the arithmetic catches up with
 * the memory traffic.
 *
 * A stream's numbers never depend on the others: every product is one
 * chain over the columns in the same order whatever the other streams
 * (panels.h), and the cell nonlinearities work element by element over
 * the same unit ranges, so a stream's logits are bitwise the same
 * whichever streams are fed with it, and the same as the batch-1
 * sampler's (which is this code with one stream).
 *
 * A normalised model (--norm) takes a second pass a layer: its norms take
 * statistics over a stream's whole layer, so once every thread's products
 * are in, each stream's cell runs on one thread (nn's normalised cell,
 * packed_norm_cell), with batch norm's running averages of the stream's own
 * step. The products are the same kernels with the sides kept apart. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/crew.h"
#include "core/error.h"
#include "core/threads.h"
#include "nn/cells.h"
#include "recur/generate.h"
#include "sample/packed.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

/* Streams per kernel call (the int8 rows' kernel takes 16; the panels'
 * park 64 streams' sums). */
enum { CHUNK = 16, PANEL_CHUNK = 64 };
/* Groups a thread takes at a time: 2 are 128 rows, 512 KB of a 2 x 512
 * LSTM's second layer. The decoder's rows are cut into at most DEC_TASKS
 * pieces a chunk of streams. */
enum { TASK_GROUPS = 2, DEC_TASKS = 16 };

/* One thread's int8 inputs: the quantised h and x of a chunk of streams,
 * kept for the thread's further groups of the same layer in the same
 * feed (quantising is 2H bytes a stream and group a thread takes). */
typedef struct {
    uint8_t *q;                          /* [PANEL_CHUNK][2H] + 64 zero bytes */
    rows_qvec qx[PANEL_CHUNK], qh[PANEL_CHUNK];
    long feed;                           /* what q holds: feed, layer and chunk; feed -1: nothing */
    int l, c0;
} int_inputs;

struct recur_streams {
    packed_model pm;
    int cap;
    size_t LH;             /* L * H */
    size_t h_stride;       /* floats from one slot's h buffers to the next's */
    float *h;              /* [cap][h_stride]: two buffers of LH, the h of every layer */
    unsigned char *cur;    /* [cap]: which of a slot's two h and c buffers is current */
    float *c;              /* [cap][2][LH]: a step reads one and writes the other */
    float *logits;         /* [cap][Vp] */
    size_t pre_size;       /* 2 G Hp */
    float *pre;            /* [cap][2][G][Hp]: a step's gate pre-activations by gate (the GRU's
                              hidden-side products in the second half) */
    unsigned char *mark;   /* [cap]: feed's check that slots are distinct */
    int *step;             /* [cap]: tokens fed since the slot's start (batch norm's running-average row) */
    float *norm_scratch;   /* a normalised model: [max_threads][packed_norm_scratch] */
    size_t norm_scratch_size;
    int max_threads;
    int_inputs *qin;       /* int_dot: [max_threads] */
    long feeds;            /* feeds so far: names the inputs a thread has quantised */
    /* Stepping with a crew (crew.h: no barrier waits for a thread that lost
     * its core) rather than OpenMP's team, for a model without a norm. Its
     * items compute into their worker's own pre-activations and logits. */
    crew *crew;
    int chunk_cap;         /* streams in a chunk: min(cap, PANEL_CHUNK) */
    int tasks, dec_tasks, dec_task_groups;
    int *fed;              /* [cap]: the slots of the feed in progress */
    int32_t *fed_ids;      /* [cap]: their tokens */
    float *wpre;           /* [max_threads][chunk_cap][pre_size] */
    float *wz;             /* [max_threads][chunk_cap][Vp] */
};

static recur_status crew_init(recur_streams *st, recur_error *err);

static int int_inputs_made(const recur_streams *st)
{
    if (!st->qin)
        return 0;
    for (int t = 0; t < st->max_threads; t++)
        if (!st->qin[t].q)
            return 0;
    return 1;
}

recur_status recur_streams_create(const recur_model *m, int capacity, recur_sample_weights weights,
                                  recur_streams **out, recur_error *err)
{
    *out = NULL;
    if (capacity < 1 || capacity > 1000000)
        return recur_fail(err, RECUR_E_ARG, "streams: capacity must be 1 to 1000000, got %d", capacity);
    recur_streams *st = calloc(1, sizeof *st);
    if (!st)
        return recur_fail_nomem(err, "the streams");
    recur_status s = packed_model_init(&st->pm, m, weights, err);
    if (s) {
        free(st);
        return s;
    }
    const packed_model *p = &st->pm;
    st->cap = capacity;
    st->LH = (size_t)p->L * p->H;
    size_t C = (size_t)capacity;
#ifdef RECUR_HAVE_OPENMP
    st->max_threads = omp_get_max_threads();
#else
    st->max_threads = 1;
#endif
    /* The kernels read the same column of every fed slot's h together; with
     * slots a multiple of 4 KB apart those all fall in one L1 set, whose 8
     * ways 16 slots then thrash. A cache line more per slot spreads them. */
    st->h_stride = (2 * st->LH + 15) / 16 * 16 + 16;
    st->h = calloc(C * st->h_stride, sizeof *st->h);
    st->cur = calloc(C, 1);
    st->c = calloc(C * 2 * st->LH, sizeof *st->c);
    st->logits = calloc(C * p->Vp, sizeof *st->logits);
    st->pre_size = (size_t)2 * p->G * p->Hp;
    st->pre = calloc(C * st->pre_size, sizeof *st->pre);
    st->mark = calloc(C, 1);
    st->step = calloc(C, sizeof *st->step);
    if (p->int_dot && (st->qin = calloc((size_t)st->max_threads, sizeof *st->qin)))
        for (int t = 0; t < st->max_threads; t++) {
            st->qin[t].feed = -1;
            /* zeroed once: the int8 panels read each input up to the end
             * of its last quad of four bytes, past its end, where they
             * meet zero weights */
            st->qin[t].q = calloc((size_t)PANEL_CHUNK * 2 * p->H + 64, 1);
        }
    if (p->norm != RECUR_NORM_NONE) {
        st->norm_scratch_size = packed_norm_scratch(p);
        st->norm_scratch = malloc((size_t)st->max_threads * st->norm_scratch_size * sizeof *st->norm_scratch);
    }
    if (!st->h || !st->cur || !st->c || !st->logits || !st->pre || !st->mark || !st->step ||
        (p->int_dot && !int_inputs_made(st)) || (p->norm != RECUR_NORM_NONE && !st->norm_scratch)) {
        recur_streams_free(st);
        return recur_fail_nomem(err, "the streams");
    }
    s = crew_init(st, err);
    if (s) {
        recur_streams_free(st);
        return s;
    }
    *out = st;
    return RECUR_OK;
}

void recur_streams_free(recur_streams *st)
{
    if (!st)
        return;
    crew_free(st->crew); /* first: its helpers read the rest */
    packed_model_free(&st->pm);
    free(st->h);
    free(st->cur);
    free(st->c);
    free(st->logits);
    free(st->pre);
    free(st->mark);
    free(st->step);
    if (st->qin)
        for (int t = 0; t < st->max_threads; t++)
            free(st->qin[t].q);
    free(st->qin);
    free(st->norm_scratch);
    free(st->fed);
    free(st->fed_ids);
    free(st->wpre);
    free(st->wz);
    free(st);
}

int recur_streams_capacity(const recur_streams *st) { return st->cap; }

static float *h_of(const recur_streams *st, int slot, int which)
{
    return st->h + (size_t)slot * st->h_stride + (size_t)which * st->LH;
}

static float *c_of(const recur_streams *st, int slot, int which)
{
    return st->c + ((size_t)slot * 2 + (size_t)which) * st->LH;
}

void recur_streams_reset(recur_streams *st, int slot)
{
    if (slot < 0 || slot >= st->cap)
        return;
    memset(h_of(st, slot, 0), 0, 2 * st->LH * sizeof(float));
    memset(c_of(st, slot, 0), 0, 2 * st->LH * sizeof(float));
    memset(st->logits + (size_t)slot * st->pm.Vp, 0, (size_t)st->pm.Vp * sizeof(float));
    st->cur[slot] = 0;
    st->step[slot] = 0;
}

/* A batch-norm model's state ends with the slot's step, as a float: the
 * running averages it selects are part of where the stream stands. Steps
 * at or beyond the last row of the averages all select that row, so the
 * count saturates there and stays exact in a float. */
static int state_has_step(const recur_streams *st) { return st->pm.norm == RECUR_NORM_BATCH; }

static int step_limit(const recur_streams *st) { return recur_model_config(st->pm.m)->norm_steps; }

size_t recur_streams_state_size(const recur_streams *st)
{
    return st->LH * (st->pm.cell == RECUR_CELL_LSTM ? 2 : 1) + (size_t)state_has_step(st);
}

void recur_streams_get_state(const recur_streams *st, int slot, float *out)
{
    memcpy(out, h_of(st, slot, st->cur[slot]), st->LH * sizeof *out);
    size_t at = st->LH;
    if (st->pm.cell == RECUR_CELL_LSTM) {
        memcpy(out + at, c_of(st, slot, st->cur[slot]), st->LH * sizeof *out);
        at += st->LH;
    }
    if (state_has_step(st)) {
        int limit = step_limit(st);
        out[at] = (float)(st->step[slot] < limit ? st->step[slot] : limit);
    }
}

void recur_streams_set_state(recur_streams *st, int slot, const float *state)
{
    memcpy(h_of(st, slot, st->cur[slot]), state, st->LH * sizeof *state);
    size_t at = st->LH;
    if (st->pm.cell == RECUR_CELL_LSTM) {
        memcpy(c_of(st, slot, st->cur[slot]), state + at, st->LH * sizeof *state);
        at += st->LH;
    }
    if (state_has_step(st)) {
        /* anything but a count (negative, NaN) starts over at step 0 */
        float v = state[at], limit = (float)step_limit(st);
        st->step[slot] = v >= 1.0f ? (int)(v < limit ? v : limit) : 0;
    }
}

void recur_streams_copy(recur_streams *st, int from, int to)
{
    if (from == to)
        return;
    memcpy(h_of(st, to, 0), h_of(st, from, 0), 2 * st->LH * sizeof(float));
    memcpy(c_of(st, to, 0), c_of(st, from, 0), 2 * st->LH * sizeof(float));
    memcpy(st->logits + (size_t)to * st->pm.Vp, st->logits + (size_t)from * st->pm.Vp,
           (size_t)st->pm.Vp * sizeof(float));
    st->cur[to] = st->cur[from];
    st->step[to] = st->step[from];
}

const float *recur_streams_logits(const recur_streams *st, int slot)
{
    return st->logits + (size_t)slot * st->pm.Vp;
}

/* This thread's share [lo, hi) of n items, cut as every thread of the library cuts. */
static void share(int n, int *lo, int *hi)
{
#ifdef RECUR_HAVE_OPENMP
    recur_thread_share(n, 1, omp_get_thread_num(), omp_get_num_threads(), lo, hi);
#else
    recur_thread_share(n, 1, 0, 1, lo, hi);
#endif
}

/* The cell of one stream over units [j0, j1), from its pre-activations
 * (gates Hp apart; the GRU's hidden side in the second half): nn's cells
 * over a range of units. */
static void cell_units(const packed_model *p, const packed_layer *pl, float *pre, const float *h_prev, float *h_new,
                       const float *c_prev, float *c_new, int j0, int j1)
{
    const size_t Hp = (size_t)p->Hp;
    const int n = j1 - j0;
    float *a0 = pre + j0;
    switch (p->cell) {
    case RECUR_CELL_LSTM:
        /* gates i, f, g, o in a0..a3, Hp apart; tanh(c) goes where g was */
        lstm_cell(n, Hp, a0, pl->peep ? pl->peep + j0 : NULL, c_prev + j0, c_new + j0, a0 + 2 * Hp, h_new + j0);
        break;
    case RECUR_CELL_GRU: {
        /* r, z and the candidate's input side in a0..a2; W_hn h + b_hn
         * lands back in the hidden side's candidate slot */
        float *hs = pre + (size_t)p->G * Hp + j0;
        gru_cell(n, Hp, a0, hs, pl->b_hn + j0, h_prev + j0, hs + 2 * Hp, h_new + j0);
        break;
    }
    default:
        elman_cell(n, p->cell, a0, h_new + j0);
        break;
    }
}

/* A stream's input-side pre-activations of units [j0, j1): base (the
 * table's row or the biases) + the products (the input and hidden sides
 * together, but the GRU's hidden side stays apart for its cell). */
static void combine(const packed_model *p, const float *base, float *pre, int j0, int j1)
{
    const size_t Hp = (size_t)p->Hp;
    for (int g = 0; g < p->G; g++)
        for (int j = j0; j < j1; j++)
            pre[g * Hp + j] = base[g * Hp + j] + pre[g * Hp + j];
}

/* This thread's quantised inputs of layer l for the k streams of the chunk
 * at c0 of feed `feed`, quantised now unless it already holds them. Each
 * thread quantises the whole vectors for itself: 2H bytes a stream,
 * cheaper than another barrier. */
static const int_inputs *int_inputs_of(recur_streams *st, int_inputs *in, long feed, int l, int c0, int k,
                                       const int *slots)
{
    if (in->feed == feed && in->l == l && in->c0 == c0)
        return in;
    const int H = st->pm.H, nx = st->pm.layers[l].in;
    for (int s = 0; s < k; s++) {
        int slot = slots[s];
        in->qh[s].q = in->q + (size_t)s * 2 * H;
        in->qx[s].q = in->qh[s].q + H;
        rows_qvec_set(&in->qh[s], h_of(st, slot, st->cur[slot]) + (size_t)l * H, H);
        if (nx)
            rows_qvec_set(&in->qx[s], h_of(st, slot, st->cur[slot] ^ 1) + (size_t)(l - 1) * H, nx);
    }
    in->feed = feed;
    in->l = l;
    in->c0 = c0;
    return in;
}

/* The products of groups [q0, q1) (units [j0, j1)) of layer l from int8
 * weights with quantised inputs qx, qh of k <= CHUNK fed streams, into
 * out[s] (the layout of the panels' products): one stream from the rows,
 * several from the panels (the same integers, the same results). */
static void int_products(recur_streams *st, int l, int k, const rows_qvec *qx, const rows_qvec *qh, int q0, int q1,
                         int j0, int j1, float *const *out)
{
    const packed_model *p = &st->pm;
    const packed_layer *pl = &p->layers[l];
    const int G = p->G;
    const size_t Hp = (size_t)p->Hp;
    const int split = p->split;
    if (k > 1) {
        float *out_h[CHUNK];
        for (int s = 0; s < k; s++)
            out_h[s] = out[s] + (size_t)G * Hp;
        panel_out where = packed_layer_out(p);
        panel_int_products(&pl->qw, q0, q1, k, pl->in ? qx : NULL, qh, split, out, out_h, &where);
        return;
    }
    for (int j = j0; j < j1; j++) {
        float xs[CHUNK * 4], hs[CHUNK * 4];
        rows_matrix_group_int_multi(&pl->w, (size_t)j * G, G, k, pl->in ? qx : NULL, qh, xs, hs);
        for (int s = 0; s < k; s++) {
            float *pre = out[s];
            for (int g = 0; g < G; g++) {
                float xv = pl->in ? xs[s * G + g] : 0.0f, hv = hs[s * G + g];
                if (split) {
                    pre[g * Hp + j] = xv;
                    pre[(G + g) * Hp + j] = hv;
                } else
                    pre[g * Hp + j] = xv + hv;
            }
        }
    }
}

/* The units [*j0, *j1) of groups [q0, q1). */
static void unit_range(const packed_model *p, int q0, int q1, int *j0, int *j1)
{
    *j0 = q0 * p->unit_group;
    *j1 = q1 * p->unit_group < p->H ? q1 * p->unit_group : p->H;
}

/* The gate products of groups [q0, q1) of layer l for k <= PANEL_CHUNK fed
 * streams into out[s] (by gate, Hp apart; the hidden side G Hp further on
 * when the sides stay apart), each group's weights loaded once for all k.
 * in: the streams' quantised inputs, for int8 weights. */
static void chunk_products(recur_streams *st, int l, int k, const int *slots, int q0, int q1, const int_inputs *in,
                           float *const *out)
{
    const packed_model *p = &st->pm;
    const packed_layer *pl = &p->layers[l];
    const int H = p->H;
    int j0, j1;
    unit_range(p, q0, q1, &j0, &j1);
    if (p->int_dot) {
        for (int c0 = 0; c0 < k; c0 += CHUNK)
            int_products(st, l, k - c0 < CHUNK ? k - c0 : CHUNK, in->qx + c0, in->qh + c0, q0, q1, j0, j1, out + c0);
        return;
    }
    const float *xp[PANEL_CHUNK], *hp[PANEL_CHUNK];
    float *out_h[PANEL_CHUNK];
    for (int s = 0; s < k; s++) {
        int slot = slots[s];
        xp[s] = l ? h_of(st, slot, st->cur[slot] ^ 1) + (size_t)(l - 1) * H : NULL;
        hp[s] = h_of(st, slot, st->cur[slot]) + (size_t)l * H;
        out_h[s] = out[s] + (size_t)p->G * p->Hp;
    }
    /* x then h in one sum, but apart for the GRU (its candidate needs
     * them so) and for a norm */
    panel_out where = packed_layer_out(p);
    panel_products(&pl->pw, q0, q1, k, xp, pl->in, hp, H, p->split, out, out_h, &where);
}

/* Then, without a norm, units [j0, j1) of each stream: its pre-activations
 * (the table's row or the biases + the products in pre[s], in place) and
 * its cell, which writes the stream's next h and c. */
static void chunk_cells(recur_streams *st, int l, int k, const int *slots, const int32_t *ids, int j0, int j1,
                        float *const *pre)
{
    const packed_model *p = &st->pm;
    const packed_layer *pl = &p->layers[l];
    const size_t o = (size_t)l * p->H;
    for (int s = 0; s < k; s++) {
        int slot = slots[s], cur = st->cur[slot];
        const float *base = l == 0 ? p->table + (size_t)ids[s] * p->G * p->Hp : pl->bias;
        combine(p, base, pre[s], j0, j1);
        cell_units(p, pl, pre[s], h_of(st, slot, cur) + o, h_of(st, slot, cur ^ 1) + o, c_of(st, slot, cur) + o,
                   c_of(st, slot, cur ^ 1) + o, j0, j1);
    }
}

/* Groups [q0, q1) of layer l for the k <= PANEL_CHUNK fed streams of the
 * chunk at c0, their products in the streams' own pre (a normalised
 * model's cells wait for the whole layer's: norm_cell). in: this thread's
 * int8 inputs. */
static void layer_chunk(recur_streams *st, int l, int c0, int k, const int *slots, const int32_t *ids, int q0,
                        int q1, int_inputs *in)
{
    const packed_model *p = &st->pm;
    int j0, j1;
    unit_range(p, q0, q1, &j0, &j1);
    if (j0 >= j1)
        return;
    float *pre[PANEL_CHUNK];
    for (int s = 0; s < k; s++)
        pre[s] = st->pre + (size_t)slots[s] * st->pre_size;
    const int_inputs *q = p->int_dot ? int_inputs_of(st, in, st->feeds, l, c0, k, slots) : NULL;
    chunk_products(st, l, k, slots, q0, q1, q, pre);
    if (p->norm == RECUR_NORM_NONE)
        chunk_cells(st, l, k, slots, ids, j0, j1, pre);
}

/* A normalised layer l's cell for fed stream k, once every product of the
 * layer is in: the norms take statistics over a stream's whole layer. */
static void norm_cell(recur_streams *st, int l, int slot, int32_t id, float *scratch)
{
    const packed_model *p = &st->pm;
    const size_t o = (size_t)l * p->H, GHp = (size_t)p->G * p->Hp;
    const float *pre = st->pre + (size_t)slot * st->pre_size;
    const float *x_side = l == 0 ? p->table + (size_t)id * GHp : pre;
    const int cur = st->cur[slot];
    float *h = h_of(st, slot, cur ^ 1) + o, *c = c_of(st, slot, cur ^ 1) + o;
    memcpy(h, h_of(st, slot, cur) + o, (size_t)p->H * sizeof *h);
    memcpy(c, c_of(st, slot, cur) + o, (size_t)p->H * sizeof *c);
    packed_norm_cell(p, l, x_side, pre + GHp, st->step[slot], scratch, h, c);
}

/* Decoder groups [q0, q1) (rows 16 q0 .. 16 q1) for k <= PANEL_CHUNK fed
 * streams: the products into z[s]. */
static void decode_products(recur_streams *st, int k, const int *slots, int q0, int q1, float *const *z)
{
    const packed_model *p = &st->pm;
    const float *top[PANEL_CHUNK];
    for (int s = 0; s < k; s++)
        top[s] = h_of(st, slots[s], st->cur[slots[s]] ^ 1) + (size_t)(p->L - 1) * p->H;
    panel_out where = {PANEL_LANES, 0, 1};
    panel_products(&p->dec, q0, q1, k, NULL, 0, top, p->H, 0, z, NULL, &where);
}

/* Then the streams' logits of those rows: the biases + z (z may be the
 * logits themselves). */
static void decode_bias(recur_streams *st, int k, const int *slots, int q0, int q1, float *const *z)
{
    const packed_model *p = &st->pm;
    const int v0 = q0 * PANEL_LANES, v1 = q1 * PANEL_LANES < p->V ? q1 * PANEL_LANES : p->V;
    for (int s = 0; s < k; s++) {
        float *out = st->logits + (size_t)slots[s] * p->Vp;
        for (int v = v0; v < v1; v++)
            out[v] = p->dec_b[v] + z[s][v];
    }
}

/* The same for any number of fed streams, PANEL_CHUNK at a time. */
static void layer_units(recur_streams *st, int l, int n, const int *slots, const int32_t *ids, int q0, int q1,
                        int_inputs *in)
{
    for (int c0 = 0; c0 < n; c0 += PANEL_CHUNK)
        layer_chunk(st, l, c0, n - c0 < PANEL_CHUNK ? n - c0 : PANEL_CHUNK, slots + c0, ids + c0, q0, q1, in);
}

static void decode_rows(recur_streams *st, int n, const int *slots, int q0, int q1)
{
    for (int c0 = 0; c0 < n; c0 += PANEL_CHUNK) {
        int k = n - c0 < PANEL_CHUNK ? n - c0 : PANEL_CHUNK;
        float *z[PANEL_CHUNK];
        for (int s = 0; s < k; s++)
            z[s] = st->logits + (size_t)slots[c0 + s] * st->pm.Vp;
        decode_products(st, k, slots + c0, q0, q1, z);
        decode_bias(st, k, slots + c0, q0, q1, z);
    }
}

/* The crew's items. Item i of a phase is piece i % pieces of chunk
 * i / pieces (PANEL_CHUNK streams of the feed); its products go to the
 * worker's own buffers, and only the run that crew_write() picks writes
 * the streams' h, c or logits. args: the layer, the streams fed, and the
 * feed's number (its low 31 bits, then the rest), which names the int8
 * inputs a worker has quantised. */
static int chunk_of(int item, int pieces, int n, int *c0)
{
    *c0 = item / pieces * PANEL_CHUNK;
    return n - *c0 < PANEL_CHUNK ? n - *c0 : PANEL_CHUNK;
}

static void layer_item(void *ctx, const int args[CREW_ARGS], int item, int worker, crew_turn *turn)
{
    recur_streams *st = ctx;
    const packed_model *p = &st->pm;
    const int l = args[0];
    int c0, j0, j1;
    const int k = chunk_of(item, st->tasks, args[1], &c0);
    const int q0 = item % st->tasks * TASK_GROUPS, q1 = q0 + TASK_GROUPS < p->groups ? q0 + TASK_GROUPS : p->groups;
    unit_range(p, q0, q1, &j0, &j1);
    if (k <= 0 || j0 >= j1) {
        crew_write(turn);
        return;
    }
    float *pre[PANEL_CHUNK];
    float *mine = st->wpre + (size_t)worker * st->chunk_cap * st->pre_size;
    for (int s = 0; s < k; s++)
        pre[s] = mine + (size_t)s * st->pre_size;
    const long feed = (long)args[2] | (long)args[3] << 31;
    const int_inputs *q = p->int_dot ? int_inputs_of(st, &st->qin[worker], feed, l, c0, k, st->fed + c0) : NULL;
    chunk_products(st, l, k, st->fed + c0, q0, q1, q, pre);
    if (crew_write(turn))
        chunk_cells(st, l, k, st->fed + c0, st->fed_ids + c0, j0, j1, pre);
}

static void decode_item(void *ctx, const int args[CREW_ARGS], int item, int worker, crew_turn *turn)
{
    recur_streams *st = ctx;
    const int dec_groups = st->pm.Vp / PANEL_LANES;
    int c0;
    const int k = chunk_of(item, st->dec_tasks, args[1], &c0);
    const int q0 = item % st->dec_tasks * st->dec_task_groups;
    const int q1 = q0 + st->dec_task_groups < dec_groups ? q0 + st->dec_task_groups : dec_groups;
    if (k <= 0 || q0 >= q1) {
        crew_write(turn);
        return;
    }
    float *z[PANEL_CHUNK];
    float *mine = st->wz + (size_t)worker * st->chunk_cap * st->pm.Vp;
    for (int s = 0; s < k; s++)
        z[s] = mine + (size_t)s * st->pm.Vp;
    decode_products(st, k, st->fed + c0, q0, q1, z);
    if (crew_write(turn))
        decode_bias(st, k, st->fed + c0, q0, q1, z);
}

/* Whether a feed of n streams is worth more than one thread: each share
 * must stream enough weights (the rule is the sampler's at one stream). */
static int worth_threads(const packed_model *p, int n)
{
    return (long)p->G * p->H * (p->H * 2) * n >= 262144;
}

/* The crew and its buffers, where threads would ever be used. A
 * normalised model keeps OpenMP's team: its cells need a whole layer's
 * products, one more barrier a layer, and a second kind of item. */
static recur_status crew_init(recur_streams *st, recur_error *err)
{
    const packed_model *p = &st->pm;
    if (st->max_threads < 2 || p->norm != RECUR_NORM_NONE || !worth_threads(p, st->cap))
        return RECUR_OK;
    const int dec_groups = p->Vp / PANEL_LANES;
    st->chunk_cap = st->cap < PANEL_CHUNK ? st->cap : PANEL_CHUNK;
    st->tasks = (p->groups + TASK_GROUPS - 1) / TASK_GROUPS;
    st->dec_tasks = dec_groups < DEC_TASKS ? dec_groups : DEC_TASKS;
    st->dec_task_groups = (dec_groups + st->dec_tasks - 1) / st->dec_tasks;
    st->dec_tasks = (dec_groups + st->dec_task_groups - 1) / st->dec_task_groups;
    const size_t C = (size_t)st->cap, W = (size_t)st->max_threads, chunks = (C + PANEL_CHUNK - 1) / PANEL_CHUNK;
    const size_t items = chunks * (size_t)(st->tasks > st->dec_tasks ? st->tasks : st->dec_tasks);
    if (items > INT_MAX / 2)
        return recur_fail(err, RECUR_E_ARG, "streams: %d streams are too many for the threads", st->cap);
    st->fed = malloc(C * sizeof *st->fed);
    st->fed_ids = malloc(C * sizeof *st->fed_ids);
    st->wpre = malloc(W * st->chunk_cap * st->pre_size * sizeof *st->wpre);
    st->wz = malloc(W * st->chunk_cap * p->Vp * sizeof *st->wz);
    if (!st->fed || !st->fed_ids || !st->wpre || !st->wz)
        return recur_fail_nomem(err, "the streams' threads");
    return crew_create(st->max_threads - 1, (int)items, &st->crew, err);
}

/* A feed by OpenMP's team (or by this thread alone): a normalised model's,
 * or any when there is no crew. The float layers' groups and the
 * decoder's are handed out a few at a time from a shared counter; the
 * int8 rows keep fixed shares, each thread quantising the inputs once for
 * its whole share. */
static void feed_team(recur_streams *st, int threads, int n, const int *slots, const int32_t *ids)
{
    const packed_model *p = &st->pm;
    const int tasks = (p->groups + TASK_GROUPS - 1) / TASK_GROUPS, dec_groups = p->Vp / PANEL_LANES;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
#ifdef RECUR_HAVE_OPENMP
        const size_t me = (size_t)omp_get_thread_num();
#else
        const size_t me = 0;
#endif
        int_inputs *in = st->qin ? &st->qin[me] : NULL;
        float *scratch = st->norm_scratch ? st->norm_scratch + me * st->norm_scratch_size : NULL;
        for (int l = 0; l < p->L; l++) {
            if (p->int_dot) {
                int q0, q1;
                share(p->groups, &q0, &q1);
                layer_units(st, l, n, slots, ids, q0, q1, in);
#pragma omp barrier
            } else {
#pragma omp for schedule(dynamic, 1)
                for (int t = 0; t < tasks; t++) {
                    int q1 = (t + 1) * TASK_GROUPS < p->groups ? (t + 1) * TASK_GROUPS : p->groups;
                    layer_units(st, l, n, slots, ids, t * TASK_GROUPS, q1, in);
                }
            }
            if (p->norm != RECUR_NORM_NONE) {
                /* a stream at a time: one more barrier a layer */
#pragma omp for schedule(static)
                for (int k = 0; k < n; k++)
                    norm_cell(st, l, slots[k], ids[k], scratch);
            }
        }
#pragma omp for schedule(dynamic, 1)
        for (int q = 0; q < dec_groups; q++)
            decode_rows(st, n, slots, q, q + 1);
    }
}

recur_status recur_streams_feed(recur_streams *st, int n, const int *slots, const int32_t *ids, recur_error *err)
{
    const packed_model *p = &st->pm;
    if (n < 0 || n > st->cap)
        return recur_fail(err, RECUR_E_ARG, "streams: %d slots fed to %d streams", n, st->cap);
    recur_status bad = RECUR_OK;
    for (int k = 0; k < n && !bad; k++) {
        if (slots[k] < 0 || slots[k] >= st->cap)
            bad = recur_fail(err, RECUR_E_ARG, "streams: slot %d is outside 0..%d", slots[k], st->cap - 1);
        else if (st->mark[slots[k]])
            bad = recur_fail(err, RECUR_E_ARG, "streams: slot %d is fed twice in one step", slots[k]);
        else if (ids[k] < 0 || ids[k] >= p->V)
            bad = recur_fail(err, RECUR_E_ARG, "token id %d is outside the vocabulary", (int)ids[k]);
        else
            st->mark[slots[k]] = 1;
    }
    for (int k = 0; k < n; k++)
        if (slots[k] >= 0 && slots[k] < st->cap)
            st->mark[slots[k]] = 0;
    if (bad || n == 0)
        return bad;
    const int threads = worth_threads(p, n) ? st->max_threads : 1;
    st->feeds++;
    const int chunks = (n + PANEL_CHUNK - 1) / PANEL_CHUNK;
    if (threads > 1 && st->crew) {
        /* the helpers read the feed from here, never from the caller's arrays */
        memcpy(st->fed, slots, (size_t)n * sizeof *slots);
        memcpy(st->fed_ids, ids, (size_t)n * sizeof *ids);
        const int feed_lo = (int)(st->feeds & INT_MAX), feed_hi = (int)(st->feeds >> 31);
        for (int l = 0; l < p->L; l++)
            crew_run(st->crew, layer_item, st, (int[CREW_ARGS]){l, n, feed_lo, feed_hi}, chunks * st->tasks);
        crew_run(st->crew, decode_item, st, (int[CREW_ARGS]){0, n}, chunks * st->dec_tasks);
    } else
        feed_team(st, threads, n, slots, ids);
    for (int k = 0; k < n; k++) {
        st->cur[slots[k]] ^= 1;
        st->step[slots[k]] += st->step[slots[k]] < INT_MAX;
    }
    return RECUR_OK;
}
