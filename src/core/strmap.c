#include "core/strmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t recur_hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

void recur_strmap_init(recur_strmap *m) { memset(m, 0, sizeof *m); }

void recur_strmap_free(recur_strmap *m)
{
    for (size_t i = 0; i < m->count; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->key_lens);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static size_t probe(const recur_strmap *m, const char *key, size_t len, int64_t *found)
{
    size_t mask = m->capacity - 1;
    size_t i = (size_t)recur_hash_bytes(key, len) & mask;
    for (;;) {
        int64_t v = m->slots[i];
        if (v == 0) {
            *found = -1;
            return i;
        }
        size_t id = (size_t)(v - 1);
        if (m->key_lens[id] == len && memcmp(m->keys[id], key, len) == 0) {
            *found = (int64_t)id;
            return i;
        }
        i = (i + 1) & mask;
    }
}

int64_t recur_strmap_find(const recur_strmap *m, const char *key, size_t len)
{
    if (m->capacity == 0)
        return -1;
    int64_t found;
    probe(m, key, len, &found);
    return found;
}

static int grow_slots(recur_strmap *m)
{
    size_t cap = m->capacity ? m->capacity * 2 : 64;
    int64_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    free(m->slots);
    m->slots = slots;
    m->capacity = cap;
    for (size_t id = 0; id < m->count; id++) {
        int64_t found;
        size_t i = probe(m, m->keys[id], m->key_lens[id], &found);
        m->slots[i] = (int64_t)id + 1;
    }
    return 0;
}

int64_t recur_strmap_intern(recur_strmap *m, const char *key, size_t len, int *inserted)
{
    if (inserted)
        *inserted = 0;
    /* Keep the load factor at or below one half. */
    if ((m->count + 1) * 2 > m->capacity && grow_slots(m) != 0)
        return -1;
    int64_t found;
    size_t slot = probe(m, key, len, &found);
    if (found >= 0)
        return found;
    if (m->count == m->keys_cap) {
        size_t cap = m->keys_cap ? m->keys_cap * 2 : 64;
        char **keys = realloc(m->keys, cap * sizeof *keys);
        if (!keys)
            return -1;
        m->keys = keys;
        size_t *lens = realloc(m->key_lens, cap * sizeof *lens);
        if (!lens)
            return -1;
        m->key_lens = lens;
        m->keys_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, key, len);
    copy[len] = '\0';
    size_t id = m->count++;
    m->keys[id] = copy;
    m->key_lens[id] = len;
    m->slots[slot] = (int64_t)id + 1;
    if (inserted)
        *inserted = 1;
    return (int64_t)id;
}

typedef struct ranked {
    int64_t count, id;
    const char *key;
    size_t len;
} ranked;

/* Descending count, then ascending byte order (a prefix before the longer
 * key), by length: a key may hold a NUL byte. */
static int by_count_then_bytes(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

int64_t *recur_strmap_rank(const recur_strmap *m, const int64_t *counts, size_t first, int64_t min_count,
                           size_t *kept)
{
    *kept = 0;
    size_t n = m->count > first ? m->count - first : 0;
    ranked *items = malloc((n ? n : 1) * sizeof *items);
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!items || !ids) {
        free(items);
        free(ids);
        return NULL;
    }
    size_t k = 0;
    for (size_t id = first; id < m->count; id++)
        if (counts[id] >= min_count)
            items[k++] = (ranked){counts[id], (int64_t)id, m->keys[id], m->key_lens[id]};
    qsort(items, k, sizeof *items, by_count_then_bytes);
    for (size_t i = 0; i < k; i++)
        ids[i] = items[i].id;
    free(items);
    *kept = k;
    return ids;
}
