/* The word reader as TensorFlow's ptb reader.py reads Penn Treebank: words
 * split on whitespace, "<eos>" at each line end, the vocabulary sorted by
 * descending count then by the word's bytes (so it does not depend on where
 * words first appear), "<unk>" for unseen words when the vocabulary has it. */
#include <stdlib.h>
#include <string.h>

#include "recur/text.h"
#include "test.h"

static recur_vocab *build(const char *text)
{
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK_MSG(recur_vocab_build(text, strlen(text), RECUR_LEVEL_WORD, &v, &err) == RECUR_OK, "%s", err.msg);
    return v;
}

static void test_eos_and_order(void)
{
    /* PTB's lines start with a space; "the" x4, "<eos>" x3, "a" x2, "<unk>" x2, "cat" x1, "dog" x1. */
    const char *text = " the cat <unk> the\n the a <unk>\n a dog the\n";
    recur_vocab *v = build(text);
    if (!v)
        return;
    const char *want[] = {"the", "<eos>", "<unk>", "a", "cat", "dog"};
    CHECK(recur_vocab_size(v) == 6);
    for (int i = 0; i < 6 && i < recur_vocab_size(v); i++)
        CHECK_MSG(strcmp(recur_vocab_token(v, i), want[i]) == 0, "id %d is '%s', want '%s'", i,
                  recur_vocab_token(v, i), want[i]);
    /* The same lines in another order give the same ids. */
    const char *shuffled = " a dog the\n the a <unk>\n the cat <unk> the\n";
    recur_vocab *v2 = build(shuffled);
    if (v2) {
        CHECK(recur_vocab_size(v2) == recur_vocab_size(v));
        for (int i = 0; i < recur_vocab_size(v) && i < recur_vocab_size(v2); i++)
            CHECK_MSG(strcmp(recur_vocab_token(v, i), recur_vocab_token(v2, i)) == 0, "id %d: '%s' vs '%s'", i,
                      recur_vocab_token(v, i), recur_vocab_token(v2, i));
        recur_vocab_free(v2);
    }
    /* Encoding: every line ends with <eos>; unseen words become <unk>. */
    int32_t *ids = NULL;
    size_t n = 0;
    recur_error err = {0};
    const char *other = " the zebra\n dog\n";
    CHECK(recur_vocab_encode(v, other, strlen(other), &ids, &n, &err) == RECUR_OK);
    int32_t expect[] = {0, 2, 1, 5, 1};
    CHECK(n == 5);
    for (size_t i = 0; i < n && i < 5; i++)
        CHECK_MSG(ids[i] == expect[i], "token %zu: id %d, want %d", i, ids[i], expect[i]);
    free(ids);
    recur_vocab_free(v);
}

static void test_unknown_without_unk(void)
{
    recur_vocab *v = build(" one two\n two\n");
    if (!v)
        return;
    CHECK(recur_vocab_unk(v) == -1);
    int32_t *ids = NULL;
    size_t n = 0;
    recur_error err = {0};
    const char *text = " two\n three\n";
    CHECK(recur_vocab_encode(v, text, strlen(text), &ids, &n, &err) != RECUR_OK);
    CHECK_MSG(strstr(err.msg, "three") != NULL, "the error names the word: %s", err.msg);
    CHECK_MSG(strstr(err.msg, "2") != NULL, "the error names the line: %s", err.msg);
    free(ids);
    recur_vocab_free(v);
}

/* The shipped split: 10,000 words (with <unk> and <eos>), 929,589 training
 * tokens, and the validation and test files encode with that vocabulary. */
static void test_shipped_ptb(void)
{
    const char *dir = getenv("RECUR_DATA");
    if (!dir) {
        printf("skip: RECUR_DATA not set\n");
        return;
    }
    char path[1024];
    const char *names[3] = {"ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"};
    const size_t tokens[3] = {929589, 73760, 82430};
    recur_vocab *v = NULL;
    for (int f = 0; f < 3; f++) {
        snprintf(path, sizeof path, "%s/ptb/%s", dir, names[f]);
        char *text = NULL;
        size_t len = 0;
        recur_error err = {0};
        if (recur_read_file(path, &text, &len, &err) != RECUR_OK) {
            printf("skip: %s\n", err.msg);
            break;
        }
        if (f == 0) {
            CHECK(recur_vocab_build(text, len, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
            if (v) {
                CHECK(recur_vocab_size(v) == 10000);
                CHECK(recur_vocab_unk(v) >= 0);
                CHECK(strcmp(recur_vocab_token(v, 0), "the") == 0);
                CHECK(strcmp(recur_vocab_token(v, 1), "<unk>") == 0);
                CHECK(strcmp(recur_vocab_token(v, 2), "<eos>") == 0);
            }
        }
        int32_t *ids = NULL;
        size_t n = 0;
        if (v) {
            CHECK_MSG(recur_vocab_encode(v, text, len, &ids, &n, &err) == RECUR_OK, "%s", err.msg);
            CHECK_MSG(n == tokens[f], "%s: %zu tokens, want %zu", names[f], n, tokens[f]);
        }
        free(ids);
        free(text);
    }
    recur_vocab_free(v);
}

int main(void)
{
    test_eos_and_order();
    test_unknown_without_unk();
    test_shipped_ptb();
    return test_report();
}
