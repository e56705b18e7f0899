/* A growable, always NUL-terminated byte buffer for building text (JSON
 * headers, messages). Allocation failure is sticky: b->oom is set, later
 * appends are ignored, and the caller checks oom once at the end instead of
 * after every append. */
#ifndef RECUR_CORE_STRBUF_H
#define RECUR_CORE_STRBUF_H

#include <stddef.h>

typedef struct recur_strbuf {
    char *data; /* NUL-terminated once anything was appended; NULL before */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated */
    int oom;    /* set when an allocation failed; the contents are then incomplete */
} recur_strbuf;

void recur_strbuf_init(recur_strbuf *b);
void recur_strbuf_free(recur_strbuf *b);
void recur_strbuf_append(recur_strbuf *b, const char *s, size_t len);
void recur_strbuf_puts(recur_strbuf *b, const char *s);
void recur_strbuf_printf(recur_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string: '"' and '\\' are escaped, control bytes
 * (< 0x20) become \u00XX, valid UTF-8 passes through unchanged, and each byte
 * of an invalid UTF-8 sequence becomes \ufffd so the output is always valid
 * JSON. */
void recur_strbuf_json_string(recur_strbuf *b, const char *s, size_t len);
/* Drops the contents but keeps the allocation (and clears nothing else). */
void recur_strbuf_clear(recur_strbuf *b);
/* Length (1..4) of the valid UTF-8 sequence at s, which has avail >= 1 bytes,
 * or 0 if the bytes there are not one: overlong forms, surrogates and code
 * points above U+10FFFF are invalid, as RFC 3629 says (core/utf8.h's
 * decoder decides). */
size_t recur_utf8_seq_len(const unsigned char *s, size_t avail);

#endif
