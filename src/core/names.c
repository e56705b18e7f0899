#include "core/names.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

const char *recur_names_get(const char *const *names, int count, int value)
{
    return value >= 0 && value < count ? names[value] : "?";
}

recur_status recur_names_parse(const char *const *names, int count, const char *what, const char *name, int *value,
                               recur_error *err)
{
    for (int i = 0; name && i < count; i++)
        if (strcmp(name, names[i]) == 0) {
            *value = i;
            return RECUR_OK;
        }
    char list[256];
    size_t n = 0;
    list[0] = '\0';
    for (int i = 0; i < count && n < sizeof list; i++) {
        const char *sep = i == 0 ? "" : i == count - 1 ? " or " : ", ";
        int w = snprintf(list + n, sizeof list - n, "%s%s", sep, names[i]);
        n += w > 0 ? (size_t)w : 0;
    }
    return recur_fail(err, RECUR_E_ARG, "%s must be %s, got '%s'", what, list, name ? name : "(none)");
}
