/* The safetensors reader: load the bytes, then check every length, offset
 * and count before anything is used. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "io/safetensors.h"
#include "recur/text.h"

static const struct {
    const char *name;
    st_dtype dtype;
    unsigned size;
} dtype_table[] = {
    {"F32", ST_F32, 4},      {"F64", ST_F64, 8},      {"F16", ST_F16, 2},   {"BF16", ST_BF16, 2},
    {"I64", ST_I64, 8},      {"I32", ST_I32, 4},      {"U8", ST_U8, 1},     {"BOOL", ST_OTHER, 1},
    {"I8", ST_OTHER, 1},     {"I16", ST_OTHER, 2},    {"U16", ST_OTHER, 2}, {"U32", ST_OTHER, 4},
    {"U64", ST_OTHER, 8},    {"F8_E4M3", ST_OTHER, 1}, {"F8_E5M2", ST_OTHER, 1},
};

const char *st_dtype_name(st_dtype d)
{
    for (size_t i = 0; i < sizeof dtype_table / sizeof dtype_table[0]; i++)
        if (dtype_table[i].dtype == d && d != ST_OTHER)
            return dtype_table[i].name;
    return "other";
}

uint64_t st_tensor_numel(const st_tensor *t)
{
    uint64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= (uint64_t)t->shape[i];
    return n;
}

/* A JSON number that is an integer in [0, 2^53]; larger values are not exact
 * in a double, so they cannot be trusted as offsets or sizes. */
static int as_count(const json_value *v, uint64_t *out)
{
    int64_t i;
    if (json_as_int64(v, &i) != 0 || i < 0)
        return -1;
    *out = (uint64_t)i;
    return 0;
}

/* Describes a JSON value briefly for a message: a number's value, or its type. */
static void describe(const json_value *v, char *buf, size_t cap)
{
    if (v->type == JSON_NUMBER) {
        /* The shortest form that reads back as the same double. */
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, cap, "%.*g", prec, v->number);
            if (strtod(buf, NULL) == v->number)
                break;
        }
    } else
        snprintf(buf, cap, "a %s", json_type_name(v->type));
}

static recur_status check_metadata(const json_value *meta, recur_error *err)
{
    if (meta->type != JSON_OBJECT)
        return recur_fail(err, RECUR_E_FORMAT, "__metadata__ is a %s, not an object", json_type_name(meta->type));
    for (size_t i = 0; i < meta->count; i++)
        if (meta->items[i].type != JSON_STRING)
            return recur_fail(err, RECUR_E_FORMAT, "__metadata__ value for key '%s' is a %s, not a string",
                              meta->keys[i], json_type_name(meta->items[i].type));
    return RECUR_OK;
}

