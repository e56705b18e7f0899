#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_list_free(cli_list *l)
{
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* The placeholder of a string flag: FILE for the flags that name files,
 * DIR for folders, TEXT otherwise. */
static const char *string_hint(const char *name)
{
    static const char *const files[] = {"--model", "--out", "--output", "--data", "--val", "--test", "--log",
                                        "--vectors", "--train", "--questions", "--wordsim", "--simlex", "--init-from",
                                        "--svg", "--read-vocab", "--save-vocab", "--labels", "--from", "-o"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (strcmp(name, files[i]) == 0)
            return " FILE";
    if (strstr(name, "dir"))
        return " DIR";
    return " TEXT";
}

static const char *kind_hint(const cli_flag *f)
{
    switch (f->kind) {
    case CLI_INT:
    case CLI_INT64: return " N";
    case CLI_FLOAT:
    case CLI_DOUBLE: return " X";
    case CLI_STRING:
    case CLI_LIST: return string_hint(f->name);
    default: return "";
    }
}

void cli_print_help(const cli_spec *spec)
{
    printf("usage: %s %s\n\n", spec->command, spec->usage);
    if (spec->about)
        printf("%s\n\n", spec->about);
    printf("options:\n");
    for (int i = 0; i < spec->nflags; i++) {
        const cli_flag *f = &spec->flags[i];
        if (!f->help)
            continue;
        char left[64];
        snprintf(left, sizeof left, "%s%s", f->name, kind_hint(f));
        printf("  %-22s %s\n", left, f->help);
    }
    printf("  %-22s %s\n", "--help", "show this help and exit");
}

static int parse_number(const cli_spec *spec, const cli_flag *f, const char *value)
{
    char *end = NULL;
    errno = 0;
    if (f->kind == CLI_INT || f->kind == CLI_INT64) {
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end != '\0') {
            cli_error(spec->command, "%s expects an integer, got '%s'", f->name, value);
            return -1;
        }
        if ((double)v < f->min || (double)v > f->max) {
            cli_error(spec->command, "%s must be between %.0f and %.0f, got %lld", f->name, f->min,
                      f->max, v);
            return -1;
        }
        if (f->kind == CLI_INT)
            *(int *)f->target = (int)v;
        else
            *(int64_t *)f->target = (int64_t)v;
        return 0;
    }
    double v = strtod(value, &end);
    if (errno || end == value || *end != '\0' || !isfinite(v)) {
        cli_error(spec->command, "%s expects a number, got '%s'", f->name, value);
        return -1;
    }
    if (v < f->min || v > f->max) {
        cli_error(spec->command, "%s must be between %g and %g, got %g", f->name, f->min, f->max, v);
        return -1;
    }
    if (f->kind == CLI_FLOAT)
        *(float *)f->target = (float)v;
    else
        *(double *)f->target = v;
    return 0;
}

static int list_push(cli_list *l, const char *item)
{
    if (l->count == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        const char **items = realloc(l->items, (size_t)cap * sizeof *items);
        if (!items)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = item;
    return 0;
}

int cli_parse(const cli_spec *spec, int argc, char **argv, const char **positional, int *npositional)
{
    int npos = 0, only_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_positional || arg[0] != '-' || arg[1] == '\0') {
            if (npos >= spec->max_positional) {
                if (spec->max_positional == 0)
                    cli_error(spec->command, "unexpected argument '%s' (see --help)", arg);
                else
                    cli_error(spec->command, "too many arguments at '%s' (see --help)", arg);
                return CLI_ERROR;
            }
            positional[npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            cli_print_help(spec);
            return CLI_HELP;
        }
        const char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const cli_flag *f = NULL;
        for (int k = 0; k < spec->nflags; k++)
            if (strlen(spec->flags[k].name) == name_len && strncmp(spec->flags[k].name, arg, name_len) == 0)
                f = &spec->flags[k];
        if (!f) {
            cli_error(spec->command, "unknown option '%.*s' (see --help)", (int)name_len, arg);
            return CLI_ERROR;
        }
        if (f->seen)
            *f->seen = 1;
        if (f->kind == CLI_FLAG) {
            if (eq) {
                cli_error(spec->command, "%s takes no value", f->name);
                return CLI_ERROR;
            }
            *(int *)f->target = 1;
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                cli_error(spec->command, "%s needs a value", f->name);
                return CLI_ERROR;
            }
            value = argv[++i];
        }
        if (f->kind == CLI_STRING) {
            *(const char **)f->target = value;
        } else if (f->kind == CLI_LIST) {
            if (list_push((cli_list *)f->target, value) != 0) {
                cli_error(spec->command, "out of memory");
                return CLI_ERROR;
            }
        } else if (parse_number(spec, f, value) != 0) {
            return CLI_ERROR;
        }
    }
    if (npos < spec->min_positional) {
        cli_error(spec->command, "missing argument (usage: %s %s)", spec->command, spec->usage);
        return CLI_ERROR;
    }
    *npositional = npos;
    return CLI_OK;
}

int cli_bad_choice(const char *command, const char *flag, const char *msg)
{
    const char *tail = strstr(msg, " must be ");
    if (tail)
        cli_error(command, "%s%s", flag, tail);
    else
        cli_error(command, "%s: %s", flag, msg);
    return CLI_ERROR;
}

int cli_choose(const char *command, const char *flag, const char *name, const cli_choice *choices, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (strcmp(name, choices[i].name) == 0) {
            *out = choices[i].value;
            return CLI_OK;
        }
    char list[256];
    size_t used = 0;
    list[0] = '\0';
    for (int i = 0; i < n && used < sizeof list; i++) {
        const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
        int w = snprintf(list + used, sizeof list - used, "%s%s", sep, choices[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    cli_error(command, "%s must be %s, got '%s'", flag, list, name);
    return CLI_ERROR;
}
