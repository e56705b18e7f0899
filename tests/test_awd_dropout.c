/* AWD-LSTM's three dropouts: variational (locked) masks, word dropout on the
 * embedding and DropConnect on W_hh. The masks have the shapes and rates
 * asked for; the gradients through each are checked by central differences;
 * weight drop's gradient is the masked network's times the mask, and the
 * weights come back bit for bit after every trainer step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/network.h"
#include "nn/layers.h"
#include "recur/train.h"
#include "test.h"
#include "train/weight_drop.h"

enum { T = 5, B = 3, W = 6 };

static void check_locked_masks(void)
{
    static float mask[T * B * W];
    dropout_streams ds = {.key = dropout_window_key(3, 7), .first = 0, .locked = 1};
    dropout_mask_streams(mask, T, B, W, 0.5f, &ds, 2);
    int same_over_steps = 1, streams_differ = 0;
    for (int t = 1; t < T; t++)
        same_over_steps &= memcmp(mask + (size_t)t * B * W, mask, (size_t)B * W * sizeof *mask) == 0;
    for (int b = 1; b < B; b++)
        streams_differ |= memcmp(mask + (size_t)b * W, mask, W * sizeof *mask) != 0;
    CHECK_MSG(same_over_steps, "a locked mask is the same at every step");
    CHECK_MSG(streams_differ, "each stream has its own locked mask");
    /* Not locked: the steps differ, and the first step is the locked one's. */
    static float free_mask[T * B * W];
    ds.locked = 0;
    dropout_mask_streams(free_mask, T, B, W, 0.5f, &ds, 2);
    CHECK(memcmp(free_mask, mask, (size_t)B * W * sizeof *mask) == 0);
    CHECK(memcmp(free_mask + (size_t)B * W, free_mask, (size_t)B * W * sizeof *mask) != 0);

    /* The keep rate over many streams: within 5 standard deviations. */
    enum { MANY = 4000, WIDE = 50 };
    float *big = malloc((size_t)2 * MANY * WIDE * sizeof *big);
    ds.locked = 1;
    dropout_mask_streams(big, 2, MANY, WIDE, 0.3f, &ds, 1);
    double kept = 0;
    for (size_t k = 0; k < (size_t)MANY * WIDE; k++)
        kept += big[k] != 0.0f;
    double n = (double)MANY * WIDE, sd = sqrt(n * 0.7 * 0.3);
    CHECK_MSG(fabs(kept - 0.7 * n) < 5 * sd, "kept %.0f of %.0f, expected %.0f +- %.0f", kept, n, 0.7 * n, 5 * sd);
    CHECK_CLOSE(big[0] ? big[0] : 1.0f / 0.7f, 1.0f / 0.7f, 1e-6);
    free(big);
}

static void check_word_masks(void)
{
    /* 400 ids over a window: every occurrence of an id has the same fate. */
    enum { TT = 40, BB = 10, EW = 4, V = 50 };
    int32_t ids[TT * BB];
    for (int r = 0; r < TT * BB; r++)
        ids[r] = (r * 7 + r / 13) % V;
    static float mask[TT * BB * EW];
    dropout_streams ds = {.key = dropout_window_key(11, 2), .word_p = 0.25f, .ids = ids};
    dropout_mask_streams(mask, TT, BB, EW, 0.0f, &ds, 0);
    int fate[V], consistent = 1, whole_rows = 1, dropped = 0, seen = 0;
    for (int v = 0; v < V; v++)
        fate[v] = -1;
    for (int r = 0; r < TT * BB; r++) {
        const float *m = mask + (size_t)r * EW;
        for (int k = 1; k < EW; k++)
            whole_rows &= m[k] == m[0];
        int f = m[0] != 0.0f;
        if (fate[ids[r]] < 0) {
            fate[ids[r]] = f;
            seen++;
            dropped += !f;
        }
        consistent &= fate[ids[r]] == f;
        if (f)
            CHECK_CLOSE(m[0], 1.0f / 0.75f, 1e-6);
    }
    CHECK_MSG(whole_rows, "a dropped word loses its whole embedding");
    CHECK_MSG(consistent, "every occurrence of a word in the window shares its fate");
    CHECK_MSG(dropped > 0 && dropped < seen, "%d of %d words dropped", dropped, seen);
    /* Over many ids the rate is word_p. */
    enum { IDS = 20000 };
    int32_t *many = malloc(IDS * sizeof *many);
    float *m = malloc(IDS * sizeof *m);
    for (int i = 0; i < IDS; i++)
        many[i] = i;
    ds.ids = many;
    dropout_mask_streams(m, 1, IDS, 1, 0.0f, &ds, 0);
    double drops = 0;
    for (int i = 0; i < IDS; i++)
        drops += m[i] == 0.0f;
    double sd = sqrt(IDS * 0.25 * 0.75);
    CHECK_MSG(fabs(drops - 0.25 * IDS) < 5 * sd, "dropped %.0f of %d ids", drops, IDS);
    /* Layer 1's site is not touched by word dropout. */
    dropout_mask_streams(m, 1, IDS, 1, 0.0f, &ds, 1);
    double ones = 0;
    for (int i = 0; i < IDS; i++)
        ones += m[i] == 1.0f;
    CHECK(ones == IDS);
    free(many);
    free(m);
}

