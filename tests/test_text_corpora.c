/* Text: the shipped corpora (RECUR_DATA) give the published token counts;
 * skipped, saying why, when they are absent. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, access */
#include "recur/text.h"
#include "test.h"
#include "test_text_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_ptb_counts(void)
{
    char *train = NULL, *valid = NULL, *test = NULL;
    size_t train_len, valid_len, test_len;
    if (!read_data_file("ptb/ptb.train.txt", &train, &train_len) ||
        !read_data_file("ptb/ptb.valid.txt", &valid, &valid_len) ||
        !read_data_file("ptb/ptb.test.txt", &test, &test_len)) {
        free(train);
        free(valid);
        return;
    }
    recur_error err = {0};
    recur_vocab *v = NULL;
    double t0 = now_seconds();
    CHECK_MSG(recur_vocab_build(train, train_len, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK, "%s",
              err.msg);
    double t1 = now_seconds();
    if (v) {
        CHECK_MSG(recur_vocab_size(v) == 10000, "PTB vocabulary %d", recur_vocab_size(v));
        CHECK(recur_vocab_unk(v) >= 0);
        /* The most frequent token is "the" (50,770 times), then "<unk>" (45,020) and
         * "<eos>" (one for each of the 42,068 lines). */
        CHECK(strcmp(recur_vocab_token(v, 0), "the") == 0);
        CHECK(strcmp(recur_vocab_token(v, 1), "<unk>") == 0);
        CHECK(strcmp(recur_vocab_token(v, 2), "<eos>") == 0);
        const char *texts[3] = {train, valid, test};
        size_t lens[3] = {train_len, valid_len, test_len};
        const size_t want[3] = {929589, 73760, 82430};
        for (int i = 0; i < 3; i++) {
            int32_t *ids = NULL;
            size_t n = 0;
            CHECK_MSG(recur_vocab_encode(v, texts[i], lens[i], &ids, &n, &err) == RECUR_OK, "%s",
                      err.msg);
            CHECK_MSG(n == want[i], "split %d: %zu tokens, want %zu", i, n, want[i]);
            free(ids);
        }
        printf("PTB: word vocabulary of %d built from %zu bytes in %.3f s\n",
               recur_vocab_size(v), train_len, t1 - t0);
    }
    recur_vocab_free(v);
    free(train);
    free(valid);
    free(test);
}

static void test_korean_corpus(void)
{
    char *data = NULL;
    size_t len;
    if (!read_data_file("korean.txt", &data, &len))
        return;
    recur_error err = {0};
    recur_vocab *v = NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    double t0 = now_seconds();
    CHECK(recur_vocab_build(data, len, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    CHECK(v && recur_vocab_encode(v, data, len, &ids, &n, &err) == RECUR_OK);
    double t1 = now_seconds();
    if (v && ids) {
        /* 1,518 distinct characters and 707,018 in all, per the corpus README. */
        CHECK_MSG(recur_vocab_size(v) == 1518, "%d distinct characters", recur_vocab_size(v));
        CHECK_MSG(n == 707018, "%zu characters", n);
        char *back = join_tokens(v, ids, n, "");
        CHECK(strlen(back) == len && memcmp(back, data, len) == 0);
        free(back);
        printf("korean.txt: %d-character vocabulary, %zu ids from %zu bytes in %.3f s\n",
               recur_vocab_size(v), n, len, t1 - t0);
    }
    free(ids);
    recur_vocab_free(v);
    free(data);
}

/* Tiny Shakespeare is ASCII with 65 distinct characters; linux.txt has tabs
 * and no final newline, so its last line still ends in "<eos>" at word level. */
static void test_char_corpora(void)
{
    char *data = NULL;
    size_t len;
    recur_error err = {0};
    if (read_data_file("tinyshakespeare.txt", &data, &len)) {
        recur_vocab *v = NULL;
        CHECK_MSG(recur_vocab_build(data, len, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK, "%s",
                  err.msg);
        CHECK_MSG(recur_vocab_size(v) == 65, "%d distinct characters", recur_vocab_size(v));
        CHECK(v && strcmp(recur_vocab_token(v, 0), "\n") == 0);
        recur_vocab_free(v);
        free(data);
    }
    if (read_data_file("linux.txt", &data, &len)) {
        recur_vocab *v = NULL;
        int32_t *ids = NULL;
        size_t n = 0;
        CHECK(data[len - 1] != '\n');
        CHECK_MSG(recur_vocab_build(data, len, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK, "%s",
                  err.msg);
        CHECK(v && recur_vocab_encode(v, data, len, &ids, &n, &err) == RECUR_OK);
        if (ids && n > 0) {
            CHECK(strcmp(recur_vocab_token(v, ids[n - 1]), "<eos>") == 0);
            CHECK(recur_vocab_find(v, "\t", 1) == -1); /* tabs separate words */
            size_t eos = 0, lines = 1; /* the last line has no newline */
            for (size_t i = 0; i < n; i++)
                eos += ids[i] == recur_vocab_find(v, "<eos>", 5);
            for (size_t i = 0; i < len; i++)
                lines += data[i] == '\n';
            CHECK_MSG(eos == lines, "%zu <eos> for %zu lines", eos, lines);
        }
        free(ids);
        recur_vocab_free(v);
        free(data);
    }
}

int main(void)
{
    test_char_corpora();
    test_ptb_counts();
    test_korean_corpus();
    return test_report();
}
