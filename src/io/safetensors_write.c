/* The safetensors writer: float32 tensors, string metadata, one atomic file. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"

/* Offsets and dimensions stay within 2^53 so every reader's JSON parser,
 * ours included, holds them exactly. */
#define MAX_EXACT ((uint64_t)1 << 53)

static int valid_utf8(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = recur_utf8_seq_len((const unsigned char *)s + i, len - i);
        if (!n)
            return 0;
        i += n;
    }
    return 1;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first name that occurs twice, or NULL. Sorting copies of the pointers
 * keeps this O(n log n) for models with many tensors. *nomem on failure. */
static const char *find_duplicate(const char **names, size_t n, int *nomem)
{
    *nomem = 0;
    if (n < 2)
        return NULL;
    const char **sorted = malloc(n * sizeof *sorted);
    if (!sorted) {
        *nomem = 1;
        return NULL;
    }
    memcpy(sorted, names, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_str_ptr);
    const char *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            dup = sorted[i];
    free(sorted);
    return dup;
}

static recur_status check_inputs(const st_out_tensor *tensors, size_t count, const st_meta *meta, size_t nmeta,
                                 recur_error *err)
{
    if ((count && !tensors) || (nmeta && !meta))
        return recur_fail(err, RECUR_E_ARG, "st_write: NULL tensor or metadata array");
    uint64_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        const st_out_tensor *t = &tensors[i];
        if (!t->name || !t->name[0])
            return recur_fail(err, RECUR_E_ARG, "tensor %zu has no name", i);
        if (strcmp(t->name, "__metadata__") == 0)
            return recur_fail(err, RECUR_E_ARG, "tensor %zu: the name __metadata__ is reserved", i);
        if (!valid_utf8(t->name))
            return recur_fail(err, RECUR_E_ARG, "tensor %zu: name is not valid UTF-8", i);
        if (t->ndim < 0 || t->ndim > ST_MAX_DIMS)
            return recur_fail(err, RECUR_E_ARG, "tensor '%s': %d dimensions, outside 0..%d", t->name, t->ndim,
                              ST_MAX_DIMS);
        uint64_t numel = 1;
        int empty = 0;
        for (int d = 0; d < t->ndim; d++) {
            uint64_t dim = (uint64_t)t->shape[d];
            if (t->shape[d] < 0 || dim > MAX_EXACT)
                return recur_fail(err, RECUR_E_ARG, "tensor '%s': dimension %d is %lld", t->name, d,
                                  (long long)t->shape[d]);
            if (dim == 0)
                empty = 1;
            else
                numel = numel > MAX_EXACT / dim ? MAX_EXACT + 1 : numel * dim; /* saturate */
        }
        if (empty)
            numel = 0;
        if (numel > (MAX_EXACT - offset) / 4)
            return recur_fail(err, RECUR_E_ARG, "tensor '%s': too large for a checkpoint", t->name);
        if (numel && !t->data)
            return recur_fail(err, RECUR_E_ARG, "tensor '%s': no data", t->name);
        offset += numel * 4;
    }
    for (size_t i = 0; i < nmeta; i++) {
        if (!meta[i].key || !meta[i].value)
            return recur_fail(err, RECUR_E_ARG, "metadata entry %zu has no key or value", i);
        if (!valid_utf8(meta[i].key) || !valid_utf8(meta[i].value))
            return recur_fail(err, RECUR_E_ARG, "metadata '%s': not valid UTF-8", meta[i].key);
    }

    /* Duplicate names would make a file that readers reject. */
    size_t n = count > nmeta ? count : nmeta;
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names)
        return recur_fail_nomem(err, "the name index");
    int nomem;
    for (size_t i = 0; i < count; i++)
        names[i] = tensors[i].name;
    const char *dup = find_duplicate(names, count, &nomem);
    recur_status st = RECUR_OK;
    if (dup)
        st = recur_fail(err, RECUR_E_ARG, "duplicate tensor name '%s'", dup);
    if (!nomem && st == RECUR_OK) {
        for (size_t i = 0; i < nmeta; i++)
            names[i] = meta[i].key;
        dup = find_duplicate(names, nmeta, &nomem);
        if (dup)
            st = recur_fail(err, RECUR_E_ARG, "duplicate metadata key '%s'", dup);
    }
    free(names);
    if (nomem)
        return recur_fail_nomem(err, "the name index");
    return st;
}