static void check_weight_masks(void)
{
    enum { N = 3000 };
    float a[N], b[N];
    dropout_mask_weights(a, N, 0.4f, 99, 0);
    dropout_mask_weights(b, N, 0.4f, 99, 1);
    double kept = 0;
    for (int i = 0; i < N; i++)
        kept += a[i] != 0.0f;
    CHECK_MSG(fabs(kept - 0.6 * N) < 5 * sqrt(N * 0.24), "kept %.0f of %d weights", kept, N);
    CHECK_MSG(memcmp(a, b, sizeof a) != 0, "each layer has its own mask");
}

/* A small LSTM language model with weights large enough for the
 * nonlinearities to matter. */
static recur_model *small_model(float dropout)
{
    recur_config c;
    recur_config_default(&c);
    c.layers = 2;
    c.hidden = 5;
    c.embed = 4;
    c.vocab_size = 7;
    c.dropout = dropout;
    recur_model *m = NULL;
    recur_error err = {0};
    if (model_alloc(&c, &m, &err) != RECUR_OK)
        return NULL;
    model_init_params(m, 5);
    for (size_t k = 0; k < m->n_params; k++)
        m->params[k] *= 1.5f;
    return m;
}

typedef struct window {
    int32_t x[T * B], y[T * B];
    dropout_streams ds;
    weight_drop *wd;  /* weight drop: masked with key 77 around each loss */
} window;

static double loss_of(recur_model *m, net_workspace *ws, window *w, float *grads)
{
    net_state s;
    net_state_init(&s, m, B, NULL);
    net_state_zero(&s);
    if (w->wd)
        weight_drop_apply(w->wd, m, 77);
    net_dropout drop = {.streams = &w->ds};
    net_batch b = {.T = T, .B = B, .ids = w->x, .targets = w->y};
    double loss = net_forward(m, ws, &b, &s, &drop, grads ? 1.0f : 0.0f);
    if (grads)
        net_backward(m, ws, grads);
    if (w->wd) {
        if (grads)
            weight_drop_backward(w->wd, m, grads);
        else
            weight_drop_restore(w->wd, m);
    }
    net_state_free(&s);
    return loss;
}

static net_options training_options(int word_dropout, float input_p)
{
    net_options o = {.T = T, .B = B, .training = 1, .word_dropout = word_dropout};
    o.own_input_dropout = input_p >= 0.0f;
    o.input_dropout = input_p;
    return o;
}

/* Central differences over every parameter; input_p: layer 0's input
 * dropout (negative: the model's). */
static void gradcheck_input(const char *label, recur_model *m, window *w, int word_dropout, float input_p)
{
    net_workspace ws;
    recur_error err = {0};
    net_options o = training_options(word_dropout, input_p);
    CHECK(net_workspace_init(&ws, m, &o, &err) == RECUR_OK);
    float *grads = calloc(m->n_params, sizeof *grads);
    loss_of(m, &ws, w, grads);
    int bad = 0;
    double worst = 0;
    for (size_t k = 0; k < m->n_params; k++) {
        float saved = m->params[k];
        const float h = 1e-2f;
        m->params[k] = saved + h;
        double lp = loss_of(m, &ws, w, NULL);
        m->params[k] = saved - h;
        double lm = loss_of(m, &ws, w, NULL);
        m->params[k] = saved;
        double numeric = (lp - lm) / (2.0 * h), diff = fabs(numeric - grads[k]);
        double tol = 2e-3 + 2e-2 * fmax(fabs(numeric), fabs(grads[k]));
        worst = fmax(worst, diff / tol);
        if (diff > tol && bad++ < 5)
            fprintf(stderr, "%s: parameter %zu: analytic %.6g numeric %.6g\n", label, k, grads[k], numeric);
    }
    CHECK_MSG(bad == 0, "%s: %d of %zu gradients off", label, bad, m->n_params);
    printf("%-34s %4zu parameters, worst error %.3f of tolerance\n", label, m->n_params, worst);
    free(grads);
    net_workspace_free(&ws);
}

