/* Where the shipped data of `recur train --preset ptb-*` lie (the presets
 * themselves are options of the run: recur/run.h). */
#ifndef RECUR_CLI_PRESETS_H
#define RECUR_CLI_PRESETS_H

#include <stddef.h>

/* Finds a shipped data file such as "ptb/ptb.train.txt" as cli_data_path
 * does (cli/data_path.h): ./data, $RECUR_DATA_DIR, beside the executable,
 * the compiled-in install prefix. */
int preset_data_path(const char *relative, char *out, size_t size);

#endif
