/* libFuzzer target: UTF-8 validation, character vocabularies and encoding,
 * and vocabularies read from a token list (as a checkpoint stores them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits a copy of the bytes at '\n' into tokens, as recur_vocab_from_tokens
 * receives them from a checkpoint's token list. */
static void tokens_from_lines(const char *text, size_t len, recur_level level)
{
    char *copy = malloc(len + 1);
    const char **tokens = malloc((len + 1) * sizeof *tokens);
    if (!copy || !tokens) {
        free(copy);
        free(tokens);
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    int n = 0;
    char *p = copy;
    for (;;) {
        tokens[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    recur_error err;
    recur_vocab *v = NULL;
    if (recur_vocab_from_tokens(tokens, n, level, &v, &err) == RECUR_OK) {
        for (int i = 0; i < recur_vocab_size(v); i++) {
            const char *tok = recur_vocab_token(v, i);
            if (recur_vocab_find(v, tok, strlen(tok)) != i)
                abort(); /* a token must map back to its own id */
        }
        recur_vocab_free(v);
    }
    free(copy);
    free(tokens);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    recur_error err;
    tokens_from_lines(text, size, RECUR_LEVEL_CHAR);
    tokens_from_lines(text, size, RECUR_LEVEL_WORD);
    if (recur_utf8_validate(text, size, &err) != RECUR_OK)
        return 0;
    recur_vocab *v = NULL;
    if (recur_vocab_build(text, size, RECUR_LEVEL_CHAR, &v, &err) != RECUR_OK)
        return 0;
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
    /* The second half read with the first half's characters: every
     * character is either encoded or skipped and counted. */
    size_t half = size / 2;
    while (half > 0 && (data[half] & 0xC0) == 0x80)
        half--;
    if (half == 0 || recur_vocab_build(text, half, RECUR_LEVEL_CHAR, &v, &err) != RECUR_OK)
        return 0;
    recur_encode_stats st;
    if (recur_vocab_encode_with(v, text + half, size - half, RECUR_UNKNOWN_SKIP, &ids, &n, &st, &err) != RECUR_OK ||
        n + st.skipped != st.tokens || st.unknown_types < (size_t)st.n_examples || (st.skipped > 0) != (st.n_examples > 0))
        abort();
    free(ids);
    recur_vocab_free(v);
    return 0;
}
