/* recur classify: one label per text.
 *   recur classify train --data labelled.tsv --out M [--test T | --holdout-every N]
 *   recur classify --model M [FILE]     label each line of FILE (or stdin) */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

static void print_progress(void *ctx, const recur_task_progress *p)
{
    (void)ctx;
    fprintf(stderr, "epoch %d/%d  batch %d/%d  loss %.4f  %.1fs\n", p->epoch, p->epochs, p->batch, p->batches,
            p->loss, p->seconds);
}

static int classify_train(int argc, char **argv)
{
    const char *cmd = "recur classify train";
    recur_classifier_options o;
    recur_classifier_options_default(&o);
    recur_task_train_config tc;
    recur_task_train_config_default(&tc);
    const char *data = NULL, *out = NULL, *test_path = NULL, *cell = "lstm", *pool = "mean";
    int holdout = 10, bidir = 0, threads = 0, json = 0;
    int64_t seed = 1;
    const cli_flag flags[] = {
        {"--data", CLI_STRING, &data, 0, 0, "label TAB text lines", NULL},
        {"--out", CLI_STRING, &out, 0, 0, "model file to write (.safetensors)", NULL},
        {"--test", CLI_STRING, &test_path, 0, 0, "held-out label TAB text lines", NULL},
        {"--holdout-every", CLI_INT, &holdout, 0, 1000000,
         "without --test, hold out every N-th line (default 10; 0 or 1: none)", NULL},
        {"--bidirectional", CLI_FLAG, &bidir, 0, 0, "a forward and a backward layer, outputs concatenated", NULL},
        {"--pool", CLI_STRING, &pool, 0, 0, "mean (over the steps) or last (each direction's final state)", NULL},
        {"--cell", CLI_STRING, &cell, 0, 0, "rnn_tanh, rnn_relu, lstm or gru (default lstm)", NULL},
        {"--layers", CLI_INT, &o.model.layers, 1, 64, "recurrent layers (default 1)", NULL},
        {"--hidden", CLI_INT, &o.model.hidden, 1, 65536, "units per direction (default 64)", NULL},
        {"--embed", CLI_INT, &o.model.embed, 1, 65536, "character embedding size (default 32)", NULL},
        {"--dropout", CLI_FLOAT, &o.model.dropout, 0, 0.95, "dropout on non-recurrent connections (default 0)", NULL},
        {"--epochs", CLI_INT, &tc.epochs, 1, 100000, "passes over the training lines (default 5)", NULL},
        {"--batch", CLI_INT, &tc.batch, 1, 100000, "lines per batch (default 32)", NULL},
        {"--lr", CLI_FLOAT, &tc.lr, 1e-7, 10, "Adam learning rate (default 0.002)", NULL},
        {"--clip", CLI_FLOAT, &tc.clip, 0, 1e6, "global gradient norm limit, 0 off (default 5)", NULL},
        {"--seed", CLI_INT64, &seed, 0, 9.2e18, "initialisation, batch order and dropout seed (default 1)", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default: all cores)", NULL},
        {"--json", CLI_FLAG, &json, 0, 0, "print the held-out result as one JSON object", NULL},
    };
    cli_spec spec = {cmd, "--data FILE.tsv --out MODEL [options]",
                     "Trains a character-level classifier on label TAB text lines (the first 200\n"
                     "characters of each text are read) and reports accuracy on held-out lines.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    const char *unused = NULL;
    int npos = 0, rc = cli_parse(&spec, argc, argv, &unused, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!data || !out)
        return cli_error(cmd, "--data FILE and --out MODEL are required (see --help)"), 2;
    recur_error err = {0};
    if (recur_cell_parse(cell, &o.model.cell, &err))
        return cli_error(cmd, "--cell: %s", err.msg), 2;
    if (strcmp(pool, "mean") != 0 && strcmp(pool, "last") != 0)
        return cli_error(cmd, "--pool must be mean or last, got '%s'", pool), 2;
    o.model.pool = strcmp(pool, "last") == 0 ? RECUR_POOL_LAST : RECUR_POOL_MEAN;
    o.model.bidirectional = bidir;
    tc.seed = (uint64_t)seed;
    recur_set_threads(threads);
    recur_labelled *train = NULL, *test = NULL;
    recur_model *m = NULL;
    rc = 0;
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
        if (recur_classifier_train(train, &o, &tc, print_progress, NULL, &m, &err) || recur_model_save(m, out, &err)) {
            cli_error(cmd, "%s", err.msg);
            rc = 1;
        }
    }
    if (!rc) {
        fprintf(stderr, "%zu parameters, %d labels; wrote %s\n", recur_model_param_count(m),
                recur_vocab_size(recur_model_labels(m)), out);
        double acc;
        size_t n;
        if (test) {
            if (recur_classifier_evaluate(m, test, &acc, &n, &err)) {
                cli_error(cmd, "%s", err.msg);
                rc = 1;
            } else if (json) {
                printf("{\"lines\":%zu,\"accuracy\":%.6f}\n", n, acc);
            } else {
                printf("held-out: accuracy %.2f%% over %zu lines\n", 100.0 * acc, n);
            }
        }
    }
    recur_model_free(m);
    recur_labelled_free(test);
    recur_labelled_free(train);
    return rc;
}

int cmd_classify(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "train") == 0)
        return classify_train(argc - 1, argv + 1);
    const char *cmd = "recur classify";
    const char *model = NULL;
    int threads = 1, all = 0;
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model, 0, 0, "classifier model file", NULL},
        {"--all", CLI_FLAG, &all, 0, 0, "print every label's probability", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default 1)", NULL},
    };
    cli_spec spec = {cmd, "--model MODEL [FILE]   (or: recur classify train ...)",
                     "Labels every non-empty line of FILE (or standard input): prints the label,\n"
                     "its probability and the line, TAB-separated.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 1};
    const char *file = NULL;
    int npos = 0, rc = cli_parse(&spec, argc, argv, &file, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!model)
        return cli_error(cmd, "--model MODEL is required (see --help)"), 2;
    recur_set_threads(threads);
    recur_error err = {0};
    recur_model *m = NULL;
    if (recur_model_load(model, &m, &err))
        return cli_error(cmd, "%s", err.msg), 1;
    const recur_vocab *labels = recur_model_labels(m);
    if (recur_model_config(m)->task != RECUR_TASK_CLASSIFY || !labels) {
        cli_error(cmd, "%s is a %s model, not a classifier", model, recur_task_name(recur_model_config(m)->task));
        recur_model_free(m);
        return 1;
    }
    int L = recur_vocab_size(labels);
    float *probs = malloc((size_t)L * sizeof *probs);
    FILE *in = file ? fopen(file, "rb") : stdin;
    if (!probs || !in) {
        cli_error(cmd, !probs ? "out of memory" : "cannot open %s", file);
        free(probs);
        recur_model_free(m);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while (!rc && (got = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)got;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!len)
            continue;
        if (recur_classify_text(m, line, len, probs, &err)) {
            cli_error(cmd, "%s", err.msg);
            rc = 1;
            break;
        }
        int best = 0;
        for (int j = 1; j < L; j++)
            best = probs[j] > probs[best] ? j : best;
        printf("%s\t%.4f", recur_vocab_token(labels, best), probs[best]);
        if (all)
            for (int j = 0; j < L; j++)
                printf("\t%s=%.7g", recur_vocab_token(labels, j), probs[j]);
        printf("\t%s\n", line);
    }
    free(line);
    free(probs);
    if (file)
        fclose(in);
    recur_model_free(m);
    return rc;
}
