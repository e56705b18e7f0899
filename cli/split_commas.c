#include "split_commas.h"

#include <string.h>

int split_commas(char *s, const char **items, int max)
{
    int n = 0;
    for (char *p = s;;) {
        if (n == max)
            return -1;
        items[n++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}
