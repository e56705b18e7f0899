/* safetensors: write/read round trips, files built byte by byte here (an
 * independent tiny writer), dtype conversion, and rejection of corrupt files. */
#define _POSIX_C_SOURCE 200809L

#include "io/safetensors.h"
#include "test.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[512];

/* ---- a tiny independent writer ---------------------------------------- */

typedef struct blob { unsigned char *bytes; size_t size; } blob;

/* 8-byte little-endian length, the header text as given, then data. */
static blob make_file(const char *header, const void *data, size_t data_len)
{
    size_t hlen = strlen(header);
    blob b = {malloc(8 + hlen + data_len + 1), 8 + hlen + data_len};
    if (!b.bytes) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int k = 0; k < 8; k++)
        b.bytes[k] = (unsigned char)((uint64_t)hlen >> (8 * k));
    memcpy(b.bytes + 8, header, hlen);
    if (data_len)
        memcpy(b.bytes + 8 + hlen, data, data_len);
    return b;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* Expects st_parse to reject the header + data with a message containing want. */
static void expect_reject(const char *header, const void *data, size_t data_len, const char *want)
{
    blob b = make_file(header, data, data_len);
    st_file *f = (st_file *)&f;
    recur_error err = {0};
    recur_status st = st_parse(b.bytes, b.size, &f, &err);
    CHECK_MSG(st == RECUR_E_FORMAT, "accepted: %s", header);
    CHECK(f == NULL);
    CHECK_MSG(strstr(err.msg, want) != NULL, "header %s\n  message '%s' lacks '%s'", header, err.msg, want);
    free(b.bytes);
}

static st_file *expect_accept(const char *header, const void *data, size_t data_len)
{
    blob b = make_file(header, data, data_len);
    st_file *f = NULL;
    recur_error err = {0};
    recur_status st = st_parse(b.bytes, b.size, &f, &err);
    CHECK_MSG(st == RECUR_OK, "rejected %s: %s", header, err.msg);
    free(b.bytes);
    return f;
}

/* ---- tests ------------------------------------------------------------- */

