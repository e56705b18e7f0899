#include "task/chars.h"

#include <stdlib.h>

#include "core/error.h"
#include "recur/task.h"
#include "task/counter.h"
#include "text/utf8.h"

struct char_counter {
    str_counter strings;
};

recur_status chars_count_new(char_counter **out, recur_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return recur_fail_nomem(err, "a character count");
    counter_init(&(*out)->strings);
    return RECUR_OK;
}

recur_status chars_count(char_counter *c, const char *text, size_t len, recur_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t pos = 0; pos < len;) {
        size_t start = pos;
        uint32_t cp;
        if (recur_utf8_decode(s, len, &pos, &cp) != RECUR_UTF8_OK) {
            pos++;
            continue;
        }
        if (cp == 0 || cp == 0xE000 || cp == 0xE001)
            continue; /* reserved: never a character of the vocabulary */
        recur_status st = counter_add(&c->strings, text + start, pos - start, err);
        if (st)
            return st;
    }
    return RECUR_OK;
}

recur_status chars_vocab(const char_counter *c, int min_count, recur_vocab **out, recur_error *err)
{
    static const char *const lead[] = {RECUR_TASK_MASK_CHAR, RECUR_TASK_UNKNOWN_CHAR};
    return counter_vocab(&c->strings, min_count, lead, 2, RECUR_LEVEL_CHAR, out, err);
}

void chars_count_free(char_counter *c)
{
    if (!c)
        return;
    counter_free(&c->strings);
    free(c);
}

int chars_encode(const recur_vocab *v, const char *text, size_t len, int max, int32_t *ids, size_t *consumed)
{
    const unsigned char *s = (const unsigned char *)text;
    int unk = recur_vocab_find(v, RECUR_TASK_UNKNOWN_CHAR, 3), n = 0;
    size_t pos = 0;
    while (pos < len && n < max) {
        size_t start = pos;
        uint32_t cp;
        if (recur_utf8_decode(s, len, &pos, &cp) != RECUR_UTF8_OK) {
            pos++;
            ids[n++] = unk;
            continue;
        }
        int id = recur_vocab_find(v, text + start, pos - start);
        ids[n++] = id >= 0 ? id : unk;
    }
    if (consumed)
        *consumed = pos;
    return n;
}
