/* recur_pin_threads: with one thread per allowed core, each thread of the
 * team ends on a core of its own; with fewer threads, or with a placement
 * asked for in the environment, nothing is bound. */
#if defined(__linux__)
#define _GNU_SOURCE
#include <sched.h>
#endif
#include <stdlib.h>

#include "core/gemm.h"
#include "recur/threads.h"
#include "test.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

int main(void)
{
#if defined(__linux__) && defined(RECUR_HAVE_OPENMP)
    cpu_set_t allowed;
    CHECK(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
    int n = CPU_COUNT(&allowed);
    recur_blas_set_threads(1);
    CHECK(recur_pin_threads() == 0); /* one thread: left where it is */
    if (n >= 2) {
        recur_blas_set_threads(n);
        setenv("OMP_PROC_BIND", "true", 1);
        CHECK(recur_pin_threads() == 0); /* the user's placement wins */
        unsetenv("OMP_PROC_BIND");
        CHECK(recur_pin_threads() == 1);
        int cpu_of[CPU_SETSIZE], ok = 1;
#pragma omp parallel num_threads(n)
        {
            cpu_set_t mine;
            int id = omp_get_thread_num(), cpu = -1;
            if (sched_getaffinity(0, sizeof mine, &mine) != 0 || CPU_COUNT(&mine) != 1) {
#pragma omp atomic write
                ok = 0;
            }
            for (int c = 0; c < CPU_SETSIZE; c++)
                if (CPU_ISSET(c, &mine))
                    cpu = c;
            cpu_of[id] = cpu;
        }
        CHECK_MSG(ok, "every thread bound to one core");
        for (int i = 0; i < n; i++) {
            CHECK_MSG(cpu_of[i] >= 0 && CPU_ISSET(cpu_of[i], &allowed), "thread %d on core %d", i, cpu_of[i]);
            for (int j = 0; j < i; j++)
                CHECK_MSG(cpu_of[i] != cpu_of[j], "threads %d and %d share core %d", i, j, cpu_of[i]);
        }
        recur_blas_set_threads(n + 1);
        CHECK(recur_pin_threads() == 0); /* more threads than cores: not bound */
    }
#else
    recur_set_threads(1);
    CHECK(recur_pin_threads() == 0);
#endif
    return test_report();
}
