/* Text: UTF-8 decoding and validation, file reading, char and word
 * vocabularies, token streams, and the shipped corpora when present. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, mkfifo, fork, clock_gettime */
#include "recur/text.h"
#include "test.h"
#include "text/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char KOREAN[] = "푸른 하늘에 구름이 떠있다";

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Joins the tokens of ids back into text (char level). */
static char *join_tokens(const recur_vocab *v, const int32_t *ids, size_t n, const char *sep)
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(recur_vocab_token(v, ids[i])) + strlen(sep);
    char *out = malloc(total);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = recur_vocab_token(v, ids[i]);
        size_t len = strlen(t);
        memcpy(out + used, t, len);
        used += len;
        if (i + 1 < n) {
            memcpy(out + used, sep, strlen(sep));
            used += strlen(sep);
        }
    }
    out[used] = '\0';
    return out;
}

/* ---------------------------------------------------------------- UTF-8 */

static void test_decode_korean(void)
{
    const unsigned char *s = (const unsigned char *)KOREAN;
    size_t len = strlen(KOREAN), pos = 0, n = 0;
    uint32_t cps[32];
    int ok = 1;
    while (pos < len && n < 32) {
        int rc = recur_utf8_decode(s, len, &pos, &cps[n]);
        ok &= rc == RECUR_UTF8_OK;
        if (rc != RECUR_UTF8_OK)
            break;
        n++;
    }
    CHECK(ok);
    CHECK(pos == len);
    CHECK_MSG(n == 14, "decoded %zu code points", n);
    CHECK(len == 36); /* 11 syllables of 3 bytes and 3 spaces */
    CHECK(cps[0] == 0xD478);  /* 푸 */
    CHECK(cps[1] == 0xB978);  /* 른 */
    CHECK(cps[2] == ' ');
    CHECK(cps[13] == 0xB2E4); /* 다 */
    recur_error err = {0};
    CHECK(recur_utf8_validate(KOREAN, len, &err) == RECUR_OK);
}

static void test_encode_decode_all_code_points(void)
{
    int bad = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        char buf[4];
        int n = recur_utf8_encode(cp, buf);
        int expect = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            bad += n != 0;
            continue;
        }
        size_t pos = 0;
        uint32_t back = 0xFFFFFFFF;
        int rc = recur_utf8_decode((const unsigned char *)buf, (size_t)n, &pos, &back);
        if (n != expect || rc != RECUR_UTF8_OK || back != cp || pos != (size_t)n) {
            if (bad < 5)
                fprintf(stderr, "round trip of U+%04X failed (n=%d rc=%d back=%X)\n", (unsigned)cp,
                        n, rc, (unsigned)back);
            bad++;
        }
    }
    CHECK_MSG(bad == 0, "%d code points failed", bad);
    char buf[4];
    CHECK(recur_utf8_encode(0x110000, buf) == 0);
    CHECK(recur_utf8_encode(0xD800, buf) == 0);
    CHECK(recur_utf8_encode(0xDFFF, buf) == 0);
}

/* The inline fast paths agree with the full decoder on every sequence of
 * one to three bytes starting with a non-ASCII byte. */
static void test_fast_decoder_matches_full(void)
{
    long mismatches = 0;
    unsigned char buf[3];
    for (unsigned b0 = 0x80; b0 <= 0xFF; b0++) {
        buf[0] = (unsigned char)b0;
        for (unsigned b1 = 0; b1 <= 0xFF; b1++) {
            buf[1] = (unsigned char)b1;
            for (unsigned b2 = 0; b2 <= 0xFF; b2++) {
                buf[2] = (unsigned char)b2;
                for (size_t len = 1; len <= 3; len++) {
                    if (len < 3 && b2 != 0)
                        continue;
                    if (len < 2 && b1 != 0)
                        continue;
                    size_t pos_fast = 0, pos_full = 0;
                    uint32_t cp_fast = 7, cp_full = 7;
                    int a = recur_utf8_decode(buf, len, &pos_fast, &cp_fast);
                    int b = recur_utf8_decode_full(buf, len, &pos_full, &cp_full);
                    if (a != b || pos_fast != pos_full || cp_fast != cp_full)
                        mismatches++;
                }
            }
        }
    }
    CHECK_MSG(mismatches == 0, "%ld sequences decode differently", mismatches);
}

/* One invalid sequence: where the error must point and why. */
typedef struct bad_case {
    const char *bytes;
    size_t len;
    size_t offset;
    unsigned byte;
    int code;
} bad_case;

#define BAD(lit, off, b, c) {lit, sizeof lit - 1, off, b, c}

