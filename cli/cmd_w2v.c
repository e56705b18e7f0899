/* recur w2v: word2vec training, evaluation and maps. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "data_path.h"
#include "progress.h"
#include "recur.h"
#include "recur/w2v.h"

#define W2V_MAX_WORDS 256

/* The shipped evaluation sets, found from any directory (cli/data_path.h). */
#define DEFAULT_QUESTIONS "w2v/questions-words.txt"
#define DEFAULT_WORDSIM "w2v/wordsim353.tsv"
#define DEFAULT_SIMLEX "w2v/simlex999.txt"

/* The shipped file for a flag not given (*path NULL), into buf. Prints the
 * error and returns 1 when it cannot be found. */
static int shipped_default(const char *command, const char *flag, const char *relative, const char **path, char *buf,
                           size_t size)
{
    if (*path)
        return 0;
    if (cli_data_path(relative, buf, size) != 0) {
        cli_error(command, "cannot find the shipped data/%s (looked in %s); give %s FILE", relative,
                  cli_data_places(), flag);
        return 1;
    }
    *path = buf;
    return 0;
}

/* word2vec.c spells its flags with one dash (-size 100): accept those for
 * every multi-letter flag of the table by rewriting them to "--size" (the
 * "-flag=value" form is left alone). The rewritten names are owned by the
 * second half of the returned array. */
static char **dashes_fixed(const cli_spec *spec, int argc, char **argv)
{
    char **out = calloc((size_t)(2 * argc + 1), sizeof *out);
    if (!out)
        return NULL;
    for (int i = 0; i < argc; i++) {
        out[i] = argv[i];
        const char *a = argv[i];
        if (i == 0 || a[0] != '-' || a[1] == '-' || !((a[1] >= 'a' && a[1] <= 'z') || (a[1] >= 'A' && a[1] <= 'Z')) ||
            !a[2])
            continue;
        if (strchr(a, '='))
            continue;
        size_t n = strlen(a + 1);
        for (int k = 0; k < spec->nflags; k++) {
            const char *name = spec->flags[k].name;
            if (strncmp(name, "--", 2) == 0 && strlen(name + 2) == n && strncmp(name + 2, a + 1, n) == 0) {
                size_t len = strlen(a);
                char *fixed = malloc(len + 2);
                if (fixed) {
                    fixed[0] = '-';
                    memcpy(fixed + 1, a, len + 1);
                    out[i] = out[argc + i] = fixed;
                }
                break;
            }
        }
    }
    return out;
}

static int parse(const cli_spec *spec, int argc, char **argv, const char **pos, int *npos)
{
    char **fixed = dashes_fixed(spec, argc, argv);
    if (!fixed) {
        cli_error(spec->command, "out of memory");
        return CLI_ERROR;
    }
    int r = cli_parse(spec, argc, fixed, pos, npos);
    /* Only bare flag names were rewritten, so no parsed value points into them. */
    for (int i = 0; i < argc; i++)
        free(fixed[argc + i]);
    free(fixed);
    return r;
}

static int fail(const char *command, const recur_error *err)
{
    cli_error(command, "%s", err->msg);
    return 1;
}

/* ---- train --------------------------------------------------------------- */

static void show_progress(const recur_w2v_progress *p, void *user)
{
    progress *pr = user;
    char eta[32];
    format_duration(p->eta_s, eta, sizeof eta);
    progress_status(pr, p->words_done >= p->words_total, "alpha %.6f  progress %5.1f%%  %.1fk words/s/thread  eta %s",
                    p->alpha, 100.0 * (double)p->words_done / (double)(p->words_total > 0 ? p->words_total : 1),
                    p->words_per_sec_per_thread / 1000.0, eta);
}

