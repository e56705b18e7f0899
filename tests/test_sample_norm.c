/* The sampler with normalised cells (--norm batch and layer): for every
 * cell, stacked, its log-probabilities are the sequence network's (one
 * window from a zero state, the training and evaluation forward) in f32;
 * with f16 and i8 weights they are the f32 sampler's on a model holding the
 * weights those formats store, and the network's within the formats'
 * rounding. Batch norm past the trained length reads the last step's
 * running averages, and a stream's state carries its step. */
#include <stdlib.h>
#include <string.h>

#include "core/half.h"
#include "norm_models.h"
#include "recur.h"
#include "sample/rows.h"
#include "test.h"

static const char *TEXT = "the quick brown fox jumps over the lazy dog; 푸른 하늘에 구름이 떠있다.";
enum { T = 30, NORM_STEPS = 6 };

static void log_softmax(const float *z, int V, double *lp)
{
    double zmax = z[0], sum = 0;
    for (int j = 1; j < V; j++)
        zmax = fmax(zmax, z[j]);
    for (int j = 0; j < V; j++)
        sum += exp((double)z[j] - zmax);
    for (int j = 0; j < V; j++)
        lp[j] = (double)z[j] - (zmax + log(sum));
}

static float *tensor(recur_model *m, const char *name, recur_tensor_info *info)
{
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        float *t = recur_model_tensor(m, i, info);
        if (strcmp(info->name, name) == 0)
            return t;
    }
    return NULL;
}

/* One row of n weights as the format stores it, back in floats. */
static void store_row(recur_sample_weights w, float *row, size_t n)
{
    if (w == RECUR_WEIGHTS_F16) {
        for (size_t k = 0; k < n; k++)
            row[k] = recur_half_to_float(recur_half_from_float(row[k]));
        return;
    }
    int8_t *q = malloc(n);
    float scale;
    rows_quantize(row, n, q, &scale);
    for (size_t k = 0; k < n; k++)
        row[k] = q[k] * scale;
    free(q);
}

/* m's weights as the sampler stores them in format w: each packed row is a
 * unit's gate row [W_ih (layers above the first) | W_hh], and the
 * decoder's rows; layer 0's input side and every bias stay float. */
static void store_weights(recur_model *m, recur_sample_weights w)
{
    const recur_config *c = recur_model_config(m);
    char name[64];
    recur_tensor_info ih, hh, dec;
    for (int l = 0; l < c->layers; l++) {
        snprintf(name, sizeof name, "rnn.weight_ih_l%d", l);
        float *w_ih = tensor(m, name, &ih);
        snprintf(name, sizeof name, "rnn.weight_hh_l%d", l);
        float *w_hh = tensor(m, name, &hh);
        const size_t rows = (size_t)hh.shape[0], I = l ? (size_t)ih.shape[1] : 0, H = (size_t)hh.shape[1];
        float *row = malloc((I + H) * sizeof *row);
        for (size_t r = 0; r < rows; r++) {
            memcpy(row, w_ih + r * I, I * sizeof *row);
            memcpy(row + I, w_hh + r * H, H * sizeof *row);
            store_row(w, row, I + H);
            memcpy(w_ih + r * I, row, I * sizeof *row);
            memcpy(w_hh + r * H, row + I, H * sizeof *row);
        }
        free(row);
    }
    float *d = tensor(m, "decoder.weight", &dec);
    CHECK(!dec.tied);
    for (int64_t v = 0; v < dec.shape[0]; v++)
        store_row(w, d + v * dec.shape[1], (size_t)dec.shape[1]);
}

/* The largest |difference| between the log-probabilities of a sampler of m
 * in format w fed ids and ref ([T][V]); *largest gets the largest |ref|. */
static double sampler_gap(const recur_model *m, recur_sample_weights w, const int32_t *ids, const double *ref,
                          double *largest)
{
    recur_error err = {0};
    const int V = recur_model_config(m)->vocab_size;
    recur_sampler *s = NULL;
    CHECK_MSG(recur_sampler_create_with(m, 1, w, &s, &err) == RECUR_OK, "%s", err.msg);
    if (!s)
        return INFINITY;
    double worst = 0, big = 0, *lp = malloc((size_t)V * sizeof *lp);
    for (int t = 0; t < T; t++) {
        CHECK(recur_sampler_feed(s, ids[t], &err) == RECUR_OK);
        log_softmax(recur_sampler_logits(s), V, lp);
        for (int v = 0; v < V; v++) {
            worst = fmax(worst, fabs(lp[v] - ref[(size_t)t * V + v]));
            big = fmax(big, fabs(ref[(size_t)t * V + v]));
        }
    }
    if (largest)
        *largest = big;
    free(lp);
    recur_sampler_free(s);
    return worst;
}

