/* The one clock the library times its work with. */
#ifndef RECUR_CORE_CLOCK_H
#define RECUR_CORE_CLOCK_H

/* Seconds on the monotonic clock (from an unspecified start): for elapsed
 * times and rates, never for dates. */
double monotonic_seconds(void);

#endif
