/* Many streams against the batch-1 sampler: for every cell and weight
 * format, plain and with each norm, each stream's logits are bitwise the
 * sampler's for the same tokens, whichever other streams are fed in the
 * same step (subsets that change every step, more streams than one kernel
 * call takes, streams at different steps of batch norm's running
 * averages), and the state can be copied, read and written. */
#include <stdlib.h>
#include <string.h>

#include "norm_models.h"
#include "recur.h"
#include "recur/threads.h"
#include "test.h"

static const char *TEXT = "the quick brown fox jumps over the lazy dog; 푸른 하늘에 구름이 떠있다.";

/* Batch norm's rows of running averages: the 12 steps of check_bitwise
 * reach past them on the streams fed most often. */
enum { NORM_STEPS = 10 };

static recur_model *model(recur_cell cell, int peephole, int hidden, int layers, recur_norm norm)
{
    if (norm != RECUR_NORM_NONE)
        return norm_model(TEXT, cell, hidden, layers, norm, NORM_STEPS, 11);
    recur_error err = {0};
    recur_vocab *vocab = NULL;
    CHECK(recur_vocab_build(TEXT, strlen(TEXT), RECUR_LEVEL_CHAR, &vocab, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.peephole = peephole;
    cfg.hidden = hidden;
    cfg.embed = 24;
    cfg.layers = layers;
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, vocab, 11, &m, &err) == RECUR_OK);
    return m;
}

/* S streams, each with its own sampler fed the same tokens; at step t
 * stream s is fed when (t + s) % (s % 3 + 1) == 0, so the set changes. */
static void check_bitwise(recur_cell cell, int peephole, int hidden, recur_sample_weights w, int S, recur_norm norm)
{
    recur_error err = {0};
    recur_model *m = model(cell, peephole, hidden, 2, norm);
    const int V = recur_model_config(m)->vocab_size;
    recur_streams *st = NULL;
    CHECK(recur_streams_create(m, S, w, &st, &err) == RECUR_OK);
    recur_sampler **ref = calloc((size_t)S, sizeof *ref);
    int *slots = malloc((size_t)S * sizeof *slots);
    int32_t *ids = malloc((size_t)S * sizeof *ids);
    /* the references step on one thread: the streams' threads (the crew,
     * or OpenMP's team with a norm) must not change a bit */
    recur_set_threads(1);
    for (int s = 0; s < S; s++)
        CHECK(recur_sampler_create_with(m, 1, w, &ref[s], &err) == RECUR_OK);
    recur_set_threads(0);
    int mismatches = 0, compared = 0;
    for (int t = 0; t < 12; t++) {
        int n = 0;
        for (int s = S - 1; s >= 0; s--) /* slots in descending order: the order given must not matter */
            if ((t + s) % (s % 3 + 1) == 0) {
                slots[n] = s;
                ids[n] = (int32_t)((t * 7 + s * 3) % V);
                n++;
            }
        CHECK(recur_streams_feed(st, n, slots, ids, &err) == RECUR_OK);
        for (int k = 0; k < n; k++) {
            recur_sampler_feed(ref[slots[k]], ids[k], &err);
            mismatches += memcmp(recur_streams_logits(st, slots[k]), recur_sampler_logits(ref[slots[k]]),
                                 (size_t)V * sizeof(float)) != 0;
            compared++;
        }
    }
    CHECK_MSG(mismatches == 0 && compared > 0, "%s%s --norm %s H=%d weights %d S=%d: %d of %d logit vectors differ",
              recur_cell_name(cell), peephole ? "+peephole" : "", recur_norm_name(norm), hidden, (int)w, S, mismatches,
              compared);

    /* a copied slot goes on exactly like its source */
    if (S >= 2) {
        recur_streams_copy(st, 0, S - 1);
        int two[2] = {0, S - 1};
        int32_t same[2] = {3, 3};
        CHECK(recur_streams_feed(st, 2, two, same, &err) == RECUR_OK);
        CHECK(memcmp(recur_streams_logits(st, 0), recur_streams_logits(st, S - 1), (size_t)V * sizeof(float)) == 0);
        /* get and set state: slot 1 takes slot 0's state */
        size_t n = recur_streams_state_size(st);
        /* batch norm's state ends with the stream's step */
        CHECK(n == (size_t)2 * hidden * (cell == RECUR_CELL_LSTM ? 2 : 1) + (norm == RECUR_NORM_BATCH));
        float *state = malloc(n * sizeof *state);
        recur_streams_get_state(st, 0, state);
        recur_streams_set_state(st, 1, state);
        int one[2] = {0, 1};
        CHECK(recur_streams_feed(st, 2, one, same, &err) == RECUR_OK);
        CHECK(memcmp(recur_streams_logits(st, 0), recur_streams_logits(st, 1), (size_t)V * sizeof(float)) == 0);
        free(state);
        /* a reset slot starts over as a fresh sampler */
        recur_streams_reset(st, 1);
        recur_sampler_reset(ref[1]);
        CHECK(recur_streams_feed(st, 1, &one[1], &same[0], &err) == RECUR_OK);
        recur_sampler_feed(ref[1], 3, &err);
        CHECK(memcmp(recur_streams_logits(st, 1), recur_sampler_logits(ref[1]), (size_t)V * sizeof(float)) == 0);
    }
    for (int s = 0; s < S; s++)
        recur_sampler_free(ref[s]);
    free(ref);
    free(slots);
    free(ids);
    recur_streams_free(st);
    recur_model_free(m);
}

