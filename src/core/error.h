/* Internal helpers to fill a recur_error. */
#ifndef RECUR_CORE_ERROR_H
#define RECUR_CORE_ERROR_H

#include "recur/error.h"

/* Fills err (if not NULL) with status and a printf-formatted message, and
 * returns status, so a failure path reads: return recur_fail(err, ...); */
recur_status recur_fail(recur_error *err, recur_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills err with RECUR_E_NOMEM naming what could not be allocated. */
recur_status recur_fail_nomem(recur_error *err, const char *what);

/* Prepends "prefix: " to the message already in err (for context such as a
 * file name) and returns err->status. */
recur_status recur_error_prefix(recur_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
