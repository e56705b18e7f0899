#include "core/json.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/strmap.h"

typedef struct parser {
    const unsigned char *s;
    size_t len, pos;
    recur_error *err;
} parser;

/* Every syntax error goes through here so the message always names the
 * offset and the line it falls on. */
static recur_status fail_at(parser *p, size_t pos, const char *what)
{
    size_t line = 1;
    for (size_t i = 0; i < pos && i < p->len; i++)
        line += p->s[i] == '\n';
    return recur_fail(p->err, RECUR_E_FORMAT, "JSON: %s at byte offset %zu (line %zu)", what, pos, line);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static recur_status parse_value(parser *p, json_value *v, int depth);

/* ---- strings ---------------------------------------------------------- */

static int hex4(const unsigned char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the string whose opening quote is at p->pos into a fresh,
 * NUL-terminated buffer. The decoded form is never longer than the raw one
 * (an escape of n bytes yields at most n bytes of UTF-8), which bounds the
 * allocation before decoding. */
static recur_status parse_string(parser *p, char **out, size_t *out_len)
{
    size_t open = p->pos, end = open + 1;
    while (end < p->len && p->s[end] != '"')
        end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len)
        return fail_at(p, open, "unterminated string");
    char *buf = malloc(end - open);
    if (!buf)
        return recur_fail_nomem(p->err, "a JSON string");
    size_t n = 0, i = open + 1;
    const char *bad = NULL;
    while (i < end) {
        unsigned c = p->s[i];
        if (c < 0x20) {
            bad = "unescaped control character in string";
            break;
        }
        if (c >= 0x80) {
            size_t k = recur_utf8_seq_len(p->s + i, end - i);
            if (k == 0) {
                bad = "invalid UTF-8 in string";
                break;
            }
            memcpy(buf + n, p->s + i, k);
            n += k;
            i += k;
            continue;
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            i++;
            continue;
        }
        unsigned e = p->s[i + 1]; /* i + 1 < end: the scan above skipped it */
        const char *simple = strchr("\"\\/bfnrt", (int)e);
        if (e != 0 && simple) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            buf[n++] = decoded[simple - "\"\\/bfnrt"];
            i += 2;
            continue;
        }
        unsigned cp, lo;
        if (e != 'u' || end - i < 6 || hex4(p->s + i + 2, &cp) != 0) {
            bad = "invalid escape in string";
            break;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            bad = "lone low surrogate in string";
            break;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - i < 12 || p->s[i + 6] != '\\' || p->s[i + 7] != 'u' ||
                hex4(p->s + i + 8, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
                bad = "lone high surrogate in string";
                break;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        }
        n += put_utf8(buf + n, cp);
        i += 6;
    }
    if (bad) {
        free(buf);
        return fail_at(p, i, bad);
    }
    buf[n] = '\0';
    p->pos = end + 1;
    *out = buf;
    *out_len = n;
    return RECUR_OK;
}

/* ---- numbers ---------------------------------------------------------- */

static recur_status parse_number(parser *p, json_value *v)
{
    size_t start = p->pos, i = start;
    const unsigned char *s = p->s;
    int has_dot = 0;
    if (i < p->len && s[i] == '-')
        i++;
    if (i >= p->len || s[i] < '0' || s[i] > '9')
        return fail_at(p, i, "expected a digit in number");
    if (s[i] == '0') {
        i++;
        if (i < p->len && s[i] >= '0' && s[i] <= '9')
            return fail_at(p, i, "leading zero in number");
    } else {
        while (i < p->len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < p->len && s[i] == '.') {
        has_dot = 1;
        i++;
        if (i >= p->len || s[i] < '0' || s[i] > '9')
            return fail_at(p, i, "expected a digit after the decimal point");
        while (i < p->len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= p->len || s[i] < '0' || s[i] > '9')
            return fail_at(p, i, "expected a digit in exponent");
        while (i < p->len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    /* strtod needs a NUL-terminated copy, and it reads the decimal point of
     * the current locale, so '.' is swapped for that. glibc's strtod rounds
     * correctly, so integers up to 2^53 come out exact. */
    const char *point = ".";
    if (has_dot) {
        const struct lconv *lc = localeconv();
        if (lc && lc->decimal_point && lc->decimal_point[0])
            point = lc->decimal_point;
    }
    size_t raw = i - start, plen = strlen(point);
    char small[128], *buf = small;
    if (raw + plen + 1 > sizeof small) {
        buf = malloc(raw + plen + 1);
        if (!buf)
            return recur_fail_nomem(p->err, "a JSON number");
    }
    size_t n = 0;
    for (size_t k = start; k < i; k++) {
        if (s[k] == '.') {
            memcpy(buf + n, point, plen);
            n += plen;
        } else {
            buf[n++] = (char)s[k];
        }
    }
    buf[n] = '\0';
    char *endp = NULL;
    double d = strtod(buf, &endp);
    int consumed = endp == buf + n;
    if (buf != small)
        free(buf);
    if (!consumed)
        return fail_at(p, start, "malformed number");
    if (!isfinite(d))
        return fail_at(p, start, "number out of the range of a double");
    v->type = JSON_NUMBER;
    v->number = d;
    p->pos = i;
    return RECUR_OK;
}

/* ---- containers ------------------------------------------------------- */

static recur_status parse_array(parser *p, json_value *v, int depth)
{
    size_t cap = 0;
    v->type = JSON_ARRAY;
    p->pos++; /* '[' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return RECUR_OK;
    }
    for (;;) {
        if (v->count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            json_value *items = realloc(v->items, ncap * sizeof *items);
            if (!items)
                return recur_fail_nomem(p->err, "a JSON array");
            v->items = items;
            cap = ncap;
        }
        json_value *item = &v->items[v->count++];
        memset(item, 0, sizeof *item);
        recur_status st = parse_value(p, item, depth);
        if (st != RECUR_OK)
            return st;
        skip_ws(p);
        if (p->pos >= p->len)
            return fail_at(p, p->pos, "unexpected end of input in array");
        unsigned char c = p->s[p->pos++];
        if (c == ']')
            return RECUR_OK;
        if (c != ',')
            return fail_at(p, p->pos - 1, "expected ',' or ']' in array");
        skip_ws(p);
    }
}

/* Duplicate-key detection through a hash set of key indices, so a hostile
 * header with a million keys costs O(n), not O(n^2). */
typedef struct key_set {
    size_t *slots; /* index + 1, 0 = empty; capacity a power of two */
    size_t cap;
} key_set;

static int key_set_insert(key_set *ks, const json_value *obj, size_t idx, int *dup)
{
    *dup = 0;
    if ((idx + 1) * 2 > ks->cap) {
        size_t ncap = ks->cap ? ks->cap * 2 : 16;
        size_t *slots = calloc(ncap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t k = 0; k < idx; k++) {
            size_t h = (size_t)recur_hash_bytes(obj->keys[k], obj->key_lens[k]) & (ncap - 1);
            while (slots[h])
                h = (h + 1) & (ncap - 1);
            slots[h] = k + 1;
        }
        free(ks->slots);
        ks->slots = slots;
        ks->cap = ncap;
    }
    const char *key = obj->keys[idx];
    size_t klen = obj->key_lens[idx];
    size_t h = (size_t)recur_hash_bytes(key, klen) & (ks->cap - 1);
    while (ks->slots[h]) {
        size_t o = ks->slots[h] - 1;
        if (obj->key_lens[o] == klen && memcmp(obj->keys[o], key, klen) == 0) {
            *dup = 1;
            return 0;
        }
        h = (h + 1) & (ks->cap - 1);
    }
    ks->slots[h] = idx + 1;
    return 0;
}

static recur_status parse_object_members(parser *p, json_value *v, int depth, key_set *ks)
{
    size_t cap = 0;
    for (;;) {
        if (p->pos >= p->len)
            return fail_at(p, p->pos, "unexpected end of input in object");
        if (p->s[p->pos] != '"')
            return fail_at(p, p->pos, "expected a string key in object");
        if (v->count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            json_value *items = realloc(v->items, ncap * sizeof *items);
            if (items)
                v->items = items;
            char **keys = items ? realloc(v->keys, ncap * sizeof *keys) : NULL;
            if (keys)
                v->keys = keys;
            size_t *lens = keys ? realloc(v->key_lens, ncap * sizeof *lens) : NULL;
            if (!lens)
                return recur_fail_nomem(p->err, "a JSON object");
            v->key_lens = lens;
            cap = ncap;
        }
        size_t key_pos = p->pos, idx = v->count;
        char *key;
        size_t klen;
        recur_status st = parse_string(p, &key, &klen);
        if (st != RECUR_OK)
            return st;
        /* The entry counts from here, so json_free releases the key even
         * if its value fails to parse. */
        v->keys[idx] = key;
        v->key_lens[idx] = klen;
        memset(&v->items[idx], 0, sizeof v->items[idx]);
        v->count++;
        int dup;
        if (key_set_insert(ks, v, idx, &dup) != 0)
            return recur_fail_nomem(p->err, "a JSON object");
        if (dup)
            return fail_at(p, key_pos, "duplicate key in object");
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':')
            return fail_at(p, p->pos, "expected ':' after object key");
        p->pos++;
        st = parse_value(p, &v->items[idx], depth);
        if (st != RECUR_OK)
            return st;
        skip_ws(p);
        if (p->pos >= p->len)
            return fail_at(p, p->pos, "unexpected end of input in object");
        unsigned char c = p->s[p->pos++];
        if (c == '}')
            return RECUR_OK;
        if (c != ',')
            return fail_at(p, p->pos - 1, "expected ',' or '}' in object");
        skip_ws(p);
    }
}

static recur_status parse_object(parser *p, json_value *v, int depth)
{
    v->type = JSON_OBJECT;
    p->pos++; /* '{' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return RECUR_OK;
    }
    key_set ks = {NULL, 0};
    recur_status st = parse_object_members(p, v, depth, &ks);
    free(ks.slots);
    return st;
}

static recur_status parse_literal(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail_at(p, p->pos, "invalid literal");
    p->pos += n;
    return RECUR_OK;
}

/* depth counts the containers already open around v. */
static recur_status parse_value(parser *p, json_value *v, int depth)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return fail_at(p, p->pos, "unexpected end of input, expected a value");
    unsigned char c = p->s[p->pos];
    if ((c == '[' || c == '{') && depth >= JSON_MAX_DEPTH)
        return fail_at(p, p->pos, "nesting deeper than 64 levels");
    switch (c) {
    case '[':
        return parse_array(p, v, depth + 1);
    case '{':
        return parse_object(p, v, depth + 1);
    case '"':
        v->type = JSON_STRING;
        return parse_string(p, &v->str, &v->len);
    case 't':
        v->type = JSON_BOOL;
        v->boolean = 1;
        return parse_literal(p, "true");
    case 'f':
        v->type = JSON_BOOL;
        v->boolean = 0;
        return parse_literal(p, "false");
    case 'n':
        v->type = JSON_NULL;
        return parse_literal(p, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return parse_number(p, v);
        return fail_at(p, p->pos, "unexpected character, expected a value");
    }
}

recur_status json_parse(const char *text, size_t len, json_value **out, recur_error *err)
{
    *out = NULL;
    json_value *root = calloc(1, sizeof *root);
    if (!root)
        return recur_fail_nomem(err, "a JSON value");
    parser p = {(const unsigned char *)text, len, 0, err};
    recur_status st = parse_value(&p, root, 0);
    if (st == RECUR_OK) {
        skip_ws(&p);
        if (p.pos != len)
            st = fail_at(&p, p.pos, "unexpected characters after the value");
    }
    if (st != RECUR_OK) {
        json_free(root);
        return st;
    }
    *out = root;
    return RECUR_OK;
}

/* Frees what v owns, not v itself. Depth is bounded by JSON_MAX_DEPTH. */
static void free_contents(json_value *v)
{
    free(v->str);
    for (size_t i = 0; i < v->count; i++) {
        free_contents(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->key_lens);
}

void json_free(json_value *v)
{
    if (!v)
        return;
    free_contents(v);
    free(v);
}

/* ---- lookups ---------------------------------------------------------- */

const json_value *json_get(const json_value *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT || !key)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < obj->count; i++)
        if (obj->key_lens[i] == klen && memcmp(obj->keys[i], key, klen) == 0)
            return &obj->items[i];
    return NULL;
}

int json_as_int64(const json_value *v, int64_t *out)
{
    const double limit = 9007199254740992.0; /* 2^53 */
    if (!v || v->type != JSON_NUMBER)
        return -1;
    double d = v->number;
    if (!(d >= -limit && d <= limit) || d != floor(d))
        return -1;
    *out = (int64_t)d;
    return 0;
}

int json_get_int64(const json_value *obj, const char *key, int64_t *out)
{
    return json_as_int64(json_get(obj, key), out);
}

int json_get_double(const json_value *obj, const char *key, double *out)
{
    const json_value *v = json_get(obj, key);
    if (!v || v->type != JSON_NUMBER)
        return -1;
    *out = v->number;
    return 0;
}

const char *json_get_string(const json_value *obj, const char *key)
{
    const json_value *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->str : NULL;
}

const char *json_type_name(json_type t)
{
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "unknown";
}
