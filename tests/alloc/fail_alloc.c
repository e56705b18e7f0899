/* A test-only allocator hook: the test executable is linked with
 * -Wl,--wrap for each allocation function, so every allocation the library
 * makes comes through here, and the Nth of them can be made to fail. The
 * library itself carries no hook: its objects are unchanged, only their
 * references to malloc & co. are bound to these wrappers at link time.
 * Allocations inside shared libraries (libc, the BLAS, the OpenMP runtime)
 * are not counted. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "fail_alloc.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);

/* Test-process state, never linked into the library. */
static atomic_long alloc_count;
static atomic_long alloc_fail_at; /* 0: never fail */

void fail_alloc_arm(long nth)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&alloc_fail_at, nth);
}

long fail_alloc_count(void) { return atomic_load(&alloc_count); }

/* Counts this allocation; nonzero when it is the one to fail. */
static int should_fail(void)
{
    long n = atomic_fetch_add(&alloc_count, 1) + 1;
    long at = atomic_load(&alloc_fail_at);
    return at > 0 && n == at;
}

void *__wrap_malloc(size_t size) { return should_fail() ? NULL : __real_malloc(size); }

void *__wrap_calloc(size_t n, size_t size) { return should_fail() ? NULL : __real_calloc(n, size); }

void *__wrap_realloc(void *p, size_t size) { return should_fail() ? NULL : __real_realloc(p, size); }

void *__wrap_aligned_alloc(size_t align, size_t size)
{
    return should_fail() ? NULL : __real_aligned_alloc(align, size);
}

char *__wrap_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = __wrap_malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

char *__wrap_strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *d = __wrap_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
