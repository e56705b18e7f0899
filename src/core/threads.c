/* Thread counts are properties of the process (the BLAS's pool, OpenMP's
 * default team); this is the one place recur sets them. recur runs its own
 * threads (streams split through the recurrence, large products cut into
 * slabs) and keeps the BLAS to one thread per call, so the two pools never
 * compete for the same cores. */
#if defined(__linux__)
#define _GNU_SOURCE /* sched_setaffinity and the CPU_* macros */
#include <sched.h>
#endif
#include <stdlib.h>

#include "core/gemm.h"
#include "core/threads.h"
#include "recur/threads.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

void recur_set_threads(int threads)
{
#ifdef RECUR_HAVE_OPENMP
    if (threads <= 0)
        threads = omp_get_num_procs();
#endif
    if (threads <= 0)
        threads = 1;
    recur_blas_set_threads(threads);
}

/* Linux places a woken thread next to the one that woke it when no core is
 * idle, so with another busy process on one of two cores, recur's two
 * threads were seen sharing the other core (48 of 60 samples of a training
 * run), the process getting one core instead of one and a half. Bound to
 * cores of their own, one of them shares with the other process and the
 * other runs alone. */
int recur_pin_threads(void)
{
#if defined(__linux__) && defined(RECUR_HAVE_OPENMP)
    if (getenv("OMP_PROC_BIND") || getenv("OMP_PLACES") || getenv("GOMP_CPU_AFFINITY"))
        return 0; /* the user's own placement */
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return 0;
    int nt = omp_get_max_threads(), n = CPU_COUNT(&allowed);
    if (nt < 2 || nt != n || omp_in_parallel())
        return 0;
    int cpus[CPU_SETSIZE], k = 0;
    for (int c = 0; c < CPU_SETSIZE && k < n; c++)
        if (CPU_ISSET(c, &allowed))
            cpus[k++] = c;
    int failed = 0;
#pragma omp parallel num_threads(nt) reduction(| : failed)
    {
        int id = omp_get_thread_num();
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpus[id < k ? id : 0], &one);
        failed |= omp_get_num_threads() != nt || sched_setaffinity(0, sizeof one, &one) != 0;
    }
    if (failed) {
#pragma omp parallel num_threads(nt)
        sched_setaffinity(0, sizeof allowed, &allowed); /* back to where they were */
        return 0;
    }
    return 1;
#else
    return 0;
#endif
}

void recur_thread_share(int total, int unit, int part, int parts, int *lo, int *hi)
{
    int units = (total + unit - 1) / unit;
    int a = (int)((long long)units * part / parts) * unit, b = (int)((long long)units * (part + 1) / parts) * unit;
    *lo = a < total ? a : total;
    *hi = b < total ? b : total;
}
