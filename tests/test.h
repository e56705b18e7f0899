/* A minimal test harness: CHECK records a failure and goes on; the test's
 * main returns test_report(), which prints "N passed, N failed". */
#ifndef RECUR_TEST_H
#define RECUR_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int test_passed_count, test_failed_count;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            test_passed_count++;                                                      \
        } else {                                                                      \
            test_failed_count++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                          \
    do {                                                                              \
        if (cond) {                                                                   \
            test_passed_count++;                                                      \
        } else {                                                                      \
            test_failed_count++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
        }                                                                             \
    } while (0)

/* |a - b| <= tol * max(1, |a|, |b|) */
#define CHECK_CLOSE(a, b, tol)                                                        \
    do {                                                                              \
        double ca_ = (double)(a), cb_ = (double)(b);                                  \
        double scale_ = fmax(1.0, fmax(fabs(ca_), fabs(cb_)));                        \
        CHECK_MSG(fabs(ca_ - cb_) <= (tol) * scale_, "%s = %.9g, %s = %.9g", #a, ca_, \
                  #b, cb_);                                                           \
    } while (0)

static inline int test_report(void)
{
    printf("%d passed, %d failed\n", test_passed_count, test_failed_count);
    return test_failed_count == 0 ? 0 : 1;
}

#endif
