/* recur tag: sequence labelling (a tag per word).
 *   recur tag train --out M [--holdout-every N] FILE...   train on word/TAG files
 *   recur tag eval --model M FILE...                       token and unknown-word accuracy
 *   recur tag --model M [FILE]                             tag plain text, a sentence a line */
#define _POSIX_C_SOURCE 200809L /* getline, strtok */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"
#include "task_cli.h"

static int parse_tagset(const char *cmd, const char *name, recur_tagset *out)
{
    recur_error err = {0};
    if (recur_tagset_parse(name, out, &err))
        return cli_bad_choice(cmd, "--tagset", err.msg), 2;
    return 0;
}

static void print_eval(const char *what, const recur_tag_eval *e, int json)
{
    if (json)
        printf("{\"tokens\":%zu,\"accuracy\":%.6f,\"unknown\":%zu,\"unknown_accuracy\":%.6f}\n", e->tokens,
               e->accuracy, e->unknown, e->unknown_accuracy);
    else
        printf("%s: token accuracy %.2f%% over %zu tokens, unknown-word accuracy %.2f%% over %zu tokens\n", what,
               100.0 * e->accuracy, e->tokens, 100.0 * e->unknown_accuracy, e->unknown);
}

/* Files from --data flags and positional arguments, in that order. */
static const char **collect_files(const cli_list *data, const char **pos, int npos, int *n)
{
    const char **files = malloc((size_t)(data->count + npos + 1) * sizeof *files);
    if (!files)
        return NULL;
    *n = 0;
    for (int i = 0; i < data->count; i++)
        files[(*n)++] = data->items[i];
    for (int i = 0; i < npos; i++)
        files[(*n)++] = pos[i];
    return files;
}

/* The --help lines of the shared training flags. */
static const task_train_help tagger_help = {
    "units per direction (default 128)",
    "word embedding size (default 100)",
    "dropout on non-recurrent connections (default 0.25)",
    "passes over the training sentences (default 5)",
    "sentences per batch (default 32)",
    "initialisation, batch order and dropout seed (default 1)",
};

