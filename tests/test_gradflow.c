/* Gradient flow through time: checked against cases with a known answer.
 *  - A ReLU RNN whose pre-activations stay positive is linear; with
 *    W_hh = a*I the gradient of the last loss falls (or grows) exactly as a^k.
 *  - A tanh RNN's gradient fades faster than an LSTM's with forget bias 1.
 *  - The largest singular value of hand-computed matrices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "model/model_internal.h"
#include "recur.h"
#include "test.h"

/* A few thousand characters of pseudo-English from a fixed seed. */
static char *make_text(size_t *len)
{
    static const char *words[] = {"the", "king", "shall", "not", "speak", "of", "love", "and", "death", "to",
                                  "my", "lord", "what", "is", "thy", "name", "good", "night", "sweet", "prince"};
    size_t cap = 8000, n = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    recur_rng rng;
    recur_rng_seed(&rng, 42);
    while (n + 16 < cap) {
        const char *w = words[recur_rng_below(&rng, sizeof words / sizeof words[0])];
        size_t k = strlen(w);
        memcpy(s + n, w, k);
        n += k;
        s[n++] = recur_rng_below(&rng, 9) == 0 ? '\n' : ' ';
    }
    s[n] = '\0';
    *len = n;
    return s;
}

typedef struct fixture {
    char *text;
    size_t len;
    int32_t *ids;
    size_t count;
} fixture;

static int fixture_open(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->text = make_text(&f->len);
    recur_vocab *v = NULL;
    if (!f->text || recur_vocab_build(f->text, f->len, RECUR_LEVEL_CHAR, &v, NULL) != RECUR_OK)
        return 0;
    int ok = recur_vocab_encode(v, f->text, f->len, &f->ids, &f->count, NULL) == RECUR_OK;
    recur_vocab_free(v);
    return ok;
}

static void fixture_close(fixture *f)
{
    free(f->text);
    free(f->ids);
}

static recur_model *make_model(const fixture *f, recur_cell cell, int hidden, int layers, uint64_t seed)
{
    recur_vocab *v = NULL;
    if (recur_vocab_build(f->text, f->len, RECUR_LEVEL_CHAR, &v, NULL) != RECUR_OK)
        return NULL;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.hidden = hidden;
    cfg.layers = layers;
    cfg.embed = 0;
    cfg.forget_bias = 1.0f;
    recur_model *m = NULL;
    recur_error err = {0};
    if (recur_model_create(&cfg, v, seed, &m, &err) != RECUR_OK) {
        fprintf(stderr, "model: %s\n", err.msg);
        recur_vocab_free(v);
        return NULL;
    }
    return m;
}

/* W_hh = a*I, W_ih = 0, b_ih = 1, b_hh = 0 in every layer: from h_0 = 0 the
 * state is h_t = a h_{t-1} + 1 > 0, so ReLU is the identity and
 * dL/dh_{t-1} = a dL/dh_t exactly; an upper layer's input weights are zero,
 * so its gradient does not reach the layer below, which then sees none. */
static void check_linear(const fixture *f, float a)
{
    recur_model *m = make_model(f, RECUR_CELL_RNN_RELU, 16, 1, 3);
    CHECK(m != NULL);
    if (!m)
        return;
    int H = m->cfg.hidden;
    const model_layer *ly = &m->layers[0];
    memset(m->params + ly->w_ih, 0, (size_t)H * ly->in * sizeof(float));
    memset(m->params + ly->w_hh, 0, (size_t)H * H * sizeof(float));
    for (int j = 0; j < H; j++) {
        m->params[ly->w_hh + (size_t)j * H + j] = a;
        m->params[ly->b_ih + j] = 1.0f;
        m->params[ly->b_hh + j] = 0.0f;
    }
    recur_gradflow_options opt;
    recur_gradflow_options_default(&opt);
    opt.max_lag = 40;
    opt.positions = 8;
    opt.warmup = 0; /* h_0 = 0 is where the positivity argument starts */
    recur_gradflow_result r;
    recur_error err = {0};
    CHECK_MSG(recur_gradflow_measure(m, f->ids, f->count, &opt, &r, &err) == RECUR_OK, "%s", err.msg);
    if (r.norm) {
        CHECK(r.nonfinite == 0);
        CHECK(r.norm[0] > 0.0);
        double worst = 0.0;
        for (int k = 1; k <= opt.max_lag; k++) {
            double step = r.norm[k] / r.norm[k - 1];
            double expect = pow(a, k);
            worst = fmax(worst, fabs(r.relative[k] / expect - 1.0));
            CHECK_MSG(fabs(step - a) <= 1e-5 * a, "lag %d: ratio %.9g, a = %g", k, step, (double)a);
        }
        /* Float rounding compounds over 40 steps: a few parts per million. */
        CHECK_MSG(worst < 1e-4, "relative norm vs a^k: worst relative error %.3g", worst);
        CHECK_CLOSE(r.sigma_whh[0], a, 1e-9);
    }
    recur_gradflow_result_free(&r);
    recur_model_free(m);
}

/* The lag at which the relative norm of layer 0 first falls below level
 * (max_lag + 1 when it never does). */
static int lag_below(const recur_gradflow_result *r, double level)
{
    for (int k = 0; k <= r->max_lag; k++)
        if (r->relative[k] < level)
            return k;
    return r->max_lag + 1;
}