static recur_status check_tensor(const char *name, size_t name_len, const json_value *e, uint64_t data_size,
                                 st_tensor *t, recur_error *err)
{
    char what[64];
    if (strlen(name) != name_len)
        return recur_fail(err, RECUR_E_FORMAT, "tensor name '%s...' contains a NUL byte", name);
    if (e->type != JSON_OBJECT)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': entry is a %s, not an object", name,
                          json_type_name(e->type));
    for (size_t i = 0; i < e->count; i++)
        if (strcmp(e->keys[i], "dtype") != 0 && strcmp(e->keys[i], "shape") != 0 &&
            strcmp(e->keys[i], "data_offsets") != 0)
            return recur_fail(err, RECUR_E_FORMAT,
                              "tensor '%s': unexpected key '%s' (allowed: dtype, shape, data_offsets)", name,
                              e->keys[i]);
    const json_value *dtype = json_get(e, "dtype"), *shape = json_get(e, "shape"),
                     *offsets = json_get(e, "data_offsets");
    if (!dtype || !shape || !offsets)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': missing '%s'", name,
                          !dtype ? "dtype" : !shape ? "shape" : "data_offsets");

    if (dtype->type != JSON_STRING)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': dtype is a %s, not a string", name,
                          json_type_name(dtype->type));
    unsigned elem_size = 0;
    for (size_t i = 0; i < sizeof dtype_table / sizeof dtype_table[0]; i++) {
        if (strcmp(dtype->str, dtype_table[i].name) == 0 && strlen(dtype_table[i].name) == dtype->len) {
            t->dtype = dtype_table[i].dtype;
            elem_size = dtype_table[i].size;
        }
    }
    if (!elem_size)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': unknown dtype '%s'", name, dtype->str);

    if (shape->type != JSON_ARRAY)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': shape is a %s, not an array", name,
                          json_type_name(shape->type));
    if (shape->count > ST_MAX_DIMS)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': shape has %zu dimensions, more than %d", name,
                          shape->count, ST_MAX_DIMS);
    t->ndim = (int)shape->count;
    uint64_t numel = 1;
    int empty = 0, overflow = 0;
    for (size_t i = 0; i < shape->count; i++) {
        uint64_t d;
        if (as_count(&shape->items[i], &d) != 0) {
            describe(&shape->items[i], what, sizeof what);
            return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': shape[%zu] is %s, not a non-negative integer", name,
                              i, what);
        }
        t->shape[i] = (int64_t)d;
        empty |= d == 0;
        if (d != 0 && numel > UINT64_MAX / d)
            overflow = 1;
        else
            numel *= d;
    }
    if (empty)
        numel = 0; /* a 0 dimension makes any product of the others harmless */
    else if (overflow || numel > UINT64_MAX / elem_size)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': shape has too many elements (the size overflows 64 bits)",
                          name);
    uint64_t nbytes = numel * elem_size;

    if (offsets->type != JSON_ARRAY || offsets->count != 2)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': data_offsets must be an array [begin, end]", name);
    for (int i = 0; i < 2; i++) {
        uint64_t o;
        if (as_count(&offsets->items[i], &o) != 0) {
            describe(&offsets->items[i], what, sizeof what);
            return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': data_offsets[%d] is %s, not a non-negative integer",
                              name, i, what);
        }
        if (i == 0)
            t->begin = o;
        else
            t->end = o;
    }
    if (t->begin > t->end)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': data_offsets [%llu, %llu] end before they begin", name,
                          (unsigned long long)t->begin, (unsigned long long)t->end);
    if (t->end > data_size)
        return recur_fail(err, RECUR_E_FORMAT,
                          "tensor '%s': data_offsets [%llu, %llu] run past the end of the data (%llu bytes)", name,
                          (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)data_size);
    if (t->end - t->begin != nbytes)
        return recur_fail(err, RECUR_E_FORMAT,
                          "tensor '%s': data_offsets [%llu, %llu] hold %llu bytes, but the shape needs %llu", name,
                          (unsigned long long)t->begin, (unsigned long long)t->end,
                          (unsigned long long)(t->end - t->begin), (unsigned long long)nbytes);
    t->name = (char *)name;
    return RECUR_OK;
}

static int by_begin(const void *a, const void *b)
{
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Gaps between tensors are allowed, overlaps are not. Empty tensors occupy
 * no bytes and cannot overlap anything. */
static recur_status check_overlaps(st_file *f, recur_error *err)
{
    if (f->count < 2)
        return RECUR_OK;
    st_tensor **order = malloc(f->count * sizeof *order);
    if (!order)
        return recur_fail_nomem(err, "the tensor index");
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++)
        if (f->tensors[i].end > f->tensors[i].begin)
            order[n++] = &f->tensors[i];
    if (n > 1)
        qsort(order, n, sizeof *order, by_begin);
    recur_status st = RECUR_OK;
    for (size_t i = 1; i < n; i++) {
        const st_tensor *a = order[i - 1], *b = order[i];
        if (b->begin < a->end) {
            st = recur_fail(err, RECUR_E_FORMAT, "tensors '%s' [%llu, %llu] and '%s' [%llu, %llu] overlap", a->name,
                            (unsigned long long)a->begin, (unsigned long long)a->end, b->name,
                            (unsigned long long)b->begin, (unsigned long long)b->end);
            break;
        }
    }
    free(order);
    return st;
}

