#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_init(progress *p, FILE *out, int quiet)
{
    p->out = out;
    p->tty = isatty(fileno(out));
    p->quiet = quiet;
    p->interval = p->tty ? 0.25 : 30.0;
    p->last = -1e30;
    p->dirty = 0;
}

void progress_status(progress *p, int force, const char *fmt, ...)
{
    if (p->quiet)
        return;
    double t = now_seconds();
    if (!force && t - p->last < p->interval)
        return;
    p->last = t;
    va_list ap;
    va_start(ap, fmt);
    if (p->tty) {
        fputs("\r\033[K", p->out);
        vfprintf(p->out, fmt, ap);
        p->dirty = 1;
    } else {
        vfprintf(p->out, fmt, ap);
        fputc('\n', p->out);
    }
    va_end(ap);
    fflush(p->out);
}

void progress_done(progress *p)
{
    if (p->dirty) {
        fputc('\n', p->out);
        p->dirty = 0;
    }
}

void progress_line(progress *p, const char *fmt, ...)
{
    if (p->quiet)
        return;
    if (p->dirty) {
        fputs("\r\033[K", p->out);
        p->dirty = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    fflush(p->out);
    p->last = -1e30; /* redraw the status line at once */
}

void format_duration(double s, char *buf, size_t size)
{
    if (!(s >= 0) || s > 1e7) {
        snprintf(buf, size, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}
