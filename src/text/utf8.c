/* Strict UTF-8 (RFC 3629, table 3-7 of the Unicode standard): every code
 * point uses its shortest form, surrogates and values above U+10FFFF are
 * refused. */
#include "text/utf8.h"

#include "core/error.h"
#include "recur/text.h"

#include <stdio.h>
#include <string.h>

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

int recur_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

const char *recur_utf8_reason(int code)
{
    switch (code) {
    case RECUR_UTF8_OK: return "valid";
    case RECUR_UTF8_STRAY_CONTINUATION: return "continuation byte without a lead byte";
    case RECUR_UTF8_BAD_LEAD: return "byte never used in UTF-8";
    case RECUR_UTF8_OVERLONG: return "overlong encoding";
    case RECUR_UTF8_SURROGATE: return "surrogate code point (U+D800..U+DFFF)";
    case RECUR_UTF8_TOO_LARGE: return "code point above U+10FFFF";
    case RECUR_UTF8_MISSING_CONTINUATION: return "lead byte not followed by enough continuation bytes";
    case RECUR_UTF8_TRUNCATED: return "sequence cut off by the end of the text";
    }
    return "invalid byte sequence";
}

recur_status recur_utf8_fail(recur_error *err, const unsigned char *s, size_t pos, int code)
{
    return recur_fail(err, RECUR_E_FORMAT, "invalid UTF-8 at byte offset %zu (byte 0x%02X): %s", pos,
                      (unsigned)s[pos], recur_utf8_reason(code));
}

char *recur_utf8_describe(uint32_t cp, char *buf, size_t size)
{
    static const char *const names[] = {[0] = "\\0", ['\t'] = "\\t", ['\n'] = "\\n", ['\r'] = "\\r"};
    if (cp < 0x20 || cp == 0x7F) {
        const char *name = cp < sizeof names / sizeof names[0] ? names[cp] : NULL;
        if (name)
            snprintf(buf, size, "'%s' (U+%04X)", name, (unsigned)cp);
        else
            snprintf(buf, size, "control character U+%04X", (unsigned)cp);
        return buf;
    }
    char utf8[5] = {0};
    int n = recur_utf8_encode(cp, utf8);
    if (n == 0)
        snprintf(buf, size, "U+%04X", (unsigned)cp);
    else
        snprintf(buf, size, "'%s' (U+%04X)", utf8, (unsigned)cp);
    return buf;
}

recur_status recur_utf8_validate(const char *text, size_t len, recur_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = 0;
    while (pos < len) {
        /* Skip runs of ASCII eight bytes at a time: most text is mostly ASCII. */
        while (pos + 8 <= len) {
            uint64_t word;
            memcpy(&word, s + pos, sizeof word);
            if (word & 0x8080808080808080ull)
                break;
            pos += 8;
        }
        if (pos >= len)
            break;
        uint32_t cp;
        int rc = recur_utf8_decode(s, len, &pos, &cp);
        if (rc < 0)
            return recur_utf8_fail(err, s, pos, rc);
    }
    return RECUR_OK;
}
