/* UTF-8 for src/text: encoding, and the wording of decoding errors (the
 * strict decoder itself is core/utf8.c). */
#include "text/utf8.h"

#include "core/error.h"
#include "recur/text.h"

#include <stdio.h>
#include <string.h>

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
