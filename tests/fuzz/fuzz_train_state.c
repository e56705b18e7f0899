/* libFuzzer target: the training-state reader. The bytes are written to a
 * file (the state API reads paths), then read as a state's description, as a
 * model, and restored into a trainer built for the text below, the text the
 * seed states were trained on (see docs/robustness.md), so mutations of a
 * seed get past the data check into the optimizer and RNG restore. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char training_text[] =
    "the cat sat on the mat.\nthe dog sat on the log.\n"
    "the cat saw the dog.\nthe dog saw the cat.\n";

static char state_path[64];

static int write_input(const uint8_t *data, size_t size)
{
    if (!state_path[0]) {
        char tmpl[] = "/tmp/recur-fuzz-state-XXXXXX";
        int fd = mkstemp(tmpl);
        if (fd < 0)
            return -1;
        close(fd);
        memcpy(state_path, tmpl, sizeof tmpl);
    }
    FILE *fp = fopen(state_path, "wb");
    if (!fp)
        return -1;
    size_t put = fwrite(data, 1, size, fp);
    return fclose(fp) != 0 || put != size ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (write_input(data, size) != 0)
        return 0;
    recur_error err;
    recur_train_config tc;
    char *extra = NULL;
    if (recur_train_state_info(state_path, &tc, &extra, &err) != RECUR_OK)
        return 0;
    free(extra);
    recur_model *m = NULL;
    if (recur_model_load(state_path, &m, &err) != RECUR_OK)
        return 0;
    int32_t *ids = NULL;
    size_t n = 0;
    recur_trainer *t = NULL;
    if (recur_vocab_encode(recur_model_vocab(m), training_text, sizeof training_text - 1, &ids, &n, &err) ==
            RECUR_OK &&
        recur_trainer_create(m, &tc, ids, n, &t, &err) == RECUR_OK) {
        extra = NULL;
        if (recur_trainer_load_state(t, state_path, &extra, &err) == RECUR_OK) {
            free(extra);
            /* A restored trainer must be able to take a step. */
            recur_step_info info;
            (void)recur_trainer_step(t, &info, &err);
        }
        recur_trainer_free(t);
    }
    free(ids);
    recur_model_free(m);
    return 0;
}
