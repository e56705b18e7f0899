#include "core/strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

void recur_strbuf_init(recur_strbuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
}

void recur_strbuf_free(recur_strbuf *b)
{
    free(b->data);
    recur_strbuf_init(b);
}

void recur_strbuf_clear(recur_strbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for `extra` more bytes plus the NUL; returns 0 or -1 (oom set). */
static int reserve(recur_strbuf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void recur_strbuf_append(recur_strbuf *b, const char *s, size_t len)
{
    if (reserve(b, len) != 0)
        return;
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void recur_strbuf_puts(recur_strbuf *b, const char *s)
{
    recur_strbuf_append(b, s, strlen(s));
}

void recur_strbuf_printf(recur_strbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1; /* an encoding error: treat as a failed append */
        return;
    }
    if ((size_t)n < sizeof small) {
        recur_strbuf_append(b, small, (size_t)n);
        return;
    }
    if (reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

size_t recur_utf8_seq_len(const unsigned char *s, size_t avail)
{
    size_t pos = 0;
    uint32_t cp;
    return recur_utf8_decode(s, avail, &pos, &cp) == RECUR_UTF8_OK ? pos : 0;
}

void recur_strbuf_json_string(recur_strbuf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    recur_strbuf_append(b, "\"", 1);
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    size_t i = 0;
    while (i < len) {
        unsigned c = u[i];
        const char *esc = NULL;
        char hex[8];
        size_t n = 1;
        if (c == '"') {
            esc = "\\\"";
        } else if (c == '\\') {
            esc = "\\\\";
        } else if (c < 0x20) {
            snprintf(hex, sizeof hex, "\\u%04x", c);
            esc = hex;
        } else if (c >= 0x80) {
            n = recur_utf8_seq_len(u + i, len - i);
            if (n == 0) {
                esc = "\\ufffd";
                n = 1;
            }
        }
        if (esc) {
            recur_strbuf_append(b, s + run, i - run);
            recur_strbuf_puts(b, esc);
            run = i + n;
        }
        i += n;
    }
    recur_strbuf_append(b, s + run, len - run);
    recur_strbuf_append(b, "\"", 1);
}
