/* libFuzzer target: the word-level corpus readers, recur's (words and
 * "<eos>" per line) and word2vec's (words, "</s>" per line, min-count). */
#include <stdint.h>
#include <stdlib.h>

#include "recur.h"
#include "w2v/vocab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    recur_error err;
    recur_vocab *v = NULL;
    if (recur_vocab_build(text, size, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK) {
        int32_t *ids = NULL;
        size_t n = 0;
        /* A text always encodes with its own vocabulary. */
        if (recur_vocab_encode(v, text, size, &ids, &n, &err) != RECUR_OK)
            abort();
        for (size_t i = 0; i < n; i++)
            if (ids[i] < 0 || ids[i] >= recur_vocab_size(v))
                abort();
        free(ids);
        recur_vocab_free(v);
    }
    int min_count = size ? 1 + data[0] % 3 : 1;
    w2v_vocab wv;
    int32_t *wids = NULL;
    size_t nw = 0;
    if (w2v_vocab_build(text, size, min_count, &wv, &wids, &nw, &err) == RECUR_OK) {
        for (size_t i = 0; i < nw; i++)
            if (wids[i] < 0 || wids[i] >= wv.size)
                abort();
        free(wids);
        w2v_vocab_free(&wv);
    }
    return 0;
}
