/* Thread counts are properties of the process (the BLAS's pool, OpenMP's
 * default team); this is the one place recur sets them. recur runs its own
 * threads (streams split through the recurrence, large products cut into
 * slabs) and keeps the BLAS to one thread per call, so the two pools never
 * compete for the same cores. */
#include "core/gemm.h"
#include "recur/model.h"

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