static void gradcheck(const char *label, recur_model *m, window *w, int word_dropout)
{
    gradcheck_input(label, m, w, word_dropout, -1.0f);
}

static void fill_window(window *w)
{
    memset(w, 0, sizeof *w);
    for (int k = 0; k < T * B; k++) {
        w->x[k] = (int32_t)((k * 5 + 1) % 7);
        w->y[k] = (int32_t)((k * 3 + 2) % 7);
    }
    w->ds.key = dropout_window_key(21, 4);
    w->ds.ids = w->x;
}

static void check_gradients(void)
{
    window w;
    recur_model *m = small_model(0.3f);
    fill_window(&w);
    w.ds.locked = 1;
    gradcheck("locked dropout 0.3", m, &w, 0);
    w.ds.word_p = 0.3f;
    gradcheck("locked dropout + word dropout 0.3", m, &w, 1);
    recur_model_free(m);

    m = small_model(0.0f);
    fill_window(&w);
    w.ds.word_p = 0.4f;
    gradcheck("word dropout alone", m, &w, 1);
    weight_drop wd;
    recur_error err = {0};
    CHECK(weight_drop_init(&wd, m, 0.5f, &err) == RECUR_OK);
    w.ds.word_p = 0.0f;
    w.wd = &wd;
    gradcheck("weight drop 0.5", m, &w, 0);
    weight_drop_free(&wd);
    recur_model_free(m);
}

static double window_loss(recur_model *m, window *w, float input_p, int *tokens)
{
    net_workspace ws;
    recur_error err = {0};
    net_options o = training_options(0, input_p);
    CHECK(net_workspace_init(&ws, m, &o, &err) == RECUR_OK);
    *tokens = ws.tokens;
    double loss = loss_of(m, &ws, w, NULL);
    net_workspace_free(&ws);
    return loss;
}

/* --input-dropout: layer 0's input takes its own probability. At 0 the
 * token table stays (nothing sits between the lookup and the product), and
 * the loss is the one with every site but the input dropped; at the
 * model's probability it is the plain --dropout network. */
static void check_input_dropout(void)
{
    window w;
    recur_model *m = small_model(0.3f);
    fill_window(&w);
    int tok_model, tok_zero, tok_same, tok_other;
    double model = window_loss(m, &w, -1.0f, &tok_model);
    double zero = window_loss(m, &w, 0.0f, &tok_zero);
    double same = window_loss(m, &w, 0.3f, &tok_same);
    double other = window_loss(m, &w, 0.6f, &tok_other);
    CHECK_MSG(!tok_model && tok_zero && !tok_same && !tok_other,
              "the token table is used exactly when the input is not dropped (%d %d %d %d)", tok_model, tok_zero,
              tok_same, tok_other);
    CHECK_MSG(same == model, "input dropout at the model's rate is the plain network: %.9g vs %.9g", same, model);
    CHECK_MSG(zero != model && other != model && other != zero, "each input rate gives its own loss");
    /* The layers above keep the model's masks: with the input at 0, the
     * loss is that of a model without dropout only when the model has none. */
    recur_model *plain = small_model(0.0f);
    int tok_plain;
    double undropped = window_loss(plain, &w, -1.0f, &tok_plain);
    CHECK_MSG(zero != undropped, "the layers above the input are still dropped");
    double plain_zero = window_loss(plain, &w, 0.0f, &tok_plain);
    CHECK_MSG(plain_zero == undropped, "input dropout 0 on a model without dropout changes nothing");
    recur_model_free(plain);
    gradcheck_input("dropout 0.3, input dropout 0", m, &w, 0, 0.0f);
    gradcheck_input("dropout 0.3, input dropout 0.5", m, &w, 0, 0.5f);
    recur_model_free(m);
    m = small_model(0.0f);
    gradcheck_input("no dropout, input dropout 0.4", m, &w, 0, 0.4f);
    recur_model_free(m);
}