static void check_ordering(const fixture *f)
{
    recur_model *rnn = make_model(f, RECUR_CELL_RNN_TANH, 64, 1, 11);
    recur_model *lstm = make_model(f, RECUR_CELL_LSTM, 64, 1, 11);
    CHECK(rnn && lstm);
    recur_gradflow_options opt;
    recur_gradflow_options_default(&opt);
    opt.max_lag = 60;
    opt.positions = 32;
    opt.warmup = 20;
    recur_gradflow_result rr = {0}, rl = {0};
    recur_error err = {0};
    if (rnn && lstm) {
        CHECK_MSG(recur_gradflow_measure(rnn, f->ids, f->count, &opt, &rr, &err) == RECUR_OK, "%s", err.msg);
        CHECK_MSG(recur_gradflow_measure(lstm, f->ids, f->count, &opt, &rl, &err) == RECUR_OK, "%s", err.msg);
    }
    if (rr.relative && rl.relative) {
        CHECK(rr.nonfinite == 0 && rl.nonfinite == 0);
        /* Both vanish at initialisation (PyTorch's init keeps sigma_max(W_hh)
         * well below 1) ... */
        CHECK(rr.relative[opt.max_lag] < 1e-3);
        /* ... but the tanh RNN faster: lower at every lag from 5 on, and it
         * reaches 1e-3 in fewer steps. */
        int lower = 1;
        for (int k = 5; k <= opt.max_lag; k++)
            lower = lower && rr.relative[k] < rl.relative[k];
        CHECK_MSG(lower, "rnn %.3g vs lstm %.3g at lag 20", rr.relative[20], rl.relative[20]);
        int kr = lag_below(&rr, 1e-3), kl = lag_below(&rl, 1e-3);
        CHECK_MSG(kr < kl, "1e-3 reached at lag %d (rnn) vs %d (lstm)", kr, kl);
        printf("relative gradient at lag 20: rnn_tanh %.3g, lstm %.3g; 1e-3 at lag %d vs %d\n", rr.relative[20],
               rl.relative[20], kr, kl);
    }
    recur_gradflow_result_free(&rr);
    recur_gradflow_result_free(&rl);
    recur_model_free(rnn);
    recur_model_free(lstm);
}

/* Two layers: every layer gets a curve, the lower one from the gradient
 * that comes down through the upper layer's inputs. */
static void check_layers(const fixture *f)
{
    recur_model *m = make_model(f, RECUR_CELL_GRU, 24, 2, 5);
    CHECK(m != NULL);
    if (!m)
        return;
    recur_gradflow_options opt;
    recur_gradflow_options_default(&opt);
    opt.max_lag = 10;
    opt.positions = 4;
    recur_gradflow_result r;
    recur_error err = {0};
    CHECK_MSG(recur_gradflow_measure(m, f->ids, f->count, &opt, &r, &err) == RECUR_OK, "%s", err.msg);
    if (r.norm) {
        CHECK(r.layers == 2 && r.max_lag == 10 && r.positions == 4);
        for (int l = 0; l < 2; l++) {
            CHECK(r.norm[(size_t)l * 11] > 0.0);
            CHECK_CLOSE(r.relative[(size_t)l * 11], 1.0, 1e-12);
            CHECK(r.sigma_whh[l] > 0.0);
        }
        CHECK(isfinite(r.loss) && r.loss > 0.0);
    }
    recur_gradflow_result_free(&r);
    /* Too short a text and out-of-range options are errors, not crashes. */
    opt.warmup = (int)f->count;
    CHECK(recur_gradflow_measure(m, f->ids, f->count, &opt, &r, &err) == RECUR_E_ARG);
    CHECK(strstr(err.msg, "tokens") != NULL);
    opt.warmup = 0;
    opt.max_lag = 0;
    CHECK(recur_gradflow_measure(m, f->ids, f->count, &opt, &r, &err) == RECUR_E_ARG);
    double s;
    CHECK(recur_model_whh_sigma(m, 2, -1, &s, &err) == RECUR_E_ARG);
    CHECK(recur_model_whh_sigma(m, 0, 3, &s, &err) == RECUR_E_ARG);
    recur_model_free(m);
}

static void check_singular_values(void)
{
    const float diag[9] = {0.5f, 0, 0, 0, -3.0f, 0, 0, 0, 2.0f};
    CHECK_CLOSE(recur_largest_singular_value(diag, 3, 3), 3.0, 1e-9);
    /* [[1,2],[3,4]]: sigma_max^2 is the larger eigenvalue of A^T A =
     * [[10,14],[14,20]], (30 + sqrt(30^2 - 4*4)) / 2. */
    const float m2[4] = {1, 2, 3, 4};
    CHECK_CLOSE(recur_largest_singular_value(m2, 2, 2), sqrt((30.0 + sqrt(900.0 - 16.0)) / 2.0), 1e-9);
    /* A rotation by 30 degrees scaled by 0.9: every singular value is 0.9
     * (power iteration must not need a gap). */
    const float c = 0.9f * (float)cos(3.14159265358979323846 / 6), s = 0.9f * (float)sin(3.14159265358979323846 / 6);
    const float rot[4] = {c, -s, s, c};
    CHECK_CLOSE(recur_largest_singular_value(rot, 2, 2), sqrt((double)c * c + (double)s * s), 1e-7);
    /* A 2x1 column (3, 4): sigma = 5; a zero matrix: 0. */
    const float col[2] = {3, 4};
    CHECK_CLOSE(recur_largest_singular_value(col, 2, 1), 5.0, 1e-12);
    const float zero[6] = {0};
    CHECK(recur_largest_singular_value(zero, 2, 3) == 0.0);
}

int main(void)
{
    check_singular_values();
    fixture f;
    CHECK(fixture_open(&f));
    if (f.ids) {
        check_linear(&f, 0.9f);
        check_linear(&f, 1.1f);
        check_ordering(&f);
        check_layers(&f);
    }
    fixture_close(&f);
    return test_report();
}
