/* Character level: one token per Unicode code point. The text has already
 * been checked to be valid UTF-8 by the callers in vocab.c. */
#include "core/error.h"
#include "text/unknown_tracker.h"
#include "text/utf8.h"
#include "text/vocab_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CODE_POINTS 0x110000u

recur_status recur_char_vocab_build(const char *text, size_t len, recur_vocab **out,
                                    recur_vocab_stats *stats, recur_error *err)
{
    /* A bit per possible code point (136 KiB): marking is O(1) per
     * character, and reading the bits in order yields the sorted vocabulary. */
    uint64_t *seen = calloc(CODE_POINTS / 64, sizeof *seen);
    if (!seen)
        return recur_fail_nomem(err, "the code point set");
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = 0, tokens = 0;
    while (pos < len) {
        uint32_t cp;
        int rc = recur_utf8_decode(s, len, &pos, &cp);
        if (rc < 0) {
            free(seen);
            return recur_utf8_fail(err, s, pos, rc);
        }
        seen[cp >> 6] |= 1ull << (cp & 63);
        tokens++;
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
    if (stats) {
        memset(stats, 0, sizeof *stats);
        stats->tokens = tokens;
        stats->types = (size_t)recur_vocab_size(v);
    }
    *out = v;
    return RECUR_OK;
}

/* The error for the first character the vocabulary lacks, with the count of all of them. */
static recur_status unknown_char_error(const recur_encode_stats *st, size_t occurrences, recur_error *err)
{
    const recur_unknown_token *first = &st->examples[0];
    char what[48];
    recur_utf8_describe(first->cp, what, sizeof what);
    if (occurrences == 1)
        return recur_fail(err, RECUR_E_FORMAT, "character %s at byte offset %zu is not in the vocabulary", what,
                          first->offset);
    return recur_fail(err, RECUR_E_FORMAT,
                      "character %s at byte offset %zu is not in the vocabulary (%zu characters of the text, %zu "
                      "distinct, are not)",
                      what, first->offset, occurrences, st->unknown_types);
}

recur_status recur_char_encode(const recur_vocab *v, const char *text, size_t len, recur_unknown unknown,
                               int32_t **ids, size_t *count, recur_encode_stats *stats, recur_error *err)
{
    /* At most one id per byte; the buffer is trimmed at the end. */
    if (len > SIZE_MAX / sizeof(int32_t))
        return recur_fail(err, RECUR_E_NOMEM, "a text of %zu bytes is too long to encode", len);
    int32_t *buf = malloc((len ? len : 1) * sizeof *buf);
    if (!buf)
        return recur_fail_nomem(err, "the token ids");
    unknown_tracker unk;
    unknown_tracker_init(&unk, stats);
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = 0, n = 0, line = 1, tokens = 0;
    recur_status rc = RECUR_OK;
    while (pos < len) {
        size_t start = pos;
        uint32_t cp;
        int bad = recur_utf8_decode(s, len, &pos, &cp);
        if (bad < 0) {
            rc = recur_utf8_fail(err, s, pos, bad);
            break;
        }
        tokens++;
        int id = recur_vocab_char_id(v, cp);
        if (id >= 0) {
            buf[n++] = id;
        } else if ((rc = unknown_tracker_add(&unk, text + start, pos - start, cp, start, line, err)) != RECUR_OK) {
            break;
        }
        line += cp == '\n';
    }
    if (rc == RECUR_OK && unk.occurrences && unknown == RECUR_UNKNOWN_ERROR)
        rc = unknown_char_error(unk.stats, unk.occurrences, err);
    unk.stats->tokens = tokens;
    unk.stats->skipped = rc == RECUR_OK ? unk.occurrences : 0;
    unknown_tracker_free(&unk);
    if (rc != RECUR_OK) {
        free(buf);
        return rc;
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
