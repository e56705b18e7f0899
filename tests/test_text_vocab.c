/* Text: character and word vocabularies, token streams, vocabularies from
 * token lists, and a Korean file encoded and decoded at both levels. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, access */
#include "recur/text.h"
#include "test.h"
#include "text/utf8.h"
#include "test_text_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char KOREAN[] = TEXT_KOREAN_SENTENCE;

/* ------------------------------------------------------- char vocabulary */

static void test_char_vocab(void)
{
    recur_error err = {0};
    recur_vocab *v = NULL;
    const char *text = "hello, 세계! hello";
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    if (!v)
        return;
    CHECK(recur_vocab_level(v) == RECUR_LEVEL_CHAR);
    /* distinct: ' ' ! , e h l o 세 계 */
    CHECK_MSG(recur_vocab_size(v) == 9, "size %d", recur_vocab_size(v));
    CHECK(strcmp(recur_vocab_token(v, 0), " ") == 0);
    CHECK(strcmp(recur_vocab_token(v, 1), "!") == 0);
    CHECK(strcmp(recur_vocab_token(v, 2), ",") == 0);
    CHECK(strcmp(recur_vocab_token(v, 7), "계") == 0); /* U+ACC4 before U+C138 */
    CHECK(strcmp(recur_vocab_token(v, 8), "세") == 0);
    CHECK(recur_vocab_token(v, 9) == NULL);
    CHECK(recur_vocab_token(v, -1) == NULL);
    CHECK(recur_vocab_find(v, "l", 1) == 5);
    CHECK(recur_vocab_find(v, "세", strlen("세")) == 8);
    CHECK(recur_vocab_find(v, "x", 1) == -1);
    CHECK(recur_vocab_unk(v) == -1);

    /* Ids increase with the code point. */
    int sorted = 1;
    uint32_t prev = 0;
    for (int id = 0; id < recur_vocab_size(v); id++) {
        const char *t = recur_vocab_token(v, id);
        size_t pos = 0;
        uint32_t cp;
        recur_utf8_decode((const unsigned char *)t, strlen(t), &pos, &cp);
        sorted &= id == 0 || cp > prev;
        prev = cp;
    }
    CHECK(sorted);

    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_encode(v, text, strlen(text), &ids, &n, &err) == RECUR_OK);
    CHECK_MSG(n == 16, "encoded %zu ids", n);
    if (ids) {
        CHECK(ids[0] == recur_vocab_find(v, "h", 1));
        char *back = join_tokens(v, ids, n, "");
        CHECK(strcmp(back, text) == 0);
        free(back);
    }
    free(ids);

    /* A character outside the vocabulary: named, quoted, with its byte offset. */
    const char *other = "hello 세상";
    ids = NULL;
    CHECK(recur_vocab_encode(v, other, strlen(other), &ids, &n, &err) == RECUR_E_FORMAT);
    CHECK(ids == NULL);
    CHECK_MSG(strstr(err.msg, "'상'") && strstr(err.msg, "U+C0C1") &&
                  strstr(err.msg, "byte offset 9"),
              "%s", err.msg);
    CHECK(recur_vocab_encode(v, "he\nl", 4, &ids, &n, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "'\\n'") && strstr(err.msg, "byte offset 2"), "%s", err.msg);
    /* Invalid UTF-8 while encoding names the offset. */
    CHECK(recur_vocab_encode(v, "hel\xE0\x80\x80", 6, &ids, &n, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "byte offset 3") && strstr(err.msg, "overlong"), "%s", err.msg);
    /* An empty text encodes to no ids. */
    CHECK(recur_vocab_encode(v, "", 0, &ids, &n, &err) == RECUR_OK);
    CHECK(n == 0);
    free(ids);
    recur_vocab_free(v);

    /* Building refuses empty text, invalid UTF-8 and NUL bytes. */
    v = NULL;
    CHECK(recur_vocab_build("", 0, RECUR_LEVEL_CHAR, &v, &err) == RECUR_E_FORMAT && v == NULL);
    CHECK(recur_vocab_build("ab\xC3", 3, RECUR_LEVEL_CHAR, &v, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "byte offset 2"), "%s", err.msg);
    CHECK(recur_vocab_build("ab\0c", 4, RECUR_LEVEL_CHAR, &v, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "NUL") && strstr(err.msg, "byte offset 2"), "%s", err.msg);
    CHECK(v == NULL);
}

