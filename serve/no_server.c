/* recur serve in a build without libmicrohttpd. */
#include <stdio.h>

#include "commands.h"

int cmd_serve(int argc, char **argv)
{
    fprintf(stderr, "recur serve: this recur was built without libmicrohttpd; install it (Debian: "
                    "libmicrohttpd-dev) and rebuild\n");
    return 1;
}
