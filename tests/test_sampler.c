/* The sampler's repacked batch-1 path computes the same distribution as the
 * sequence network (batch 1, same tokens, same state), for every cell type;
 * with half-precision weights, the same to the rounding of the weights. */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/network.h"
#include "core/half.h"
#include "core/rng.h"
#include "sample/rows.h"
#include "recur.h"
#include "test.h"

static void check_cell(recur_cell cell, int peephole, int hidden)
{
    recur_error err = {0};
    const char *text = "the quick brown fox jumps over the lazy dog; 푸른 하늘에 구름이 떠있다.";
    recur_vocab *vocab = NULL;
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &vocab, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.peephole = peephole;
    cfg.hidden = hidden;
    cfg.embed = 24;
    cfg.layers = 3;
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, vocab, 11, &m, &err) == RECUR_OK);
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_encode(vocab, text, strlen(text), &ids, &n, &err) == RECUR_OK);
    const int T = 20;
    net_workspace ws;
    net_state state;
    CHECK(net_workspace_init(&ws, m, &(net_options){.T = T, .B = 1}, &err) == RECUR_OK);
    CHECK(net_state_init(&state, m, 1, &err) == RECUR_OK);
    net_batch b = {.T = T, .B = 1, .ids = ids};
    net_forward(m, &ws, &b, &state, NULL, 0.0f);
    recur_sampler *s = NULL;
    CHECK(recur_sampler_create(m, 1, &s, &err) == RECUR_OK);
    double worst = 0;
    const int V = recur_vocab_size(vocab);
    for (int t = 0; t < T; t++) {
        CHECK(recur_sampler_feed(s, ids[t], &err) == RECUR_OK);
        const float *got = recur_sampler_logits(s);
        for (int v = 0; v < V; v++) {
            double d = fabs((double)got[v] - ws.logits[(size_t)t * V + v]);
            worst = d > worst ? d : worst;
        }
    }
    CHECK_MSG(worst < 2e-5, "%s%s H=%d: logits differ by %g", recur_cell_name(cell), peephole ? "+peephole" : "",
              hidden, worst);
    recur_sampler_free(s);

    /* Half weights: each weight moves by at most 2^-11 of itself, so a
     * logit by about 2^-11 times the sum of |w x| along its paths; 8-bit
     * weights by up to half a step of their row's scale (largest |w| / 127). */
    static const struct {
        recur_sample_weights format;
        const char *name;
        double tolerance; /* relative to the largest logit */
    } formats[] = {{RECUR_WEIGHTS_F16, "f16", 2e-3}, {RECUR_WEIGHTS_I8, "i8", 5e-2}};
    for (int f = 0; f < 2; f++) {
        CHECK(recur_sampler_create_with(m, 1, formats[f].format, &s, &err) == RECUR_OK);
        double worst_f = 0, largest = 0;
        for (int t = 0; t < T; t++) {
            CHECK(recur_sampler_feed(s, ids[t], &err) == RECUR_OK);
            const float *got = recur_sampler_logits(s);
            for (int v = 0; v < V; v++) {
                double want = ws.logits[(size_t)t * V + v], d = fabs((double)got[v] - want);
                worst_f = d > worst_f ? d : worst_f;
                largest = fabs(want) > largest ? fabs(want) : largest;
            }
        }
        CHECK_MSG(worst_f < formats[f].tolerance * largest && worst_f > 0, "%s%s H=%d %s: logits differ by %g (largest %g)",
                  recur_cell_name(cell), peephole ? "+peephole" : "", hidden, formats[f].name, worst_f, largest);
        if (getenv("RECUR_TEST_VERBOSE"))
            fprintf(stderr, "%s H=%d %s: worst logit difference %.3g of %.3g\n", recur_cell_name(cell), hidden,
                    formats[f].name, worst_f, largest);
        recur_sampler_free(s);
    }
    net_state_free(&state);
    net_workspace_free(&ws);
    free(ids);
    recur_model_free(m);
}

