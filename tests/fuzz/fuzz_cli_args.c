/* libFuzzer target: the command-line parser. The bytes are split at NUL or
 * '\n' into arguments and parsed against a table with every kind of flag.
 * Run it with -close_fd_mask=3 (scripts/fuzz.sh does) to silence the help and
 * error lines cli_parse prints. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *copy = malloc(size + 1);
    char **argv = malloc((size + 3) * sizeof *argv); /* argv[0], up to size + 1 pieces, NULL */
    if (!copy || !argv) {
        free(copy);
        free(argv);
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';
    int argc = 0;
    argv[argc++] = "fuzz";
    char *p = copy, *end = copy + size;
    while (p <= end) {
        char *q = p;
        while (q < end && *q != '\0' && *q != '\n')
            q++;
        *q = '\0';
        argv[argc++] = p;
        p = q + 1;
    }
    argv[argc] = NULL;

    int flag = 0, i32 = 0, seen = 0;
    int64_t i64 = 0;
    float f32 = 0;
    double f64 = 0;
    const char *str = NULL;
    cli_list list = {0};
    const cli_flag flags[] = {
        {"--flag", CLI_FLAG, &flag, 0, 0, "a switch", NULL},
        {"--int", CLI_INT, &i32, -5, 100000, "an int", &seen},
        {"--int64", CLI_INT64, &i64, 0, 9.2e18, "an int64", NULL},
        {"--float", CLI_FLOAT, &f32, 1e-12, 1e6, "a float", NULL},
        {"--double", CLI_DOUBLE, &f64, -1e300, 1e300, "a double", NULL},
        {"--string", CLI_STRING, &str, 0, 0, "a string", NULL},
        {"--list", CLI_LIST, &list, 0, 0, "a list", NULL},
        {"--hidden-flag", CLI_FLAG, &flag, 0, 0, NULL, NULL},
    };
    const cli_spec spec = {"recur fuzz", "[options] A [B]", "about", flags,
                           (int)(sizeof flags / sizeof flags[0]), 1, 2};
    const char *positional[2];
    int npos = 0;
    int rc = cli_parse(&spec, argc, argv, positional, &npos);
    if (rc == CLI_OK) {
        /* Parsed values respect their ranges. */
        if (i32 < -5 || i32 > 100000 || i64 < 0 || (f32 != 0 && (f32 < 1e-12f || f32 > 1e6f)) || npos < 1 ||
            npos > 2)
            abort();
    }
    cli_list_free(&list);
    free(argv);
    free(copy);
    return 0;
}
