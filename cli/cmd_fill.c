/* recur fill: fill the blanks of a text with a cloze model (trained by
 * recur train --task cloze, cli/cmd_train_task.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"
#include "task_cli.h"

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
