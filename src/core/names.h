/* The names of an enum's values, written once: a table in the order of the
 * values, read by the enum's recur_*_name and recur_*_parse pair (so that
 * the command line, the saved files and the library spell a value the same
 * way). */
#ifndef RECUR_CORE_NAMES_H
#define RECUR_CORE_NAMES_H

#include "recur/error.h"

/* names[value], or "?" when value is not one of the count values. */
const char *recur_names_get(const char *const *names, int count, int value);

/* Sets *value to the position of name among names[0..count). Otherwise
 * fails with RECUR_E_ARG and "WHAT must be a, b or c, got 'name'" (the
 * form the command line prints with the flag in front). */
recur_status recur_names_parse(const char *const *names, int count, const char *what, const char *name, int *value,
                               recur_error *err);

#define RECUR_NAMES_COUNT(names) ((int)(sizeof(names) / sizeof((names)[0])))

/* Defines the pair `const char *name_fn(type)` and `recur_status
 * parse_fn(const char *, type *, recur_error *)` over the names given, in
 * the enum's order; `what` names the value in parse_fn's message. */
#define RECUR_ENUM_NAMES(type, name_fn, parse_fn, what, ...)                                              \
    static const char *const name_fn##_table[] = {__VA_ARGS__};                                            \
    const char *name_fn(type value)                                                                        \
    {                                                                                                      \
        return recur_names_get(name_fn##_table, RECUR_NAMES_COUNT(name_fn##_table), (int)value);           \
    }                                                                                                      \
    recur_status parse_fn(const char *name, type *out, recur_error *err)                                   \
    {                                                                                                      \
        int v;                                                                                             \
        recur_status st = recur_names_parse(name_fn##_table, RECUR_NAMES_COUNT(name_fn##_table), what, name, \
                                            &v, err);                                                      \
        if (!st)                                                                                           \
            *out = (type)v;                                                                                \
        return st;                                                                                         \
    }

#endif