static void test_hand_built(void)
{
    unsigned char data[8];
    put_u32(data, float_bits(1.5f));
    put_u32(data + 4, float_bits(-2.0f));
    st_file *f = expect_accept("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data, 8);
    if (!f)
        return;
    CHECK(f->count == 1 && f->metadata == NULL && f->data_size == 8);
    const st_tensor *t = st_find(f, "a");
    CHECK(t && t->dtype == ST_F32 && t->ndim == 1 && t->shape[0] == 2 && t->begin == 0 && t->end == 8);
    CHECK(st_find(f, "b") == NULL && st_metadata(f, "x") == NULL);
    float out[2] = {0, 0};
    recur_error err = {0};
    CHECK(t && st_tensor_to_f32(f, t, out, 2, &err) == RECUR_OK);
    CHECK(out[0] == 1.5f && out[1] == -2.0f);
    CHECK(t && st_tensor_to_f32(f, t, out, 3, &err) == RECUR_E_FORMAT && strstr(err.msg, "'a'"));
    st_free(f);

    /* Whitespace around the header, metadata, a scalar, a gap between
     * tensors, an empty tensor and unconvertible dtypes. */
    unsigned char d2[40] = {0};
    put_u32(d2, float_bits(7.25f));                      /* s: F32 scalar [0,4] */
    put_u64(d2 + 8, (uint64_t)-5);                       /* i: I64 [8,16], after a gap */
    d2[16] = 200;                                        /* u: U8 [16,17] */
    d2[17] = 1;                                          /* flag: BOOL [17,18] */
    f = expect_accept(" {\"__metadata__\":{\"format\":\"pt\",\"k\\u00e9\":\"v\\u00e9\"},"
                      "\"s\":{\"shape\":[],\"dtype\":\"F32\",\"data_offsets\":[0,4]},"
                      "\"i\":{\"dtype\":\"I64\",\"shape\":[1,1],\"data_offsets\":[8,16]},"
                      "\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[16,17]},"
                      "\"flag\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[17,18]},"
                      "\"e\":{\"dtype\":\"F16\",\"shape\":[3,0],\"data_offsets\":[2,2]}}  ",
                      d2, sizeof d2);
    if (!f)
        return;
    CHECK(f->count == 5);
    CHECK(st_metadata(f, "format") && strcmp(st_metadata(f, "format"), "pt") == 0);
    CHECK(st_metadata(f, "k\xc3\xa9") && strcmp(st_metadata(f, "k\xc3\xa9"), "v\xc3\xa9") == 0);
    const st_tensor *s = st_find(f, "s"), *i = st_find(f, "i"), *u = st_find(f, "u"), *fl = st_find(f, "flag"),
                    *e = st_find(f, "e");
    CHECK(s && i && u && fl && e);
    if (s && i && u && fl && e) {
        CHECK(s->ndim == 0 && st_tensor_numel(s) == 1);
        CHECK(st_tensor_to_f32(f, s, out, 1, &err) == RECUR_OK && out[0] == 7.25f);
        CHECK(i->dtype == ST_I64 && u->dtype == ST_U8 && fl->dtype == ST_OTHER);
        CHECK(st_tensor_to_f32(f, i, out, 1, &err) == RECUR_E_FORMAT && strstr(err.msg, "'i'") &&
              strstr(err.msg, "I64"));
        CHECK(st_tensor_to_f32(f, fl, out, 1, &err) == RECUR_E_FORMAT && strstr(err.msg, "'flag'"));
        CHECK(f->data[i->begin] == 0xFB && f->data[u->begin] == 200);
        CHECK(e->dtype == ST_F16 && st_tensor_numel(e) == 0 && st_tensor_to_f32(f, e, out, 0, &err) == RECUR_OK);
    }
    st_free(f);
}

static void test_conversions(void)
{
    unsigned char d[64];
    put_u64(d, 0x3FF8000000000000ull);  /* 1.5 */
    put_u64(d + 8, 0xC000000000000000ull); /* -2.0 */
    put_u64(d + 16, 0x47EFFFFFF0000000ull); /* FLT_MAX + half an ulp: rounds to inf */
    put_u64(d + 24, 0x3E70000000000000ull); /* 2^-24 */
    /* F16 at 32: 1.0, -2.0, 2^-24 (smallest subnormal), 65504, inf, -0 */
    const uint16_t h[6] = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x7C00, 0x8000};
    for (int k = 0; k < 6; k++) {
        d[32 + 2 * k] = (unsigned char)(h[k] & 0xFF);
        d[33 + 2 * k] = (unsigned char)(h[k] >> 8);
    }
    /* BF16 at 44: 1.0, -3.0, NaN */
    const uint16_t bf[3] = {0x3F80, 0xC040, 0x7FC1};
    for (int k = 0; k < 3; k++) {
        d[44 + 2 * k] = (unsigned char)(bf[k] & 0xFF);
        d[45 + 2 * k] = (unsigned char)(bf[k] >> 8);
    }
    st_file *f = expect_accept("{\"d\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
                               "\"h\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[32,44]},"
                               "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[44,50]}}",
                               d, 50);
    if (!f)
        return;
    float out[6];
    recur_error err = {0};
    CHECK(st_tensor_to_f32(f, st_find(f, "d"), out, 4, &err) == RECUR_OK);
    CHECK(out[0] == 1.5f && out[1] == -2.0f && isinf(out[2]) && out[2] > 0 && out[3] == ldexpf(1.0f, -24));
    CHECK(st_tensor_to_f32(f, st_find(f, "h"), out, 6, &err) == RECUR_OK);
    CHECK(out[0] == 1.0f && out[1] == -2.0f && out[2] == ldexpf(1.0f, -24) && out[3] == 65504.0f);
    CHECK(isinf(out[4]) && out[5] == 0.0f && signbit(out[5]));
    CHECK(st_tensor_to_f32(f, st_find(f, "b"), out, 3, &err) == RECUR_OK);
    CHECK(out[0] == 1.0f && out[1] == -3.0f && isnan(out[2]) && float_bits(out[2]) == 0x7FC10000u);
    st_free(f);
}