/* dL/dW_hh under weight drop is the masked network's gradient times the mask. */
static void check_weight_drop_chain(void)
{
    recur_model *m = small_model(0.0f), *masked = NULL;
    recur_error err = {0};
    CHECK(recur_model_clone(m, &masked, &err) == RECUR_OK);
    weight_drop wd;
    CHECK(weight_drop_init(&wd, m, 0.5f, &err) == RECUR_OK);
    float *before = malloc(m->n_params * sizeof *before);
    memcpy(before, m->params, m->n_params * sizeof *before);
    /* The masked copy, by hand. */
    size_t at = 0;
    float *mask = malloc(wd.n * sizeof *mask);
    for (int k = 0; k < m->cfg.layers; k++) {
        size_t n = (size_t)4 * 5 * 5;
        dropout_mask_weights(mask + at, n, 0.5f, 77, k);
        for (size_t i = 0; i < n; i++)
            masked->params[masked->layers[k].w_hh + i] *= mask[at + i];
        at += n;
    }
    window w;
    fill_window(&w);
    net_workspace ws;
    CHECK(net_workspace_init(&ws, m, &(net_options){.T = T, .B = B, .training = 1}, &err) == RECUR_OK);
    float *g = calloc(m->n_params, sizeof *g), *g_masked = calloc(m->n_params, sizeof *g);
    double l_masked = loss_of(masked, &ws, &w, g_masked);
    w.wd = &wd;
    double l = loss_of(m, &ws, &w, g);
    CHECK_CLOSE(l, l_masked, 1e-12);
    CHECK_MSG(memcmp(before, m->params, m->n_params * sizeof *before) == 0, "the weights come back bit for bit");
    int same = 1;
    at = 0;
    for (int k = 0; k < m->cfg.layers; k++)
        for (size_t i = 0; i < 100; i++, at++)
            same &= g[m->layers[k].w_hh + i] == g_masked[m->layers[k].w_hh + i] * mask[at];
    CHECK_MSG(same, "dL/dW_hh = dL/dW'_hh * mask");
    CHECK(g[m->enc_w] == g_masked[m->enc_w] && g[m->layers[0].w_ih] == g_masked[m->layers[0].w_ih]);
    net_workspace_free(&ws);
    weight_drop_free(&wd);
    free(g);
    free(g_masked);
    free(mask);
    free(before);
    recur_model_free(masked);
    recur_model_free(m);
}

/* A trainer step with every AWD dropout on: the weights it leaves are the
 * update's alone (an update too small to change a float leaves them as
 * they were), and training lowers the loss. */
static void check_trainer(void)
{
    recur_model *m = small_model(0.2f);
    int32_t ids[400];
    for (int i = 0; i < 400; i++)
        ids[i] = (int32_t)(i % 7); /* a cycle: learnable through every dropout */
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = 2;
    tc.seq = 8;
    tc.optimizer = RECUR_OPT_SGD;
    tc.lr = 1e-30f;
    tc.locked_dropout = 1;
    tc.embed_dropout = 0.2f;
    tc.weight_drop = 0.3f;
    recur_trainer *t = NULL;
    recur_error err = {0};
    CHECK(recur_trainer_create(m, &tc, ids, 400, &t, &err) == RECUR_OK);
    float *before = malloc(m->n_params * sizeof *before);
    memcpy(before, m->params, m->n_params * sizeof *before);
    recur_step_info info;
    CHECK(recur_trainer_step(t, &info, &err) == RECUR_OK);
    CHECK_MSG(memcmp(before, m->params, m->n_params * sizeof *before) == 0,
              "no masked weight is left in the model after a step");
    recur_trainer_free(t);
    tc.lr = 0.5f;
    CHECK(recur_trainer_create(m, &tc, ids, 400, &t, &err) == RECUR_OK);
    double first = 0, last = 0;
    for (int s = 0; s < 200; s++) {
        CHECK(recur_trainer_step(t, &info, &err) == RECUR_OK);
        if (s < 20)
            first += info.loss / 20;
        if (s >= 180)
            last += info.loss / 20;
    }
    CHECK_MSG(last < first - 0.1, "training lowers the loss: %.4f -> %.4f", first, last);
    recur_trainer_free(t);
    free(before);
    recur_model_free(m);
}

int main(void)
{
    check_locked_masks();
    check_word_masks();
    check_weight_masks();
    check_gradients();
    check_input_dropout();
    check_weight_drop_chain();
    check_trainer();
    return test_report();
}
