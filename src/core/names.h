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

#endif
