/* Choosing OpenBLAS's kernels before it starts. */
#ifndef RECUR_CLI_BLAS_ENV_H
#define RECUR_CLI_BLAS_ENV_H

/* OpenBLAS picks its kernels when it is loaded, from the CPU model it knows;
 * on a CPU newer than the library (Debian 12's 0.3.21 on recent Xeons) it
 * falls back to the SSE3 "Prescott" kernels, about 3x slower than the AVX2
 * ones. Unless OPENBLAS_CORETYPE is already set, this sets it from the CPU's
 * features (AVX-512 -> SkylakeX, AVX2+FMA -> Haswell) and re-executes the
 * program once so that OpenBLAS starts with it. Returns only if it did not
 * re-execute. */
void blas_env_choose_kernels(char **argv);

#endif
