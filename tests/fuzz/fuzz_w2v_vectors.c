/* libFuzzer target: word2vec vector files (text and binary) and the
 * evaluation files read against them (analogy questions, similarity pairs).
 * The first byte picks the format and a row limit; the rest is the file. */
#include <stdint.h>
#include <stdlib.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char small_vectors[] = "4 3\nman 1 0 1\nwoman 0 1 1\nking 1 0 0\nqueen 0 1 0\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const recur_w2v_format fmt = (recur_w2v_format)(data[0] % 3);
    const int limit = (data[0] >> 2) % 4;
    const char *text = (const char *)data + 1;
    const size_t len = size - 1;
    recur_error err;
    recur_w2v_vectors *v = NULL;
    if (recur_w2v_parse(text, len, "fuzz", fmt, limit, &v, &err) == RECUR_OK) {
        recur_w2v_index *ix = NULL;
        if (recur_w2v_index_create(v, 0, data[0] >> 7, &ix, &err) == RECUR_OK)
            recur_w2v_index_free(ix);
        recur_w2v_vectors_free(v);
    }
    /* The same bytes as evaluation files, against a fixed small index. */
    recur_w2v_vectors *base = NULL;
    recur_w2v_index *ix = NULL;
    if (recur_w2v_parse(small_vectors, sizeof small_vectors - 1, "base", RECUR_W2V_TEXT, 0, &base, &err) ||
        recur_w2v_index_create(base, 0, data[0] & 1, &ix, &err))
        abort();
    recur_w2v_analogy_result res;
    if (recur_w2v_analogy(ix, text, len, "questions", &res, &err) == RECUR_OK)
        recur_w2v_analogy_result_free(&res);
    recur_w2v_similarity_result sim;
    (void)recur_w2v_similarity(ix, text, len, "pairs", &sim, &err);
    recur_w2v_index_free(ix);
    recur_w2v_vectors_free(base);
    return 0;
}
