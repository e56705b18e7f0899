/* Functions shared by the text tests (tests/test_text*.c). */
#ifndef RECUR_TEST_TEXT_UTIL_H
#define RECUR_TEST_TEXT_UTIL_H

#include "recur/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The sentence of the Korean tests: 14 code points, 36 bytes. */
#define TEXT_KOREAN_SENTENCE "푸른 하늘에 구름이 떠있다"

static inline double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Joins the token strings of ids, with sep between them (malloc'd). */
static inline char *join_tokens(const recur_vocab *v, const int32_t *ids, size_t n, const char *sep)
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(recur_vocab_token(v, ids[i])) + strlen(sep);
    char *out = malloc(total);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = recur_vocab_token(v, ids[i]);
        size_t len = strlen(t);
        memcpy(out + used, t, len);
        used += len;
        if (i + 1 < n) {
            memcpy(out + used, sep, strlen(sep));
            used += strlen(sep);
        }
    }
    out[used] = '\0';
    return out;
}

/* The path of a fixture in tests/data; 0 (and a note) if it cannot be found. */
static inline int fixture_path(char *buf, size_t size, const char *name)
{
    const char *dir = getenv("RECUR_TEST_DATA");
    snprintf(buf, size, "%s/%s", dir ? dir : "tests/data", name);
    if (access(buf, R_OK) != 0) {
        printf("skip: fixture %s not found (set RECUR_TEST_DATA to tests/data)\n", name);
        return 0;
    }
    return 1;
}

/* Reads RECUR_DATA/name (the shipped corpora); 0, saying why, if it cannot. */
static inline int read_data_file(const char *name, char **data, size_t *len)
{
    const char *dir = getenv("RECUR_DATA");
    if (!dir) {
        printf("skip: %s (RECUR_DATA is not set)\n", name);
        return 0;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    recur_error err = {0};
    if (recur_read_file(path, data, len, &err) != RECUR_OK) {
        printf("skip: %s (%s)\n", name, err.msg);
        return 0;
    }
    return 1;
}

#endif
