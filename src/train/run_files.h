/* The files of a training run besides the state (run_files.c). */
#ifndef RECUR_TRAIN_RUN_FILES_H
#define RECUR_TRAIN_RUN_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "recur/model.h"

/* Writes the model atomically with the run record (a JSON object; NULL: none). */
recur_status run_save_model(const recur_model *m, const char *path, const char *record, recur_error *err);

/* Writes DIR/NAME_stepN_valX.safetensors (NAME: out's file name without
 * .safetensors; the directory is created when missing), its path into path,
 * then removes this run's older files there beyond the latest keep (0: none
 * removed). */
recur_status run_write_checkpoint(const recur_model *m, const char *dir, const char *out, int64_t step,
                                  double val_loss, int keep, const char *record, char *path, size_t size,
                                  recur_error *err);

#endif
