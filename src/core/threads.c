/* Thread counts are properties of the process (the BLAS's pool, OpenMP's
 * default team); this is the one place recur sets them. */
#include "core/gemm.h"
#include "recur/model.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

void recur_set_threads(int threads)
{
    if (threads <= 0)
        return;
    recur_blas_set_threads(threads);
#ifdef RECUR_HAVE_OPENMP
    omp_set_num_threads(threads);
#endif
}
