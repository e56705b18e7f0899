#include "finetune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int finetune_flag_given(const char *flag, int argc, char **argv)
{
    size_t n = strlen(flag);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strncmp(argv[i], flag, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
            return 1;
    }
    return 0;
}

int finetune_check_flags(const char *command, const char *model_path, int argc, char **argv)
{
    /* What the model is: its shape, its initialisation (which the loaded
     * weights replace) and its vocabulary. */
    static const char *const shape[] = {"--level", "--cell",       "--layers",      "--hidden",
                                        "--embed", "--tied",       "--peephole",    "--init-scale",
                                        "--forget-bias", "--preset", "--min-count", "--max-vocab"};
    for (size_t i = 0; i < sizeof shape / sizeof shape[0]; i++) {
        if (!finetune_flag_given(shape[i], argc, argv))
            continue;
        int vocab = strcmp(shape[i], "--min-count") == 0 || strcmp(shape[i], "--max-vocab") == 0;
        cli_error(command, "%s cannot be combined with --init-from %s: fine-tuning keeps the model's %s", shape[i],
                  model_path,
                  vocab ? "vocabulary (new words become <unk>)"
                  : strcmp(shape[i], "--preset") == 0 ? "architecture (give the training flags alone)"
                  : strcmp(shape[i], "--init-scale") == 0 || strcmp(shape[i], "--forget-bias") == 0
                      ? "weights, so there is nothing to initialise"
                      : "architecture");
        return 2;
    }
    return 0;
}

/* A note naming the characters the model gained. */
static void note_growth(const char *command, const char *model_path, const recur_model *m, int added, int old_size,
                        text_options *t)
{
    if (t->quiet || !added)
        return;
    char list[256] = "";
    size_t used = 0;
    const recur_vocab *v = recur_model_vocab(m);
    for (int i = old_size; i < old_size + added && i < old_size + 8 && used < sizeof list; i++) {
        const char *tok = recur_vocab_token(v, i);
        int n = (unsigned char)tok[0] < 0x20 ? snprintf(list + used, sizeof list - used, "%sU+%04X", i > old_size ? ", " : "", (unsigned)(unsigned char)tok[0])
                                            : snprintf(list + used, sizeof list - used, "%s'%s'", i > old_size ? ", " : "", tok);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    text_note(t,
              "%s: --init-from %s: %d characters of the new text are new to the model (ids %d to %d: %s%s); their "
              "embedding rows start as the mean of the old rows, their decoder rows at zero with the smallest old "
              "bias less log %d\n",
              command, model_path, added, old_size, old_size + added - 1, list, added > 8 ? ", ..." : "", added);
}

int finetune_setup(const char *command, const char *model_path, const char *train_path, const char *val_path,
                   double val_fraction, float dropout, text_options *t, recur_model **model, recur_config *cfg,
                   corpus *out)
{
    recur_error err = {0};
    recur_model *base = NULL, *grown = NULL;
    *model = NULL;
    if (recur_model_load(model_path, &base, &err)) {
        cli_error(command, "--init-from: %s", err.msg);
        return 1;
    }
    const recur_config *bc = recur_model_config(base);
    if (bc->task != RECUR_TASK_LM) {
        cli_error(command, "--init-from %s is a %s model, not a language model", model_path, recur_task_name(bc->task));
        recur_model_free(base);
        return 1;
    }
    const int old_size = recur_vocab_size(recur_model_vocab(base));
    int added = 0;
    if (bc->level == RECUR_LEVEL_CHAR) {
        char *text = NULL;
        size_t len = 0;
        recur_vocab *chars = NULL;
        int quiet = t->quiet;
        t->quiet = 1; /* corpus_load reads it again and says what it finds */
        int rc = corpus_read_text(command, train_path, t, &text, &len);
        t->quiet = quiet;
        if (!rc && recur_vocab_build(text, len, RECUR_LEVEL_CHAR, &chars, &err)) {
            cli_error(command, "%s: %s", train_path, err.msg);
            rc = 1;
        }
        free(text);
        if (!rc && recur_model_extend_vocab(base, chars, &grown, &added, &err)) {
            cli_error(command, "--init-from %s: %s", model_path, err.msg);
            rc = 1;
        }
        recur_vocab_free(chars);
        recur_model_free(base);
        if (rc)
            return 1;
    } else {
        grown = base; /* words the vocabulary lacks become <unk> */
    }
    recur_vocab *v = (recur_vocab *)recur_model_vocab(grown);
    if (corpus_load(command, train_path, val_path, val_fraction, recur_model_config(grown)->level, t, &v, out)) {
        recur_model_free(grown);
        return 1;
    }
    note_growth(command, model_path, grown, added, old_size, t);
    if (dropout >= 0 && recur_model_set_dropout(grown, dropout, &err)) {
        cli_error(command, "--dropout: %s", err.msg);
        recur_model_free(grown);
        corpus_free(out);
        return 1;
    }
    *cfg = *recur_model_config(grown);
    *model = grown;
    return 0;
}
