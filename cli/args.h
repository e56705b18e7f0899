/* Command-line flag parsing shared by every subcommand.
 *
 * Each subcommand declares a table of flags; cli_parse fills the targets and
 * collects positional arguments. Every error is one line on stderr naming the
 * command and the flag, and makes cli_parse return non-zero. */
#ifndef RECUR_CLI_ARGS_H
#define RECUR_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

typedef enum cli_kind {
    CLI_FLAG,     /* no value; sets *(int *)target = 1 */
    CLI_INT,      /* int within [min, max] */
    CLI_INT64,    /* int64_t within [min, max] */
    CLI_FLOAT,    /* float within [min, max], finite */
    CLI_DOUBLE,   /* double within [min, max], finite */
    CLI_STRING,   /* const char * (points into argv) */
    CLI_LIST      /* repeatable string: appends to a cli_list */
} cli_kind;

typedef struct cli_list {
    const char **items;
    int count;
    int cap;
} cli_list;

typedef struct cli_flag {
    const char *name;   /* "--hidden" */
    cli_kind kind;
    void *target;
    double min, max;    /* numeric range, inclusive */
    const char *help;   /* one line for --help; NULL hides the flag */
    int *seen;          /* optional: set to 1 when the flag is given */
} cli_flag;

typedef struct cli_spec {
    const char *command;   /* "recur train" */
    const char *usage;     /* "--data FILE --out MODEL [options]" */
    const char *about;     /* a paragraph printed by --help above the flags */
    const cli_flag *flags;
    int nflags;
    int min_positional, max_positional;
} cli_spec;

enum { CLI_OK = 0, CLI_HELP = 1, CLI_ERROR = 2 };

/* Parses argv[1..argc) (argv[0] is the subcommand name). Accepts "--flag value"
 * and "--flag=value"; "--" ends the flags. Prints --help to stdout and returns
 * CLI_HELP; prints one error line and returns CLI_ERROR. positional receives
 * pointers into argv (capacity max_positional), *npositional their count. */
int cli_parse(const cli_spec *spec, int argc, char **argv, const char **positional, int *npositional);
void cli_print_help(const cli_spec *spec);
void cli_list_free(cli_list *l);
/* A flag whose value is one of a few names, each standing for a number. */
typedef struct cli_choice {
    const char *name;
    int value;
} cli_choice;

/* Sets *out to the value of the choice called name. Otherwise prints
 * "FLAG must be a, b or c, got 'name'" and returns CLI_ERROR. */
int cli_choose(const char *command, const char *flag, const char *name, const cli_choice *choices, int n, int *out);
/* cli_choose over a whole array of choices. */
#define CLI_CHOOSE(command, flag, name, choices, out) \
    cli_choose(command, flag, name, choices, (int)(sizeof(choices) / sizeof((choices)[0])), out)

/* A flag whose value a library parser (recur_level_parse, ...) refused:
 * prints "FLAG must be a, b or c, got 'x'" with the names the library's
 * message lists (the names are written once, in the library) and returns
 * CLI_ERROR. */
int cli_bad_choice(const char *command, const char *flag, const char *msg);

/* Prints "recur: <message>" style errors consistently. */
void cli_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
