/* The core helpers: error records, the random number generator, the string map. */
#include "core/error.h"
#include "core/rng.h"
#include "core/strmap.h"
#include "test.h"

#include <string.h>

static void test_error(void)
{
    recur_error err = {0};
    CHECK(recur_fail(&err, RECUR_E_FORMAT, "bad byte at offset %d", 7) == RECUR_E_FORMAT);
    CHECK(strcmp(err.msg, "bad byte at offset 7") == 0);
    recur_error_prefix(&err, "%s", "file.txt");
    CHECK(strcmp(err.msg, "file.txt: bad byte at offset 7") == 0);
    CHECK(recur_fail(NULL, RECUR_E_IO, "ignored") == RECUR_E_IO);
}

static void test_rng(void)
{
    recur_rng a, b;
    recur_rng_seed(&a, 42);
    recur_rng_seed(&b, 42);
    int same = 1;
    for (int i = 0; i < 100; i++)
        same &= recur_rng_next(&a) == recur_rng_next(&b);
    CHECK(same);
    double sum = 0, sumsq = 0;
    int n = 200000, below_ok = 1;
    for (int i = 0; i < n; i++) {
        float u = recur_rng_uniform(&a);
        CHECK_MSG(u >= 0.0f && u < 1.0f, "u = %g", u);
        float z = recur_rng_normal(&a);
        sum += z;
        sumsq += (double)z * z;
        below_ok &= recur_rng_below(&a, 7) < 7;
    }
    CHECK(below_ok);
    CHECK_CLOSE(sum / n, 0.0, 0.02);
    CHECK_CLOSE(sumsq / n, 1.0, 0.02);
}

static void test_strmap(void)
{
    recur_strmap m;
    recur_strmap_init(&m);
    char buf[32];
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(buf, sizeof buf, "w%d", i);
        int inserted;
        ok &= recur_strmap_intern(&m, buf, (size_t)n, &inserted) == i && inserted;
    }
    CHECK(ok);
    CHECK(recur_strmap_find(&m, "w500", 4) == 500);
    CHECK(recur_strmap_find(&m, "w1000", 5) == -1);
    int inserted = 1;
    CHECK(recur_strmap_intern(&m, "w3", 2, &inserted) == 3 && !inserted);
    CHECK(m.count == 1000);
    recur_strmap_free(&m);
}

int main(void)
{
    test_error();
    test_rng();
    test_strmap();
    return test_report();
}
