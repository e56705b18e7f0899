#define _POSIX_C_SOURCE 200809L

#include "io/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

/* Gives up after this many taken names: something else is wrong then. */
#define MAX_TMP_TRIES 1000

static void release(recur_atomic_file *f)
{
    free(f->path);
    free(f->tmp_path);
    f->fp = NULL;
    f->path = NULL;
    f->tmp_path = NULL;
}

/* A process killed while writing (SIGKILL, power loss) leaves its
 * PATH.tmp.<pid>.<n> behind. Before writing PATH again, remove those whose
 * process no longer exists; a live writer's file (another run writing the
 * same path) is left alone. Best effort: failures change nothing. */
static void remove_stale_temporaries(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dir_len = slash ? (size_t)(slash - path) : 0, base_len = strlen(base);
    char dir[4096];
    if (dir_len + 2 > sizeof dir)
        return;
    if (slash) {
        memcpy(dir, path, dir_len ? dir_len : 1); /* "/name" lives in "/" */
        dir[dir_len ? dir_len : 1] = '\0';
    } else {
        strcpy(dir, ".");
    }
    DIR *d = opendir(dir);
    if (!d)
        return;
    long self = (long)getpid();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, ".tmp.", 5) != 0)
            continue;
        char *end;
        long pid = strtol(name + base_len + 5, &end, 10);
        if (pid <= 0 || pid == self || *end != '.' || end[1] < '0' || end[1] > '9')
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char victim[4096 + 256];
        if (snprintf(victim, sizeof victim, "%s/%s", dir, name) < (int)sizeof victim)
            unlink(victim);
    }
    closedir(d);
}

recur_status recur_atomic_open(recur_atomic_file *f, const char *path, recur_error *err)
{
    f->fp = NULL;
    f->path = NULL;
    f->tmp_path = NULL;
    if (!path || !path[0])
        return recur_fail(err, RECUR_E_ARG, "empty output path");
    size_t plen = strlen(path), cap = plen + 64;
    f->path = malloc(plen + 1);
    f->tmp_path = malloc(cap);
    if (!f->path || !f->tmp_path) {
        release(f);
        return recur_fail_nomem(err, "a file name");
    }
    memcpy(f->path, path, plen + 1);
    remove_stale_temporaries(path);

    /* Keep the permissions of a file being replaced; a new file gets the
     * usual 0666 less the umask. */
    mode_t mode = 0666;
    struct stat st;
    int keep_mode = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    if (keep_mode)
        mode = st.st_mode & 07777;

    long pid = (long)getpid();
    int fd = -1, saved = 0;
    for (unsigned n = 0; n < MAX_TMP_TRIES; n++) {
        snprintf(f->tmp_path, cap, "%s.tmp.%ld.%u", path, pid, n);
        fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        saved = errno;
        recur_fail(err, RECUR_E_IO, "%s: cannot create a temporary file next to it: %s", path, strerror(saved));
        release(f);
        return RECUR_E_IO;
    }
    if (keep_mode)
        (void)fchmod(fd, mode); /* open() applied the umask; best effort */
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        saved = errno;
        close(fd);
        unlink(f->tmp_path);
        recur_fail(err, RECUR_E_IO, "%s: cannot open a stream: %s", path, strerror(saved));
        release(f);
        return RECUR_E_IO;
    }
    return RECUR_OK;
}

recur_status recur_atomic_write(recur_atomic_file *f, const void *data, size_t len, recur_error *err)
{
    if (!f->fp)
        return recur_fail(err, RECUR_E_ARG, "write to a file that is not open");
    if (len == 0)
        return RECUR_OK;
    errno = 0;
    if (fwrite(data, 1, len, f->fp) != len) {
        int e = errno ? errno : EIO;
        return recur_fail(err, RECUR_E_IO, "%s: write failed: %s", f->path, strerror(e));
    }
    return RECUR_OK;
}

/* Makes the rename itself durable. Some file systems cannot fsync a
 * directory (EINVAL); that is not an error of ours. */
static int sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) {
        dir = malloc(2);
        if (dir)
            memcpy(dir, ".", 2);
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir)
        return ENOMEM;
    int rc = 0;
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno;
    } else {
        if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
            rc = errno;
        close(fd);
    }
    free(dir);
    return rc;
}

recur_status recur_atomic_commit(recur_atomic_file *f, recur_error *err)
{
    if (!f->fp) {
        recur_atomic_abort(f);
        return recur_fail(err, RECUR_E_ARG, "commit of a file that is not open");
    }
    const char *step = NULL;
    int e = 0;
    if (ferror(f->fp)) {
        /* The errno of that write is long gone; say what is known. */
        step = "an earlier write to the temporary file failed";
        e = 0;
    } else if (fflush(f->fp) != 0) {
        step = "write failed";
        e = errno;
    } else if (fsync(fileno(f->fp)) != 0 && errno != EINVAL) {
        step = "fsync failed";
        e = errno;
    }
    FILE *fp = f->fp;
    f->fp = NULL;
    if (fclose(fp) != 0 && !step) {
        step = "close failed";
        e = errno;
    }
    if (!step && rename(f->tmp_path, f->path) != 0) {
        step = "cannot rename the temporary file over it";
        e = errno;
    }
    if (step) {
        unlink(f->tmp_path);
        if (e)
            recur_fail(err, RECUR_E_IO, "%s: %s: %s", f->path, step, strerror(e));
        else
            recur_fail(err, RECUR_E_IO, "%s: %s", f->path, step);
        release(f);
        return RECUR_E_IO;
    }
    e = sync_parent_dir(f->path);
    if (e) {
        /* The new file is in place; only its durability is in doubt. */
        recur_fail(err, RECUR_E_IO, "%s: written, but syncing its directory failed: %s", f->path, strerror(e));
        release(f);
        return RECUR_E_IO;
    }
    release(f);
    return RECUR_OK;
}

void recur_atomic_abort(recur_atomic_file *f)
{
    if (!f)
        return;
    if (f->fp)
        fclose(f->fp);
    if (f->tmp_path)
        unlink(f->tmp_path);
    release(f);
}
