/* Signs of where a text came from that are not text: a byte-order mark at
 * its start, Windows line ends. */
#include "recur/text.h"

#include <string.h>

size_t recur_utf8_bom_length(const char *text, size_t len)
{
    return text && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

size_t recur_text_crlf_count(const char *text, size_t len)
{
    size_t n = 0;
    if (!text)
        return 0;
    for (const char *p = text, *end = text + len; (p = memchr(p, '\r', (size_t)(end - p))) != NULL; p++)
        n += p + 1 < end && p[1] == '\n';
    return n;
}

size_t recur_text_crlf_to_lf(char *text, size_t len)
{
    if (!text)
        return 0;
    size_t out = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
            continue; /* the '\n' that follows is kept */
        text[out++] = text[i];
    }
    /* A shorter text ends in a NUL, as recur_read_file's texts do. */
    if (out < len)
        text[out] = '\0';
    return out;
}