static void test_round_trip(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    float w[12], bias[4], scalar = -0.0f;
    for (int k = 0; k < 12; k++)
        w[k] = (float)k * 0.37f - 2.0f;
    uint32_t specials[4] = {0x7FC01234u /* NaN with payload */, 0x00000001u /* subnormal */, 0xFF800000u /* -inf */,
                            0x80000000u /* -0 */};
    for (int k = 0; k < 4; k++)
        memcpy(&bias[k], &specials[k], 4);
    st_out_tensor ts[4] = {
        {"rnn.weight_ih_l0", 2, {3, 4}, w},
        {"rnn.bias_\xc3\xa9", 1, {4}, bias},
        {"empty", 2, {0, 5}, NULL},
        {"scalar", 0, {0}, &scalar},
    };
    const char *cfg = "{\"cell\": \"lstm\", \"hidden\": 128}";
    st_meta meta[3] = {
        {"recur.config", cfg},
        {"note", "Gr\xc3\xbc\xc3\x9f" "e \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80"},
        {"ctrl", "tab\there \"quoted\" back\\slash\nnewline"},
    };
    recur_error err = {0};
    CHECK_MSG(st_write(path, ts, 4, meta, 3, &err) == RECUR_OK, "%s", err.msg);
    st_file *f = NULL;
    CHECK_MSG(st_read(path, &f, &err) == RECUR_OK, "%s", err.msg);
    if (!f)
        return;
    CHECK(f->count == 4);
    uint64_t hlen = 0;
    for (int k = 7; k >= 0; k--)
        hlen = hlen << 8 | f->bytes[k];
    CHECK((8 + hlen) % 8 == 0 && f->data == f->bytes + 8 + hlen);
    CHECK(f->data_size == (12 + 4 + 0 + 1) * 4);
    uint64_t expect_begin = 0;
    for (size_t k = 0; k < f->count && k < 4; k++) {
        const st_tensor *t = &f->tensors[k];
        CHECK(strcmp(t->name, ts[k].name) == 0); /* order kept */
        CHECK(t->dtype == ST_F32 && t->ndim == ts[k].ndim);
        for (int d = 0; d < t->ndim; d++)
            CHECK(t->shape[d] == ts[k].shape[d]);
        CHECK(t->begin == expect_begin); /* contiguous, no gaps */
        expect_begin = t->end;
    }
    float back[12];
    CHECK(st_tensor_to_f32(f, st_find(f, "rnn.weight_ih_l0"), back, 12, &err) == RECUR_OK);
    CHECK(memcmp(back, w, sizeof w) == 0);
    CHECK(st_tensor_to_f32(f, st_find(f, "rnn.bias_\xc3\xa9"), back, 4, &err) == RECUR_OK);
    CHECK(memcmp(back, bias, sizeof bias) == 0); /* bit-exact, NaN payload included */
    CHECK(st_tensor_to_f32(f, st_find(f, "empty"), back, 0, &err) == RECUR_OK);
    CHECK(st_tensor_to_f32(f, st_find(f, "scalar"), back, 1, &err) == RECUR_OK);
    CHECK(float_bits(back[0]) == 0x80000000u);
    for (int k = 0; k < 3; k++)
        CHECK_MSG(st_metadata(f, meta[k].key) && strcmp(st_metadata(f, meta[k].key), meta[k].value) == 0, "%s",
                  meta[k].key);
    st_free(f);

    /* No metadata and no tensors is a valid, tiny file. */
    CHECK(st_write(path, NULL, 0, NULL, 0, &err) == RECUR_OK);
    CHECK(st_read(path, &f, &err) == RECUR_OK && f && f->count == 0 && f->metadata == NULL && f->size == 16);
    st_free(f);

    /* Writer argument errors leave the existing file alone. */
    struct stat before, after;
    CHECK(stat(path, &before) == 0);
    st_out_tensor dup[2] = {{"x", 1, {1}, w}, {"x", 1, {2}, w}};
    CHECK(st_write(path, dup, 2, NULL, 0, &err) == RECUR_E_ARG && strstr(err.msg, "duplicate tensor name 'x'"));
    st_out_tensor reserved = {"__metadata__", 1, {1}, w};
    CHECK(st_write(path, &reserved, 1, NULL, 0, &err) == RECUR_E_ARG && strstr(err.msg, "reserved"));
    st_out_tensor nodata = {"n", 1, {3}, NULL};
    CHECK(st_write(path, &nodata, 1, NULL, 0, &err) == RECUR_E_ARG && strstr(err.msg, "no data"));
    st_out_tensor baddim = {"n", 1, {-1}, w};
    CHECK(st_write(path, &baddim, 1, NULL, 0, &err) == RECUR_E_ARG && strstr(err.msg, "dimension 0"));
    st_out_tensor manydims = {"n", 9, {1}, w};
    CHECK(st_write(path, &manydims, 1, NULL, 0, &err) == RECUR_E_ARG);
    st_out_tensor huge = {"n", 3, {1 << 20, 1 << 20, 1 << 20}, w};
    CHECK(st_write(path, &huge, 1, NULL, 0, &err) == RECUR_E_ARG && strstr(err.msg, "too large"));
    st_out_tensor badname = {"bad\xff", 1, {1}, w};
    CHECK(st_write(path, &badname, 1, NULL, 0, &err) == RECUR_E_ARG && strstr(err.msg, "UTF-8"));
    st_meta dupmeta[2] = {{"k", "1"}, {"k", "2"}};
    CHECK(st_write(path, ts, 1, dupmeta, 2, &err) == RECUR_E_ARG && strstr(err.msg, "duplicate metadata key"));
    CHECK(strstr(err.msg, path) == err.msg); /* errors name the path first */
    CHECK(stat(path, &after) == 0 && after.st_size == before.st_size && after.st_ino == before.st_ino);

    /* I/O errors name the path. */
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/none/x.safetensors", dir);
    CHECK(st_write(missing, ts, 1, NULL, 0, &err) == RECUR_E_IO && strstr(err.msg, missing));
    CHECK(st_read(missing, &f, &err) == RECUR_E_IO && f == NULL && strstr(err.msg, missing));
    CHECK(st_read(dir, &f, &err) == RECUR_E_IO && f == NULL);

    /* A file cut short on disk is a format error naming the path. */
    CHECK(st_write(path, ts, 2, meta, 1, &err) == RECUR_OK);
    CHECK(stat(path, &before) == 0 && truncate(path, before.st_size - 3) == 0);
    CHECK(st_read(path, &f, &err) == RECUR_E_FORMAT && f == NULL);
    CHECK_MSG(strstr(err.msg, path) == err.msg && strstr(err.msg, "run past the end of the data"), "%s", err.msg);
    unlink(path);
}