/* The log-probabilities of a sampler of m in format w fed ids, [T][V]. */
static double *sampler_log_probs(const recur_model *m, recur_sample_weights w, const int32_t *ids)
{
    recur_error err = {0};
    const int V = recur_model_config(m)->vocab_size;
    double *out = malloc((size_t)T * V * sizeof *out);
    recur_sampler *s = NULL;
    CHECK(recur_sampler_create_with(m, 1, w, &s, &err) == RECUR_OK);
    for (int t = 0; s && t < T; t++) {
        CHECK(recur_sampler_feed(s, ids[t], &err) == RECUR_OK);
        log_softmax(recur_sampler_logits(s), V, out + (size_t)t * V);
    }
    recur_sampler_free(s);
    return out;
}

static void check_cell(recur_cell cell, recur_norm norm, int hidden)
{
    recur_error err = {0};
    const char *label = recur_cell_name(cell), *nname = recur_norm_name(norm);
    recur_model *m = norm_model(TEXT, cell, hidden, 2, norm, NORM_STEPS, 5);
    CHECK(m != NULL);
    if (!m)
        return;
    const recur_vocab *vocab = recur_model_vocab(m);
    const int V = recur_vocab_size(vocab);
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_encode(vocab, TEXT, strlen(TEXT), &ids, &n, &err) == RECUR_OK && n >= T);
    /* The network's rows: T steps in one window, steps NORM_STEPS.. on the
     * last row of batch norm's averages. */
    float *net = malloc((size_t)T * V * sizeof *net);
    double *ref = malloc((size_t)T * V * sizeof *ref);
    CHECK(recur_model_log_probs(m, ids, T, net, &err) == RECUR_OK);
    for (size_t k = 0; k < (size_t)T * V; k++)
        ref[k] = net[k];
    double largest = 0;
    double f32 = sampler_gap(m, RECUR_WEIGHTS_F32, ids, ref, &largest);
    CHECK_MSG(f32 < 2e-5, "%s --norm %s H=%d: the f32 sampler's log-probabilities differ from the network's by %g",
              label, nname, hidden, f32);

    /* f16 and i8: against the f32 sampler on the weights they store (the
     * same numbers up to the order of sums, and i8's quantised inputs where
     * the build has integer products: up to half a step of max |h| / 127
     * in each product), and against the network within test_sampler's
     * bounds of the formats' rounding, relative to the largest value. */
    static const struct {
        recur_sample_weights format;
        const char *name;
        double stored, network;
    } formats[] = {{RECUR_WEIGHTS_F16, "f16", 2e-5, 2e-3}, {RECUR_WEIGHTS_I8, "i8", 3e-2, 5e-2}};
    for (int f = 0; f < 2; f++) {
        recur_model *q = norm_model(TEXT, cell, hidden, 2, norm, NORM_STEPS, 5);
        store_weights(q, formats[f].format);
        double *deq = sampler_log_probs(q, RECUR_WEIGHTS_F32, ids);
        double stored = sampler_gap(m, formats[f].format, ids, deq, NULL);
        double network = sampler_gap(m, formats[f].format, ids, ref, NULL);
        double tol_stored = formats[f].format == RECUR_WEIGHTS_I8 && !rows_int_available() ? 2e-5 : formats[f].stored;
        CHECK_MSG(stored < tol_stored * fmax(1.0, largest),
                  "%s --norm %s H=%d %s: differs from the f32 sampler on its stored weights by %g", label, nname,
                  hidden, formats[f].name, stored);
        CHECK_MSG(network < formats[f].network * largest && network > 0,
                  "%s --norm %s H=%d %s: differs from the network by %g (largest %g)", label, nname, hidden,
                  formats[f].name, network, largest);
        if (getenv("RECUR_TEST_VERBOSE"))
            fprintf(stderr, "%s --norm %s H=%d %s: %.3g from the stored-weight sampler, %.3g from the network\n",
                    label, nname, hidden, formats[f].name, stored, network);
        free(deq);
        recur_model_free(q);
    }
    if (getenv("RECUR_TEST_VERBOSE"))
        fprintf(stderr, "%s --norm %s H=%d f32: %.3g from the network (largest %.3g)\n", label, nname, hidden, f32,
                largest);
    free(net);
    free(ref);
    free(ids);
    recur_model_free(m);
}

