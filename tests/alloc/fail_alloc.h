/* Making the library's Nth allocation fail, for the allocation-failure walk. */
#ifndef RECUR_TEST_FAIL_ALLOC_H
#define RECUR_TEST_FAIL_ALLOC_H

/* Restarts the count; the nth allocation from now on returns NULL (0: none). */
void fail_alloc_arm(long nth);
/* Allocations counted since the last fail_alloc_arm. */
long fail_alloc_count(void);

#endif