static void check_modes(void)
{
    recur_error err = {0};
    const char *text = "ab ab ab abc";
    recur_vocab *vocab = NULL;
    recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &vocab, &err);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.hidden = 8;
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, vocab, 3, &m, &err) == RECUR_OK);
    recur_sampler *s = NULL;
    recur_sampler_create(m, 5, &s, &err);
    recur_sampler_feed(s, 0, &err);
    const float *z = recur_sampler_logits(s);
    int best = 0;
    for (int v = 1; v < recur_vocab_size(vocab); v++)
        best = z[v] > z[best] ? v : best;
    CHECK(recur_sampler_pick(s, RECUR_SAMPLE_ARGMAX, 1.0f, 0) == best);
    /* top-k 1 is argmax whatever the draw; 'space' mode is argmax after a non-space */
    int ok = 1;
    for (int i = 0; i < 50; i++)
        ok &= recur_sampler_pick(s, RECUR_SAMPLE_WEIGHTED, 1.0f, 1) == best;
    CHECK(ok);
    int32_t a = recur_vocab_find(vocab, "a", 1);
    recur_sampler_feed(s, a, &err);
    z = recur_sampler_logits(s);
    best = 0;
    for (int v = 1; v < recur_vocab_size(vocab); v++)
        best = z[v] > z[best] ? v : best;
    ok = 1;
    for (int i = 0; i < 50; i++)
        ok &= recur_sampler_pick(s, RECUR_SAMPLE_SPACE, 5.0f, 0) == best;
    CHECK(ok);
    /* after a space, 'space' mode draws: with a high temperature it must not always pick argmax */
    recur_sampler_feed(s, recur_vocab_find(vocab, " ", 1), &err);
    int differs = 0;
    for (int i = 0; i < 200; i++)
        differs |= recur_sampler_pick(s, RECUR_SAMPLE_SPACE, 50.0f, 0) != recur_sampler_pick(s, RECUR_SAMPLE_ARGMAX, 1.0f, 0);
    CHECK(differs);
    CHECK(recur_sampler_feed(s, 999, &err) == RECUR_E_ARG);
    recur_sampler_free(s);
    CHECK(recur_sampler_create_with(m, 1, (recur_sample_weights)7, &s, &err) == RECUR_E_ARG);
    recur_model_free(m);
}

/* The vector kernels against a double-precision sum, for every gate count
 * and lengths with and without a tail. */
static void check_kernels(void)
{
    enum { N = 77, STRIDE = 80 };
    float rows[4 * STRIDE], x[N];
    uint16_t rows16[4 * STRIDE];
    recur_rng rng;
    recur_rng_seed(&rng, 3);
    for (int k = 0; k < 4 * STRIDE; k++)
        rows[k] = (float)(recur_rng_uniform_double(&rng) - 0.5);
    for (int k = 0; k < N; k++)
        x[k] = (float)(recur_rng_uniform_double(&rng) * 2.0 - 1.0);
    recur_halves_from_floats(rows16, rows, 4 * STRIDE);
    static const int lengths[] = {0, 5, 16, 32, 64, 77};
    int bad = 0;
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        int n = lengths[li];
        for (int G = 1; G <= 4; G++) {
            float out[4], out16[4];
            rows_dot_group_f32(rows, STRIDE, G, x, n, out);
            rows_dot_group_f16(rows16, STRIDE, G, x, n, out16);
            for (int g = 0; g < G; g++) {
                double want = 0, want16 = 0;
                for (int j = 0; j < n; j++) {
                    want += (double)rows[g * STRIDE + j] * x[j];
                    want16 += (double)recur_half_to_float(rows16[g * STRIDE + j]) * x[j];
                }
                bad += fabs(out[g] - want) > 1e-5 || fabs(out16[g] - want16) > 1e-5;
                bad += fabs(rows_dot_f32(rows + g * STRIDE, x, n) - want) > 1e-5;
                bad += fabs(rows_dot_f16(rows16 + g * STRIDE, x, n) - want16) > 1e-5;
            }
            /* two segments: the row's first n weights against x, the next
             * STRIDE - n against x again from its start */
            int nh = STRIDE - n < N ? STRIDE - n : N;
            rows_dot_group2_f32(rows, STRIDE, G, x, n, x, nh, out);
            rows_dot_group2_f16(rows16, STRIDE, G, x, n, x, nh, out16);
            for (int g = 0; g < G; g++) {
                double want = 0, want16 = 0;
                for (int j = 0; j < n + nh; j++) {
                    float xj = j < n ? x[j] : x[j - n];
                    want += (double)rows[g * STRIDE + j] * xj;
                    want16 += (double)recur_half_to_float(rows16[g * STRIDE + j]) * xj;
                }
                bad += fabs(out[g] - want) > 1e-5 || fabs(out16[g] - want16) > 1e-5;
            }
        }
    }
    CHECK_MSG(bad == 0, "%d kernel results differ from the double sums", bad);

    /* rows_matrix in each format: the stored weights (dequantized) times x
     * in double, and the quantization within half a step of the original. */
    static const recur_sample_weights all[] = {RECUR_WEIGHTS_F32, RECUR_WEIGHTS_F16, RECUR_WEIGHTS_I8};
    int bad_matrix = 0, bad_quant = 0;
    for (int f = 0; f < 3; f++) {
        rows_matrix mat;
        recur_error err = {0};
        CHECK(rows_matrix_init(&mat, all[f], rows, 4, STRIDE, f == 0, &err) == RECUR_OK);
        for (int G = 1; G <= 4; G++) {
            float out[4];
            rows_matrix_group(&mat, 4 - (size_t)G, 2, G, x, 30, x + 30, 40, out);
            for (int g = 0; g < G; g++) {
                size_t r = 4 - (size_t)G + (size_t)g;
                double want = 0;
                for (int j = 0; j < 70; j++) {
                    size_t at = r * STRIDE + 2 + (size_t)j;
                    double w = all[f] == RECUR_WEIGHTS_F32   ? rows[at]
                               : all[f] == RECUR_WEIGHTS_F16 ? recur_half_to_float(mat.f16[at])
                                                             : (double)mat.i8[at] * mat.scale[r];
                    want += w * x[j];
                    if (all[f] == RECUR_WEIGHTS_I8)
                        bad_quant += fabs(w - rows[at]) > 0.5001 * mat.scale[r];
                }
                bad_matrix += fabs(out[g] - want) > 1e-5;
            }
        }
        rows_matrix_free(&mat);
    }
    CHECK_MSG(bad_matrix == 0, "%d rows_matrix products differ from the double sums", bad_matrix);
    CHECK_MSG(bad_quant == 0, "%d int8 weights off by more than half a step", bad_quant);
}

