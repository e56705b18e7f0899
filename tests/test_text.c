/* Text: strict UTF-8 decoding and validation, and reading files. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, mkfifo, fork */
#include "recur/text.h"
#include "test.h"
#include "text/utf8.h"
#include "test_text_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char KOREAN[] = TEXT_KOREAN_SENTENCE;

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

/* ------------------------------------------------------------- read_file */

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
int main(void)
{
    test_decode_korean();
    test_encode_decode_all_code_points();
    test_fast_decoder_matches_full();
    test_invalid_sequences();
    test_read_file();
    return test_report();
}
