#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *recur_status_name(recur_status s)
{
    switch (s) {
    case RECUR_OK: return "ok";
    case RECUR_E_ARG: return "invalid argument";
    case RECUR_E_IO: return "I/O error";
    case RECUR_E_FORMAT: return "format error";
    case RECUR_E_NOMEM: return "out of memory";
    case RECUR_E_NONFINITE: return "non-finite value";
    case RECUR_E_INTERRUPTED: return "interrupted";
    }
    return "unknown error";
}

recur_status recur_fail(recur_error *err, recur_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

recur_status recur_fail_nomem(recur_error *err, const char *what)
{
    return recur_fail(err, RECUR_E_NOMEM, "out of memory allocating %s", what);
}

recur_status recur_error_prefix(recur_error *err, const char *fmt, ...)
{
    if (!err)
        return RECUR_E_ARG;
    char prefix[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    old[sizeof old - 1] = '\0';
    /* Truncation is acceptable here: the message stays one readable line. */
    size_t n = strlen(prefix), cap = sizeof err->msg - 1;
    if (n > cap)
        n = cap;
    memcpy(err->msg, prefix, n);
    size_t pos = n;
    for (const char *p = ": "; *p && pos < cap; p++)
        err->msg[pos++] = *p;
    for (const char *p = old; *p && pos < cap; p++)
        err->msg[pos++] = *p;
    err->msg[pos] = '\0';
    return err->status;
}
