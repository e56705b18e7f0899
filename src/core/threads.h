/* How the library's own threads cut their work. Internal to the library
 * (recur/threads.h sets how many threads there are). */
#ifndef RECUR_CORE_THREADS_H
#define RECUR_CORE_THREADS_H

/* Thread `part` of `parts` takes the contiguous share [*lo, *hi) of
 * [0, total), cut in whole units of `unit` items (the last unit may be
 * short): the shares are in order, cover every item once and differ by at
 * most one unit. The one cut of the library's threads (its matrix products,
 * its step tasks). */
void recur_thread_share(int total, int unit, int part, int parts, int *lo, int *hi);

#endif