static int w2v_train(int argc, char **argv)
{
    recur_w2v_options o;
    recur_w2v_options_default(&o);
    const char *train = NULL, *output = NULL;
    int binary = 0, quiet = 0, negative_seen = 0;
    int64_t seed = 1;
    cli_flag flags[] = {
        {"--train", CLI_STRING, &train, 0, 0, "text to train on (whitespace-separated words)", NULL},
        {"--output", CLI_STRING, &output, 0, 0, "where to write the vectors", NULL},
        {"--cbow", CLI_INT, &o.cbow, 0, 1, "1: CBOW, 0: skip-gram (default 0)", NULL},
        {"--size", CLI_INT, &o.size, 1, 10000, "vector dimension (default 100)", NULL},
        {"--window", CLI_INT, &o.window, 1, 1000, "maximum context distance (default 5)", NULL},
        {"--negative", CLI_INT, &o.negative, 0, 1000, "negative samples per word (default 5)", &negative_seen},
        {"--nce", CLI_INT, &o.nce, 0, 1000, "noise samples for the NCE loss instead of negative sampling (default 0)", NULL},
        {"--hs", CLI_INT, &o.hs, 0, 1, "1: hierarchical softmax as well (default 0)", NULL},
        {"--sample", CLI_DOUBLE, &o.sample, 0, 1, "sub-sampling threshold for frequent words (default 1e-3)", NULL},
        {"--min-count", CLI_INT, &o.min_count, 1, 1e9, "drop words seen fewer times (default 5)", NULL},
        {"--alpha", CLI_DOUBLE, &o.alpha, 0, 10, "starting learning rate (default 0.025 skip-gram, 0.05 CBOW)", NULL},
        {"--iter", CLI_INT, &o.iter, 1, 100000, "epochs (default 5)", NULL},
        {"--threads", CLI_INT, &o.threads, 1, 1024, "training threads (default 1)", NULL},
        {"--binary", CLI_INT, &binary, 0, 1, "1: word2vec binary format, 0: text (default 0)", NULL},
        {"--seed", CLI_INT64, &seed, 0, 9.2e18, "random seed (default 1)", NULL},
        {"--plain", CLI_FLAG, &o.plain, 0, 0, "use the straightforward reference kernels (benchmarking)", NULL},
        {"--quiet", CLI_FLAG, &quiet, 0, 0, "no progress output", NULL},
    };
    cli_spec spec = {"recur w2v train", "--train FILE --output VECTORS [options]",
                     "Trains word2vec embeddings (skip-gram or CBOW; negative sampling, NCE or "
                     "hierarchical softmax). word2vec.c's single-dash flags (-size 100) are accepted.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    const char *pos[1];
    int npos = 0, r = parse(&spec, argc, argv, pos, &npos);
    if (r != CLI_OK)
        return r == CLI_HELP ? 0 : 2;
    if (!train || !output) {
        cli_error(spec.command, "--train and --output are required (see --help)");
        return 2;
    }
    if (o.nce > 0 && !negative_seen)
        o.negative = 0;
    o.seed = (uint64_t)seed;
    progress pr;
    progress_init(&pr, stderr, quiet);
    if (!quiet) {
        o.progress = show_progress;
        o.progress_user = &pr;
    }
    recur_error err = {0};
    recur_w2v_vectors *v = NULL;
    recur_w2v_stats st;
    if (recur_w2v_train_file(train, &o, &v, &st, &err) != RECUR_OK) {
        progress_done(&pr);
        return fail(spec.command, &err);
    }
    progress_done(&pr);
    if (recur_w2v_save(v, output, binary ? RECUR_W2V_BINARY : RECUR_W2V_TEXT, &err) != RECUR_OK) {
        recur_w2v_vectors_free(v);
        return fail(spec.command, &err);
    }
    printf("vocabulary %lld words (of %lld tokens, %lld in the vocabulary); %s, %d threads\n",
           (long long)st.vocab_size, (long long)st.corpus_words, (long long)st.train_words,
           o.cbow ? "cbow" : "skip-gram", o.threads);
    printf("trained %lld words in %.2f s: %.0f words/s/thread; wrote %s\n", (long long)st.words_done, st.seconds,
           st.words_per_sec_per_thread, output);
    recur_w2v_vectors_free(v);
    return 0;
}

/* ---- shared loading -------------------------------------------------------- */

/* The word vectors an evaluation command reads (--vectors), indexed: only the
 * top most frequent words unless top is 0, ASCII case folded unless
 * case_sensitive; and the vectors and index they load. */
typedef struct vectors_arg {
    const char *path;
    int top, case_sensitive;
    recur_w2v_vectors *v;
    recur_w2v_index *ix;
} vectors_arg;

/* The --vectors and --case-sensitive flags every evaluation command has. */
static cli_flag vectors_flag(vectors_arg *a)
{
    return (cli_flag){"--vectors", CLI_STRING, &a->path, 0, 0, "word vectors (text or binary)", NULL};
}

static cli_flag case_flag(vectors_arg *a)
{
    return (cli_flag){"--case-sensitive", CLI_FLAG, &a->case_sensitive, 0, 0,
                      "match words exactly (default: ignore ASCII case)", NULL};
}

/* Loads a's vectors and their index. Returns 0, or the exit status with the
 * error printed (then nothing is loaded). */
static int load_vectors(const char *command, vectors_arg *a)
{
    recur_error err = {0};
    if (!a->path) {
        cli_error(command, "--vectors is required (see --help)");
        return 2;
    }
    if (recur_w2v_load(a->path, RECUR_W2V_AUTO, a->top, &a->v, &err) != RECUR_OK)
        return fail(command, &err);
    if (recur_w2v_index_create(a->v, a->top, !a->case_sensitive, &a->ix, &err) != RECUR_OK) {
        recur_w2v_vectors_free(a->v);
        a->v = NULL;
        return fail(command, &err);
    }
    return 0;
}

static void vectors_free(vectors_arg *a)
{
    recur_w2v_index_free(a->ix);
    recur_w2v_vectors_free(a->v);
}

/* Parses a command that takes no arguments, then loads its vectors. Returns
 * the exit status when it stops here (after --help, or on an error, which
 * it prints): when a->ix is still NULL. */
static int parse_and_load(const cli_spec *spec, int argc, char **argv, vectors_arg *a)
{
    const char *pos[1];
    int npos = 0, r = parse(spec, argc, argv, pos, &npos);
    if (r != CLI_OK)
        return r == CLI_HELP ? 0 : 2;
    return load_vectors(spec->command, a);
}

static int read_text(const char *command, const char *path, char **text, size_t *len)
{
    recur_error err = {0};
    if (recur_read_file(path, text, len, &err) != RECUR_OK)
        return fail(command, &err);
    return 0;
}

/* ---- analogy ------------------------------------------------------------- */

static double pct(int a, int b) { return b > 0 ? 100.0 * a / b : 0.0; }

static int w2v_analogy(int argc, char **argv)
{
    const char *questions = NULL;
    char questions_buf[4096];
    vectors_arg va = {NULL, 30000, 0, NULL, NULL};
    cli_flag flags[] = {
        vectors_flag(&va),
        {"--questions", CLI_STRING, &questions, 0, 0, "analogy questions (default: the shipped data/w2v/questions-words.txt, found from any directory)", NULL},
        {"--top", CLI_INT, &va.top, 0, 1e9, "use only the N most frequent words, 0 for all (default 30000)", NULL},
        case_flag(&va),
    };
    cli_spec spec = {"recur w2v analogy", "--vectors V [--questions FILE] [--top N]",
                     "Accuracy on analogy questions a b c d: is d the nearest word to b - a + c (a, b, c "
                     "excluded)? Questions with a word outside the top N are skipped, as word2vec.c's "
                     "compute-accuracy.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    int r = parse_and_load(&spec, argc, argv, &va);
    if (!va.ix)
        return r;
    if (shipped_default(spec.command, "--questions", DEFAULT_QUESTIONS, &questions, questions_buf,
                        sizeof questions_buf)) {
        vectors_free(&va);
        return 1;
    }
    const recur_w2v_index *ix = va.ix;
    char *text = NULL;
    size_t len = 0;
    if ((r = read_text(spec.command, questions, &text, &len)) == 0) {
        recur_error err = {0};
        recur_w2v_analogy_result res;
        if (recur_w2v_analogy(ix, text, len, questions, &res, &err) != RECUR_OK) {
            r = fail(spec.command, &err);
        } else {
            for (int s = 0; s < res.nsections; s++) {
                const recur_w2v_section *sec = &res.sections[s];
                printf("%-28s %6.2f%%  (%d / %d seen of %d)\n", sec->name, pct(sec->correct, sec->seen),
                       sec->correct, sec->seen, sec->questions);
            }
            printf("semantic: %.2f%% (%d / %d)\n", pct(res.sem_correct, res.sem_seen), res.sem_correct, res.sem_seen);
            printf("syntactic: %.2f%% (%d / %d)\n", pct(res.syn_correct, res.syn_seen), res.syn_correct, res.syn_seen);
            printf("total: %.2f%% (%d / %d)\n", pct(res.correct, res.seen), res.correct, res.seen);
            printf("questions seen: %d of %d (%d skipped: a word outside the %d words used)\n", res.seen,
                   res.questions, res.questions - res.seen, recur_w2v_index_size(ix));
            recur_w2v_analogy_result_free(&res);
        }
        free(text);
    }
    vectors_free(&va);
    return r;
}

/* ---- similar ------------------------------------------------------------- */

static int w2v_similar(int argc, char **argv)
{
    int k = 10, analogy = 0;
    vectors_arg va = {NULL, 0, 0, NULL, NULL};
    cli_flag flags[] = {
        vectors_flag(&va),
        {"--count", CLI_INT, &k, 1, 1000, "neighbours to list (default 10)", NULL},
        {"--top", CLI_INT, &va.top, 0, 1e9, "search only the N most frequent words, 0 for all (default 0)", NULL},
        {"--analogy", CLI_FLAG, &analogy, 0, 0, "three words a b c: the words nearest to a - b + c", NULL},
        case_flag(&va),
    };
    cli_spec spec = {"recur w2v similar", "--vectors V WORD... | --analogy a b c",
                     "Nearest neighbours by cosine of each WORD, or of a - b + c (king man woman -> queen).",
                     flags, (int)(sizeof flags / sizeof flags[0]), 1, W2V_MAX_WORDS};
    const char *pos[W2V_MAX_WORDS];
    int npos = 0, r = parse(&spec, argc, argv, pos, &npos);
    if (r != CLI_OK)
        return r == CLI_HELP ? 0 : 2;
    if (analogy && npos != 3) {
        cli_error(spec.command, "--analogy takes exactly three words a b c, got %d", npos);
        return 2;
    }
    if ((r = load_vectors(spec.command, &va)) != 0)
        return r;
    const recur_w2v_index *ix = va.ix;
    int dim = recur_w2v_index_dim(ix);
    float *q = calloc((size_t)dim, sizeof *q);
    int *ids = malloc((size_t)k * sizeof *ids);
    float *cos = malloc((size_t)k * sizeof *cos);
    if (!q || !ids || !cos) {
        cli_error(spec.command, "out of memory");
        r = 1;
        goto done;
    }
    int queries = analogy ? 1 : npos;
    for (int i = 0; i < queries; i++) {
        int ex[3], nex = analogy ? 3 : 1, missing = 0;
        for (int j = 0; j < nex; j++) {
            ex[j] = recur_w2v_index_find(ix, pos[i + j]);
            if (ex[j] < 0) {
                cli_error(spec.command, "'%s' is not in the vocabulary", pos[i + j]);
                missing = 1;
            }
        }
        if (missing) {
            r = 1;
            continue;
        }
        memset(q, 0, (size_t)dim * sizeof *q);
        for (int j = 0; j < nex; j++) {
            const float *u = recur_w2v_index_unit(ix, ex[j]);
            float sign = (analogy && j == 1) ? -1.0f : 1.0f;
            for (int c = 0; c < dim; c++)
                q[c] += sign * u[c];
        }
        int n = recur_w2v_nearest(ix, q, ex, nex, k, ids, cos);
        if (analogy)
            printf("%s - %s + %s:\n", pos[0], pos[1], pos[2]);
        else
            printf("%s:\n", pos[i]);
        for (int j = 0; j < n; j++)
            printf("  %-20s %.4f\n", recur_w2v_index_word(ix, ids[j]), cos[j]);
    }
done:
    free(q);
    free(ids);
    free(cos);
    vectors_free(&va);
    return r;
}

/* ---- similarity ---------------------------------------------------------- */

static int w2v_similarity(int argc, char **argv)
{
    const char *wordsim = NULL, *simlex = NULL;
    char wordsim_buf[4096], simlex_buf[4096];
    vectors_arg va = {NULL, 0, 0, NULL, NULL};
    cli_flag flags[] = {
        vectors_flag(&va),
        {"--wordsim", CLI_STRING, &wordsim, 0, 0, "WordSim-353 pairs (default: the shipped data/w2v/wordsim353.tsv; \"\" to skip)", NULL},
        {"--simlex", CLI_STRING, &simlex, 0, 0, "SimLex-999 pairs (default: the shipped data/w2v/simlex999.txt; \"\" to skip)", NULL},
        {"--top", CLI_INT, &va.top, 0, 1e9, "use only the N most frequent words, 0 for all (default 0)", NULL},
        case_flag(&va),
    };
    cli_spec spec = {"recur w2v similarity", "--vectors V [--wordsim FILE] [--simlex FILE]",
                     "Spearman correlation between human similarity scores and cosines, over the pairs "
                     "whose two words are in the vocabulary.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    int r = parse_and_load(&spec, argc, argv, &va);
    if (!va.ix)
        return r;
    if (shipped_default(spec.command, "--wordsim", DEFAULT_WORDSIM, &wordsim, wordsim_buf, sizeof wordsim_buf) ||
        shipped_default(spec.command, "--simlex", DEFAULT_SIMLEX, &simlex, simlex_buf, sizeof simlex_buf)) {
        vectors_free(&va);
        return 1;
    }
    const char *names[2] = {"wordsim353", "simlex999"}, *paths[2] = {wordsim, simlex};
    for (int d = 0; d < 2 && r == 0; d++) {
        if (!paths[d] || !*paths[d])
            continue;
        char *text = NULL;
        size_t len = 0;
        if ((r = read_text(spec.command, paths[d], &text, &len)) != 0)
            break;
        recur_error err = {0};
        recur_w2v_similarity_result res;
        if (recur_w2v_similarity(va.ix, text, len, paths[d], &res, &err) != RECUR_OK)
            r = fail(spec.command, &err);
        else
            printf("%s: spearman %.4f over %d of %d pairs\n", names[d], res.spearman, res.found, res.pairs);
        free(text);
    }
    vectors_free(&va);
    return r;
}

/* ---- map ----------------------------------------------------------------- */

/* Splits a comma-separated list in place (s is a copy owned by the caller),
 * leaving out empty items and those past max. */
static int split_nonempty(char *s, const char **items, int max)
{
    int n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
        if (*tok && n < max)
            items[n++] = tok;
    return n;
}

static int add_word(const recur_w2v_index *ix, const char *command, const char *w, int *rows, int *n)
{
    int id = recur_w2v_index_find(ix, w);
    if (id < 0) {
        cli_error(command, "'%s' is not in the vocabulary", w);
        return -1;
    }
    for (int i = 0; i < *n; i++)
        if (rows[i] == id)
            return i;
    if (*n >= 5000) {
        cli_error(command, "at most 5000 words on a map");
        return -1;
    }
    rows[*n] = id;
    return (*n)++;
}

static int w2v_map(int argc, char **argv)
{
    const char *words = NULL, *pairs = NULL, *output = NULL, *title = NULL;
    int top = 0;
    vectors_arg va = {NULL, 0, 0, NULL, NULL}; /* every word, case folded; --top is the map's own */
    recur_tsne_options t;
    recur_tsne_options_default(&t);
    int64_t seed = 1;
    cli_flag flags[] = {
        vectors_flag(&va),
        {"--top", CLI_INT, &top, 0, 5000, "map the N most frequent words (\"</s>\" left out)", NULL},
        {"--words", CLI_STRING, &words, 0, 0, "comma-separated words to map", NULL},
        {"--pairs", CLI_STRING, &pairs, 0, 0, "a:b,c:d: join each pair with a line (words are added)", NULL},
        {"-o", CLI_STRING, &output, 0, 0, "the SVG file to write", NULL},
        {"--output", CLI_STRING, &output, 0, 0, "same as -o", NULL},
        {"--title", CLI_STRING, &title, 0, 0, "a title above the map", NULL},
        {"--perplexity", CLI_DOUBLE, &t.perplexity, 2, 1000, "t-SNE perplexity (default 30)", NULL},
        {"--iter", CLI_INT, &t.iterations, 50, 100000, "t-SNE iterations (default 1000)", NULL},
        {"--seed", CLI_INT64, &seed, 0, 9.2e18, "random seed (default 1)", NULL},
    };
    cli_spec spec = {"recur w2v map", "--vectors V (--top N | --words w1,w2,...) [--pairs a:b,...] -o FILE.svg",
                     "A 2-D t-SNE map of word vectors, written as an SVG with a label per word.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    const char *pos[1];
    int npos = 0, r = parse(&spec, argc, argv, pos, &npos);
    if (r != CLI_OK)
        return r == CLI_HELP ? 0 : 2;
    if (!output || (!top && !words && !pairs)) {
        cli_error(spec.command, "-o and one of --top, --words or --pairs are required (see --help)");
        return 2;
    }
    t.seed = (uint64_t)seed;
    if ((r = load_vectors(spec.command, &va)) != 0)
        return r;
    const recur_w2v_index *ix = va.ix;
    int *rows = malloc(5000 * sizeof *rows), n = 0, *pair_idx = NULL, npairs = 0;
    char *words_copy = words ? strdup(words) : NULL, *pairs_copy = pairs ? strdup(pairs) : NULL;
    const char **items = malloc(5000 * sizeof *items), **labels = NULL;
    float *x = NULL, *y = NULL;
    if (!rows || !items || (words && !words_copy) || (pairs && !pairs_copy)) {
        cli_error(spec.command, "out of memory");
        r = 1;
        goto done;
    }
    for (int i = 0; i < recur_w2v_index_size(ix) && n < top; i++)
        if (strcmp(recur_w2v_index_word(ix, i), "</s>") != 0)
            rows[n++] = i;
    if (words_copy) {
        int m = split_nonempty(words_copy, items, 5000);
        for (int i = 0; i < m; i++)
            if (add_word(ix, spec.command, items[i], rows, &n) < 0) {
                r = 1;
                goto done;
            }
    }
    if (pairs_copy) {
        int m = split_nonempty(pairs_copy, items, 5000);
        pair_idx = malloc((size_t)(2 * m + 1) * sizeof *pair_idx);
        if (!pair_idx) {
            r = 1;
            goto done;
        }
        for (int i = 0; i < m; i++) {
            char *colon = strchr(items[i], ':');
            if (!colon) {
                cli_error(spec.command, "--pairs: '%s' is not a:b", items[i]);
                r = 2;
                goto done;
            }
            *colon = '\0';
            int a = add_word(ix, spec.command, items[i], rows, &n);
            int b = a < 0 ? -1 : add_word(ix, spec.command, colon + 1, rows, &n);
            if (a < 0 || b < 0) {
                r = 1;
                goto done;
            }
            pair_idx[2 * npairs] = a;
            pair_idx[2 * npairs + 1] = b;
            npairs++;
        }
    }
    if (n < 2) {
        cli_error(spec.command, "a map needs at least 2 words");
        r = 2;
        goto done;
    }
    int dim = recur_w2v_index_dim(ix);
    x = malloc((size_t)n * (size_t)dim * sizeof *x);
    y = malloc((size_t)n * 2 * sizeof *y);
    labels = malloc((size_t)n * sizeof *labels);
    if (!x || !y || !labels) {
        cli_error(spec.command, "out of memory");
        r = 1;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        memcpy(x + (size_t)i * (size_t)dim, recur_w2v_index_unit(ix, rows[i]), (size_t)dim * sizeof *x);
        labels[i] = recur_w2v_index_word(ix, rows[i]);
    }
    recur_error err = {0};
    if (recur_tsne(x, n, dim, &t, y, &err) != RECUR_OK ||
        recur_w2v_map_svg(output, labels, y, n, pair_idx, npairs, title, &err) != RECUR_OK) {
        r = fail(spec.command, &err);
        goto done;
    }
    printf("mapped %d words (%d pairs) to %s\n", n, npairs, output);
done:
    free(rows);
    free(items);
    free(words_copy);
    free(pairs_copy);
    free(pair_idx);
    free(labels);
    free(x);
    free(y);
    vectors_free(&va);
    return r;
}

/* ---- dispatch ------------------------------------------------------------ */

int cmd_w2v(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
        const char *summary;
    } subs[] = {
        {"train", w2v_train, "train skip-gram or CBOW vectors on a text"},
        {"analogy", w2v_analogy, "accuracy on analogy questions (questions-words.txt)"},
        {"similar", w2v_similar, "nearest neighbours of words, or of a - b + c"},
        {"similarity", w2v_similarity, "Spearman correlation on WordSim-353 and SimLex-999"},
        {"map", w2v_map, "a 2-D t-SNE map of words as SVG"},
    };
    int nsubs = (int)(sizeof subs / sizeof subs[0]);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "usage: recur w2v COMMAND [options]    (recur w2v COMMAND --help)\n\ncommands:\n");
        for (int i = 0; i < nsubs; i++)
            fprintf(out, "  %-11s %s\n", subs[i].name, subs[i].summary);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 0; i < nsubs; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "recur w2v: unknown command '%s' (see recur w2v --help)\n", argv[1]);
    return 2;
}
