/* Axis ranges and tick choice for charts; see chart.h. */
#include "viz/chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/strbuf.h"

/* Tolerance, in units of the step, for deciding that a value lies on a tick:
 * lo / step computed in floating point can land a hair off an integer. */
#define TICK_EPS 1e-9

static void add_tick(recur_axis *a, double v, int major, int labeled)
{
    if (a->nticks >= RECUR_AXIS_MAX_TICKS)
        return;
    recur_tick *t = &a->ticks[a->nticks++];
    t->value = v;
    t->major = major;
    t->labeled = labeled;
}

static double ticks_in(double lo, double hi, double step)
{
    return ceil(hi / step - TICK_EPS) - floor(lo / step + TICK_EPS) + 1.0;
}

double recur_nice_step(double lo, double hi, int max_ticks)
{
    static const double mult[3] = {1.0, 2.0, 5.0};
    if (max_ticks < 2)
        max_ticks = 2;
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span))
        return 1.0;
    double base = pow(10.0, floor(log10(span / max_ticks)));
    /* The answer is at most span (two ticks), so a few decades above base suffice. */
    for (int decade = 0; decade < 6; decade++, base *= 10.0)
        for (int i = 0; i < 3; i++) {
            double step = mult[i] * base;
            if (ticks_in(lo, hi, step) <= max_ticks)
                return step;
        }
    return base;
}

void recur_axis_linear(recur_axis *a, double lo, double hi, int max_ticks, int extend)
{
    memset(a, 0, sizeof *a);
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (lo > hi) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    /* A flat series (a constant learning rate) still gets a readable axis:
     * widen by 10% of the value around it. */
    double scale = fmax(fabs(lo), fabs(hi));
    if (hi - lo <= scale * 1e-12) {
        double d = scale > 0 ? scale * 0.1 : 1.0;
        lo -= d;
        hi += d;
    }
    if (max_ticks > RECUR_AXIS_MAX_TICKS)
        max_ticks = RECUR_AXIS_MAX_TICKS;
    double step = recur_nice_step(lo, hi, max_ticks);
    a->step = step;
    double k0, k1;
    if (extend) {
        k0 = floor(lo / step + TICK_EPS);
        k1 = ceil(hi / step - TICK_EPS);
        a->lo = k0 * step;
        a->hi = k1 * step;
    } else {
        k0 = ceil(lo / step - TICK_EPS);
        k1 = floor(hi / step + TICK_EPS);
        a->lo = lo;
        a->hi = hi;
    }
    for (double k = k0; k <= k1 && a->nticks < RECUR_AXIS_MAX_TICKS; k += 1.0) {
        double v = k * step;
        if (fabs(v) < step * TICK_EPS)
            v = 0.0; /* print "0", not "-0" or "1e-17" */
        add_tick(a, v, 1, 1);
    }
}

void recur_axis_log(recur_axis *a, double lo, double hi, int max_labels, int extend)
{
    memset(a, 0, sizeof *a);
    a->log = 1;
    if (!(hi > 0) || !isfinite(hi))
        hi = (lo > 0 && isfinite(lo)) ? lo * 10.0 : 10.0;
    if (!(lo > 0) || !isfinite(lo))
        lo = hi / 10.0;
    if (lo > hi) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (max_labels < 2)
        max_labels = 2;
    double llo = log10(lo), lhi = log10(hi);
    int dlo = (int)floor(llo + TICK_EPS), dhi = (int)ceil(lhi - TICK_EPS);
    if (dhi <= dlo)
        dhi = dlo + 1;
    if (extend) {
        a->lo = pow(10.0, dlo);
        a->hi = pow(10.0, dhi);
    } else {
        a->lo = lo;
        a->hi = hi;
    }
    int ndec = dhi - dlo;
    int every = (ndec + max_labels - 1) / max_labels;
    if (every < 1)
        every = 1;
    int minor = ndec <= 10;
    int label_minor = 3 * ndec + 1 <= max_labels;
    double tol_lo = a->lo * (1 - 1e-9), tol_hi = a->hi * (1 + 1e-9);
    for (int d = dlo; d <= dhi; d++) {
        double v = pow(10.0, d);
        int labeled = ((d % every) + every) % every == 0;
        /* With many decades only the labelled ones are listed, to stay
         * within the tick array. */
        if (v >= tol_lo && v <= tol_hi && (labeled || ndec <= 60))
            add_tick(a, v, 1, labeled);
        if (!minor || d == dhi)
            continue;
        for (int m = 2; m <= 9; m++) {
            double mv = m * v;
            if (mv >= tol_lo && mv <= tol_hi)
                add_tick(a, mv, 0, label_minor && (m == 2 || m == 5));
        }
    }
}

/* "1e-05" -> "1e-5", "2.5e+06" -> "2.5e6". */
static void tidy_exponent(char *buf)
{
    char *e = strchr(buf, 'e');
    if (!e)
        return;
    char *src = e + 1, *dst = e + 1;
    if (*src == '+')
        src++;
    else if (*src == '-')
        *dst++ = *src++;
    while (*src == '0' && src[1] != '\0')
        src++;
    memmove(dst, src, strlen(src) + 1);
}

void recur_format_tick(const recur_axis *a, double v, char *buf, size_t size)
{
    if (size == 0)
        return;
    if (!isfinite(v)) {
        snprintf(buf, size, "?");
        return;
    }
    if (a->log) {
        snprintf(buf, size, "%g", v);
        tidy_exponent(buf);
        return;
    }
    double step = a->step > 0 ? a->step : 1.0;
    double maxabs = fmax(fabs(a->lo), fabs(a->hi));
    if (fabs(v) < step * TICK_EPS)
        v = 0.0;
    if (maxabs >= 1e6 || step < 1e-4) {
        /* Enough significant digits to tell neighbouring ticks apart. */
        int digits = (int)floor(log10(fmax(maxabs, step))) - (int)floor(log10(step)) + 1;
        if (digits < 1)
            digits = 1;
        if (digits > 15)
            digits = 15;
        snprintf(buf, size, "%.*g", digits, v);
        tidy_exponent(buf);
        return;
    }
    int decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - TICK_EPS);
    snprintf(buf, size, "%.*f", decimals, v);
}

double recur_text_width(const char *utf8, double size)
{
    const unsigned char *p = (const unsigned char *)(utf8 ? utf8 : "");
    size_t avail = strlen((const char *)p);
    double w = 0.0;
    while (avail > 0) {
        size_t n = *p < 0x80 ? 1 : recur_utf8_seq_len(p, avail);
        if (n == 0)
            n = 1;
        unsigned cp = *p;
        if (n > 1) {
            cp = p[0] & (0x7F >> n);
            for (size_t i = 1; i < n; i++)
                cp = (cp << 6) | (p[i] & 0x3F);
        }
        /* Average advance widths of a sans-serif face: Latin ~0.56 em,
         * Hangul and CJK ideographs a full em. */
        w += size * (cp < 0x80 ? 0.56 : cp >= 0x1100 ? 1.0 : 0.65);
        p += n;
        avail -= n;
    }
    return w;
}