static int tag_train(int argc, char **argv)
{
    const char *cmd = "recur tag train";
    recur_tagger_options o;
    recur_tagger_options_default(&o);
    recur_task_train_config tc;
    recur_task_train_config_default(&tc);
    cli_list data = {0};
    const char *out = NULL, *tagset_name = "universal";
    int holdout = 10, no_features = 0;
    task_train_cli t;
    const task_flag own[] = {
        {NULL, {"--data", CLI_LIST, &data, 0, 0, "word/TAG file (repeatable; files may also be given as arguments)",
                NULL}},
        {NULL, {"--out", CLI_STRING, &out, 0, 0, "model file to write (.safetensors)", NULL}},
        {NULL, {"--holdout-every", CLI_INT, &holdout, 0, 1000000,
                "hold out every N-th file (the N-th, 2N-th, ...) for testing; 0 or 1: none (default 10)", NULL}},
        {NULL, {"--tagset", CLI_STRING, &tagset_name, 0, 0,
                "universal (Brown tags mapped to 12) or full (default universal)", NULL}},
        {NULL, {"--bidirectional", CLI_FLAG, &t.bidir, 0, 0, "a forward and a backward layer, outputs concatenated",
                NULL}},
        {"--embed", {"--feature-embed", CLI_INT, &o.feature_embed, 1, 65536, "word-feature embedding size (default 32)",
                     NULL}},
        {"--embed", {"--no-features", CLI_FLAG, &no_features, 0, 0, "no lowercase/suffix/shape features", NULL}},
        {"--embed", {"--min-count", CLI_INT, &o.min_count, 1, 1000000, "rarer training words are <unk> (default 2)",
                     NULL}},
        {"--lr", {"--lr-decay", CLI_FLOAT, &tc.train.lr_decay, 0.01, 1, "learning rate factor after every epoch (default 1)",
                  NULL}},
    };
    const int n_own = (int)(sizeof own / sizeof own[0]);
    cli_flag flags[sizeof own / sizeof own[0] + TASK_SHARED_FLAGS];
    cli_spec spec = {cmd, "--out MODEL [options] FILE...",
                     "Trains a tagger on word/TAG files (one sentence a line, tokens split at their last\n"
                     "'/', as in the Brown corpus) and reports token and unknown-word accuracy on the\n"
                     "held-out files. Input per word: its embedding (words seen fewer than --min-count\n"
                     "times are <unk>) plus summed embeddings of its lowercase form, last 1-3\n"
                     "characters and shape.",
                     flags, task_train_flags(&t, &o.model, &tc, own, n_own, &tagger_help, flags), 0, argc};
    const char **pos = malloc((size_t)(argc + 1) * sizeof *pos);
    int npos = 0, rc = pos ? cli_parse(&spec, argc, argv, pos, &npos) : 1;
    recur_tagset tagset = RECUR_TAGSET_UNIVERSAL;
    if (!rc && !out)
        rc = (cli_error(cmd, "--out MODEL is required (see --help)"), CLI_ERROR);
    if (!rc)
        rc = parse_tagset(cmd, tagset_name, &tagset) ? CLI_ERROR : 0;
    if (!rc)
        rc = task_train_apply(cmd, &t);
    int nfiles = 0;
    const char **files = rc ? NULL : collect_files(&data, pos, npos, &nfiles);
    if (!rc && nfiles == 0)
        rc = (cli_error(cmd, "no training files (give them as arguments or with --data)"), CLI_ERROR);
    if (rc) {
        free(files);
        free(pos);
        cli_list_free(&data);
        return rc == CLI_HELP ? 0 : rc == 1 ? 1 : 2;
    }
    o.features = !no_features;
    recur_error err = {0};
    recur_tagged_corpus *train = NULL, *test = NULL;
    recur_model *m = NULL;
    if (recur_tagged_read(files, nfiles, tagset, holdout, &train, &test, &err)) {
        cli_error(cmd, "%s", err.msg);
        rc = 1;
    }
    if (!rc) {
        fprintf(stderr, "%d training sentences (%zu tokens)", recur_tagged_sentences(train),
                recur_tagged_tokens(train));
        if (test)
            fprintf(stderr, ", %d held out (%zu tokens)", recur_tagged_sentences(test), recur_tagged_tokens(test));
        fprintf(stderr, "\n");
        recur_status trained = recur_tagger_train(train, &o, &tc, task_progress, NULL, &m, &err);
        rc = task_save(cmd, trained, m, out, &err);
    }
    if (!rc && test) {
        recur_tag_eval e;
        if (recur_tagger_evaluate(m, test, &e, &err)) {
            cli_error(cmd, "%s", err.msg);
            rc = 1;
        } else {
            print_eval("held-out", &e, t.json);
        }
    }
    recur_model_free(m);
    recur_tagged_free(train);
    recur_tagged_free(test);
    free(files);
    free(pos);
    cli_list_free(&data);
    return rc;
}

static int tag_eval(int argc, char **argv)
{
    const char *cmd = "recur tag eval";
    const char *model = NULL, *tagset_name = "universal";
    int threads = 0, json = 0;
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model, 0, 0, "tagger model file", NULL},
        {"--tagset", CLI_STRING, &tagset_name, 0, 0, "universal or full: as the model was trained (default universal)",
         NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default: all cores)", NULL},
        {"--json", CLI_FLAG, &json, 0, 0, "print one JSON object", NULL},
    };
    cli_spec spec = {cmd, "--model MODEL FILE...", "Token and unknown-word accuracy of a tagger on word/TAG files.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 1, argc};
    const char **pos = malloc((size_t)(argc + 1) * sizeof *pos);
    int npos = 0, rc = pos ? cli_parse(&spec, argc, argv, pos, &npos) : 1;
    recur_tagset tagset = RECUR_TAGSET_UNIVERSAL;
    if (!rc && !model)
        rc = (cli_error(cmd, "--model MODEL is required (see --help)"), CLI_ERROR);
    if (!rc)
        rc = parse_tagset(cmd, tagset_name, &tagset) ? CLI_ERROR : 0;
    if (rc) {
        free(pos);
        return rc == CLI_HELP ? 0 : rc == 1 ? 1 : 2;
    }
    recur_set_threads(threads);
    recur_error err = {0};
    recur_model *m = NULL;
    recur_tagged_corpus *test = NULL;
    recur_tag_eval e;
    if (recur_model_load(model, &m, &err) || recur_tagged_read(pos, npos, tagset, 0, &test, NULL, &err) ||
        recur_tagger_evaluate(m, test, &e, &err)) {
        cli_error(cmd, "%s", err.msg);
        rc = 1;
    } else {
        print_eval("accuracy", &e, json);
    }
    recur_tagged_free(test);
    recur_model_free(m);
    free(pos);
    return rc;
}

