/* A crew: helper threads that share a caller's work in phases without the
 * caller ever waiting for a helper to turn up.
 *
 * A fork-join team (OpenMP's) ends every phase at a barrier that each of
 * its threads must reach. On a machine where another process is busy, the
 * scheduler takes a core away from one of them for milliseconds at a time,
 * and a phase of a few microseconds then waits for the whole slice: batch-1
 * sampling at two threads ran at 0.66x of one thread beside one busy
 * process. Here the caller runs the phase's items as well, and an item that
 * a helper claimed but has not finished is run again by the caller, so a
 * phase ends as soon as the caller alone could end it.
 *
 * For that, an item must be safe to run twice at once: it computes into
 * its worker's own scratch, then asks crew_write() whether it is the one
 * that writes the shared results, and writes them only if so. Its inputs
 * must be what the phase reads, never what it writes. A helper that comes
 * back late to a phase already over may read inputs that a later phase is
 * rewriting; what it computes from them is thrown away, because its turn
 * to write was taken, so the values it reads must be in range whatever
 * they are (indices checked once by the caller, not recomputed). */
#ifndef RECUR_CORE_CREW_H
#define RECUR_CORE_CREW_H

#include "recur/error.h"

typedef struct crew crew;
typedef struct crew_turn crew_turn;

/* What a phase tells its items (the same for all of them). */
enum { CREW_ARGS = 4 };

/* Item `item` of a phase, run by `worker` (0 is the caller, helpers are
 * 1 .. workers - 1), which owns its scratch. */
typedef void (*crew_item_fn)(void *ctx, const int args[CREW_ARGS], int item, int worker, crew_turn *turn);

/* A crew of `helpers` threads (at least 1) for phases of at most
 * `max_items` items. The helpers sleep when no phase comes for a while. */
recur_status crew_create(int helpers, int max_items, crew **out, recur_error *err);
void crew_free(crew *c);

/* Runs items 0 .. items - 1 of fn on ctx; returns once each has written
 * its results. One caller at a time. */
void crew_run(crew *c, crew_item_fn fn, void *ctx, const int args[CREW_ARGS], int items);

/* Whether this run of the item writes its results: 1 for exactly one of
 * the runs of an item in a phase, 0 for any other (which must then write
 * nothing shared). Call it once, after the item's own computing. */
int crew_write(crew_turn *turn);

#endif
