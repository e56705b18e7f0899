/* Where the shipped data of `recur train --preset ptb-*` lie (the presets
 * themselves are options of the run: recur/run.h). */
#ifndef RECUR_CLI_PRESETS_H
#define RECUR_CLI_PRESETS_H

#include <stddef.h>

/* Finds a shipped data file such as "ptb/ptb.train.txt": under data/ in the
 * current directory, then next to the executable (../data, the source tree
 * layout; ../share/recur/data, an installed layout). Writes the path into
 * out and returns 0, or returns -1 when none exists. */
int preset_data_path(const char *relative, char *out, size_t size);

#endif
