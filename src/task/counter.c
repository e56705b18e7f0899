/* Counting strings into a frequency-ordered vocabulary. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/counter.h"

void counter_init(str_counter *c)
{
    memset(c, 0, sizeof *c);
    recur_strmap_init(&c->map);
}

void counter_free(str_counter *c)
{
    recur_strmap_free(&c->map);
    free(c->count);
    memset(c, 0, sizeof *c);
}

recur_status counter_add(str_counter *c, const char *s, size_t len, recur_error *err)
{
    int64_t id = recur_strmap_intern(&c->map, s, len, NULL);
    if (id < 0)
        return recur_fail_nomem(err, "a string count");
    if ((size_t)id >= c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1024;
        int64_t *p = realloc(c->count, cap * sizeof *p);
        if (!p)
            return recur_fail_nomem(err, "a string count");
        memset(p + c->cap, 0, (cap - c->cap) * sizeof *p);
        c->count = p;
        c->cap = cap;
    }
    c->count[id]++;
    return RECUR_OK;
}

recur_status counter_vocab(const str_counter *c, int min_count, const char *const *lead, int n_lead,
                           recur_level level, recur_vocab **out, recur_error *err)
{
    size_t n = c->map.count, k = 0;
    int64_t *ids = recur_strmap_rank(&c->map, c->count, 0, min_count, &k);
    const char **tokens = malloc((n + (size_t)n_lead + 1) * sizeof *tokens);
    if (!ids || !tokens) {
        free(ids);
        free(tokens);
        return recur_fail_nomem(err, "a vocabulary");
    }
    int m = 0;
    for (int i = 0; i < n_lead; i++)
        tokens[m++] = lead[i];
    for (size_t i = 0; i < k; i++) {
        const char *key = c->map.keys[ids[i]];
        int dup = 0;
        for (int j = 0; j < n_lead; j++)
            dup |= strcmp(key, lead[j]) == 0;
        if (!dup)
            tokens[m++] = key;
    }
    recur_status st = m > 0 ? recur_vocab_from_tokens(tokens, m, level, out, err)
                            : recur_fail(err, RECUR_E_FORMAT, "nothing occurs %d times or more", min_count);
    free(ids);
    free(tokens);
    return st;
}