/* The logits of a sampler of m fed ids, [count][V]. */
static float *logits_of(const recur_model *m, const int32_t *ids, int count)
{
    recur_error err = {0};
    const int V = recur_model_config(m)->vocab_size;
    float *out = malloc((size_t)count * V * sizeof *out);
    recur_sampler *s = NULL;
    CHECK(recur_sampler_create(m, 1, &s, &err) == RECUR_OK);
    for (int t = 0; s && t < count; t++) {
        CHECK(recur_sampler_feed(s, ids[t], &err) == RECUR_OK);
        memcpy(out + (size_t)t * V, recur_sampler_logits(s), (size_t)V * sizeof *out);
    }
    recur_sampler_free(s);
    return out;
}

/* Batch norm trained on 4 steps samples step 4 and on with row 3: the same
 * logits, bitwise, as a model of 12 rows whose rows 4.. are copies of row
 * 3; changing its row 7 changes step 7 and nothing before. */
static void check_past_trained_length(recur_cell cell)
{
    enum { SHORT = 4, LONG = 12, N = 20, ROW = 7 };
    recur_model *a = norm_model(TEXT, cell, 20, 2, RECUR_NORM_BATCH, SHORT, 9);
    recur_model *b = norm_model(TEXT, cell, 20, 2, RECUR_NORM_BATCH, LONG, 9);
    CHECK(a && b);
    if (!a || !b)
        return;
    int running = 0;
    for (int i = 0; i < recur_model_tensor_count(b); i++) {
        recur_tensor_info ib, ia;
        float *tb = recur_model_tensor(b, i, &ib);
        float *ta = tensor(a, ib.name, &ia);
        CHECK(ta != NULL);
        if (!ta)
            continue;
        if (!strstr(ib.name, ".running_")) {
            memcpy(tb, ta, ib.size * sizeof *tb);
            continue;
        }
        running++;
        const size_t width = (size_t)ib.shape[1];
        CHECK(ia.shape[0] == SHORT && ib.shape[0] == LONG && (size_t)ia.shape[1] == width);
        for (int r = 0; r < LONG; r++)
            memcpy(tb + r * width, ta + (r < SHORT ? r : SHORT - 1) * width, width * sizeof *tb);
    }
    CHECK(running > 0);
    const int V = recur_model_config(a)->vocab_size;
    int32_t ids[N];
    for (int t = 0; t < N; t++)
        ids[t] = (int32_t)((t * 5 + 2) % V);
    float *za = logits_of(a, ids, N), *zb = logits_of(b, ids, N);
    CHECK_MSG(memcmp(za, zb, (size_t)N * V * sizeof *za) == 0,
              "%s: steps past the 4 trained ones do not read the last row", recur_cell_name(cell));
    free(zb);
    /* Row 7 of every site moved: the steps before it stay, step 7 moves. */
    for (int i = 0; i < recur_model_tensor_count(b); i++) {
        recur_tensor_info ib;
        float *tb = recur_model_tensor(b, i, &ib);
        if (strstr(ib.name, ".running_mean"))
            for (int64_t k = 0; k < ib.shape[1]; k++)
                tb[ROW * ib.shape[1] + k] += 0.25f;
    }
    zb = logits_of(b, ids, N);
    CHECK(memcmp(za, zb, (size_t)ROW * V * sizeof *za) == 0);
    CHECK_MSG(memcmp(za + (size_t)ROW * V, zb + (size_t)ROW * V, (size_t)V * sizeof *za) != 0,
              "%s: step %d does not read its own row", recur_cell_name(cell), ROW);
    free(za);
    free(zb);
    recur_model_free(a);
    recur_model_free(b);
}

