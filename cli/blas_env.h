/* Settings the threading libraries read only when they are loaded. */
#ifndef RECUR_CLI_BLAS_ENV_H
#define RECUR_CLI_BLAS_ENV_H

/* Two libraries recur links read their settings from the environment when
 * the program is loaded, before main:
 *  - OpenBLAS picks its kernels from the CPU model it knows; on a CPU newer
 *    than the library (Debian 12's 0.3.21 on recent Xeons) it falls back to
 *    the SSE3 "Prescott" kernels, about 3x slower than the AVX2 ones. Unless
 *    OPENBLAS_CORETYPE is set, it is set from the CPU's features (AVX-512 ->
 *    SkylakeX, AVX2+FMA -> Haswell).
 *  - libgomp's idle threads spin 300,000 times before sleeping. On a machine
 *    whose cores are shared with other work, that spinning steals the time
 *    slices recur's other thread needs (measured: 4-5x slower training at a
 *    load of 5 on 2 cores). Unless GOMP_SPINCOUNT or OMP_WAIT_POLICY is set,
 *    GOMP_SPINCOUNT is set to 10,000, which keeps short waits spinning.
 * When anything was set, the program re-executes itself once so that the
 * libraries start with it. Returns only if it did not re-execute. */
void blas_env_choose_kernels(char **argv);

#endif
