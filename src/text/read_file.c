/* Reading a whole text file into memory. */
#define _POSIX_C_SOURCE 200809L /* fileno, fstat */
#include "core/error.h"
#include "recur/text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static recur_status open_failure(const char *path, int errnum, recur_error *err)
{
    switch (errnum) {
    case ENOENT: return recur_fail(err, RECUR_E_IO, "%s: no such file", path);
    case EACCES: return recur_fail(err, RECUR_E_IO, "%s: permission denied", path);
    case EISDIR: return recur_fail(err, RECUR_E_IO, "%s is a directory, not a file", path);
    default: return recur_fail(err, RECUR_E_IO, "cannot open %s: %s", path, strerror(errnum));
    }
}

/* Reads until end of file. The size from fstat is only a first guess for the
 * buffer (the file may change, and pipes report 0), never trusted. */
static recur_status read_all(FILE *f, const char *path, size_t guess, char **data, size_t *len,
                             recur_error *err)
{
    /* One byte for the NUL and one more so that the read which finds the
     * end of a file of exactly the guessed size needs no reallocation. */
    size_t cap = guess + 2 > 4096 ? guess + 2 : 4096;
    size_t used = 0;
    char *buf = malloc(cap);
    if (!buf)
        return recur_fail(err, RECUR_E_NOMEM, "out of memory reading %s (%zu bytes)", path, guess);
    for (;;) {
        if (used + 1 >= cap) {
            if (cap > SIZE_MAX / 2) {
                free(buf);
                return recur_fail(err, RECUR_E_NOMEM, "%s is too large to read into memory", path);
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return recur_fail(err, RECUR_E_NOMEM, "out of memory reading %s (%zu bytes so far)",
                                  path, used);
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + used, 1, cap - 1 - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f)) {
                int errnum = errno;
                free(buf);
                if (errnum == EISDIR)
                    return recur_fail(err, RECUR_E_IO, "%s is a directory, not a file", path);
                return recur_fail(err, RECUR_E_IO, "read error on %s after %zu bytes: %s", path,
                                  used, errnum ? strerror(errnum) : "unknown error");
            }
            break; /* end of file */
        }
    }
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return RECUR_OK;
}

recur_status recur_read_file(const char *path, char **data, size_t *len, recur_error *err)
{
    if (!path || !data || !len)
        return recur_fail(err, RECUR_E_ARG, "recur_read_file: path, data and len are required");
    *data = NULL;
    *len = 0;
    if (path[0] == '\0')
        return recur_fail(err, RECUR_E_ARG, "empty file name");

    errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return open_failure(path, errno, err);
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        int errnum = errno;
        fclose(f);
        return recur_fail(err, RECUR_E_IO, "cannot examine %s: %s", path, strerror(errnum));
    }
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        return recur_fail(err, RECUR_E_IO, "%s is a directory, not a file", path);
    }
    /* Pipes and devices are read to their end; only regular files give a size hint. */
    size_t guess = 0;
    if (S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX / 2)
        guess = (size_t)st.st_size;

    errno = 0;
    recur_status rc = read_all(f, path, guess, data, len, err);
    fclose(f);
    if (rc != RECUR_OK)
        return rc;
    /* The byte-order mark says "UTF-8"; the text starts after it. */
    size_t bom = recur_utf8_bom_length(*data, *len);
    if (bom) {
        memmove(*data, *data + bom, *len - bom + 1); /* with the NUL */
        *len -= bom;
    }
    if (*len == 0) {
        free(*data);
        *data = NULL;
        return recur_fail(err, RECUR_E_FORMAT, "%s is empty", path);
    }
    return RECUR_OK;
}
