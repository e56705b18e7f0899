/* The tensor table (names, shapes, storage shared with the model, the tied
 * decoder) and whole-sequence log-probabilities: a language model's rows
 * equal the batch-1 sampler's distributions step by step, across the
 * 256-step windows; a bidirectional model's early rows see later tokens. */
#include <string.h>

#include "recur.h"
#include "test.h"

static const char *const TEXT =
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want "
    "of a wife. However little known the feelings or views of such a man may be on his first entering a "
    "neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered "
    "the rightful property of some one or other of their daughters.";

static recur_model *make_model(recur_cell cell, int tied, recur_task task, int bidirectional)
{
    recur_error err = {0};
    recur_vocab *v = NULL;
    CHECK(recur_vocab_build(TEXT, strlen(TEXT), RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.hidden = 16;
    cfg.embed = tied ? 16 : 8;
    cfg.tied = tied;
    cfg.task = task;
    cfg.bidirectional = bidirectional;
    recur_vocab *labels = NULL;
    if (task == RECUR_TASK_CLASSIFY) {
        const char *names[] = {"a", "b", "c"};
        CHECK(recur_vocab_from_tokens(names, 3, RECUR_LEVEL_WORD, &labels, &err) == RECUR_OK);
    }
    recur_model *m = NULL;
    CHECK(recur_task_model_create(&cfg, v, labels, NULL, 3, &m, &err) == RECUR_OK);
    return m;
}

static void check_table(void)
{
    recur_model *m = make_model(RECUR_CELL_LSTM, 1, RECUR_TASK_LM, 0);
    int n = recur_model_tensor_count(m);
    CHECK(n == 2 + 4 * 2 + 1); /* encoder, 4 per layer, decoder.weight (tied), decoder.bias */
    recur_tensor_info first, tied, last;
    float *enc = recur_model_tensor(m, 0, &first);
    CHECK(strcmp(first.name, "encoder.weight") == 0);
    CHECK(first.ndim == 2 && first.shape[0] == recur_vocab_size(recur_model_vocab(m)) && first.shape[1] == 16);
    CHECK(first.size == (size_t)(first.shape[0] * first.shape[1]) && !first.tied);
    float *dec = recur_model_tensor(m, n - 2, &tied);
    CHECK(strcmp(tied.name, "decoder.weight") == 0 && tied.tied && dec == enc);
    recur_model_tensor(m, n - 1, &last);
    CHECK(strcmp(last.name, "decoder.bias") == 0 && last.ndim == 1 && last.shape[1] == 0);
    recur_tensor_info ih;
    recur_model_tensor(m, 1, &ih);
    CHECK(strcmp(ih.name, "rnn.weight_ih_l0") == 0 && ih.shape[0] == 4 * 16 && ih.shape[1] == 16);
    CHECK(recur_model_tensor(m, n, NULL) == NULL && recur_model_tensor(m, -1, NULL) == NULL);
    /* The storage is the model's: a write shows in what it saves. */
    enc[5] = 0.375f;
    recur_error err = {0};
    const char *path = "test_model_tensors.safetensors";
    CHECK(recur_model_save(m, path, &err) == RECUR_OK);
    recur_model *back = NULL;
    CHECK(recur_model_load(path, &back, &err) == RECUR_OK);
    if (back)
        CHECK(recur_model_tensor(back, 0, NULL)[5] == 0.375f);
    remove(path);
    recur_model_free(back);
    recur_model_free(m);
}

static double row_logsumexp(const float *z, int V)
{
    double top = z[0], sum = 0;
    for (int j = 1; j < V; j++)
        top = z[j] > top ? z[j] : top;
    for (int j = 0; j < V; j++)
        sum += exp(z[j] - top);
    return top + log(sum);
}

static void check_lm_rows(recur_cell cell)
{
    recur_model *m = make_model(cell, 0, RECUR_TASK_LM, 0);
    recur_error err = {0};
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_encode(recur_model_vocab(m), TEXT, strlen(TEXT), &ids, &n, &err) == RECUR_OK);
    CHECK(n > 300); /* more than one 256-step window */
    const int V = recur_vocab_size(recur_model_vocab(m));
    float *lp = malloc(n * (size_t)V * sizeof *lp);
    CHECK(recur_model_log_probs(m, ids, n, lp, &err) == RECUR_OK);
    recur_sampler *s = NULL;
    CHECK(recur_sampler_create(m, 1, &s, &err) == RECUR_OK);
    double worst = 0, worst_norm = 0;
    for (size_t t = 0; t < n; t++) {
        CHECK(recur_sampler_feed(s, ids[t], &err) == RECUR_OK);
        const float *z = recur_sampler_logits(s);
        double lse = row_logsumexp(z, V);
        for (int j = 0; j < V; j++)
            worst = fmax(worst, fabs((z[j] - lse) - lp[t * V + j]));
        worst_norm = fmax(worst_norm, fabs(row_logsumexp(lp + t * V, V)));
    }
    CHECK_MSG(worst < 5e-5, "%s: log-probabilities differ from the sampler's by %g", recur_cell_name(cell), worst);
    CHECK_MSG(worst_norm < 1e-5, "%s: a row's probabilities sum to exp(%g)", recur_cell_name(cell), worst_norm);
    /* A bad id and an empty sequence are refused with a message. */
    ids[3] = V;
    CHECK(recur_model_log_probs(m, ids, n, lp, &err) == RECUR_E_ARG && strstr(err.msg, "token 3"));
    CHECK(recur_model_log_probs(m, ids, 0, lp, &err) == RECUR_E_ARG);
    recur_sampler_free(s);
    free(lp);
    free(ids);
    recur_model_free(m);
}

static void check_bidirectional(void)
{
    recur_model *m = make_model(RECUR_CELL_GRU, 0, RECUR_TASK_CLOZE, 1);
    recur_error err = {0};
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_encode(recur_model_vocab(m), TEXT, 6, &ids, &n, &err) == RECUR_OK);
    const int V = recur_vocab_size(recur_model_vocab(m));
    float *a = malloc(n * (size_t)V * sizeof *a), *b = malloc(n * (size_t)V * sizeof *b);
    CHECK(recur_model_log_probs(m, ids, n, a, &err) == RECUR_OK);
    int32_t last = ids[n - 1];
    ids[n - 1] = (last + 1) % V; /* the last token reaches row 0 through the reverse direction */
    CHECK(recur_model_log_probs(m, ids, n, b, &err) == RECUR_OK);
    double moved = 0;
    for (int j = 0; j < V; j++)
        moved = fmax(moved, fabs(a[j] - b[j]));
    CHECK_MSG(moved > 1e-6, "row 0 did not change (%g)", moved);
    CHECK(fabs(row_logsumexp(a, V)) < 1e-5);
    ids[n - 1] = last;
    free(a);
    free(b);
    recur_model_free(m);

    m = make_model(RECUR_CELL_LSTM, 0, RECUR_TASK_CLASSIFY, 1);
    float probs[3], lp[3];
    CHECK(recur_model_log_probs(m, ids, n, lp, &err) == RECUR_OK);
    CHECK(recur_classify_text(m, TEXT, 6, probs, &err) == RECUR_OK);
    for (int j = 0; j < 3; j++)
        CHECK_CLOSE(exp(lp[j]), probs[j], 1e-5);
    free(ids);
    recur_model_free(m);
}

int main(void)
{
    check_table();
    for (int c = RECUR_CELL_RNN_TANH; c <= RECUR_CELL_GRU; c++)
        check_lm_rows((recur_cell)c);
    check_bidirectional();
    return test_report();
}