/* Every Hangul syllable (11,172 code points) plus ASCII and the extremes. */
static void test_char_vocab_many_code_points(void)
{
    size_t cap = 11172 * 3 + 200, len = 0;
    char *text = malloc(cap);
    for (uint32_t cp = 0xD7A3; cp >= 0xAC00; cp--) /* descending: the vocab must sort */
        len += (size_t)recur_utf8_encode(cp, text + len);
    for (uint32_t cp = 0x7E; cp >= 0x20; cp--)
        len += (size_t)recur_utf8_encode(cp, text + len);
    len += (size_t)recur_utf8_encode(0x10FFFF, text + len);
    len += (size_t)recur_utf8_encode(0x10000, text + len);
    recur_error err = {0};
    recur_vocab *v = NULL;
    CHECK(recur_vocab_build(text, len, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    if (v) {
        CHECK(recur_vocab_size(v) == 11172 + 95 + 2);
        CHECK(strcmp(recur_vocab_token(v, 0), " ") == 0);
        CHECK(strcmp(recur_vocab_token(v, 95), "가") == 0);
        CHECK(strcmp(recur_vocab_token(v, 95 + 11171), "힣") == 0);
        CHECK(strcmp(recur_vocab_token(v, 11172 + 95 + 1), "\xF4\x8F\xBF\xBF") == 0);
        int32_t *ids = NULL;
        size_t n = 0;
        CHECK(recur_vocab_encode(v, text, len, &ids, &n, &err) == RECUR_OK);
        CHECK(n == 11172 + 95 + 2);
        if (ids) {
            CHECK(ids[0] == 95 + 11171); /* 힣 came first in the text */
            char *back = join_tokens(v, ids, n, "");
            CHECK(strlen(back) == len && memcmp(back, text, len) == 0);
            free(back);
        }
        free(ids);
    }
    recur_vocab_free(v);
    free(text);
}

/* ------------------------------------------------------- word vocabulary */

/* Encodes text with v and compares with the token strings in want. */
static void check_word_stream(const recur_vocab *v, const char *text, const char *const *want,
                              size_t nwant)
{
    recur_error err = {0};
    int32_t *ids = NULL;
    size_t n = 0;
    recur_status rc = recur_vocab_encode(v, text, strlen(text), &ids, &n, &err);
    CHECK_MSG(rc == RECUR_OK, "%s", err.msg);
    CHECK_MSG(n == nwant, "\"%s\": %zu tokens, want %zu", text, n, nwant);
    for (size_t i = 0; i < n && i < nwant; i++)
        CHECK_MSG(strcmp(recur_vocab_token(v, ids[i]), want[i]) == 0, "token %zu: %s, want %s", i,
                  recur_vocab_token(v, ids[i]), want[i]);
    free(ids);
}

static void test_word_vocab(void)
{
    recur_error err = {0};
    recur_vocab *v = NULL;
    /* Two words, a blank line, and a last line without a newline. */
    const char *text = " a b \n\nb\tc";
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
    if (!v)
        return;
    CHECK(recur_vocab_level(v) == RECUR_LEVEL_WORD);
    /* counts: <eos> 3, b 2, a 1, c 1 */
    CHECK(recur_vocab_size(v) == 4);
    CHECK(strcmp(recur_vocab_token(v, 0), "<eos>") == 0);
    CHECK(strcmp(recur_vocab_token(v, 1), "b") == 0);
    CHECK(strcmp(recur_vocab_token(v, 2), "a") == 0);
    CHECK(strcmp(recur_vocab_token(v, 3), "c") == 0);
    CHECK(recur_vocab_unk(v) == -1);
    static const char *const stream[] = {"a", "b", "<eos>", "<eos>", "b", "c", "<eos>"};
    check_word_stream(v, text, stream, 7);
    /* A trailing newline gives one "<eos>", not two; CR and tabs separate words. */
    static const char *const stream2[] = {"a", "<eos>", "b", "c", "<eos>"};
    check_word_stream(v, "a\r\n b\tc \n", stream2, 5);

    /* No "<unk>": an unknown word is an error naming it and its line. */
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_encode(v, "a b\nc\nb zebra a\n", 16, &ids, &n, &err) == RECUR_E_FORMAT);
    CHECK(ids == NULL);
    CHECK_MSG(strstr(err.msg, "\"zebra\"") && strstr(err.msg, "line 3") &&
                  strstr(err.msg, "<unk>"),
              "%s", err.msg);
    recur_vocab_free(v);

    /* Ties are broken by byte order: "<" < "B" < "a" < "ab" < "b". */
    v = NULL;
    const char *ties = "b ab B a\n";
    CHECK(recur_vocab_build(ties, strlen(ties), RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
    if (v) {
        static const char *const order[] = {"<eos>", "B", "a", "ab", "b"};
        CHECK(recur_vocab_size(v) == 5);
        for (int i = 0; i < 5 && i < recur_vocab_size(v); i++)
            CHECK_MSG(strcmp(recur_vocab_token(v, i), order[i]) == 0, "id %d: %s, want %s", i,
                      recur_vocab_token(v, i), order[i]);
    }
    recur_vocab_free(v);

    /* With "<unk>" in the vocabulary, unknown words map to it. */
    v = NULL;
    const char *with_unk = "the <unk> cat\nthe dog\n";
    CHECK(recur_vocab_build(with_unk, strlen(with_unk), RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
    if (v) {
        /* <eos> 2, the 2 (ties: "<" before "t"), then <unk> cat dog once each */
        CHECK(strcmp(recur_vocab_token(v, 0), "<eos>") == 0);
        CHECK(strcmp(recur_vocab_token(v, 1), "the") == 0);
        CHECK(strcmp(recur_vocab_token(v, 2), "<unk>") == 0);
        CHECK(recur_vocab_unk(v) == 2);
        static const char *const stream3[] = {"the", "<unk>", "<unk>", "<eos>", "dog", "<eos>"};
        check_word_stream(v, "the bird sings\ndog", stream3, 6);
    }
    recur_vocab_free(v);

    /* Korean words are byte strings like any other. */
    v = NULL;
    CHECK(recur_vocab_build(KOREAN, strlen(KOREAN), RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
    if (v) {
        CHECK(recur_vocab_size(v) == 5);
        CHECK(recur_vocab_find(v, "하늘에", strlen("하늘에")) >= 0);
        static const char *const stream4[] = {"푸른", "하늘에", "구름이", "떠있다", "<eos>"};
        check_word_stream(v, KOREAN, stream4, 5);
    }
    recur_vocab_free(v);

    /* A text of white space alone still has lines. */
    v = NULL;
    CHECK(recur_vocab_build(" \n\t\n", 4, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
    if (v) {
        CHECK(recur_vocab_size(v) == 1);
        static const char *const stream5[] = {"<eos>", "<eos>"};
        check_word_stream(v, " \n\t\n", stream5, 2);
    }
    recur_vocab_free(v);
}

/* ------------------------------------------------------------ from tokens */

static void test_from_tokens(void)
{
    recur_error err = {0};
    recur_vocab *v = NULL;
    const char *chars[] = {"\n", "a", "한", "\xF0\x9F\x98\x80"};
    CHECK(recur_vocab_from_tokens(chars, 4, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    if (v) {
        CHECK(recur_vocab_size(v) == 4);
        CHECK(recur_vocab_find(v, "한", strlen("한")) == 2);
        int32_t *ids = NULL;
        size_t n = 0;
        const char *text = "a한\xF0\x9F\x98\x80\n";
        CHECK(recur_vocab_encode(v, text, strlen(text), &ids, &n, &err) == RECUR_OK);
        CHECK(n == 4 && ids && ids[0] == 1 && ids[1] == 2 && ids[2] == 3 && ids[3] == 0);
        free(ids);
    }
    recur_vocab_free(v);

    const char *words[] = {"<eos>", "the", "<unk>"};
    v = NULL;
    CHECK(recur_vocab_from_tokens(words, 3, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
    if (v) {
        CHECK(recur_vocab_unk(v) == 2);
        CHECK(recur_vocab_find(v, "the", 3) == 1);
        static const char *const stream[] = {"the", "<unk>", "<eos>"};
        check_word_stream(v, "the end\n", stream, 3);
    }
    recur_vocab_free(v);

    /* Rejections: each leaves *out NULL and says which token. */
    struct {
        const char *tokens[3];
        int count;
        recur_level level;
        const char *needle;
    } bad[] = {
        {{"a", "b", "a"}, 3, RECUR_LEVEL_CHAR, "duplicate"},
        {{"the", "cat", "the"}, 3, RECUR_LEVEL_WORD, "duplicate"},
        {{"a", "", "b"}, 3, RECUR_LEVEL_WORD, "token 1 is an empty string"},
        {{"a", ""}, 2, RECUR_LEVEL_CHAR, "token 1 is an empty string"},
        {{"a", "ab"}, 2, RECUR_LEVEL_CHAR, "token 1 (\"ab\") is not exactly one character"},
        {{"한국"}, 1, RECUR_LEVEL_CHAR, "token 0 (\"한국\") is not exactly one character"},
        {{"a", "\xC3"}, 2, RECUR_LEVEL_CHAR, "token 1: invalid UTF-8 at byte offset 0"},
        {{"x\xED\xA0\x80"}, 1, RECUR_LEVEL_WORD, "token 0: invalid UTF-8 at byte offset 1"},
        {{"new york"}, 1, RECUR_LEVEL_WORD, "white space"},
        {{"a", NULL}, 2, RECUR_LEVEL_WORD, "token 1 is missing"},
        {{"a"}, 0, RECUR_LEVEL_WORD, "at least one token"},
        {{"a"}, -3, RECUR_LEVEL_CHAR, "at least one token"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = (recur_vocab *)&err; /* any non-NULL value: it must be reset */
        recur_status rc = recur_vocab_from_tokens(bad[i].tokens, bad[i].count, bad[i].level, &v,
                                                  &err);
        CHECK_MSG(rc != RECUR_OK && v == NULL, "bad %zu accepted", i);
        CHECK_MSG(strstr(err.msg, bad[i].needle) != NULL, "bad %zu: \"%s\" lacks \"%s\"", i,
                  err.msg, bad[i].needle);
    }
}

/* ------------------------------------------------- a Korean file round trip */

static void test_korean_file_round_trip(void)
{
    char path[512];
    if (!fixture_path(path, sizeof path, "text_korean.txt"))
        return;
    recur_error err = {0};
    char *data = NULL;
    size_t len = 0;
    if (recur_read_file(path, &data, &len, &err) != RECUR_OK) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    recur_vocab *v = NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(recur_vocab_build(data, len, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    CHECK(v && recur_vocab_encode(v, data, len, &ids, &n, &err) == RECUR_OK);
    if (ids) {
        char *back = join_tokens(v, ids, n, "");
        CHECK(strcmp(back, data) == 0);
        free(back);
    }
    free(ids);
    recur_vocab_free(v);

    /* Word level: joining words by spaces and "<eos>" by newlines gives the
     * text with its white space normalised. */
    v = NULL;
    ids = NULL;
    CHECK(recur_vocab_build(data, len, RECUR_LEVEL_WORD, &v, &err) == RECUR_OK);
    CHECK(v && recur_vocab_encode(v, data, len, &ids, &n, &err) == RECUR_OK);
    if (ids) {
        int eos = recur_vocab_find(v, "<eos>", 5);
        size_t lines = 0;
        char *rebuilt = calloc(2 * len + 16, 1);
        for (size_t i = 0; i < n; i++) {
            if (ids[i] == eos) {
                strcat(rebuilt, "\n");
                lines++;
            } else {
                if (i > 0 && ids[i - 1] != eos)
                    strcat(rebuilt, " ");
                strcat(rebuilt, recur_vocab_token(v, ids[i]));
            }
        }
        CHECK(lines == 5); /* five lines, the last without a newline */
        /* The same normalisation done by hand. */
        char *expect = calloc(len + 2, 1);
        size_t e = 0;
        int in_word = 0, line_has_word = 0;
        for (size_t i = 0; i < len; i++) {
            char c = data[i];
            if (c == '\n') {
                expect[e++] = '\n';
                in_word = line_has_word = 0;
            } else if (c == ' ' || c == '\t') {
                in_word = 0;
            } else {
                if (!in_word && line_has_word)
                    expect[e++] = ' ';
                expect[e++] = c;
                in_word = line_has_word = 1;
            }
        }
        if (len && data[len - 1] != '\n')
            expect[e++] = '\n';
        CHECK_MSG(strcmp(rebuilt, expect) == 0, "rebuilt:\n%s\nexpected:\n%s", rebuilt, expect);
        free(expect);
        free(rebuilt);
    }
    free(ids);
    recur_vocab_free(v);
    free(data);
}

int main(void)
{
    test_char_vocab();
    test_char_vocab_many_code_points();
    test_word_vocab();
    test_from_tokens();
    test_korean_file_round_trip();
    return test_report();
}
