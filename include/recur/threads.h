/* The threads recur computes with: properties of the process (OpenMP's
 * team, the BLAS's pool), not of a model, set in one place (core/threads.c). */
#ifndef RECUR_THREADS_H
#define RECUR_THREADS_H

#include "recur/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the threads recur computes with, process-wide; <= 0 means one per
 * core. recur splits the work over its own threads and keeps the BLAS to
 * one thread per call, so call this once before training or evaluating. */
RECUR_API void recur_set_threads(int threads);

/* Binds each thread of the team to a core of its own, when the team has one
 * thread per core the process may use (Linux; not when OMP_PROC_BIND,
 * OMP_PLACES or GOMP_CPU_AFFINITY choose a placement). On a machine with
 * other busy processes, Linux otherwise tends to stack recur's threads on
 * one core. Threads created afterwards inherit the caller's core, so it is
 * for programs whose work is recur's team (the recur command's train and
 * sample), not for a host that runs threads of its own. Call after
 * recur_set_threads; returns 1 when the threads were bound. */
RECUR_API int recur_pin_threads(void);

#ifdef __cplusplus
}
#endif
#endif