/* Validates f->bytes / f->size, filling the rest of f. */
static recur_status parse_owned(st_file *f, recur_error *err)
{
    if (f->size < 8)
        return recur_fail(err, RECUR_E_FORMAT, "file is %zu bytes, too short for the 8-byte header length", f->size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | f->bytes[i];
    if (hlen > ST_MAX_HEADER_BYTES)
        return recur_fail(err, RECUR_E_FORMAT, "header length %llu exceeds the limit of %u bytes",
                          (unsigned long long)hlen, ST_MAX_HEADER_BYTES);
    if (hlen > f->size - 8)
        return recur_fail(err, RECUR_E_FORMAT, "header length %llu runs past the end of the file (%zu bytes)",
                          (unsigned long long)hlen, f->size);
    recur_status st = json_parse((const char *)f->bytes + 8, (size_t)hlen, &f->header, err);
    if (st != RECUR_OK)
        return st == RECUR_E_FORMAT ? recur_error_prefix(err, "header (bytes 8 to %llu)",
                                                         (unsigned long long)(8 + hlen))
                                    : st;
    if (f->header->type != JSON_OBJECT)
        return recur_fail(err, RECUR_E_FORMAT, "header is a %s, not a JSON object",
                          json_type_name(f->header->type));
    f->data = f->bytes + 8 + hlen;
    f->data_size = f->size - 8 - (size_t)hlen;

    const json_value *h = f->header;
    f->tensors = calloc(h->count ? h->count : 1, sizeof *f->tensors);
    if (!f->tensors)
        return recur_fail_nomem(err, "the tensor table");
    for (size_t i = 0; i < h->count; i++) {
        if (strcmp(h->keys[i], "__metadata__") == 0 && h->key_lens[i] == 12) {
            st = check_metadata(&h->items[i], err);
            if (st != RECUR_OK)
                return st;
            f->metadata = &h->items[i];
            continue;
        }
        st = check_tensor(h->keys[i], h->key_lens[i], &h->items[i], f->data_size, &f->tensors[f->count], err);
        if (st != RECUR_OK)
            return st;
        f->count++;
    }
    return check_overlaps(f, err);
}

static recur_status finish(st_file *f, recur_status st, st_file **out)
{
    if (st != RECUR_OK) {
        st_free(f);
        return st;
    }
    *out = f;
    return RECUR_OK;
}

recur_status st_parse(const unsigned char *bytes, size_t size, st_file **out, recur_error *err)
{
    *out = NULL;
    st_file *f = calloc(1, sizeof *f);
    if (!f)
        return recur_fail_nomem(err, "a safetensors file");
    f->bytes = malloc(size ? size : 1);
    if (!f->bytes)
        return finish(f, recur_fail_nomem(err, "the file contents"), out);
    if (size)
        memcpy(f->bytes, bytes, size);
    f->size = size;
    return finish(f, parse_owned(f, err), out);
}

/* Whether a file that is not safetensors begins with 8 bytes of text (a
 * text file given as a model): printable ASCII, tabs, line ends or UTF-8
 * bytes, where a real header length has zero bytes at the top. */
static int starts_with_text(const unsigned char *b, size_t size)
{
    if (size < 8)
        return 0;
    for (int i = 0; i < 8; i++)
        if (b[i] < 0x80 && !(b[i] >= 0x20 || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
            return 0;
    /* Valid UTF-8, allowing the last character to be cut by the 8 bytes. */
    for (size_t n = 8; n >= 5; n--)
        if (recur_utf8_validate((const char *)b, n, NULL) == RECUR_OK)
            return 1;
    return 0;
}

recur_status st_read(const char *path, st_file **out, recur_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return recur_fail(err, RECUR_E_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return recur_fail(err, RECUR_E_IO, "%s: not a regular file", path);
    }
    if ((uintmax_t)sb.st_size > SIZE_MAX - 1) {
        fclose(fp);
        return recur_fail(err, RECUR_E_NOMEM, "%s: file too large (%jd bytes)", path, (intmax_t)sb.st_size);
    }
    st_file *f = calloc(1, sizeof *f);
    size_t size = (size_t)sb.st_size;
    unsigned char *bytes = f ? malloc(size ? size : 1) : NULL;
    if (!bytes) {
        free(f);
        fclose(fp);
        recur_fail_nomem(err, "the file contents");
        return recur_error_prefix(err, "%s", path);
    }
    size_t got = fread(bytes, 1, size, fp);
    int read_error = ferror(fp);
    fclose(fp);
    f->bytes = bytes;
    f->size = got;
    if (read_error || got != size) {
        st_free(f);
        return recur_fail(err, RECUR_E_IO, "%s: read %zu of %zu bytes%s", path, got, size,
                          read_error ? " (read error)" : " (file changed while reading)");
    }
    recur_status st = parse_owned(f, err);
    if (st != RECUR_OK && starts_with_text(f->bytes, f->size))
        st = recur_fail(err, RECUR_E_FORMAT, "%s is not a recur model: it starts with text (\"%.8s\"), not a "
                        "safetensors header length", path, (const char *)f->bytes);
    else if (st != RECUR_OK)
        recur_error_prefix(err, "%s", path);
    return finish(f, st, out);
}

void st_free(st_file *f)
{
    if (!f)
        return;
    free(f->bytes);
    free(f->tensors);
    json_free(f->header);
    free(f);
}

const st_tensor *st_find(const st_file *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

const char *st_metadata(const st_file *f, const char *key)
{
    return f->metadata ? json_get_string(f->metadata, key) : NULL;
}

/* ---- conversion to float32 --------------------------------------------- */

static float f16_to_f32(unsigned h)
{
    unsigned sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    float v;
    if (exp == 0) {
        v = ldexpf((float)mant, -24); /* zero or subnormal, exact */
        return sign ? -v : v;
    }
    uint32_t bits;
    if (exp == 31)
        bits = (uint32_t)sign << 31 | 0x7F800000u | (uint32_t)mant << 13; /* inf or NaN */
    else
        bits = (uint32_t)sign << 31 | (uint32_t)(exp - 15 + 127) << 23 | (uint32_t)mant << 13;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* A plain cast is undefined in C for finite doubles beyond the float range;
 * this rounds them as IEEE 754 does (to +-FLT_MAX or +-inf). */
static float double_to_float(double d)
{
    const double inf_from = 340282356779733661637539395458142568448.0; /* FLT_MAX + half an ulp */
    if (d >= inf_from)
        return INFINITY;
    if (d <= -inf_from)
        return -INFINITY;
    if (d > FLT_MAX)
        return FLT_MAX;
    if (d < -FLT_MAX)
        return -FLT_MAX;
    return (float)d;
}

static int host_is_little_endian(void)
{
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static uint64_t load_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

recur_status st_tensor_to_f32(const st_file *f, const st_tensor *t, float *dst, size_t count, recur_error *err)
{
    uint64_t numel = st_tensor_numel(t);
    if (numel != count)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s' has %llu elements, but %zu were expected", t->name,
                          (unsigned long long)numel, count);
    unsigned size;
    switch (t->dtype) {
    case ST_F32: size = 4; break;
    case ST_F64: size = 8; break;
    case ST_F16:
    case ST_BF16: size = 2; break;
    default:
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s' has dtype %s, which does not convert to float32", t->name,
                          t->dtype == ST_OTHER ? "(other)" : st_dtype_name(t->dtype));
    }
    /* The reader checked this; a hand-made st_tensor is checked here. */
    if (t->end > f->data_size || t->begin > t->end || t->end - t->begin != numel * size)
        return recur_fail(err, RECUR_E_FORMAT, "tensor '%s': byte range [%llu, %llu] does not match the data", t->name,
                          (unsigned long long)t->begin, (unsigned long long)t->end);
    if (count == 0)
        return RECUR_OK; /* dst may be NULL */
    const unsigned char *p = f->data + t->begin;
    /* One loop per dtype keeps the switch out of the per-element path. */
    switch (t->dtype) {
    case ST_F32:
        if (host_is_little_endian()) {
            memcpy(dst, p, count * sizeof *dst);
            break;
        }
        for (size_t i = 0; i < count; i++, p += 4) {
            uint32_t bits = (uint32_t)load_le(p, 4);
            memcpy(&dst[i], &bits, 4);
        }
        break;
    case ST_F64:
        for (size_t i = 0; i < count; i++, p += 8) {
            uint64_t bits = load_le(p, 8);
            double d;
            memcpy(&d, &bits, 8);
            dst[i] = double_to_float(d);
        }
        break;
    case ST_F16:
        for (size_t i = 0; i < count; i++, p += 2)
            dst[i] = f16_to_f32((unsigned)p[0] | (unsigned)p[1] << 8);
        break;
    default: /* ST_BF16: the top half of a float32 */
        for (size_t i = 0; i < count; i++, p += 2) {
            uint32_t bits = ((uint32_t)p[0] | (uint32_t)p[1] << 8) << 16;
            memcpy(&dst[i], &bits, 4);
        }
        break;
    }
    return RECUR_OK;
}
