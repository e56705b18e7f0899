/* Finding the shipped data files of the ptb-* presets (the preset table is
 * the library's: src/train/run_presets.c). */
#include "presets.h"

#include "data_path.h"

int preset_data_path(const char *relative, char *out, size_t size) { return cli_data_path(relative, out, size); }
