/* word/TAG reading, the Brown-to-universal tag mapping, the held-out file
 * split, labelled TSV reading, and task-model checkpoints (labels and
 * features survive a save and load). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"
#include "test.h"

static char dir[64];

static const char *write_file(const char *name, const char *text)
{
    static char path[8][128];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 128, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    fputs(text, f);
    fclose(f);
    return p;
}

static void test_universal(void)
{
    static const char *const pairs[][2] = {
        {"nn", "NOUN"},   {"nns$", "NOUN"},   {"np-tl", "NOUN"},  {"nn-tl-hl", "NOUN"}, {"pn", "NOUN"},
        {"vbd", "VERB"},  {"bedz", "VERB"},   {"md*", "VERB"},    {"hvz", "VERB"},      {"do*", "VERB"},
        {"jj", "ADJ"},    {"od", "ADJ"},      {"jjt-hl", "ADJ"},  {"rb", "ADV"},        {"ql", "ADV"},
        {"wrb", "ADV"},   {"*", "ADV"},       {"pps", "PRON"},    {"ppss+bem", "PRON"}, {"pp$", "PRON"},
        {"wps", "PRON"},  {"at", "DET"},      {"dti", "DET"},     {"abn", "DET"},       {"wdt", "DET"},
        {"ex", "DET"},    {"in", "ADP"},      {"in-tl", "ADP"},   {"cc", "CONJ"},       {"cs", "CONJ"},
        {"cd", "NUM"},    {"cd-tl", "NUM"},   {"to", "PRT"},      {"rp", "PRT"},        {".", "."},
        {",", "."},       {"``", "."},        {"--", "."},        {"(-hl", "."},        {"fw-nn", "X"},
        {"uh", "X"},      {"nil", "X"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        CHECK_MSG(strcmp(recur_brown_universal(pairs[i][0]), pairs[i][1]) == 0, "%s -> %s, expected %s",
                  pairs[i][0], recur_brown_universal(pairs[i][0]), pairs[i][1]);
}

static void test_read_and_split(void)
{
    const char *paths[4] = {
        write_file("f1", "\n\tThe/at jury/nn said/vbd ./.\n\n\tIt/pps ran/vbd\n"),
        write_file("f2", "A/at b/c/nn\n"), /* the last '/' splits: word "b/c" */
        write_file("f3", "x/uh\n"),
        write_file("f4", "Dogs/nns bark/vb\n\n"),
    };
    recur_tagged_corpus *train = NULL, *test = NULL;
    recur_error err = {0};
    CHECK(recur_tagged_read(paths, 4, RECUR_TAGSET_UNIVERSAL, 2, &train, &test, &err) == RECUR_OK);
    if (!train || !test)
        return;
    CHECK(recur_tagged_sentences(train) == 3 && recur_tagged_tokens(train) == 7); /* f1, f3 */
    CHECK(recur_tagged_sentences(test) == 2 && recur_tagged_tokens(test) == 4);   /* f2, f4 */
    recur_tagged_free(train);
    recur_tagged_free(test);
    CHECK(recur_tagged_read(paths, 4, RECUR_TAGSET_FULL, 0, &train, NULL, &err) == RECUR_OK);
    CHECK(train && recur_tagged_sentences(train) == 5 && recur_tagged_tokens(train) == 11);
    recur_tagged_free(train);
    const char *bad[] = {write_file("bad", "ok/nn\nfine/jj broken\n")};
    CHECK(recur_tagged_read(bad, 1, RECUR_TAGSET_FULL, 0, &train, NULL, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "bad:2: token 'broken' is not word/TAG") != NULL, "%s", err.msg);
    const char *utf[] = {write_file("utf", "ok/nn\n\xff/nn\n")};
    CHECK(recur_tagged_read(utf, 1, RECUR_TAGSET_FULL, 0, &train, NULL, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "utf") != NULL, "%s", err.msg);
}

static void test_labelled(void)
{
    recur_labelled *d = NULL, *t = NULL;
    recur_error err = {0};
    const char *p = write_file("ok.tsv", "a\tone\nb\ttwo\r\n\na\tthree\tthree and a tab\nb\tfour\n");
    CHECK(recur_labelled_read(p, &d, &err) == RECUR_OK);
    CHECK(d && recur_labelled_count(d) == 4);
    CHECK(recur_labelled_split(d, 2, &t, &err) == RECUR_OK);
    CHECK(t && recur_labelled_count(t) == 2 && recur_labelled_count(d) == 2);
    recur_labelled_free(t);
    recur_labelled_free(d);
    p = write_file("bad.tsv", "a\tone\nlabel only\n");
    CHECK(recur_labelled_read(p, &d, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "bad.tsv:2: no TAB") != NULL, "%s", err.msg);
}

/* A bidirectional tagger with features saves and loads with its labels and
 * features, and tags the same. */
static void test_checkpoint(void)
{
    const char *paths[] = {write_file("c1", "The/at dog/nn barks/vbz ./.\nA/at cat/nn sleeps/vbz ./.\n"
                                            "The/at cat/nn barks/vbz ./.\nA/at dog/nn sleeps/vbz ./.\n")};
    recur_tagged_corpus *train = NULL;
    recur_error err = {0};
    CHECK(recur_tagged_read(paths, 1, RECUR_TAGSET_UNIVERSAL, 0, &train, NULL, &err) == RECUR_OK);
    recur_tagger_options o;
    recur_tagger_options_default(&o);
    o.model.hidden = 6;
    o.model.embed = 5;
    o.feature_embed = 3;
    o.min_count = 1;
    recur_task_train_config tc;
    recur_task_train_config_default(&tc);
    tc.epochs = 30;
    tc.train.lr = 0.02f;
    recur_model *m = NULL, *back = NULL;
    CHECK_MSG(recur_tagger_train(train, &o, &tc, NULL, NULL, &m, &err) == RECUR_OK, "%s", err.msg);
    if (!m) {
        recur_tagged_free(train);
        return;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/tagger.safetensors", dir);
    CHECK(recur_model_save(m, path, &err) == RECUR_OK);
    CHECK_MSG(recur_model_load(path, &back, &err) == RECUR_OK, "%s", err.msg);
    if (back) {
        const recur_config *c = recur_model_config(back);
        CHECK(c->task == RECUR_TASK_TAG && c->bidirectional == 1 && c->labels == 4 && c->feature_size > 0);
        CHECK(recur_vocab_size(recur_model_labels(back)) == 4);
        const char *words[] = {"The", "cat", "sleeps", "."};
        int a[4], b[4];
        CHECK(recur_tagger_tag(m, words, 4, a, NULL, &err) == RECUR_OK);
        CHECK(recur_tagger_tag(back, words, 4, b, NULL, &err) == RECUR_OK);
        CHECK(memcmp(a, b, sizeof a) == 0);
        const recur_vocab *L = recur_model_labels(back);
        CHECK(strcmp(recur_vocab_token(L, b[0]), "DET") == 0 && strcmp(recur_vocab_token(L, b[1]), "NOUN") == 0 &&
              strcmp(recur_vocab_token(L, b[2]), "VERB") == 0 && strcmp(recur_vocab_token(L, b[3]), ".") == 0);
        recur_tag_eval e;
        CHECK(recur_tagger_evaluate(back, train, &e, &err) == RECUR_OK && e.accuracy == 1.0 && e.unknown == 0);
    }
    recur_model_free(back);
    recur_model_free(m);
    recur_tagged_free(train);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/recur_tag_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_universal();
    test_read_and_split();
    test_labelled();
    test_checkpoint();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_report();
}
