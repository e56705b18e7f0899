/* Atomic file replacement: commit, abort, failed writes, concurrent writers. */
#define _POSIX_C_SOURCE 200809L

#include "io/atomic_file.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512];

static void join(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", dir, name); }

static int write_plain(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, fp) == n;
    return fclose(fp) == 0 && ok ? 0 : -1;
}

/* Reads up to cap - 1 bytes; returns the length or -1. */
static long read_plain(const char *path, char *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    size_t n = fread(buf, 1, cap - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return (long)n;
}

/* Number of directory entries other than . and .. */
static int count_entries(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void clear_dir(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        join(p, sizeof p, e->d_name);
        unlink(p);
    }
    closedir(d);
}

static void test_commit_and_abort(void)
{
    char path[1024], buf[256];
    recur_error err = {0};
    recur_atomic_file f;
    join(path, sizeof path, "out.txt");

    /* A new file. */
    CHECK(recur_atomic_open(&f, path, &err) == RECUR_OK);
    CHECK(f.fp && strncmp(f.tmp_path, path, strlen(path)) == 0 && strstr(f.tmp_path, ".tmp.") != NULL);
    CHECK(access(path, F_OK) != 0); /* nothing at the target until commit */
    CHECK(fputs("first\n", f.fp) >= 0);
    CHECK_MSG(recur_atomic_commit(&f, &err) == RECUR_OK, "%s", err.msg);
    CHECK(read_plain(path, buf, sizeof buf) == 6 && strcmp(buf, "first\n") == 0);
    CHECK(count_entries() == 1);
    CHECK(f.fp == NULL && f.tmp_path == NULL);
    recur_atomic_abort(&f); /* harmless after commit */
    CHECK(read_plain(path, buf, sizeof buf) == 6);

    /* Replacing keeps the old file's permissions. */
    CHECK(chmod(path, 0640) == 0);
    CHECK(recur_atomic_open(&f, path, &err) == RECUR_OK);
    CHECK(recur_atomic_write(&f, "second", 6, &err) == RECUR_OK);
    CHECK(recur_atomic_commit(&f, &err) == RECUR_OK);
    CHECK(read_plain(path, buf, sizeof buf) == 6 && strcmp(buf, "second") == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    CHECK(count_entries() == 1);

    /* Abort leaves the old file and no temporary file. */
    CHECK(recur_atomic_open(&f, path, &err) == RECUR_OK);
    CHECK(fputs("never seen", f.fp) >= 0);
    CHECK(count_entries() == 2);
    recur_atomic_abort(&f);
    recur_atomic_abort(&f); /* twice is fine */
    CHECK(read_plain(path, buf, sizeof buf) == 6 && strcmp(buf, "second") == 0);
    CHECK(count_entries() == 1);

    /* Two writers in one process get distinct temporary files; the later
     * commit wins. */
    recur_atomic_file g;
    CHECK(recur_atomic_open(&f, path, &err) == RECUR_OK);
    CHECK(recur_atomic_open(&g, path, &err) == RECUR_OK);
    CHECK(strcmp(f.tmp_path, g.tmp_path) != 0);
    CHECK(recur_atomic_write(&f, "from f", 6, &err) == RECUR_OK);
    CHECK(recur_atomic_write(&g, "from g", 6, &err) == RECUR_OK);
    CHECK(recur_atomic_commit(&g, &err) == RECUR_OK);
    CHECK(recur_atomic_commit(&f, &err) == RECUR_OK);
    CHECK(read_plain(path, buf, sizeof buf) == 6 && strcmp(buf, "from f") == 0);
    CHECK(count_entries() == 1);

    /* A missing directory is an I/O error naming the path. */
    char bad[1100];
    snprintf(bad, sizeof bad, "%s/no-such-dir/x.bin", dir);
    CHECK(recur_atomic_open(&f, bad, &err) == RECUR_E_IO);
    CHECK_MSG(strstr(err.msg, bad) && strstr(err.msg, strerror(ENOENT)), "%s", err.msg);
    CHECK(f.fp == NULL && f.path == NULL && f.tmp_path == NULL);
    recur_atomic_abort(&f); /* safe after a failed open */
    CHECK(recur_atomic_open(&f, "", &err) == RECUR_E_ARG);
    clear_dir();
}

/* In a child limited to a small file size (SIGXFSZ ignored, so writes fail
 * with EFBIG), a big write must fail and leave the old file alone. mode 0:
 * the caller ignores the failed writes and commits anyway; mode 1: it checks
 * recur_atomic_write and aborts. */
static void test_failed_write(int mode)
{
    char path[1024], buf[256];
    join(path, sizeof path, "model.bin");
    CHECK(write_plain(path, "old contents") == 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(10);
        recur_error err = {0};
        recur_atomic_file f;
        if (recur_atomic_open(&f, path, &err) != RECUR_OK)
            _exit(11);
        static char big[100000];
        memset(big, 'x', sizeof big);
        if (mode == 0) {
            for (int i = 0; i < 4; i++)
                (void)!fwrite(big, 1, sizeof big, f.fp);
            if (recur_atomic_commit(&f, &err) != RECUR_E_IO)
                _exit(12);
        } else {
            recur_status st = recur_atomic_write(&f, big, sizeof big, &err);
            if (st != RECUR_E_IO)
                _exit(13);
            recur_atomic_abort(&f);
        }
        /* The message names the path, and the errno text where the failing
         * call was checked. */
        if (!strstr(err.msg, path) || !strstr(err.msg, "write"))
            _exit(14);
        if (mode == 1 && !strstr(err.msg, strerror(EFBIG)))
            _exit(15);
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "mode %d: child status %d", mode,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    CHECK(read_plain(path, buf, sizeof buf) == 12 && strcmp(buf, "old contents") == 0);
    CHECK(count_entries() == 1); /* no temporary file left behind */
    clear_dir();
}

/* Two processes rewrite the same file over and over while this one reads
 * it: every read must see one writer's complete contents. */
static void test_concurrent_writers(void)
{
    char path[1024];
    join(path, sizeof path, "shared.bin");
    enum { SIZE = 50000, ROUNDS = 15 };
    static char buf[SIZE + 16];
    /* Start from a complete file so every read has something to check. */
    memset(buf, 'C', SIZE);
    recur_error err;
    recur_atomic_file f;
    CHECK(recur_atomic_open(&f, path, &err) == RECUR_OK);
    CHECK(recur_atomic_write(&f, buf, SIZE, &err) == RECUR_OK);
    CHECK(recur_atomic_commit(&f, &err) == RECUR_OK);
    fflush(NULL);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            static char data[SIZE];
            memset(data, k ? 'B' : 'A', SIZE);
            for (int r = 0; r < ROUNDS; r++) {
                recur_atomic_file g;
                if (recur_atomic_open(&g, path, &err) != RECUR_OK)
                    _exit(20);
                /* Write in pieces so an interleaving would be visible. */
                for (int off = 0; off < SIZE; off += 1000)
                    if (recur_atomic_write(&g, data + off, 1000, &err) != RECUR_OK)
                        _exit(21);
                if (recur_atomic_commit(&g, &err) != RECUR_OK)
                    _exit(22);
            }
            _exit(0);
        }
    }
    int reads = 0, torn = 0, running = 2, status[2] = {0, 0}, done[2] = {0, 0};
    while (running > 0 && reads < 100000) {
        long n = read_plain(path, buf, sizeof buf);
        reads++;
        int ok = n == SIZE;
        for (long j = 1; ok && j < n; j++)
            ok = buf[j] == buf[0];
        torn += !ok;
        for (int k = 0; k < 2; k++)
            if (!done[k] && waitpid(kids[k], &status[k], WNOHANG) == kids[k]) {
                done[k] = 1;
                running--;
            }
    }
    for (int k = 0; k < 2; k++) {
        if (!done[k])
            waitpid(kids[k], &status[k], 0);
        CHECK_MSG(WIFEXITED(status[k]) && WEXITSTATUS(status[k]) == 0, "writer %d failed", k);
    }
    CHECK_MSG(torn == 0, "%d of %d reads saw a partial file", torn, reads);
    CHECK(reads > 0);
    char final[SIZE + 16];
    CHECK(read_plain(path, final, sizeof final) == SIZE);
    CHECK(count_entries() == 1);
    clear_dir();
}

/* Temporary files of a writer that died are removed before the next write
 * of the same path; a living writer's, and other names, are left alone. */
static void test_stale_temporaries(void)
{
    clear_dir();
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0); /* child's pid now names no process */
    char target[1024], dead[1100], alive[1100], other[1100];
    join(target, sizeof target, "model.safetensors");
    snprintf(dead, sizeof dead, "%s.tmp.%ld.0", target, (long)child);
    snprintf(alive, sizeof alive, "%s.tmp.%ld.3", target, (long)getppid());
    snprintf(other, sizeof other, "%s.tmp.notapid", target);
    CHECK(write_plain(dead, "dead") == 0 && write_plain(alive, "alive") == 0 && write_plain(other, "x") == 0);
    recur_atomic_file f;
    recur_error err = {0};
    CHECK(recur_atomic_open(&f, target, &err) == RECUR_OK);
    CHECK(recur_atomic_write(&f, "new", 3, &err) == RECUR_OK);
    CHECK(recur_atomic_commit(&f, &err) == RECUR_OK);
    CHECK_MSG(access(dead, F_OK) != 0, "a dead writer's temporary file is still there");
    CHECK_MSG(access(alive, F_OK) == 0, "a living writer's temporary file was removed");
    CHECK(access(other, F_OK) == 0);
    char buf[16];
    CHECK(read_plain(target, buf, sizeof buf) == 3 && strcmp(buf, "new") == 0);
    clear_dir();
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/recur-atomic-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "cannot create a scratch directory: %s\n", strerror(errno));
        return 1;
    }
    test_commit_and_abort();
    test_failed_write(0);
    test_failed_write(1);
    test_concurrent_writers();
    test_stale_temporaries();
    clear_dir();
    rmdir(dir);
    return test_report();
}
