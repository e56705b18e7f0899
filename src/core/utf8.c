/* The strict UTF-8 decoder (see utf8.h). */
#include "core/utf8.h"

static int is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

int recur_utf8_decode_full(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp)
{
    size_t p = *pos;
    unsigned char b0 = s[p];
    if (b0 < 0x80) {
        *cp = b0;
        *pos = p + 1;
        return RECUR_UTF8_OK;
    }
    if (is_continuation(b0))
        return RECUR_UTF8_STRAY_CONTINUATION;
    if (b0 == 0xC0 || b0 == 0xC1)
        return RECUR_UTF8_OVERLONG;
    if (b0 >= 0xF8)
        return RECUR_UTF8_BAD_LEAD;
    if (b0 >= 0xF5)
        return RECUR_UTF8_TOO_LARGE;

    int n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
    /* The second byte's allowed range is narrower after a few lead bytes:
     * that is where overlongs, surrogates and too-large values show. */
    unsigned char lo = 0x80, hi = 0xBF;
    int narrow_reason = RECUR_UTF8_OK;
    if (b0 == 0xE0) {
        lo = 0xA0;
        narrow_reason = RECUR_UTF8_OVERLONG;
    } else if (b0 == 0xED) {
        hi = 0x9F;
        narrow_reason = RECUR_UTF8_SURROGATE;
    } else if (b0 == 0xF0) {
        lo = 0x90;
        narrow_reason = RECUR_UTF8_OVERLONG;
    } else if (b0 == 0xF4) {
        hi = 0x8F;
        narrow_reason = RECUR_UTF8_TOO_LARGE;
    }

    uint32_t value = b0 & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (int i = 1; i < n; i++) {
        if (p + (size_t)i >= len)
            return RECUR_UTF8_TRUNCATED;
        unsigned char b = s[p + (size_t)i];
        if (!is_continuation(b))
            return RECUR_UTF8_MISSING_CONTINUATION;
        if (i == 1 && (b < lo || b > hi))
            return narrow_reason;
        value = (value << 6) | (b & 0x3F);
    }
    *cp = value;
    *pos = p + (size_t)n;
    return RECUR_UTF8_OK;
}
