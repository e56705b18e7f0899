/* recur fill: fill the blanks of a text with a cloze model; and
 * recur train --task cloze: train one (recur train hands --task over here). */
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
    if (strcmp(task, "lm") == 0) {
        /* The default: drop the flag and let recur train go on. */
        for (int i = at; i + width < *argc; i++)
            argv[i] = argv[i + width];
        *argc -= width;
        return 0;
    }
    if (strcmp(task, "cloze") == 0) {
        *rc = train_cloze(*argc, argv);
        return 1;
    }
    if (strcmp(task, "tag") == 0 || strcmp(task, "classify") == 0)
        cli_error("recur train", "--task %s: use recur %s train", task, task);
    else
        cli_error("recur train", "--task must be lm or cloze, got '%s'", task);
    *rc = 2;
    return 1;
}

/* "  0.1234  "text"" with quotes, backslashes and control characters escaped,
 * so a filling of spaces stays visible. */
static void print_candidate(const recur_fill_candidate *c)
{
    printf("  %.4f  \"", c->prob);
    for (const char *p = c->text; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch == '\n')
            printf("\\n");
        else if (ch == '\t')
            printf("\\t");
        else if (ch < 0x20)
            printf("\\x%02x", ch);
        else
            putchar(ch);
    }
    printf("\"\n");
}

/* The cloze model reads characters it never saw as its unknown character:
 * say how many, the blanks aside. */
static void note_unknown_chars(const char *cmd, const recur_vocab *v, const char *text, size_t len)
{
    char *kept = malloc(len + 1);
    if (!kept)
        return;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] != '_')
            kept[n++] = text[i];
    int32_t *ids = NULL;
    size_t count = 0;
    recur_encode_stats st;
    if (recur_vocab_encode_with(v, kept, n, RECUR_UNKNOWN_SKIP, &ids, &count, &st, NULL) == RECUR_OK && st.skipped) {
        fprintf(stderr, "%s: %zu of the text's %zu characters (%zu distinct, the first U+%04X) are not in the "
                        "model's vocabulary and were read as its unknown character\n",
                cmd, st.skipped, st.tokens, st.unknown_types, (unsigned)st.examples[0].cp);
    }
    free(ids);
    free(kept);
}

int cmd_fill(int argc, char **argv)
{
    const char *cmd = "recur fill";
    const char *model = NULL;
    int top_k = 5, threads = 1;
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model, 0, 0, "cloze model file (recur train --task cloze)", NULL},
        {"--top", CLI_INT, &top_k, 1, 16, "candidates listed per blank (default 5)", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default 1)", NULL},
    };
    cli_spec spec = {cmd, "--model MODEL [--top K] \"text with __ blanks\"",
                     "Fills every blank (a run of '_', one character per '_') with the most likely\n"
                     "characters given the text on both sides, prints the filled text, then for each\n"
                     "blank the top K fillings with their probabilities (the product of the\n"
                     "per-character probabilities, all blanks predicted at once), one a line:\n"
                     "probability, then the filling in double quotes.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 1, 1};
    const char *text = NULL;
    int npos = 0, rc = cli_parse(&spec, argc, argv, &text, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!model)
        return cli_error(cmd, "--model MODEL is required (see --help)"), 2;
    if (!strchr(text, '_'))
        return cli_error(cmd, "the text has no blank to fill: mark each missing character with '_' (e.g. \"so__\")"),
               2;
    recur_set_threads(threads);
    recur_error err = {0};
    recur_model *m = NULL;
    recur_fill_blank *blanks = NULL;
    int nb = 0;
    size_t len = strlen(text);
    if (recur_model_load(model, &m, &err) || recur_cloze_fill(m, text, len, top_k, &blanks, &nb, &err)) {
        cli_error(cmd, "%s", err.msg);
        recur_model_free(m);
        return 1;
    }
    note_unknown_chars(cmd, recur_model_vocab(m), text, len);
    size_t pos = 0;
    for (int k = 0; k < nb; k++) {
        fwrite(text + pos, 1, blanks[k].offset - pos, stdout);
        fputs(blanks[k].cand[0].text, stdout);
        pos = blanks[k].offset + (size_t)blanks[k].length;
    }
    fputs(text + pos, stdout);
    putchar('\n');
    for (int k = 0; k < nb; k++) {
        printf("blank %d (byte %zu, %d character%s):\n", k + 1, blanks[k].offset, blanks[k].length,
               blanks[k].length == 1 ? "" : "s");
        for (int c = 0; c < blanks[k].n_cand; c++)
            print_candidate(&blanks[k].cand[c]);
    }
    free(blanks);
    recur_model_free(m);
    return 0;
}
