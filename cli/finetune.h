/* recur train --init-from MODEL: fine-tuning. The run starts from MODEL's
 * weights with a fresh optimizer and schedule, keeps MODEL's architecture,
 * and reads the new text with MODEL's vocabulary: grown by the characters
 * the text adds (recur_model_extend_vocab) at character level, unchanged at
 * word level (unseen words become <unk>). */
#ifndef RECUR_CLI_FINETUNE_H
#define RECUR_CLI_FINETUNE_H

#include "corpus.h"
#include "recur.h"

/* Refuses the flags of argv that would change MODEL's architecture or
 * vocabulary: prints the error naming the flag and returns 2; else 0. */
int finetune_check_flags(const char *command, const char *model_path, int argc, char **argv);

/* 1 if argv sets flag ("--dropout" or "--dropout=..."). */
int finetune_flag_given(const char *flag, int argc, char **argv);

/* Loads MODEL into *model, grown by the characters of train_path it lacks,
 * and the corpus encoded with its vocabulary (as corpus_load). cfg receives
 * the model's configuration; dropout >= 0 replaces its dropout. Notes go
 * through t. Prints the error and returns 1 on failure. */
int finetune_setup(const char *command, const char *model_path, const char *train_path, const char *val_path,
                   double val_fraction, float dropout, text_options *t, recur_model **model, recur_config *cfg,
                   corpus *out);

#endif
