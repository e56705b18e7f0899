/* Internal UTF-8 routines of src/text: the strict decoder (core/utf8.h), an
 * encoder, and the wording of UTF-8 errors shared by every text routine. */
#ifndef RECUR_TEXT_UTF8_H
#define RECUR_TEXT_UTF8_H

#include "core/utf8.h"
#include "recur/error.h"

#include <stddef.h>
#include <stdint.h>

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