static void check_errors(void)
{
    recur_error err = {0};
    recur_model *m = model(RECUR_CELL_LSTM, 0, 8, 1, RECUR_NORM_NONE);
    recur_streams *st = NULL;
    CHECK(recur_streams_create(m, 0, RECUR_WEIGHTS_F32, &st, &err) == RECUR_E_ARG && st == NULL);
    CHECK(recur_streams_create(m, 3, (recur_sample_weights)9, &st, &err) == RECUR_E_ARG && st == NULL);
    CHECK(recur_streams_create(m, 3, RECUR_WEIGHTS_F32, &st, &err) == RECUR_OK);
    CHECK(recur_streams_capacity(st) == 3);
    int twice[2] = {1, 1}, outside[1] = {3};
    int32_t ids[2] = {0, 1}, bad_id[1] = {9999};
    CHECK(recur_streams_feed(st, 2, twice, ids, &err) == RECUR_E_ARG && strstr(err.msg, "twice"));
    CHECK(recur_streams_feed(st, 1, outside, ids, &err) == RECUR_E_ARG && strstr(err.msg, "slot 3"));
    CHECK(recur_streams_feed(st, 1, twice, bad_id, &err) == RECUR_E_ARG && strstr(err.msg, "9999"));
    CHECK(recur_streams_feed(st, 4, twice, ids, &err) == RECUR_E_ARG);
    /* after the refusals a good feed works (no slot left marked) */
    CHECK(recur_streams_feed(st, 2, (int[]){1, 2}, ids, &err) == RECUR_OK);
    CHECK(recur_streams_feed(st, 0, NULL, NULL, &err) == RECUR_OK);
    recur_streams_free(st);
    recur_model_free(m);
}

int main(void)
{
    static const recur_cell cells[] = {RECUR_CELL_LSTM, RECUR_CELL_GRU, RECUR_CELL_RNN_TANH, RECUR_CELL_RNN_RELU};
    static const recur_sample_weights formats[] = {RECUR_WEIGHTS_F32, RECUR_WEIGHTS_F16, RECUR_WEIGHTS_I8};
    static const recur_norm norms[] = {RECUR_NORM_NONE, RECUR_NORM_BATCH, RECUR_NORM_LAYER};
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 4; c++)
            for (int f = 0; f < 3; f++) {
                check_bitwise(cells[c], 0, 37, formats[f], 5, norms[k]);
                check_bitwise(cells[c], 0, 300, formats[f], 4, norms[k]); /* the threaded path */
            }
    for (int f = 0; f < 3; f++) {
        check_bitwise(RECUR_CELL_LSTM, 1, 37, formats[f], 5, RECUR_NORM_NONE);
        for (int k = 0; k < 3; k++) /* more than one kernel call's streams */
            check_bitwise(RECUR_CELL_LSTM, 0, 40, formats[f], 19, norms[k]);
    }
    check_errors();
    return test_report();
}
