/* The sampler's repacked batch-1 path computes the same distribution as the
 * sequence network (batch 1, same tokens, same state), for every cell type. */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/network.h"
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
    CHECK(net_workspace_init(&ws, m, T, 1, 0, &err) == RECUR_OK);
    CHECK(net_state_init(&state, m, 1, &err) == RECUR_OK);
    net_forward(m, &ws, ids, NULL, T, &state, NULL, 0.0f);
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
    recur_model_free(m);
}

int main(void)
{
    static const recur_cell cells[] = {RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU, RECUR_CELL_LSTM, RECUR_CELL_GRU};
    for (int i = 0; i < 4; i++) {
        check_cell(cells[i], 0, 37);
        check_cell(cells[i], 0, 300); /* large enough for the threaded path */
    }
    check_cell(RECUR_CELL_LSTM, 1, 37);
    check_modes();
    return test_report();
}