/* The int8 rows' integer products (where the build has them): quantised
 * inputs within half a step of the floats, and every product equal to the
 * double sum of the stored integers, for splits and widths that leave
 * partial 64-byte blocks. */
static void check_int_products(void)
{
    if (!rows_int_available()) {
        printf("integer products: not in this build (no AVX512-VNNI or AVX2)\n");
        return;
    }
    static const int shapes[][2] = {{0, 37}, {37, 37}, {64, 128}, {130, 70}, {300, 300}};
    recur_rng rng;
    recur_rng_seed(&rng, 9);
    int bad_q = 0, bad_dot = 0;
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const int nx = shapes[si][0], nh = shapes[si][1], width = nx + nh, count = 6;
        float *w = malloc((size_t)count * width * sizeof *w), *x = malloc((size_t)(nx + 1) * sizeof *x);
        float *h = malloc((size_t)nh * sizeof *h);
        uint8_t *qxb = malloc((size_t)nx + 1), *qhb = malloc((size_t)nh);
        for (int k = 0; k < count * width; k++)
            w[k] = (float)(recur_rng_uniform_double(&rng) - 0.5);
        for (int k = 0; k < nx; k++)
            x[k] = (float)(recur_rng_uniform_double(&rng) * 2.0 - 1.0);
        for (int k = 0; k < nh; k++)
            h[k] = (float)(recur_rng_uniform_double(&rng) * 1.6 - 0.8);
        rows_matrix mat;
        recur_error err = {0};
        CHECK(rows_matrix_init(&mat, RECUR_WEIGHTS_I8, w, (size_t)count, (size_t)width, ROWS_COPY, &err) == RECUR_OK);
        CHECK(rows_matrix_prepare_int(&mat, (size_t)nx, &err) == RECUR_OK);
        CHECK(mat.sum_hi != NULL);
        rows_qvec qx = {qxb, 0}, qh = {qhb, 0};
        if (nx)
            rows_qvec_set(&qx, x, nx);
        rows_qvec_set(&qh, h, nh);
        for (int k = 0; k < nx; k++)
            bad_q += fabsf((float)rows_qvec_level(&qx, k) * qx.scale - x[k]) > 0.5001f * qx.scale;
        for (int k = 0; k < nh; k++)
            bad_q += fabsf((float)rows_qvec_level(&qh, k) * qh.scale - h[k]) > 0.5001f * qh.scale;
        for (int G = 1; G <= 4; G++) {
            float xs[4], hs[4];
            size_t row = (size_t)(count - G);
            rows_matrix_group_int(&mat, row, G, nx ? &qx : NULL, &qh, xs, hs);
            for (int g = 0; g < G; g++) {
                const int8_t *r = mat.i8 + (row + (size_t)g) * (size_t)width;
                double want_x = 0, want_h = 0, mag = 0;
                for (int j = 0; j < nx; j++) {
                    want_x += (double)r[j] * rows_qvec_level(&qx, j);
                    mag += fabs((double)r[j] * 127);
                }
                for (int j = 0; j < nh; j++) {
                    want_h += (double)r[nx + j] * rows_qvec_level(&qh, j);
                    mag += fabs((double)r[nx + j] * 127);
                }
                double s = mat.scale[row + (size_t)g];
                want_x *= s * qx.scale;
                want_h *= s * qh.scale;
                double tol = 1e-6 * mag * s * fmax(qx.scale, qh.scale) + 1e-7;
                bad_dot += fabs(xs[g] - want_x) > tol || fabs(hs[g] - want_h) > tol;
            }
        }
        rows_matrix_free(&mat);
        free(w), free(x), free(h), free(qxb), free(qhb);
    }
    CHECK_MSG(bad_q == 0, "%d quantised inputs off by more than half a step", bad_q);
    CHECK_MSG(bad_dot == 0, "%d integer products differ from the double sums", bad_dot);
    /* An all-zero vector quantises to level 0. */
    float zeros[5] = {0};
    uint8_t q[5];
    rows_qvec qz = {q, 0};
    rows_qvec_set(&qz, zeros, 5);
    CHECK(rows_qvec_level(&qz, 0) == 0 && rows_qvec_level(&qz, 4) == 0 && qz.scale == 1.0f);
    /* A diverged state's NaN becomes a byte, not an undefined conversion. */
    float odd[5] = {0.5f, NAN, -1.0f, 0.0f, 1.0f};
    rows_qvec_set(&qz, odd, 5);
    CHECK(rows_qvec_level(&qz, 1) == -128 && rows_qvec_level(&qz, 2) == -127 && rows_qvec_level(&qz, 4) == 127 &&
          rows_qvec_level(&qz, 3) == 0);
}

