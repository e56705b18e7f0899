/* safetensors checkpoints (https://github.com/huggingface/safetensors):
 *
 *     u64 N (little-endian) | N bytes of UTF-8 JSON header | data section
 *
 * The header maps tensor names to {"dtype", "shape", "data_offsets":[begin,
 * end]} with offsets relative to the start of the data section, plus an
 * optional "__metadata__" object of string -> string. The reader checks every
 * length, offset and count it reads (see docs/checkpoint-format.md); the
 * writer writes float32 tensors atomically. */
#ifndef RECUR_IO_SAFETENSORS_H
#define RECUR_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "recur/error.h"

#define ST_MAX_DIMS 8
/* The largest header the reader accepts, as in the reference implementation. */
#define ST_MAX_HEADER_BYTES 100000000u

/* ST_OTHER: a dtype that safetensors defines (BOOL, I8, I16, U16, U32, U64,
 * F8_E4M3, F8_E5M2) but recur does not convert; such tensors load and are
 * checked, and st_tensor_to_f32 rejects them. */
typedef enum st_dtype { ST_F32 = 0, ST_F64, ST_F16, ST_BF16, ST_I64, ST_I32, ST_U8, ST_OTHER } st_dtype;

typedef struct st_tensor {
    char *name; /* points into the parsed header, owned by the st_file */
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    uint64_t begin, end; /* byte range within the data section */
} st_tensor;

typedef struct st_file {
    unsigned char *bytes; size_t size;           /* the whole file, owned */
    const unsigned char *data; size_t data_size; /* the data section (after the header) */
    st_tensor *tensors; size_t count;            /* in header order */
    json_value *header;                          /* parsed header, owned */
    const json_value *metadata;                  /* the "__metadata__" object or NULL */
} st_file;

/* Reads and validates a whole file. Errors name the path and the problem. */
recur_status st_read(const char *path, st_file **out, recur_error *err);
/* The same from memory (copies the bytes). */
recur_status st_parse(const unsigned char *bytes, size_t size, st_file **out, recur_error *err);
void st_free(st_file *f);
/* The tensor with this name, or NULL. */
const st_tensor *st_find(const st_file *f, const char *name);
/* The metadata string under key, or NULL if absent or not a string. */
const char *st_metadata(const st_file *f, const char *key);
/* Number of elements (the product of the shape; 1 for a scalar). The reader
 * has checked that it and its size in bytes fit in 64 bits. */
uint64_t st_tensor_numel(const st_tensor *t);
/* The dtype's name as the header spells it ("F32", ...), "other" for ST_OTHER. */
const char *st_dtype_name(st_dtype d);

/* Copies a tensor into dst as float32, converting F64/F16/BF16; count must
 * equal the tensor's element count; anything else (integer or other dtypes, a
 * count mismatch) is an error naming the tensor. */
recur_status st_tensor_to_f32(const st_file *f, const st_tensor *t, float *dst, size_t count, recur_error *err);

typedef struct st_out_tensor { const char *name; int ndim; int64_t shape[ST_MAX_DIMS]; const float *data; } st_out_tensor;
typedef struct st_meta { const char *key; const char *value; } st_meta;

/* Writes F32 little-endian tensors (in the order given, contiguous, no gaps)
 * and string metadata, atomically via recur_atomic_file. The header is padded
 * with spaces so the data section starts at a multiple of 8 bytes. Names and
 * metadata must be valid UTF-8; duplicate tensor names or metadata keys, and
 * the reserved name "__metadata__", are errors. */
recur_status st_write(const char *path, const st_out_tensor *tensors, size_t count, const st_meta *meta, size_t nmeta,
                      recur_error *err);

#endif
