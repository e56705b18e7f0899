/* Progress output for long work: one updating line on a terminal, plain
 * periodic lines otherwise, nothing with --quiet. */
#ifndef RECUR_CLI_PROGRESS_H
#define RECUR_CLI_PROGRESS_H

#include <stdio.h>

typedef struct progress {
    FILE *out;
    int tty;
    int quiet;
    double interval;   /* seconds between plain lines */
    double last;       /* time of the last line */
    int dirty;         /* a terminal line is open */
} progress;

/* Monotonic seconds. */
double now_seconds(void);
void progress_init(progress *p, FILE *out, int quiet);
/* Shows a status line (throttled); force prints regardless of the interval. */
void progress_status(progress *p, int force, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints a line that stays (closing any open status line first). */
void progress_line(progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Closes an open status line. */
void progress_done(progress *p);
/* "1:23:45" or "4:05" into buf. */
void format_duration(double seconds, char *buf, size_t size);

#endif
