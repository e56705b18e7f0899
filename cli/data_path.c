/* The search order of cli_data_path, documented in data_path.h and README. */
#define _POSIX_C_SOURCE 200809L /* readlink */
#include "data_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RECUR_INSTALL_DATADIR
#define RECUR_INSTALL_DATADIR "/usr/local/share/recur/data"
#endif

static int is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* dir/relative into out if that is a file. */
static int try_dir(const char *dir, const char *relative, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", dir, relative);
    return n > 0 && (size_t)n < size && is_file(out) ? 0 : -1;
}

int cli_data_path(const char *relative, char *out, size_t size)
{
    if (try_dir("data", relative, out, size) == 0)
        return 0;
    const char *env = getenv("RECUR_DATA_DIR");
    if (env && *env && try_dir(env, relative, out, size) == 0)
        return 0;
    /* The executable's own directory, symlinks resolved (so a link in
     * ~/bin to an installed recur still finds the tree it belongs to). */
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const beside[] = {"/../data", "/../share/recur/data"};
            char dir[4200];
            for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
                snprintf(dir, sizeof dir, "%s%s", exe, beside[i]);
                if (try_dir(dir, relative, out, size) == 0)
                    return 0;
            }
        }
    }
    return try_dir(RECUR_INSTALL_DATADIR, relative, out, size);
}

const char *cli_data_places(void)
{
    return "./data, $RECUR_DATA_DIR, ../data and ../share/recur/data beside the executable, " RECUR_INSTALL_DATADIR;
}
