/* Internal UTF-8 helpers: a strict decoder (RFC 3629), an encoder, and the
 * wording of UTF-8 errors shared by every text routine. */
#ifndef RECUR_TEXT_UTF8_H
#define RECUR_TEXT_UTF8_H

#include "recur/error.h"

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

/* Decodes the code point that starts at s[*pos] (with *pos < len) into *cp
 * and advances *pos past it. Returns RECUR_UTF8_OK, or one of the negative
 * codes above leaving *pos and *cp unchanged. */
int recur_utf8_decode(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp);

/* Writes the UTF-8 encoding of cp into out (not NUL-terminated) and returns
 * its length 1..4, or 0 if cp is a surrogate or above U+10FFFF. */
int recur_utf8_encode(uint32_t cp, char out[4]);

/* The reason for a negative decode result, in words ("overlong encoding"). */
const char *recur_utf8_reason(int code);

/* Fills err with "invalid UTF-8 at byte offset N (byte 0xXX): reason" for a
 * decode failure at s[pos], and returns RECUR_E_FORMAT. */
recur_status recur_utf8_fail(recur_error *err, const unsigned char *s, size_t pos, int code);

/* Writes a printable, quoted form of cp for error messages into buf: the
 * character itself in single quotes with its U+XXXX number, or an escape
 * such as '\n' for control characters. Returns buf. */
char *recur_utf8_describe(uint32_t cp, char *buf, size_t size);

#endif