/* Batch-1 evaluation runs on the sampler's path: the same loss as the
 * sequence network over the whole text in one window. */
static void check_stepwise_evaluation(recur_cell cell)
{
    recur_error err = {0};
    const char *text = "the quick brown fox jumps over the lazy dog; the dog sleeps on.";
    recur_vocab *vocab = NULL;
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &vocab, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.hidden = 300; /* threaded sampler */
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, vocab, 5, &m, &err) == RECUR_OK);
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_encode(vocab, text, strlen(text), &ids, &n, &err) == RECUR_OK);
    net_workspace ws;
    net_state state;
    CHECK(net_workspace_init(&ws, m, &(net_options){.T = (int)n - 1, .B = 1}, &err) == RECUR_OK);
    CHECK(net_state_init(&state, m, 1, &err) == RECUR_OK);
    net_batch b = {.T = (int)n - 1, .B = 1, .ids = ids, .targets = ids + 1};
    double want = net_forward(m, &ws, &b, &state, NULL, 0.0f) / (double)(n - 1);
    recur_eval_result got;
    CHECK(recur_model_evaluate(m, ids, n, 1, 1, &got, &err) == RECUR_OK);
    CHECK(got.tokens == n - 1);
    CHECK_CLOSE(got.loss, want, 1e-5);
    net_state_free(&state);
    net_workspace_free(&ws);
    free(ids);
    recur_model_free(m);
}

int main(void)
{
    check_stepwise_evaluation(RECUR_CELL_LSTM);
    check_stepwise_evaluation(RECUR_CELL_GRU);
    check_kernels();
    check_int_products();
    static const recur_cell cells[] = {RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU, RECUR_CELL_LSTM, RECUR_CELL_GRU};
    for (int i = 0; i < 4; i++) {
        check_cell(cells[i], 0, 37);
        check_cell(cells[i], 0, 300); /* large enough for the threaded path */
    }
    check_cell(RECUR_CELL_LSTM, 1, 37);
    check_modes();
    return test_report();
}
