/* Text edges: byte-order marks, Windows line ends, word vocabularies cut by
 * a minimum count or a maximum size, and what encoding does with tokens a
 * vocabulary lacks (mapped to <unk>, skipped or refused, and counted). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"
#include "test.h"

static char tmpdir[64];

static const char *write_file(const char *name, const char *bytes, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(bytes, 1, len, f);
        fclose(f);
    }
    return path;
}

static void test_bom(void)
{
    recur_error err = {0};
    char *data = NULL;
    size_t len = 0;
    const char *path = write_file("bom.txt", "\xEF\xBB\xBFhi\n", 6);
    CHECK_MSG(recur_read_file(path, &data, &len, &err) == RECUR_OK, "%s", err.msg);
    CHECK(len == 3 && data && memcmp(data, "hi\n", 4) == 0); /* NUL-terminated too */
    /* The mark never becomes a character of the vocabulary. */
    recur_vocab *v = NULL;
    CHECK(recur_vocab_build(data, len, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    CHECK(recur_vocab_size(v) == 3 && recur_vocab_find(v, "\xEF\xBB\xBF", 3) < 0);
    recur_vocab_free(v);
    free(data);
    /* Only the mark: an empty file. */
    data = NULL;
    path = write_file("only_bom.txt", "\xEF\xBB\xBF", 3);
    CHECK(recur_read_file(path, &data, &len, &err) == RECUR_E_FORMAT && data == NULL);
    CHECK_MSG(strstr(err.msg, "is empty") != NULL, "%s", err.msg);
    /* A mark later in the text is a character like any other; only the start counts. */
    path = write_file("mid_bom.txt", "a\xEF\xBB\xBF", 4);
    CHECK(recur_read_file(path, &data, &len, &err) == RECUR_OK && len == 4);
    free(data);
    CHECK(recur_utf8_bom_length("\xEF\xBB\xBFx", 4) == 3);
    CHECK(recur_utf8_bom_length("\xEF\xBB", 2) == 0);
    CHECK(recur_utf8_bom_length("abc", 3) == 0);
}

static void test_crlf(void)
{
    char text[] = "a\r\nb\r\n\rc\n\r";
    size_t len = strlen(text);
    CHECK(recur_text_crlf_count(text, len) == 2);
    size_t n = recur_text_crlf_to_lf(text, len);
    CHECK_MSG(n == len - 2 && memcmp(text, "a\nb\n\rc\n\r", n + 1) == 0, "%zu '%s'", n, text);
    CHECK(recur_text_crlf_count(text, n) == 0);
    CHECK(recur_text_crlf_count("x\r", 2) == 0);
}

/* The token strings of v joined by spaces, for comparing vocabularies. */
static void tokens_of(const recur_vocab *v, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < recur_vocab_size(v) && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "", recur_vocab_token(v, i));
}

static recur_vocab *build(const char *text, int min_count, int max_vocab, int add_unk, recur_vocab_stats *st)
{
    recur_vocab_options o;
    recur_vocab_options_default(&o, RECUR_LEVEL_WORD);
    CHECK(o.add_unk == 1 && o.min_count == 0 && o.max_vocab == 0);
    o.min_count = min_count;
    o.max_vocab = max_vocab;
    o.add_unk = add_unk;
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK_MSG(recur_vocab_build_with(text, strlen(text), &o, &v, st, &err) == RECUR_OK, "%s", err.msg);
    return v;
}