static void test_rejections(void)
{
    unsigned char z[64] = {0};
    /* The file itself. */
    st_file *f = NULL;
    recur_error err = {0};
    CHECK(st_parse(z, 0, &f, &err) == RECUR_E_FORMAT && strstr(err.msg, "too short"));
    CHECK(st_parse(z, 7, &f, &err) == RECUR_E_FORMAT && strstr(err.msg, "too short"));
    unsigned char hdr[16] = {0};
    put_u64(hdr, 9);
    CHECK(st_parse(hdr, 16, &f, &err) == RECUR_E_FORMAT && strstr(err.msg, "runs past the end of the file"));
    put_u64(hdr, 100000001);
    CHECK(st_parse(hdr, 16, &f, &err) == RECUR_E_FORMAT && strstr(err.msg, "exceeds the limit"));
    put_u64(hdr, UINT64_MAX);
    CHECK(st_parse(hdr, 16, &f, &err) == RECUR_E_FORMAT && strstr(err.msg, "exceeds the limit"));
    CHECK(f == NULL);

    /* The header as JSON. */
    expect_reject("", z, 0, "header (bytes 8 to 8): JSON: unexpected end of input");
    expect_reject("{\"a\":", z, 0, "JSON");
    expect_reject("[1,2]", z, 0, "header is a array, not a JSON object");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                  "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                  z, 8, "duplicate key");

    /* Tensor entries. */
    expect_reject("{\"t\":[0,4]}", z, 4, "tensor 't': entry is a array, not an object");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", z, 4,
                  "unexpected key 'extra'");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", z, 4, "missing 'shape'");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", z, 4, "missing 'data_offsets'");
    expect_reject("{\"t\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", z, 4, "dtype is a number");
    expect_reject("{\"t\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", z, 4, "unknown dtype 'F33'");
    expect_reject("{\"t\":{\"dtype\":\"F32\\u0000\",\"shape\":[1],\"data_offsets\":[0,4]}}", z, 4, "unknown dtype");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", z, 4, "shape is a number");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", z, 4,
                  "shape[0] is -1, not a non-negative integer");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1.5],\"data_offsets\":[0,4]}}", z, 4, "shape[1] is 1.5");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", z, 4, "shape[0] is a string");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,4]}}", z, 4, "shape[0] is 1e+300");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", z, 4,
                  "9 dimensions, more than 8");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", z, 0,
                  "overflows 64 bits");
    expect_reject("{\"t\":{\"dtype\":\"F64\",\"shape\":[2147483648,1073741824],\"data_offsets\":[0,0]}}", z, 0,
                  "overflows 64 bits"); /* 2^61 elements * 8 bytes */
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[9007199254740994],\"data_offsets\":[0,0]}}", z, 0,
                  "shape[0] is 9007199254740994"); /* past 2^53: not exact */
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", z, 8,
                  "tensor 't': data_offsets [0, 8] hold 8 bytes, but the shape needs 12");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", z, 8, "end before they begin");
    expect_reject("{\"rnn.weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", z, 12,
                  "tensor 'rnn.weight_hh_l0': data_offsets [0, 16] run past the end of the data (12 bytes)");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", z, 4,
                  "data_offsets[0] is -4");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.5]}}", z, 8,
                  "data_offsets[1] is 4.5");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", z, 8,
                  "data_offsets must be an array [begin, end]");
    expect_reject("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"begin\":0}}}", z, 8,
                  "data_offsets must be an array");
    expect_reject("{\"t\\u0000x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", z, 4, "NUL byte");
    expect_reject("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                  z, 12, "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
    expect_reject("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]},"
                  "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}",
                  z, 12, "overlap");

    /* Metadata. */
    expect_reject("{\"__metadata__\":[\"a\"]}", z, 0, "__metadata__ is a array, not an object");
    expect_reject("{\"__metadata__\":{\"a\":\"x\",\"epoch\":3}}", z, 0,
                  "__metadata__ value for key 'epoch' is a number, not a string");

    /* Allowed: gaps, an empty tensor inside another's range, trailing bytes. */
    st_file *ok = expect_accept("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                                "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}",
                                z, 24);
    CHECK(ok && ok->count == 3);
    st_free(ok);
}

