/* The JSON parser and the string buffer that writes JSON. */
#include "core/json.h"
#include "core/strbuf.h"
#include "test.h"

#include <stdint.h>
#include <string.h>

static json_value *parse_ok(const char *text)
{
    json_value *v = NULL;
    recur_error err = {0};
    recur_status st = json_parse(text, strlen(text), &v, &err);
    CHECK_MSG(st == RECUR_OK, "'%s': %s", text, err.msg);
    return v;
}

/* Expects a format error whose message names the given byte offset. */
static void parse_bad_len(const char *text, size_t len, size_t offset)
{
    json_value *v = (json_value *)&v; /* must be reset to NULL */
    recur_error err = {0};
    recur_status st = json_parse(text, len, &v, &err);
    int shown = len > 60 ? 60 : (int)len; /* keep failure output short */
    CHECK_MSG(st == RECUR_E_FORMAT, "'%.*s' parsed (status %d)", shown, text, (int)st);
    CHECK(v == NULL);
    char want[64];
    snprintf(want, sizeof want, "byte offset %zu ", offset);
    CHECK_MSG(strstr(err.msg, want) != NULL, "'%.*s': message '%s' lacks '%s'", shown, text, err.msg,
              want);
}

static void parse_bad(const char *text, size_t offset) { parse_bad_len(text, strlen(text), offset); }

static void test_scalars(void)
{
    json_value *v = parse_ok(" null ");
    CHECK(v && v->type == JSON_NULL);
    json_free(v);
    v = parse_ok("true");
    CHECK(v && v->type == JSON_BOOL && v->boolean == 1);
    json_free(v);
    v = parse_ok("\tfalse\r\n");
    CHECK(v && v->type == JSON_BOOL && v->boolean == 0);
    json_free(v);

    struct { const char *text; double value; } nums[] = {
        {"0", 0.0}, {"-0", -0.0}, {"1", 1.0}, {"-17", -17.0}, {"3.25", 3.25}, {"-0.5e-3", -0.0005},
        {"1E3", 1000.0}, {"2e+2", 200.0}, {"9007199254740993", 9007199254740992.0},
        {"9007199254740991", 9007199254740991.0}, {"1e-400", 0.0}, {"123456789012", 123456789012.0},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        v = parse_ok(nums[i].text);
        CHECK_MSG(v && v->type == JSON_NUMBER && v->number == nums[i].value, "%s", nums[i].text);
        json_free(v);
    }
    v = parse_ok("-0");
    CHECK(v && signbit(v->number));
    json_free(v);
}