static void test_min_count_max_vocab(void)
{
    /* the 4, cat 3, sat 2, a 1, dog 1, mat 1, <eos> 3 */
    const char *text = "the cat sat\nthe cat sat a\nthe cat the dog mat\n";
    /* The same text with the words seen once replaced by <unk>, as PTB was prepared. */
    const char *replaced = "the cat sat\nthe cat sat <unk>\nthe cat the <unk> <unk>\n";
    char got[256], want[256];
    recur_vocab_stats st;
    recur_vocab *v = build(text, 2, 0, 1, &st), *ref = NULL;
    recur_error err = {0};
    CHECK(recur_vocab_build(replaced, strlen(replaced), RECUR_LEVEL_WORD, &ref, &err) == RECUR_OK);
    tokens_of(v, got, sizeof got);
    tokens_of(ref, want, sizeof want);
    CHECK_MSG(strcmp(got, want) == 0, "min-count 2: '%s', want '%s'", got, want);
    CHECK_MSG(strcmp(got, "the <eos> <unk> cat sat") == 0, "'%s'", got);
    CHECK(st.tokens == 15 && st.types == 7 && st.dropped_types == 3 && st.dropped_tokens == 3 && st.added_unk == 1);
    /* Encoding the training text itself: the dropped words are <unk>, counted. */
    int32_t *ids = NULL;
    size_t n = 0;
    recur_encode_stats es;
    CHECK(recur_vocab_encode_with(v, text, strlen(text), RECUR_UNKNOWN_ERROR, &ids, &n, &es, &err) == RECUR_OK);
    CHECK(n == 15 && es.tokens == 15 && es.unk_mapped == 3 && es.unk_total == 3 && es.skipped == 0);
    CHECK(es.unknown_types == 3 && es.n_examples == 3);
    CHECK(strcmp(es.examples[0].text, "a") == 0 && es.examples[0].line == 2 && es.examples[0].offset == 24);
    CHECK(strcmp(es.examples[2].text, "mat") == 0 && es.examples[2].count == 1 && es.examples[2].line == 3);
    free(ids);
    recur_vocab_free(v);
    recur_vocab_free(ref);

    /* --max-vocab 4: <eos> and <unk> plus the two most frequent words; the
     * rest become <unk> (sat 2, a, dog, mat: 5 tokens). */
    v = build(text, 0, 4, 1, &st);
    tokens_of(v, got, sizeof got);
    CHECK_MSG(strcmp(got, "<unk> the <eos> cat") == 0, "max-vocab 4: '%s'", got);
    CHECK(recur_vocab_size(v) == 4 && st.dropped_types == 4 && st.dropped_tokens == 5);
    recur_vocab_free(v);
    /* A limit above the vocabulary's size changes nothing but the added <unk>, which comes last (count 0). */
    v = build(text, 0, 100, 1, &st);
    tokens_of(v, got, sizeof got);
    CHECK_MSG(strcmp(got, "the <eos> cat sat a dog mat <unk>") == 0, "'%s'", got);
    CHECK(st.dropped_types == 0 && st.added_unk == 1);
    recur_vocab_free(v);
    /* Without add_unk and nothing dropped: exactly recur_vocab_build's vocabulary. */
    v = build(text, 0, 0, 0, &st);
    CHECK(recur_vocab_unk(v) < 0 && recur_vocab_size(v) == 7 && st.added_unk == 0);
    recur_vocab_free(v);
    /* A text with its own <unk> keeps it; dropped words add to its count
     * (<unk> 1 + x 1 = 2, y 2, <eos> 1). */
    v = build("<unk> x y y\n", 2, 0, 1, &st);
    tokens_of(v, got, sizeof got);
    CHECK_MSG(strcmp(got, "<unk> y <eos>") == 0, "'%s'", got);
    CHECK(st.added_unk == 0 && st.dropped_types == 1);
    recur_vocab_free(v);

    /* Limits that leave no word, and limits at char level, are refused. */
    recur_vocab_options o;
    recur_vocab_options_default(&o, RECUR_LEVEL_WORD);
    o.max_vocab = 2;
    v = NULL;
    CHECK(recur_vocab_build_with(text, strlen(text), &o, &v, NULL, &err) == RECUR_E_ARG && v == NULL);
    CHECK_MSG(strstr(err.msg, "at most 2 tokens") != NULL, "%s", err.msg);
    recur_vocab_options_default(&o, RECUR_LEVEL_CHAR);
    CHECK(o.add_unk == 0);
    o.min_count = 2;
    CHECK(recur_vocab_build_with(text, strlen(text), &o, &v, NULL, &err) == RECUR_E_ARG);
    CHECK_MSG(strstr(err.msg, "word vocabularies only") != NULL, "%s", err.msg);
}

static void test_unknown_words(void)
{
    recur_vocab *v = build("the cat\n", 0, 0, 1, NULL);
    recur_error err = {0};
    int32_t *ids = NULL;
    size_t n = 0;
    recur_encode_stats es;
    const char *text = "the zebra\nzebra cat <unk> okapi\n";
    CHECK(recur_vocab_encode_with(v, text, strlen(text), RECUR_UNKNOWN_ERROR, &ids, &n, &es, &err) == RECUR_OK);
    /* the zebra <eos> zebra cat <unk> okapi <eos> */
    CHECK(n == 8 && es.tokens == 8 && es.unk_mapped == 3 && es.unk_total == 4 && es.unknown_types == 2);
    CHECK(strcmp(es.examples[0].text, "zebra") == 0 && es.examples[0].count == 2 && es.examples[0].offset == 4);
    CHECK(strcmp(es.examples[1].text, "okapi") == 0 && es.examples[1].line == 2);
    free(ids);
    recur_vocab_free(v);

    /* No <unk> in the vocabulary: an error that counts them all, or skipped. */
    v = build("the cat\n", 0, 0, 0, NULL);
    CHECK(recur_vocab_encode_with(v, text, strlen(text), RECUR_UNKNOWN_ERROR, &ids, &n, &es, &err) ==
          RECUR_E_FORMAT);
    CHECK(ids == NULL);
    CHECK_MSG(strstr(err.msg, "word \"zebra\" on line 1") && strstr(err.msg, "(4 words of the text, 3 distinct"),
              "%s", err.msg);
    CHECK(es.unknown_types == 3 && es.examples[2].count == 1);
    CHECK(recur_vocab_encode_with(v, text, strlen(text), RECUR_UNKNOWN_SKIP, &ids, &n, &es, &err) == RECUR_OK);
    CHECK(n == 4 && es.skipped == 4 && es.unk_mapped == 0 && es.tokens == 8);
    free(ids);
    /* A long word is quoted cut on a character boundary. */
    char longword[200];
    memset(longword, 'x', 63);
    strcpy(longword + 63, "\xED\x95\x9C tail\n"); /* a 3-byte character across byte 64 */
    CHECK(recur_vocab_encode_with(v, longword, strlen(longword), RECUR_UNKNOWN_SKIP, &ids, &n, &es, &err) ==
          RECUR_OK);
    CHECK_MSG(strlen(es.examples[0].text) == 66 && strcmp(es.examples[0].text + 63, "...") == 0, "%s",
              es.examples[0].text);
    free(ids);
    recur_vocab_free(v);
}

