/* Line chart layout: axis ranges, tick choice and tick labels, and drawing a
 * recur_chart (include/recur/viz.h) into an SVG document. */
#ifndef RECUR_VIZ_CHART_H
#define RECUR_VIZ_CHART_H

#include <stddef.h>

#include "recur/viz.h"
#include "viz/svg.h"

#define RECUR_AXIS_MAX_TICKS 128

typedef struct recur_tick {
    double value;
    int major;    /* major ticks get a solid grid line, minor ones a faint one */
    int labeled;  /* a label is printed next to it */
} recur_tick;

typedef struct recur_axis {
    double lo, hi;   /* the drawn range */
    int log;
    double step;     /* linear axes: the tick spacing (for label precision) */
    size_t nticks;
    recur_tick ticks[RECUR_AXIS_MAX_TICKS];
} recur_axis;

/* The smallest 1-2-5 step (1, 2 or 5 times a power of ten) that puts at most
 * max_ticks ticks on [lo, hi] once the ends are rounded out to multiples of
 * the step. */
double recur_nice_step(double lo, double hi, int max_ticks);

/* A linear axis over data in [lo, hi] with at most max_ticks labelled ticks at
 * a 1-2-5 step. extend = 1 rounds the range out to multiples of the step;
 * extend = 0 keeps [lo, hi] and puts ticks inside it. An empty range (lo ==
 * hi) is widened around the value; non-finite input gives [0, 1]. */
void recur_axis_linear(recur_axis *a, double lo, double hi, int max_ticks, int extend);

/* A log10 axis over positive data in [lo, hi]: extend = 1 rounds out to whole
 * decades. Major ticks at the decades (every k-th labelled so at most
 * max_labels are), minor ticks at 2..9 times each decade while there are few
 * decades; 2 and 5 are labelled too when the axis spans at most two decades. */
void recur_axis_log(recur_axis *a, double lo, double hi, int max_labels, int extend);

/* Formats a tick value: linear axes with as many decimals as the step needs,
 * very large or small values and log axes as short %g ("0.001", "2e-5",
 * "1e6"). */
void recur_format_tick(const recur_axis *a, double v, char *buf, size_t size);

/* Rough rendered width of UTF-8 text in pixels at a font size (wide for
 * Hangul and CJK), for layout. */
double recur_text_width(const char *utf8, double size);

/* Draws the chart into s (which this starts with recur_svg_begin). On error s
 * is left empty. */
recur_status recur_chart_render(const recur_chart *c, recur_svg *s, recur_error *err);

#endif