/* Tagging lines: word/TAG tokens a sentence a line, or with scores a line
 * per word. */
typedef struct tag_lines {
    const char *cmd;
    int scores;     /* word, tag and every label's probability */
    size_t words;   /* words tagged */
    size_t unknown; /* of them, words the tagger's vocabulary lacks: read as <unk> */
} tag_lines;

/* Tags one line of white-space separated words; prints word/TAG ... */
static int tag_line(void *ctx, const recur_model *m, char *line, size_t len)
{
    (void)len; /* strtok reads up to the line's NUL */
    tag_lines *c = ctx;
    const int scores = c->scores;
    int cap = 16, n = 0;
    const char **words = malloc((size_t)cap * sizeof *words);
    for (char *tok = strtok(line, " \t\r\n"); tok && words; tok = strtok(NULL, " \t\r\n")) {
        if (n == cap) {
            const char **p = realloc(words, (size_t)(cap *= 2) * sizeof *words);
            if (!p)
                free(words);
            words = p;
            if (!words)
                break;
        }
        words[n++] = tok;
    }
    const recur_vocab *labels = recur_model_labels(m);
    int L = recur_vocab_size(labels);
    int *tags = words ? malloc((size_t)(n + 1) * sizeof *tags) : NULL;
    float *probs = scores && tags ? malloc((size_t)(n + 1) * L * sizeof *probs) : NULL;
    if (!tags || (scores && !probs)) {
        free(words);
        free(tags);
        return cli_error(c->cmd, "out of memory"), 1;
    }
    recur_error err = {0};
    int rc = 0;
    const recur_vocab *vocab = recur_model_vocab(m);
    c->words += (size_t)n;
    for (int i = 0; i < n; i++)
        c->unknown += recur_vocab_find(vocab, words[i], strlen(words[i])) < 0;
    if (n && recur_tagger_tag(m, words, n, tags, probs, &err)) {
        cli_error(c->cmd, "%s", err.msg);
        rc = 1;
    }
    for (int i = 0; i < n && !rc; i++) {
        if (!scores) {
            printf("%s%s/%s", i ? " " : "", words[i], recur_vocab_token(labels, tags[i]));
            continue;
        }
        printf("%s\t%s\t", words[i], recur_vocab_token(labels, tags[i]));
        for (int j = 0; j < L; j++)
            printf("%s%.7g", j ? " " : "", probs[(size_t)i * L + j]);
        printf("\n");
    }
    if (!rc && (n || !scores))
        printf("\n");
    free(words);
    free(tags);
    free(probs);
    return rc;
}

int cmd_tag(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "train") == 0)
        return tag_train(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "eval") == 0)
        return tag_eval(argc - 1, argv + 1);
    const char *model = NULL;
    int threads = 1;
    tag_lines ctx = {"recur tag", 0, 0, 0};
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model, 0, 0, "tagger model file", NULL},
        {"--scores", CLI_FLAG, &ctx.scores, 0, 0, "a line per word: word, tag, every label's probability", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default 1)", NULL},
    };
    cli_spec spec = {ctx.cmd, "--model MODEL [FILE]   (or: recur tag train ... | recur tag eval ...)",
                     "Tags plain text, one sentence per line with words separated by white space,\n"
                     "from FILE or standard input; prints word/TAG tokens a sentence a line.\n"
                     "recur tag train --help and recur tag eval --help describe the other forms.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 1};
    task_line_cmd run = {&spec, &model, &threads, RECUR_TASK_TAG, "tagger", NULL, tag_line, &ctx};
    int rc = task_run_lines(&run, argc, argv);
    if (ctx.unknown)
        fprintf(stderr,
                "%s: %zu of %zu words (%.2f%%) are not in the tagger's vocabulary and were read as <unk> (tagged from "
                "their spelling features)\n",
                ctx.cmd, ctx.unknown, ctx.words, 100.0 * (double)ctx.unknown / (double)ctx.words);
    return rc;
}
