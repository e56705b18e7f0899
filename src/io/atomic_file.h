/* Writing a file so that readers only ever see the old contents or the
 * complete new contents, never a partial file: the data goes to a temporary
 * file in the same directory, which is flushed to disk and then renamed over
 * the target (rename is atomic within a file system on POSIX).
 *
 *     recur_atomic_file f;
 *     if (recur_atomic_open(&f, path, err) != RECUR_OK) return err->status;
 *     if (recur_atomic_write(&f, buf, n, err) != RECUR_OK) { recur_atomic_abort(&f); ... }
 *     return recur_atomic_commit(&f, err);   // removes the temp file on failure
 */
#ifndef RECUR_IO_ATOMIC_FILE_H
#define RECUR_IO_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "recur/error.h"

typedef struct recur_atomic_file {
    FILE *fp;       /* write through this (or recur_atomic_write) */
    char *path;     /* the target */
    char *tmp_path; /* path + ".tmp.<pid>.<n>" */
} recur_atomic_file;

/* Creates (O_EXCL) a temporary file next to path named
 * path + ".tmp.<pid>.<n>", with n the first number whose name is free, so
 * concurrent writers never share a temporary file. If path already exists,
 * its permission bits carry over to the new file. Errors name the path. */
recur_status recur_atomic_open(recur_atomic_file *f, const char *path, recur_error *err);
/* fwrite with the result checked; on failure the message has the errno text
 * and the path. The file stays open: the caller still commits or aborts. */
recur_status recur_atomic_write(recur_atomic_file *f, const void *data, size_t len, recur_error *err);
/* Checks ferror, then fflush + fsync + fclose, renames the temporary file
 * over path and fsyncs the directory. On any failure before the rename the
 * temporary file is removed, an existing file at path is left untouched, and
 * the message has the errno text and the path. f is released either way. */
recur_status recur_atomic_commit(recur_atomic_file *f, recur_error *err);
/* Closes and removes the temporary file and releases f. Safe after a failed
 * open or commit, and safe to call twice. */
void recur_atomic_abort(recur_atomic_file *f);

#endif
