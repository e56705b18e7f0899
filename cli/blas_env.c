#define _POSIX_C_SOURCE 200809L
#include "blas_env.h"

#include <stdlib.h>
#include <unistd.h>

void blas_env_choose_kernels(char **argv)
{
    int changed = 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (!getenv("OPENBLAS_CORETYPE")) {
        __builtin_cpu_init();
        const char *core = NULL;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
            core = "SkylakeX";
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            core = "Haswell";
        if (core && setenv("OPENBLAS_CORETYPE", core, 1) == 0)
            changed = 1;
    }
#endif
    if (!getenv("GOMP_SPINCOUNT") && !getenv("OMP_WAIT_POLICY") && setenv("GOMP_SPINCOUNT", "10000", 1) == 0)
        changed = 1;
    if (changed)
        execv("/proc/self/exe", argv);
    /* If re-executing failed the program goes on with the settings it has. */
}