static void test_invalid_sequences(void)
{
    static const bad_case cases[] = {
        BAD("ab\x80", 2, 0x80, RECUR_UTF8_STRAY_CONTINUATION),
        BAD("ab\xBF" "cd", 2, 0xBF, RECUR_UTF8_STRAY_CONTINUATION),
        BAD("ab\xC0\xAF", 2, 0xC0, RECUR_UTF8_OVERLONG),              /* '/' in two bytes */
        BAD("ab\xC1\xBF", 2, 0xC1, RECUR_UTF8_OVERLONG),
        BAD("ab\xE0\x80\xAF", 2, 0xE0, RECUR_UTF8_OVERLONG),          /* '/' in three bytes */
        BAD("ab\xE0\x9F\xBF", 2, 0xE0, RECUR_UTF8_OVERLONG),          /* U+07FF in three bytes */
        BAD("ab\xF0\x80\x80\xAF", 2, 0xF0, RECUR_UTF8_OVERLONG),      /* '/' in four bytes */
        BAD("ab\xF0\x8F\xBF\xBF", 2, 0xF0, RECUR_UTF8_OVERLONG),      /* U+FFFF in four bytes */
        BAD("ab\xED\xA0\x80", 2, 0xED, RECUR_UTF8_SURROGATE),         /* U+D800 */
        BAD("ab\xED\xBF\xBF", 2, 0xED, RECUR_UTF8_SURROGATE),         /* U+DFFF */
        BAD("ab\xF4\x90\x80\x80", 2, 0xF4, RECUR_UTF8_TOO_LARGE),     /* U+110000 */
        BAD("ab\xF5\x80\x80\x80", 2, 0xF5, RECUR_UTF8_TOO_LARGE),
        BAD("ab\xF8\x88\x80\x80\x80", 2, 0xF8, RECUR_UTF8_BAD_LEAD),
        BAD("ab\xFF", 2, 0xFF, RECUR_UTF8_BAD_LEAD),
        BAD("ab\xC3\x28", 2, 0xC3, RECUR_UTF8_MISSING_CONTINUATION),
        BAD("ab\xE2\x82\x28", 2, 0xE2, RECUR_UTF8_MISSING_CONTINUATION),
        BAD("ab\xF0\x9F\x98 ", 2, 0xF0, RECUR_UTF8_MISSING_CONTINUATION),
        BAD("ab\xC3", 2, 0xC3, RECUR_UTF8_TRUNCATED),
        BAD("ab\xE2\x82", 2, 0xE2, RECUR_UTF8_TRUNCATED),
        BAD("ab\xF0\x9F\x98", 2, 0xF0, RECUR_UTF8_TRUNCATED),
        /* Offsets count bytes, not characters: "한" is three bytes. */
        BAD("\xED\x95\x9C\xC3", 3, 0xC3, RECUR_UTF8_TRUNCATED),
        /* Past the eight-byte ASCII fast path. */
        BAD("aaaaaaaaaaaaaaaaa\xFE", 17, 0xFE, RECUR_UTF8_BAD_LEAD),
        BAD("aaaaaaaa\xED\x95\x9C" "aaaaaaaa\x80", 19, 0x80, RECUR_UTF8_STRAY_CONTINUATION),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        recur_error err = {0};
        recur_status rc = recur_utf8_validate(c->bytes, c->len, &err);
        CHECK_MSG(rc == RECUR_E_FORMAT, "case %zu: status %d", i, (int)rc);
        char want[96];
        snprintf(want, sizeof want, "invalid UTF-8 at byte offset %zu (byte 0x%02X)", c->offset,
                 c->byte);
        CHECK_MSG(strstr(err.msg, want) != NULL, "case %zu: got \"%s\", want \"%s\"", i, err.msg,
                  want);
        CHECK_MSG(strstr(err.msg, recur_utf8_reason(c->code)) != NULL,
                  "case %zu: \"%s\" lacks reason \"%s\"", i, err.msg, recur_utf8_reason(c->code));
        /* The decoder itself, at the bad offset, reports the same class. */
        size_t pos = c->offset;
        uint32_t cp = 0;
        int code = recur_utf8_decode((const unsigned char *)c->bytes, c->len, &pos, &cp);
        CHECK_MSG(code == c->code && pos == c->offset, "case %zu: decode gave %d at %zu", i, code,
                  pos);
    }
    /* The boundaries just inside the valid ranges pass. */
    static const char *const good[] = {"\xC2\x80", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
                                       "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBF"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        recur_error err = {0};
        CHECK_MSG(recur_utf8_validate(good[i], strlen(good[i]), &err) == RECUR_OK, "good %zu: %s",
                  i, err.msg);
    }
}

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

