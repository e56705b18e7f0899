/* A small, strict JSON parser (RFC 8259) for checkpoint headers and config
 * files. It builds a tree of json_value nodes; the caller frees the root with
 * json_free. Everything RFC 8259 leaves to the implementation is rejected:
 * duplicate object keys, lone UTF-16 surrogates in \u escapes, invalid UTF-8,
 * numbers outside the range of a double, nesting deeper than
 * JSON_MAX_DEPTH. */
#ifndef RECUR_CORE_JSON_H
#define RECUR_CORE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "recur/error.h"

#define JSON_MAX_DEPTH 64

typedef enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value json_value;
struct json_value {
    json_type type;
    int boolean;            /* JSON_BOOL */
    double number;          /* JSON_NUMBER (integers up to 2^53 are exact) */
    char *str; size_t len;  /* JSON_STRING: decoded UTF-8, NUL-terminated (len excludes the NUL; may contain \u0000 as a NUL byte) */
    json_value *items; size_t count;   /* JSON_ARRAY items; JSON_OBJECT values (count of both) */
    char **keys; size_t *key_lens;     /* JSON_OBJECT keys, in file order, decoded and NUL-terminated */
};

/* Parses exactly one value (surrounding whitespace allowed). Any error is
 * RECUR_E_FORMAT with a message naming the byte offset (and line), or
 * RECUR_E_NOMEM. On failure *out is NULL. */
recur_status json_parse(const char *text, size_t len, json_value **out, recur_error *err);
/* Frees a tree returned by json_parse (NULL is fine). */
void json_free(json_value *v);

/* The value under key, or NULL if obj is not an object or the key is absent. */
const json_value *json_get(const json_value *obj, const char *key);
/* Convenience with type checks: 0 on success, -1 if the key is absent, the
 * value has the wrong type, is not an integer, or is out of range. Integers
 * are accepted only within +-2^53, where a double is exact. */
int json_get_int64(const json_value *obj, const char *key, int64_t *out);
int json_get_double(const json_value *obj, const char *key, double *out);
/* The string under key, or NULL if absent or not a string. */
const char *json_get_string(const json_value *obj, const char *key);

/* 0 and *out set if v is a number holding an integer within +-2^53, else -1. */
int json_as_int64(const json_value *v, int64_t *out);
/* A short name for a type ("object", "string", ...), for error messages. */
const char *json_type_name(json_type t);

#endif
