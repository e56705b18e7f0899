/* Character level: one token per Unicode code point. The text has already
 * been checked to be valid UTF-8 by the callers in vocab.c. */
#include "core/error.h"
#include "text/utf8.h"
#include "text/vocab_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CODE_POINTS 0x110000u

recur_status recur_char_vocab_build(const char *text, size_t len, recur_vocab **out,
                                    recur_error *err)
{
    /* A bit per possible code point (136 KiB): marking is O(1) per
     * character, and reading the bits in order yields the sorted vocabulary. */
    uint64_t *seen = calloc(CODE_POINTS / 64, sizeof *seen);
    if (!seen)
        return recur_fail_nomem(err, "the code point set");
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp;
        int rc = recur_utf8_decode(s, len, &pos, &cp);
        if (rc < 0) {
            free(seen);
            return recur_utf8_fail(err, s, pos, rc);
        }
        seen[cp >> 6] |= 1ull << (cp & 63);
    }

    recur_vocab *v = recur_vocab_new(RECUR_LEVEL_CHAR);
    if (!v) {
        free(seen);
        return recur_fail_nomem(err, "a vocabulary");
    }
    for (uint32_t w = 0; w < CODE_POINTS / 64; w++) {
        for (uint64_t bits = seen[w]; bits; bits &= bits - 1) {
            uint32_t cp = w * 64 + (uint32_t)__builtin_ctzll(bits);
            char utf8[4];
            int n = recur_utf8_encode(cp, utf8);
            recur_status rc = recur_vocab_append(v, utf8, (size_t)n, cp, err);
            if (rc != RECUR_OK) {
                free(seen);
                recur_vocab_free(v);
                return rc;
            }
        }
    }
    free(seen);
    *out = v;
    return RECUR_OK;
}

recur_status recur_char_encode(const recur_vocab *v, const char *text, size_t len, int32_t **ids,
                               size_t *count, recur_error *err)
{
    /* At most one id per byte; the buffer is trimmed at the end. */
    if (len > SIZE_MAX / sizeof(int32_t))
        return recur_fail(err, RECUR_E_NOMEM, "a text of %zu bytes is too long to encode", len);
    int32_t *buf = malloc((len ? len : 1) * sizeof *buf);
    if (!buf)
        return recur_fail_nomem(err, "the token ids");
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = 0, n = 0;
    while (pos < len) {
        size_t start = pos;
        uint32_t cp;
        int rc = recur_utf8_decode(s, len, &pos, &cp);
        if (rc < 0) {
            free(buf);
            return recur_utf8_fail(err, s, pos, rc);
        }
        int id = recur_vocab_char_id(v, cp);
        if (id < 0) {
            char what[48];
            free(buf);
            return recur_fail(err, RECUR_E_FORMAT,
                              "character %s at byte offset %zu is not in the vocabulary",
                              recur_utf8_describe(cp, what, sizeof what), start);
        }
        buf[n++] = id;
    }
    if (n < len) {
        int32_t *smaller = realloc(buf, (n ? n : 1) * sizeof *buf);
        if (smaller)
            buf = smaller;
    }
    *ids = buf;
    *count = n;
    return RECUR_OK;
}