/* ------------------------------------------------------------- read_file */

/* The path of a fixture in tests/data; 0 (and a note) if it cannot be found. */
static int fixture_path(char *buf, size_t size, const char *name)
{
    const char *dir = getenv("RECUR_TEST_DATA");
    snprintf(buf, size, "%s/%s", dir ? dir : "tests/data", name);
    if (access(buf, R_OK) != 0) {
        printf("skip: fixture %s not found (set RECUR_TEST_DATA to tests/data)\n", name);
        return 0;
    }
    return 1;
}

static void test_read_file(void)
{
    recur_error err = {0};
    char *data = NULL;
    size_t len = 0;

    CHECK(recur_read_file("no/such/file.txt", &data, &len, &err) == RECUR_E_IO);
    CHECK(data == NULL);
    CHECK_MSG(strstr(err.msg, "no/such/file.txt") && strstr(err.msg, "no such file"), "%s",
              err.msg);

    char dir[] = "/tmp/recur_test_text_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK_MSG(0, "cannot make a temporary directory");
        return;
    }
    CHECK(recur_read_file(dir, &data, &len, &err) == RECUR_E_IO);
    CHECK_MSG(strstr(err.msg, dir) && strstr(err.msg, "is a directory"), "%s", err.msg);

    char path[512];
    snprintf(path, sizeof path, "%s/empty.txt", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK(recur_read_file(path, &data, &len, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, "is empty"), "%s", err.msg);
    CHECK(data == NULL);
    unlink(path);

    /* A file we may not read. Root may read anything: then say why it is skipped. */
    snprintf(path, sizeof path, "%s/locked.txt", dir);
    f = fopen(path, "wb");
    if (f) {
        fputs("secret\n", f);
        fclose(f);
        chmod(path, 0);
        FILE *probe = fopen(path, "rb");
        if (probe) {
            fclose(probe);
            printf("skip: permission test (this user can read a mode-000 file)\n");
        } else {
            CHECK(recur_read_file(path, &data, &len, &err) == RECUR_E_IO);
            CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, "permission denied"), "%s",
                      err.msg);
        }
        unlink(path);
    }

    /* A pipe has no size: it is read to its end (100,000 bytes, past any first guess). */
    snprintf(path, sizeof path, "%s/pipe", dir);
    if (mkfifo(path, 0600) == 0) {
        pid_t child = fork();
        if (child == 0) {
            FILE *w = fopen(path, "wb");
            for (int i = 0; w && i < 100000; i++)
                fputc('a' + i % 26, w);
            if (w)
                fclose(w);
            _exit(0);
        }
        CHECK(child > 0);
        if (child > 0) {
            CHECK_MSG(recur_read_file(path, &data, &len, &err) == RECUR_OK, "%s", err.msg);
            waitpid(child, NULL, 0);
            CHECK_MSG(len == 100000, "read %zu bytes from a pipe", len);
            int same = data != NULL && data[len] == '\0';
            for (size_t i = 0; same && i < len; i++)
                same = data[i] == 'a' + (int)(i % 26);
            CHECK(same);
            free(data);
            data = NULL;
        }
        unlink(path);
    }
    rmdir(dir);

    /* A real read: the text, its length and the terminating NUL. */
    if (fixture_path(path, sizeof path, "text_korean.txt")) {
        CHECK_MSG(recur_read_file(path, &data, &len, &err) == RECUR_OK, "%s", err.msg);
        if (data) {
            CHECK(len == strlen(data));
            CHECK(strncmp(data, KOREAN, strlen(KOREAN)) == 0);
        }
        free(data);
    }
}

/* Reads the Korean fixture, encodes it at both levels, and rebuilds it. */
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

/* ------------------------------------------------------- shipped corpora */

static int read_data_file(const char *name, char **data, size_t *len)
{
    const char *dir = getenv("RECUR_DATA");
    if (!dir) {
        printf("skip: %s (RECUR_DATA is not set)\n", name);
        return 0;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    recur_error err = {0};
    if (recur_read_file(path, data, len, &err) != RECUR_OK) {
        printf("skip: %s (%s)\n", name, err.msg);
        return 0;
    }
    return 1;
}

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

int main(void)
{
    test_decode_korean();
    test_encode_decode_all_code_points();
    test_fast_decoder_matches_full();
    test_invalid_sequences();
    test_char_vocab();
    test_char_vocab_many_code_points();
    test_word_vocab();
    test_from_tokens();
    test_read_file();
    test_korean_file_round_trip();
    test_ptb_counts();
    test_korean_corpus();
    return test_report();
}