/* A batch-norm stream's state ends with its step: moved to another slot,
 * the stream goes on there as it would have; a step that is no count
 * starts over at step 0. */
static void check_state_step(void)
{
    recur_error err = {0};
    recur_model *m = norm_model(TEXT, RECUR_CELL_GRU, 16, 2, RECUR_NORM_BATCH, 8, 3);
    CHECK(m != NULL);
    if (!m)
        return;
    const int V = recur_model_config(m)->vocab_size;
    recur_streams *st = NULL;
    CHECK(recur_streams_create(m, 3, RECUR_WEIGHTS_F32, &st, &err) == RECUR_OK);
    const size_t n = recur_streams_state_size(st);
    CHECK(n == 2 * 16 + 1);
    for (int t = 0; t < 5; t++)
        CHECK(recur_streams_feed(st, 1, (int[]){0}, (int32_t[]){(int32_t)(t % V)}, &err) == RECUR_OK);
    float *state = malloc(n * sizeof *state);
    recur_streams_get_state(st, 0, state);
    CHECK(state[n - 1] == 5.0f);
    recur_streams_set_state(st, 1, state);
    CHECK(recur_streams_feed(st, 2, (int[]){0, 1}, (int32_t[]){3, 3}, &err) == RECUR_OK);
    CHECK(memcmp(recur_streams_logits(st, 0), recur_streams_logits(st, 1), (size_t)V * sizeof(float)) == 0);
    /* a zero state at step -2 (and NaN) is a fresh stream */
    memset(state, 0, n * sizeof *state);
    for (int bad = 0; bad < 2; bad++) {
        state[n - 1] = bad ? NAN : -2.0f;
        recur_streams_set_state(st, 1, state);
        recur_streams_reset(st, 2);
        CHECK(recur_streams_feed(st, 2, (int[]){1, 2}, (int32_t[]){4, 4}, &err) == RECUR_OK);
        CHECK(memcmp(recur_streams_logits(st, 1), recur_streams_logits(st, 2), (size_t)V * sizeof(float)) == 0);
    }
    /* a count past the last row reads as the last row */
    recur_streams_get_state(st, 0, state);
    CHECK(state[n - 1] == 6.0f);
    for (int t = 0; t < 10; t++)
        CHECK(recur_streams_feed(st, 1, (int[]){0}, (int32_t[]){1}, &err) == RECUR_OK);
    recur_streams_get_state(st, 0, state);
    CHECK(state[n - 1] == 8.0f);
    free(state);
    recur_streams_free(st);
    recur_model_free(m);
}

/* The streams copy the norm's parameters when they are made, as they do
 * the weights: changing the model afterwards changes nothing. */
static void check_copy_made(void)
{
    recur_error err = {0};
    recur_model *m = norm_model(TEXT, RECUR_CELL_LSTM, 16, 1, RECUR_NORM_BATCH, 4, 4);
    CHECK(m != NULL);
    if (!m)
        return;
    const int V = recur_model_config(m)->vocab_size;
    recur_sampler *s = NULL;
    CHECK(recur_sampler_create(m, 1, &s, &err) == RECUR_OK);
    float *before = logits_of(m, (int32_t[]){1, 2}, 2);
    norm_models_vary(m, 77);
    CHECK(recur_sampler_feed(s, 1, &err) == RECUR_OK && recur_sampler_feed(s, 2, &err) == RECUR_OK);
    CHECK(memcmp(recur_sampler_logits(s), before + V, (size_t)V * sizeof(float)) == 0);
    float *after = logits_of(m, (int32_t[]){1, 2}, 2);
    CHECK(memcmp(after + V, before + V, (size_t)V * sizeof(float)) != 0);
    free(before);
    free(after);
    recur_sampler_free(s);
    recur_model_free(m);
}

int main(void)
{
    static const recur_cell cells[] = {RECUR_CELL_LSTM, RECUR_CELL_GRU, RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU};
    static const recur_norm norms[] = {RECUR_NORM_BATCH, RECUR_NORM_LAYER};
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 2; k++) {
            check_cell(cells[c], norms[k], 37);
            check_cell(cells[c], norms[k], 300); /* the threaded path */
        }
    for (int c = 0; c < 4; c++)
        check_past_trained_length(cells[c]);
    check_state_step();
    check_copy_made();
    return test_report();
}
