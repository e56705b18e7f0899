/* recur classify: one label per text.
 *   recur classify train --data labelled.tsv --out M [--test T | --holdout-every N]
 *   recur classify --model M [FILE]     label each line of FILE (or stdin) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"
#include "task_cli.h"

/* The --help lines of the shared training flags. */
static const task_train_help classifier_help = {
    "units per direction (default 64)",
    "character embedding size (default 32)",
    "dropout on non-recurrent connections (default 0)",
    "passes over the training lines (default 5)",
    "lines per batch (default 32)",
    "initialisation, batch order and dropout seed (default 1)",
};

static int classify_train(int argc, char **argv)
{
    const char *cmd = "recur classify train";
    recur_classifier_options o;
    recur_classifier_options_default(&o);
    recur_task_train_config tc;
    recur_task_train_config_default(&tc);
    const char *data = NULL, *out = NULL, *test_path = NULL, *pool = "mean";
    int holdout = 10;
    task_train_cli t;
    const task_flag own[] = {
        {NULL, {"--data", CLI_STRING, &data, 0, 0, "label TAB text lines", NULL}},
        {NULL, {"--out", CLI_STRING, &out, 0, 0, "model file to write (.safetensors)", NULL}},
        {NULL, {"--test", CLI_STRING, &test_path, 0, 0, "held-out label TAB text lines", NULL}},
        {NULL, {"--holdout-every", CLI_INT, &holdout, 0, 1000000,
                "without --test, hold out every N-th line (default 10; 0 or 1: none)", NULL}},
        {NULL, {"--bidirectional", CLI_FLAG, &t.bidir, 0, 0, "a forward and a backward layer, outputs concatenated",
                NULL}},
        {NULL, {"--pool", CLI_STRING, &pool, 0, 0, "mean (over the steps) or last (each direction's final state)",
                NULL}},
    };
    const int n_own = (int)(sizeof own / sizeof own[0]);
    cli_flag flags[sizeof own / sizeof own[0] + TASK_SHARED_FLAGS];
    cli_spec spec = {cmd, "--data FILE.tsv --out MODEL [options]",
                     "Trains a character-level classifier on label TAB text lines (the first 200\n"
                     "characters of each text are read) and reports accuracy on held-out lines.",
                     flags, task_train_flags(&t, &o.model, &tc, own, n_own, &classifier_help, flags), 0, 0};
    int rc = task_train_parse(&spec, argc, argv, &t, &data, &out);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    recur_error err = {0};
    if (recur_pool_parse(pool, &o.model.pool, &err))
        return cli_bad_choice(cmd, "--pool", err.msg), 2;
    recur_labelled *train = NULL, *test = NULL;
    recur_model *m = NULL;
    if (recur_labelled_read(data, &train, &err) ||
        (test_path ? recur_labelled_read(test_path, &test, &err)
                   : holdout > 1 ? recur_labelled_split(train, holdout, &test, &err) : RECUR_OK)) {
        cli_error(cmd, "%s", err.msg);
        rc = 1;
    }
    if (!rc) {
        fprintf(stderr, "%d training lines", recur_labelled_count(train));
        if (test)
            fprintf(stderr, ", %d held out", recur_labelled_count(test));
        fprintf(stderr, "\n");
        recur_status trained = recur_classifier_train(train, &o, &tc, task_progress, NULL, &m, &err);
        rc = task_save(cmd, trained, m, out, &err);
    }
    if (!rc && test) {
        double acc;
        size_t n;
        if (recur_classifier_evaluate(m, test, &acc, &n, &err)) {
            cli_error(cmd, "%s", err.msg);
            rc = 1;
        } else if (t.json) {
            printf("{\"lines\":%zu,\"accuracy\":%.6f}\n", n, acc);
        } else {
            printf("held-out: accuracy %.2f%% over %zu lines\n", 100.0 * acc, n);
        }
    }
    recur_model_free(m);
    recur_labelled_free(test);
    recur_labelled_free(train);
    return rc;
}

/* Labelling lines: the label, its probability and the line, TAB-separated. */
typedef struct label_lines {
    const char *cmd;
    int all;      /* every label's probability too */
    float *probs; /* one per label */
} label_lines;

static int label_start(void *ctx, const recur_model *m)
{
    label_lines *c = ctx;
    c->probs = malloc((size_t)recur_vocab_size(recur_model_labels(m)) * sizeof *c->probs);
    if (!c->probs)
        return cli_error(c->cmd, "out of memory"), 1;
    return 0;
}

static int label_line(void *ctx, const recur_model *m, char *line, size_t len)
{
    label_lines *c = ctx;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (!len)
        return 0;
    recur_error err = {0};
    if (recur_classify_text(m, line, len, c->probs, &err))
        return cli_error(c->cmd, "%s", err.msg), 1;
    const recur_vocab *labels = recur_model_labels(m);
    int L = recur_vocab_size(labels), best = 0;
    for (int j = 1; j < L; j++)
        best = c->probs[j] > c->probs[best] ? j : best;
    printf("%s\t%.4f", recur_vocab_token(labels, best), c->probs[best]);
    if (c->all)
        for (int j = 0; j < L; j++)
            printf("\t%s=%.7g", recur_vocab_token(labels, j), c->probs[j]);
    printf("\t%s\n", line);
    return 0;
}

int cmd_classify(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "train") == 0)
        return classify_train(argc - 1, argv + 1);
    const char *model = NULL;
    int threads = 1;
    label_lines ctx = {"recur classify", 0, NULL};
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model, 0, 0, "classifier model file", NULL},
        {"--all", CLI_FLAG, &ctx.all, 0, 0, "print every label's probability", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default 1)", NULL},
    };
    cli_spec spec = {ctx.cmd, "--model MODEL [FILE]   (or: recur classify train ...)",
                     "Labels every non-empty line of FILE (or standard input): prints the label,\n"
                     "its probability and the line, TAB-separated.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 1};
    task_line_cmd run = {&spec, &model, &threads, RECUR_TASK_CLASSIFY, "classifier", label_start, label_line, &ctx};
    int rc = task_run_lines(&run, argc, argv);
    free(ctx.probs);
    return rc;
}
