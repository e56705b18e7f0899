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
    /* Cut by a minimum count and a maximum size: the text's own dropped
     * words are exactly what encoding maps to <unk>. */
    recur_vocab_options o;
    recur_vocab_options_default(&o, RECUR_LEVEL_WORD);
    o.min_count = size ? data[0] % 4 : 0;
    o.max_vocab = size > 1 ? data[1] % 8 : 0;
    recur_vocab_stats vs;
    if (recur_vocab_build_with(text, size, &o, &v, &vs, &err) == RECUR_OK) {
        int32_t *ids = NULL;
        size_t n = 0;
        recur_encode_stats es;
        if (recur_vocab_encode_with(v, text, size, RECUR_UNKNOWN_ERROR, &ids, &n, &es, &err) != RECUR_OK)
            abort();
        if (n != vs.tokens || es.tokens != n || es.unk_mapped != vs.dropped_tokens || es.unknown_types != vs.dropped_types ||
            recur_vocab_unk(v) < 0 || (o.max_vocab && recur_vocab_size(v) > o.max_vocab))
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
