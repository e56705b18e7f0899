/* Finding the corpora recur ships (data/ in the source tree, share/recur/data
 * once installed) from any working directory. */
#ifndef RECUR_CLI_DATA_PATH_H
#define RECUR_CLI_DATA_PATH_H

#include <stddef.h>

/* Finds a shipped data file such as "ptb/ptb.train.txt", trying in order:
 *   1. data/RELATIVE under the current directory (a source checkout);
 *   2. $RECUR_DATA_DIR/RELATIVE, when that variable is set;
 *   3. next to the executable: ../data (the source tree's build/), then
 *      ../share/recur/data (an installed tree, wherever it was moved);
 *   4. the data directory of the install prefix compiled in
 *      (CMAKE_INSTALL_FULL_DATADIR/recur/data).
 * Writes the first existing file into out and returns 0; returns -1 when
 * none exists. */
int cli_data_path(const char *relative, char *out, size_t size);

/* The places cli_data_path looks, for an error message ("./data, ..."). */
const char *cli_data_places(void);

#endif