static void test_strings(void)
{
    json_value *v = parse_ok("\"plain\"");
    CHECK(v && v->type == JSON_STRING && v->len == 5 && strcmp(v->str, "plain") == 0);
    json_free(v);
    v = parse_ok("\"\"");
    CHECK(v && v->type == JSON_STRING && v->len == 0 && v->str && v->str[0] == '\0');
    json_free(v);
    v = parse_ok("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"");
    CHECK(v && strcmp(v->str, "q\" b\\ s/ \b\f\n\r\t") == 0);
    json_free(v);
    /* \u escapes: ASCII, 2- and 3-byte UTF-8, a surrogate pair, and NUL. */
    v = parse_ok("\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"");
    CHECK(v && strcmp(v->str, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 0);
    json_free(v);
    v = parse_ok("\"a\\u0000b\"");
    CHECK(v && v->len == 3 && memcmp(v->str, "a\0b", 4) == 0);
    json_free(v);
    /* Raw UTF-8 passes through. */
    v = parse_ok("\"gr\xc3\xbc\xc3\x9f \xe4\xb8\xad \xf0\x9f\x98\x80\"");
    CHECK(v && strcmp(v->str, "gr\xc3\xbc\xc3\x9f \xe4\xb8\xad \xf0\x9f\x98\x80") == 0);
    json_free(v);
}

static void test_containers(void)
{
    json_value *v = parse_ok("[]");
    CHECK(v && v->type == JSON_ARRAY && v->count == 0);
    json_free(v);
    v = parse_ok("{ }");
    CHECK(v && v->type == JSON_OBJECT && v->count == 0 && json_get(v, "x") == NULL);
    json_free(v);
    v = parse_ok("[1, \"two\", [3, [4]], {\"five\": 5}, null, true]");
    CHECK(v && v->type == JSON_ARRAY && v->count == 6);
    if (v && v->count == 6) {
        CHECK(v->items[0].type == JSON_NUMBER && v->items[0].number == 1);
        CHECK(v->items[1].type == JSON_STRING && strcmp(v->items[1].str, "two") == 0);
        CHECK(v->items[2].type == JSON_ARRAY && v->items[2].count == 2 &&
              v->items[2].items[1].type == JSON_ARRAY && v->items[2].items[1].items[0].number == 4);
        int64_t five = 0;
        CHECK(json_get_int64(&v->items[3], "five", &five) == 0 && five == 5);
        CHECK(v->items[4].type == JSON_NULL && v->items[5].type == JSON_BOOL);
    }
    json_free(v);

    v = parse_ok("{\"b\": 1, \"a\": \"x\", \"c\": 2.5, \"big\": 1e300, \"neg\": -3, \"k\\u00e9\": true}");
    CHECK(v && v->type == JSON_OBJECT && v->count == 6);
    if (v && v->count == 6) {
        CHECK(strcmp(v->keys[0], "b") == 0 && strcmp(v->keys[1], "a") == 0); /* file order */
        CHECK(v->key_lens[5] == 3 && strcmp(v->keys[5], "k\xc3\xa9") == 0);
        int64_t i = 0;
        double d = 0;
        CHECK(json_get_int64(v, "b", &i) == 0 && i == 1);
        CHECK(json_get_int64(v, "neg", &i) == 0 && i == -3);
        CHECK(json_get_int64(v, "c", &i) == -1);   /* not an integer */
        CHECK(json_get_int64(v, "big", &i) == -1); /* out of range */
        CHECK(json_get_int64(v, "a", &i) == -1);   /* wrong type */
        CHECK(json_get_int64(v, "zz", &i) == -1);  /* absent */
        CHECK(json_get_double(v, "c", &d) == 0 && d == 2.5);
        CHECK(json_get_double(v, "a", &d) == -1);
        CHECK(json_get_string(v, "a") && strcmp(json_get_string(v, "a"), "x") == 0);
        CHECK(json_get_string(v, "b") == NULL);
        CHECK(json_get(v, "k\xc3\xa9") == &v->items[5]);
        CHECK(json_get(&v->items[0], "b") == NULL); /* not an object */
    }
    json_free(v);

    /* 2^53 is the edge of exact integers. */
    v = parse_ok("{\"edge\": 9007199254740992, \"past\": 9007199254740994}");
    int64_t i = 0;
    CHECK(json_get_int64(v, "edge", &i) == 0 && i == INT64_C(9007199254740992));
    CHECK(json_get_int64(v, "past", &i) == -1);
    json_free(v);

    /* 64 levels are allowed, 65 are not. */
    char deep[200];
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    deep[128] = '\0';
    v = parse_ok(deep);
    CHECK(v != NULL);
    json_free(v);
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    deep[130] = '\0';
    parse_bad(deep, 64);

    /* A large object exercises the duplicate-key hash set past its growth. */
    recur_strbuf b;
    recur_strbuf_init(&b);
    recur_strbuf_puts(&b, "{");
    for (int k = 0; k < 5000; k++)
        recur_strbuf_printf(&b, "%s\"key%d\":%d", k ? "," : "", k, k);
    recur_strbuf_puts(&b, "}");
    CHECK(!b.oom);
    v = parse_ok(b.data);
    CHECK(v && v->count == 5000 && json_get_int64(v, "key4321", &i) == 0 && i == 4321);
    json_free(v);
    size_t dup_at = b.len - 1;
    b.len--; /* drop '}' and repeat an early key */
    recur_strbuf_puts(&b, ",\"key17\":0}");
    parse_bad(b.data, dup_at + 1);
    recur_strbuf_free(&b);
}

static void test_malformed(void)
{
    parse_bad("", 0);
    parse_bad("   ", 3);
    parse_bad("nul", 0);
    parse_bad("truex", 4);
    parse_bad("[1,]", 3);
    parse_bad("[1 2]", 3);
    parse_bad("[", 1);
    parse_bad("{\"a\" 1}", 5);
    parse_bad("{\"a\":1,}", 7);
    parse_bad("{a:1}", 1);
    parse_bad("{\"a\":1 \"b\":2}", 7);
    parse_bad("{\"a\":1,\"a\":2}", 7);
    parse_bad("{\"a\":1", 6);
    parse_bad("1 2", 2);
    parse_bad("01", 1);
    parse_bad("-", 1);
    parse_bad("+1", 0);
    parse_bad("1.", 2);
    parse_bad(".5", 0);
    parse_bad("1e", 2);
    parse_bad("1e+", 3);
    parse_bad("1e400", 0);
    parse_bad("-1e400", 0);
    parse_bad("NaN", 0);
    parse_bad("Infinity", 0);
    parse_bad("\"abc", 0);
    parse_bad("\"a\\", 0);
    parse_bad("\"\\x\"", 1);
    parse_bad("\"\\u12G4\"", 1);
    parse_bad("\"\\u123\"", 1);
    parse_bad("\"ab\\ud800\"", 3);         /* lone high surrogate */
    parse_bad("\"\\ud800\\u0041\"", 1);    /* high surrogate + non-low */
    parse_bad("\"\\udc00\"", 1);           /* lone low surrogate */
    parse_bad("\"a\tb\"", 2);              /* raw control character */
    parse_bad("\"\xc3\"", 1);              /* truncated sequence */
    parse_bad("\"\xc0\xaf\"", 1);          /* overlong '/' */
    parse_bad("\"\xed\xa0\x80\"", 1);      /* encoded surrogate */
    parse_bad("\"\xf4\x90\x80\x80\"", 1);  /* above U+10FFFF */
    parse_bad("\"\xff\"", 1);
    parse_bad("\"ok\" \xef\xbb\xbf", 5);   /* trailing garbage */
    parse_bad("\xef\xbb\xbf{}", 0);        /* a BOM is not whitespace */
    parse_bad_len("[1,\0 2]", 7, 3);      /* NUL outside a string */
    parse_bad_len("\"a\0\"", 4, 2);       /* NUL inside a string */
    parse_bad("[1,\n2,\n?]", 7);
    /* The line is named too. */
    json_value *v = NULL;
    recur_error err = {0};
    CHECK(json_parse("{\n\"a\":\n x}", 10, &v, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "line 3") != NULL, "%s", err.msg);

    /* Deep nesting far past the limit fails cleanly rather than recursing. */
    size_t n = 1000000;
    char *deep = malloc(n);
    if (deep) {
        memset(deep, '[', n);
        parse_bad_len(deep, n, 64);
        for (size_t k = 0; k + 5 <= n; k += 5)
            memcpy(deep + k, "{\"a\":", 5);
        parse_bad_len(deep, n, 64 * 5); /* the 65th '{' */
        free(deep);
    }
}

static void test_strbuf(void)
{
    recur_strbuf b;
    recur_strbuf_init(&b);
    CHECK(b.data == NULL && b.len == 0 && !b.oom);
    recur_strbuf_append(&b, "ab", 2);
    recur_strbuf_puts(&b, "cd");
    recur_strbuf_printf(&b, "-%d-%s", 42, "x");
    CHECK(b.data && strcmp(b.data, "abcd-42-x") == 0 && b.len == 9);
    /* A printf longer than any internal scratch buffer. */
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    recur_strbuf_printf(&b, "[%s]", big);
    CHECK(b.len == 9 + 1001 && b.data[b.len] == '\0' && b.data[b.len - 1] == ']' && b.data[10] == 'z');
    recur_strbuf_clear(&b);
    CHECK(b.len == 0 && b.data[0] == '\0');

    /* json_string output parses back to the same bytes. */
    const char samples[][16] = {"plain", "q\"b\\s/", "\x01\x1f\n\t", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        recur_strbuf_clear(&b);
        recur_strbuf_json_string(&b, samples[i], strlen(samples[i]));
        json_value *v = parse_ok(b.data);
        CHECK_MSG(v && v->type == JSON_STRING && strcmp(v->str, samples[i]) == 0, "%s", b.data);
        json_free(v);
    }
    recur_strbuf_clear(&b);
    recur_strbuf_json_string(&b, "a\0b\x01", 4);
    CHECK(strcmp(b.data, "\"a\\u0000b\\u0001\"") == 0);
    json_value *v = parse_ok(b.data);
    CHECK(v && v->len == 4 && memcmp(v->str, "a\0b\x01", 4) == 0);
    json_free(v);
    /* Invalid UTF-8 is replaced so the output is still valid JSON. */
    recur_strbuf_clear(&b);
    recur_strbuf_json_string(&b, "x\xff\xc3y", 4);
    CHECK(strcmp(b.data, "\"x\\ufffd\\ufffdy\"") == 0);
    v = parse_ok(b.data);
    CHECK(v && strcmp(v->str, "x\xef\xbf\xbd\xef\xbf\xbdy") == 0);
    json_free(v);
    recur_strbuf_free(&b);
    CHECK(b.data == NULL && b.len == 0);
}

int main(void)
{
    test_scalars();
    test_strings();
    test_containers();
    test_malformed();
    test_strbuf();
    return test_report();
}
