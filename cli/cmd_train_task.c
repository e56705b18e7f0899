/* recur train --task cloze (and the other --task values recur train meets):
 * recur train hands the command line here first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"
#include "task_cli.h"

/* Finds "--task X" / "--task=X". Returns X or NULL; *at the index of the flag. */
static const char *find_task(int argc, char **argv, int *at, int *width)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--task") == 0 && i + 1 < argc) {
            *at = i;
            *width = 2;
            return argv[i + 1];
        }
        if (strncmp(argv[i], "--task=", 7) == 0) {
            *at = i;
            *width = 1;
            return argv[i] + 7;
        }
    }
    return NULL;
}

/* The --help lines of the shared training flags. */
static const task_train_help cloze_help = {
    "units per direction (default 128)",
    "character embedding size (default 64)",
    "dropout on non-recurrent connections (default 0)",
    "passes over the text (default 5)",
    "sequences per batch (default 32)",
    "initialisation, batches and masks (default 1)",
};

static int train_cloze(int argc, char **argv)
{
    const char *cmd = "recur train --task cloze";
    recur_cloze_options o;
    recur_cloze_options_default(&o);
    recur_task_train_config tc;
    recur_task_train_config_default(&tc);
    const char *data = NULL, *out = NULL, *test = NULL, *task = NULL;
    int64_t max_chars = 0;
    double holdout = 0.1;
    task_train_cli t;
    const task_flag own[] = {
        {NULL, {"--task", CLI_STRING, &task, 0, 0, "cloze", NULL}},
        {NULL, {"--data", CLI_STRING, &data, 0, 0, "training text (UTF-8)", NULL}},
        {NULL, {"--out", CLI_STRING, &out, 0, 0, "model file to write (.safetensors)", NULL}},
        {NULL, {"--test", CLI_STRING, &test, 0, 0, "held-out text (default: the last --holdout of --data)", NULL}},
        {NULL, {"--holdout", CLI_DOUBLE, &holdout, 0, 0.9,
                "share of the text held out when there is no --test (default 0.1)", NULL}},
        {NULL, {"--max-chars", CLI_INT64, &max_chars, 0, 1e12,
                "use only the first N characters' bytes of --data (0: all)", NULL}},
        {NULL, {"--bidirectional", CLI_FLAG, &t.bidir, 0, 0, "see both sides of a blank (else only the left)", NULL}},
        {"--dropout", {"--chunk", CLI_INT, &o.chunk, 2, 512, "characters per training sequence (default 100)", NULL}},
        {"--dropout", {"--mask-rate", CLI_FLOAT, &tc.mask_rate, 0.01, 0.9, "share of characters masked (default 0.15)",
                       NULL}},
    };
    const int n_own = (int)(sizeof own / sizeof own[0]);
    cli_flag flags[sizeof own / sizeof own[0] + TASK_SHARED_FLAGS];
    cli_spec spec = {cmd, "--task cloze --data FILE --out MODEL [options]",
                     "Trains a character model to predict masked characters (runs of 1-3, about\n"
                     "--mask-rate of every chunk) from the characters around them, and reports bits\n"
                     "per masked character and accuracy on held-out text (masks drawn with seed 12345).",
                     flags, task_train_flags(&t, &o.model, &tc, own, n_own, &cloze_help, flags), 0, 0};
    int rc = task_train_parse(&spec, argc, argv, &t, &data, &out);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    recur_error err = {0};
    char *text = NULL, *held = NULL;
    size_t len = 0, hlen = 0;
    if (recur_read_file(data, &text, &len, &err) || recur_utf8_validate(text, len, &err) ||
        (test && (recur_read_file(test, &held, &hlen, &err) || recur_utf8_validate(held, hlen, &err)))) {
        cli_error(cmd, "%s: %s", held || !test ? data : test, err.msg);
        free(text);
        free(held);
        return 1;
    }
    if (max_chars > 0 && (size_t)max_chars < len)
        len = (size_t)max_chars;
    const char *train_text = text, *test_text = held;
    size_t train_len = len, test_len = hlen;
    if (!test) {
        /* The held-out part starts at a character boundary. */
        size_t cut = len - (size_t)((double)len * holdout);
        while (cut < len && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut++;
        train_len = cut;
        test_text = text + cut;
        test_len = len - cut;
    }
    recur_model *m = NULL;
    recur_status trained = recur_cloze_train(train_text, train_len, &o, &tc, task_progress, NULL, &m, &err);
    rc = task_save(cmd, trained, m, out, &err);
    if (!rc && test_len > 2) {
        recur_cloze_eval e;
        if (recur_cloze_evaluate(m, test_text, test_len, o.chunk, tc.mask_rate, 12345, &e, &err)) {
            cli_error(cmd, "%s", err.msg);
            rc = 1;
        } else if (t.json) {
            printf("{\"masked\":%zu,\"bits_per_char\":%.6f,\"accuracy\":%.6f}\n", e.masked, e.bits_per_char,
                   e.accuracy);
        } else {
            printf("held-out: %.4f bits per masked character, accuracy %.2f%% over %zu masked characters\n",
                   e.bits_per_char, 100.0 * e.accuracy, e.masked);
        }
    }
    recur_model_free(m);
    free(text);
    free(held);
    return rc;
}

int cmd_train_task(int *argc, char **argv, int *rc)
{
    int at = 0, width = 0;
    const char *task = find_task(*argc, argv, &at, &width);
    if (!task)
        return 0;
    recur_task which;
    if (recur_task_parse(task, &which, NULL)) {
        cli_error("recur train", "--task must be lm or cloze, got '%s'", task);
        *rc = 2;
        return 1;
    }
    switch (which) {
    case RECUR_TASK_LM:
        /* The default: drop the flag and let recur train go on. */
        for (int i = at; i + width < *argc; i++)
            argv[i] = argv[i + width];
        *argc -= width;
        return 0;
    case RECUR_TASK_CLOZE: *rc = train_cloze(*argc, argv); return 1;
    case RECUR_TASK_TAG:
    case RECUR_TASK_CLASSIFY: break;
    }
    cli_error("recur train", "--task %s: use recur %s train", task, task);
    *rc = 2;
    return 1;
}
