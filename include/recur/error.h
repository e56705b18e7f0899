/* Status codes and the error record every API call may fill. */
#ifndef RECUR_ERROR_H
#define RECUR_ERROR_H

#include "recur/api.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RECUR_VERSION "0.1.0"

typedef enum recur_status {
    RECUR_OK = 0,
    RECUR_E_ARG,         /* an argument or configuration value is out of range */
    RECUR_E_IO,          /* the file system refused: open, read, write, rename */
    RECUR_E_FORMAT,      /* a file's contents are malformed or inconsistent */
    RECUR_E_NOMEM,       /* an allocation failed or a size would overflow */
    RECUR_E_NONFINITE,   /* a loss or gradient became NaN or infinite */
    RECUR_E_INTERRUPTED  /* stopped on request (a signal) */
} recur_status;

typedef struct recur_error {
    recur_status status;
    char msg[512];
} recur_error;

/* A short name for a status ("format error", ...). */
RECUR_API const char *recur_status_name(recur_status s);

#ifdef __cplusplus
}
#endif
#endif