static uint64_t numel_of(const st_out_tensor *t)
{
    uint64_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= (uint64_t)t->shape[d];
    return n;
}

static void build_header(recur_strbuf *b, const st_out_tensor *tensors, size_t count, const st_meta *meta,
                         size_t nmeta)
{
    recur_strbuf_puts(b, "{");
    if (nmeta) {
        recur_strbuf_puts(b, "\"__metadata__\":{");
        for (size_t i = 0; i < nmeta; i++) {
            if (i)
                recur_strbuf_puts(b, ",");
            recur_strbuf_json_string(b, meta[i].key, strlen(meta[i].key));
            recur_strbuf_puts(b, ":");
            recur_strbuf_json_string(b, meta[i].value, strlen(meta[i].value));
        }
        recur_strbuf_puts(b, "}");
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        const st_out_tensor *t = &tensors[i];
        if (i || nmeta)
            recur_strbuf_puts(b, ",");
        recur_strbuf_json_string(b, t->name, strlen(t->name));
        recur_strbuf_puts(b, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++)
            recur_strbuf_printf(b, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        uint64_t end = offset + numel_of(t) * 4;
        recur_strbuf_printf(b, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)offset,
                            (unsigned long long)end);
        offset = end;
    }
    recur_strbuf_puts(b, "}");
    /* Pad with spaces (JSON whitespace) so the data starts 8-byte aligned. */
    while (!b->oom && (8 + b->len) % 8 != 0) /* an out-of-memory buffer stops growing */
        recur_strbuf_puts(b, " ");
}

static int host_is_little_endian(void)
{
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static recur_status write_floats(recur_atomic_file *af, const float *data, uint64_t n, recur_error *err)
{
    if (host_is_little_endian())
        return recur_atomic_write(af, data, (size_t)n * sizeof *data, err);
    unsigned char buf[4096];
    while (n > 0) {
        size_t chunk = n < sizeof buf / 4 ? (size_t)n : sizeof buf / 4;
        for (size_t i = 0; i < chunk; i++) {
            uint32_t bits;
            memcpy(&bits, &data[i], 4);
            for (int k = 0; k < 4; k++)
                buf[4 * i + k] = (unsigned char)(bits >> (8 * k));
        }
        recur_status st = recur_atomic_write(af, buf, chunk * 4, err);
        if (st != RECUR_OK)
            return st;
        data += chunk;
        n -= chunk;
    }
    return RECUR_OK;
}

recur_status st_write(const char *path, const st_out_tensor *tensors, size_t count, const st_meta *meta, size_t nmeta,
                      recur_error *err)
{
    recur_status st = check_inputs(tensors, count, meta, nmeta, err);
    if (st != RECUR_OK)
        return recur_error_prefix(err, "%s", path);
    recur_strbuf header;
    recur_strbuf_init(&header);
    build_header(&header, tensors, count, meta, nmeta);
    if (header.oom) {
        recur_strbuf_free(&header);
        recur_fail_nomem(err, "the checkpoint header");
        return recur_error_prefix(err, "%s", path);
    }
    unsigned char len_bytes[8];
    for (int k = 0; k < 8; k++)
        len_bytes[k] = (unsigned char)((uint64_t)header.len >> (8 * k));

    recur_atomic_file af;
    st = recur_atomic_open(&af, path, err);
    if (st == RECUR_OK)
        st = recur_atomic_write(&af, len_bytes, sizeof len_bytes, err);
    if (st == RECUR_OK)
        st = recur_atomic_write(&af, header.data, header.len, err);
    for (size_t i = 0; i < count && st == RECUR_OK; i++)
        st = write_floats(&af, tensors[i].data, numel_of(&tensors[i]), err);
    recur_strbuf_free(&header);
    if (st != RECUR_OK) {
        recur_atomic_abort(&af);
        return st;
    }
    return recur_atomic_commit(&af, err);
}