/* Truncations and byte flips of a valid file never crash, and every
 * truncation is rejected (its last tensor ends at the end of the file). */
static void test_corruption_sweep(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/sweep.safetensors", dir);
    float w[6] = {1, 2, 3, 4, 5, 6}, b[2] = {-1, 1};
    st_out_tensor ts[2] = {{"w", 2, {2, 3}, w}, {"b", 1, {2}, b}};
    st_meta meta[1] = {{"recur.vocab", "[\"a\",\"b\"]"}};
    recur_error err = {0};
    CHECK(st_write(path, ts, 2, meta, 1, &err) == RECUR_OK);
    st_file *orig = NULL;
    CHECK(st_read(path, &orig, &err) == RECUR_OK);
    unlink(path);
    if (!orig)
        return;
    size_t size = orig->size;
    unsigned char *buf = malloc(size);
    if (!buf) {
        st_free(orig);
        return;
    }

    int truncations_rejected = 1;
    for (size_t n = 0; n < size; n++) {
        st_file *f = NULL;
        truncations_rejected &= st_parse(orig->bytes, n, &f, &err) == RECUR_E_FORMAT && f == NULL;
    }
    CHECK(truncations_rejected);

    /* Flip bits in the length and header bytes. Whatever loads must still
     * be internally consistent and convert without reading out of bounds. */
    size_t header_end = (size_t)(orig->data - orig->bytes);
    const unsigned char masks[] = {0x01, 0x02, 0x08, 0x20, 0x40, 0x80, 0xFF};
    int accepted = 0, rejected = 0, consistent = 1;
    for (size_t pos = 0; pos < header_end; pos++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(buf, orig->bytes, size);
            buf[pos] ^= masks[m];
            st_file *f = NULL;
            recur_status st = st_parse(buf, size, &f, &err);
            if (st != RECUR_OK) {
                rejected++;
                consistent &= f == NULL && err.msg[0] != '\0';
                continue;
            }
            accepted++;
            for (size_t k = 0; k < f->count; k++) {
                const st_tensor *t = &f->tensors[k];
                consistent &= t->begin <= t->end && t->end <= f->data_size;
                uint64_t numel = st_tensor_numel(t);
                if (numel <= 64) {
                    float out[64];
                    recur_status cs = st_tensor_to_f32(f, t, out, (size_t)numel, &err);
                    consistent &= cs == RECUR_OK || t->dtype != ST_F32;
                }
            }
            st_free(f);
        }
    }
    CHECK(consistent);
    CHECK(rejected > 0);
    CHECK(accepted > 0); /* e.g. flips inside the padding or metadata text */
    free(buf);
    st_free(orig);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/recur-st-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "cannot create a scratch directory: %s\n", strerror(errno));
        return 1;
    }
    test_hand_built();
    test_conversions();
    test_round_trip();
    test_rejections();
    test_corruption_sweep();
    rmdir(dir);
    return test_report();
}
