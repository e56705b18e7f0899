/* Checkpoint reading and writing shared by the model and the trainer. */
#ifndef RECUR_MODEL_CHECKPOINT_H
#define RECUR_MODEL_CHECKPOINT_H

#include "io/safetensors.h"
#include "model/model_internal.h"

/* Writes the model's tensors, then extra tensors (training state), with the
 * config and vocabulary metadata plus extra metadata entries. Refuses
 * non-finite parameters. */
recur_status checkpoint_write(const recur_model *m, const char *path, const st_out_tensor *extra, size_t n_extra,
                              const st_meta *extra_meta, size_t n_meta, recur_error *err);

/* Builds a model from a parsed file (strict: every tensor present with the
 * right shape, nothing unknown except "train." tensors). */
recur_status checkpoint_load_parsed(const st_file *f, recur_model **out, recur_error *err);

#endif
