/* The strict UTF-8 decoder (RFC 3629, table 3-7 of the Unicode standard):
 * every code point in its shortest form, surrogates and values above
 * U+10FFFF refused. The one decoder of the library: text/ reads corpora
 * with it, core's JSON and string escaping check their bytes with it. */
#ifndef RECUR_CORE_UTF8_H
#define RECUR_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Why a byte sequence is not UTF-8 (negative, so "< 0" tests for failure). */
enum {
    RECUR_UTF8_OK = 0,
    RECUR_UTF8_STRAY_CONTINUATION = -1, /* 0x80..0xBF where a character should start */
    RECUR_UTF8_BAD_LEAD = -2,           /* 0xF8..0xFF never occur in UTF-8 */
    RECUR_UTF8_OVERLONG = -3,           /* 0xC0, 0xC1, 0xE0 0x80..0x9F, 0xF0 0x80..0x8F */
    RECUR_UTF8_SURROGATE = -4,          /* 0xED 0xA0..0xBF: U+D800..U+DFFF */
    RECUR_UTF8_TOO_LARGE = -5,          /* above U+10FFFF: 0xF4 0x90.., 0xF5..0xF7 */
    RECUR_UTF8_MISSING_CONTINUATION = -6, /* a following byte is not 0x80..0xBF */
    RECUR_UTF8_TRUNCATED = -7           /* the text ends inside a sequence */
};

/* The general decoder behind recur_utf8_decode: every lead byte, every error. */
int recur_utf8_decode_full(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp);

/* Decodes the code point that starts at s[*pos] (with *pos < len) into *cp
 * and advances *pos past it. Returns RECUR_UTF8_OK, or one of the negative
 * codes above leaving *pos and *cp unchanged. Inline so that the loops over
 * whole corpora handle ASCII and the common two- and three-byte characters
 * (Latin, Cyrillic, Hangul, CJK) without a call. */
static inline int recur_utf8_decode(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp)
{
    size_t p = *pos;
    unsigned b0 = s[p];
    if (b0 < 0x80) {
        *cp = b0;
        *pos = p + 1;
        return RECUR_UTF8_OK;
    }
    /* 0xC2..0xDF + one continuation byte: never overlong. */
    if (b0 >= 0xC2 && b0 <= 0xDF && p + 1 < len && (s[p + 1] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(b0 & 0x1F) << 6) | (s[p + 1] & 0x3Fu);
        *pos = p + 2;
        return RECUR_UTF8_OK;
    }
    /* 0xE1..0xEC, 0xEE, 0xEF + two continuation bytes: neither overlong nor
     * surrogate (those need 0xE0 or 0xED, left to the full decoder). */
    if (b0 >= 0xE1 && b0 <= 0xEF && b0 != 0xED && p + 2 < len && (s[p + 1] & 0xC0) == 0x80 &&
        (s[p + 2] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(b0 & 0x0F) << 12) | ((uint32_t)(s[p + 1] & 0x3F) << 6) |
              (s[p + 2] & 0x3Fu);
        *pos = p + 3;
        return RECUR_UTF8_OK;
    }
    return recur_utf8_decode_full(s, len, pos, cp);
}

#endif
