/* A hash map from byte strings to dense ids 0, 1, 2, ... in insertion order.
 * It owns copies of its keys. Used for word vocabularies and counting. */
#ifndef RECUR_CORE_STRMAP_H
#define RECUR_CORE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct recur_strmap {
    int64_t *slots;     /* id + 1 for a used slot, 0 for empty; capacity is a power of two */
    size_t capacity;
    char **keys;        /* keys[id], NUL-terminated copies */
    size_t *key_lens;   /* key lengths (keys may not contain NUL, but lengths save strlen) */
    size_t count;
    size_t keys_cap;
} recur_strmap;

void recur_strmap_init(recur_strmap *m);
void recur_strmap_free(recur_strmap *m);
/* Returns the id of key, or -1 if absent. */
int64_t recur_strmap_find(const recur_strmap *m, const char *key, size_t len);
/* Returns the id of key, inserting it with the next id if absent; -1 when out
 * of memory. *inserted (may be NULL) tells whether it was new. */
int64_t recur_strmap_intern(recur_strmap *m, const char *key, size_t len, int *inserted);
/* The ids first .. m->count - 1 whose counts[id] >= min_count, most frequent
 * first and equal counts in byte order of their keys: the order of every
 * vocabulary built by counting (the language model's words, tagging's and
 * classification's labels and words, word2vec's words). Returns a malloc'd array of *kept ids, or NULL
 * when out of memory. */
int64_t *recur_strmap_rank(const recur_strmap *m, const int64_t *counts, size_t first, int64_t min_count,
                           size_t *kept);
/* FNV-1a, exposed for tests and other tables. */
uint64_t recur_hash_bytes(const char *s, size_t len);

#endif