static void test_unknown_chars(void)
{
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK(recur_vocab_build("ab\n", 3, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    int32_t *ids = NULL;
    size_t n = 0;
    recur_encode_stats es;
    const char *text = "a'b\n'\xE2\x80\x9C" "a\n"; /* a ' b \n ' U+201C a \n */
    CHECK(recur_vocab_encode_with(v, text, strlen(text), RECUR_UNKNOWN_ERROR, &ids, &n, &es, &err) ==
          RECUR_E_FORMAT);
    CHECK(ids == NULL);
    CHECK_MSG(strstr(err.msg, "character ''' (U+0027) at byte offset 1 is not in the vocabulary (3 characters of "
                              "the text, 2 distinct, are not)"),
              "%s", err.msg);
    CHECK(es.unknown_types == 2 && es.examples[0].count == 2 && es.examples[1].cp == 0x201C &&
          es.examples[1].line == 2 && es.examples[1].offset == 5);
    CHECK(recur_vocab_encode_with(v, text, strlen(text), RECUR_UNKNOWN_SKIP, &ids, &n, &es, &err) == RECUR_OK);
    CHECK(n == 5 && es.tokens == 8 && es.skipped == 3 && es.unk_mapped == 0);
    static const char want[] = "ab\na\n";
    for (size_t i = 0; i < n && i < 5; i++)
        CHECK(recur_vocab_token(v, ids[i])[0] == want[i]);
    free(ids);
    /* One unknown character: the message is the short one. */
    CHECK(recur_vocab_encode_with(v, "az", 2, RECUR_UNKNOWN_ERROR, &ids, &n, NULL, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strcmp(err.msg, "character 'z' (U+007A) at byte offset 1 is not in the vocabulary") == 0, "%s",
              err.msg);
    /* Nothing unknown: all zero but the count. */
    CHECK(recur_vocab_encode_with(v, "ba", 2, RECUR_UNKNOWN_ERROR, &ids, &n, &es, &err) == RECUR_OK);
    CHECK(n == 2 && es.tokens == 2 && es.skipped == 0 && es.unknown_types == 0 && es.n_examples == 0);
    free(ids);
    /* Policies by name. */
    recur_unknown u;
    CHECK(recur_unknown_parse("skip", &u, &err) == RECUR_OK && u == RECUR_UNKNOWN_SKIP);
    CHECK(recur_unknown_parse("unk", &u, &err) == RECUR_E_ARG);
    CHECK(strcmp(recur_unknown_name(RECUR_UNKNOWN_ERROR), "error") == 0);
    CHECK(recur_vocab_encode_with(v, "a", 1, (recur_unknown)7, &ids, &n, NULL, &err) == RECUR_E_ARG);
    recur_vocab_free(v);
}

/* More than RECUR_UNKNOWN_EXAMPLES distinct unknown tokens: all counted, the first 8 listed. */
static void test_many_unknowns(void)
{
    recur_vocab *v = NULL;
    recur_error err = {0};
    CHECK(recur_vocab_build("a", 1, RECUR_LEVEL_CHAR, &v, &err) == RECUR_OK);
    const char *text = "abcdefghijklmnopqrstuvwxyz";
    int32_t *ids = NULL;
    size_t n = 0;
    recur_encode_stats es;
    CHECK(recur_vocab_encode_with(v, text, 26, RECUR_UNKNOWN_SKIP, &ids, &n, &es, &err) == RECUR_OK);
    CHECK(n == 1 && es.skipped == 25 && es.unknown_types == 25 && es.n_examples == RECUR_UNKNOWN_EXAMPLES);
    CHECK(strcmp(es.examples[7].text, "i") == 0);
    free(ids);
    recur_vocab_free(v);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/recur_text_edges_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_bom();
    test_crlf();
    test_min_count_max_vocab();
    test_unknown_words();
    test_unknown_chars();
    test_many_unknowns();
    const char *names[] = {"bom.txt", "only_bom.txt", "mid_bom.txt"};
    for (int i = 0; i < 3; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        remove(p);
    }
    rmdir(tmpdir);
    return test_report();
}
