/* Drawing a recur_chart as SVG: panels stacked over a shared x axis, each
 * with its own y axis, grid, clipped lines and legend; see chart.h. */
#include "viz/chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Layout in pixels. */
#define DEFAULT_WIDTH 900.0
#define PANEL_UNIT_HEIGHT 150.0 /* height of a panel with weight 1 */
#define PANEL_GAP 22.0
#define MIN_PLOTS_HEIGHT 400.0 /* a lone panel gets a proper chart's height */
#define MARGIN_LEFT 82.0
#define MARGIN_RIGHT 20.0
#define MARGIN_TOP_TITLE 50.0
#define MARGIN_TOP_PLAIN 16.0
#define MARGIN_BOTTOM 54.0
#define LEGEND_SAMPLE 28.0    /* length of the line sample in a legend row */
#define LEGEND_ROW 18.0
#define LEGEND_MAX_TEXT 200.0 /* longer legend labels are shortened with an ellipsis */

#define FONT_TITLE 18.0
#define FONT_LABEL 13.0
#define FONT_TICK 11.0
#define FONT_LEGEND 12.0

#define LINE_WIDTH 1.8
#define MARKER_RADIUS 2.8
#define DASH "7 4"

#define COLOR_TEXT "#222222"
#define COLOR_FRAME "#888888"
#define COLOR_GRID "#dddddd"
#define COLOR_GRID_MINOR "#f0f0f0"

const char *recur_chart_color(int index)
{
    /* Okabe & Ito, "Color Universal Design" (2008); yellow last, as it is
     * faint on white. */
    static const char *const palette[8] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                           "#E69F00", "#56B4E9", "#000000", "#F0E442"};
    if (index < 0)
        return "#555555";
    return palette[index % 8];
}

/* Range of the points of a panel's series where both coordinates are usable. */
static int panel_range(const recur_chart_panel *p, int use_x, int log_x, int log_y, double *lo,
                       double *hi)
{
    int any = 0;
    for (size_t s = 0; s < p->nseries; s++) {
        const recur_chart_series *ser = &p->series[s];
        for (size_t i = 0; i < ser->n; i++) {
            double x = ser->x[i], y = ser->y[i];
            if (!isfinite(x) || !isfinite(y) || (log_x && !(x > 0)) || (log_y && !(y > 0)))
                continue;
            double v = use_x ? x : y;
            if (!any || v < *lo)
                *lo = v;
            if (!any || v > *hi)
                *hi = v;
            any = 1;
        }
    }
    return any;
}

/* Maps a data value to a pixel along [p0, p1]; NaN when the value cannot be
 * shown (not finite, or not positive on a log axis). */
static double map_value(const recur_axis *a, double v, double p0, double p1)
{
    if (!isfinite(v) || (a->log && !(v > 0)))
        return NAN;
    double t = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
                      : (v - a->lo) / (a->hi - a->lo);
    return p0 + t * (p1 - p0);
}

static void make_axis(recur_axis *a, int log, int have, double lo, double hi, double fixed_lo,
                      double fixed_hi, int max_ticks)
{
    int fixed = isfinite(fixed_lo) && isfinite(fixed_hi) && fixed_lo < fixed_hi &&
                (!log || fixed_lo > 0);
    if (fixed) {
        lo = fixed_lo;
        hi = fixed_hi;
    } else if (!have) {
        lo = log ? 1.0 : 0.0;
        hi = log ? 10.0 : 1.0;
    }
    if (log)
        recur_axis_log(a, lo, hi, max_ticks, !fixed);
    else
        recur_axis_linear(a, lo, hi, max_ticks, !fixed);
}

/* A legend label no wider than LEGEND_MAX_TEXT: cut at a code point
 * boundary and ended with an ellipsis. Returns a malloc'd string or NULL. */
static char *fit_label(const char *label)
{
    size_t len = strlen(label);
    char *out = malloc(len + 4);
    if (!out)
        return NULL;
    memcpy(out, label, len + 1);
    if (recur_text_width(out, FONT_LEGEND) <= LEGEND_MAX_TEXT)
        return out;
    size_t cut = len;
    while (cut > 0) {
        /* step back one code point (skip UTF-8 continuation bytes) */
        cut--;
        while (cut > 0 && ((unsigned char)label[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(out + cut, "\xE2\x80\xA6", 4); /* U+2026 and the NUL */
        if (recur_text_width(out, FONT_LEGEND) <= LEGEND_MAX_TEXT)
            break;
    }
    return out;
}

static double legend_width(const recur_chart *c)
{
    double w = 0.0;
    for (size_t p = 0; p < c->npanels; p++)
        for (size_t s = 0; s < c->panels[p].nseries; s++) {
            const char *label = c->panels[p].series[s].label;
            if (label)
                w = fmax(w, fmin(recur_text_width(label, FONT_LEGEND), LEGEND_MAX_TEXT));
        }
    return w > 0 ? w + LEGEND_SAMPLE + 24.0 : 0.0;
}

/* Keeps a long series to a few points per pixel column: for each column the
 * first, lowest, highest and last points, in their original order, so the
 * drawn envelope is the same. px/py are pixel coordinates (NaN = gap); the
 * result replaces them in place and its length is returned. */
static size_t thin_columns(double *px, double *py, size_t n)
{
    size_t out = 0, i = 0;
    while (i < n) {
        if (!isfinite(px[i]) || !isfinite(py[i])) {
            if (out > 0 && isfinite(px[out - 1])) {
                px[out] = NAN;
                py[out] = NAN;
                out++;
            }
            i++;
            continue;
        }
        double column = floor(px[i]);
        size_t first = i, last = i, lo = i, hi = i;
        size_t j = i + 1;
        while (j < n && isfinite(px[j]) && isfinite(py[j]) && floor(px[j]) == column) {
            if (py[j] < py[lo])
                lo = j;
            if (py[j] > py[hi])
                hi = j;
            last = j;
            j++;
        }
        size_t keep[4] = {first, lo, hi, last};
        /* sort the four indices (insertion sort) and drop repeats */
        for (int a = 1; a < 4; a++)
            for (int b = a; b > 0 && keep[b - 1] > keep[b]; b--) {
                size_t t = keep[b];
                keep[b] = keep[b - 1];
                keep[b - 1] = t;
            }
        for (int a = 0; a < 4; a++) {
            if (a > 0 && keep[a] == keep[a - 1])
                continue;
            /* out <= keep[a] always holds, so this never overwrites unread input */
            px[out] = px[keep[a]];
            py[out] = py[keep[a]];
            out++;
        }
        i = j;
    }
    return out;
}

typedef struct panel_box {
    double top, height;
    recur_axis y;
} panel_box;

static recur_status check_chart(const recur_chart *c, recur_error *err)
{
    if (!c || !c->panels || c->npanels == 0)
        return recur_fail(err, RECUR_E_ARG, "chart has no panels");
    if (c->npanels > RECUR_CHART_MAX_PANELS)
        return recur_fail(err, RECUR_E_ARG, "chart has %zu panels (at most %d)", c->npanels,
                          RECUR_CHART_MAX_PANELS);
    if (!(c->width >= 0 && c->width <= 20000) || !(c->height >= 0 && c->height <= 20000))
        return recur_fail(err, RECUR_E_ARG, "chart size %gx%g is out of range (0..20000)",
                          c->width, c->height);
    for (size_t p = 0; p < c->npanels; p++) {
        const recur_chart_panel *panel = &c->panels[p];
        if (panel->nseries > 0 && !panel->series)
            return recur_fail(err, RECUR_E_ARG, "chart panel %zu has no series array", p + 1);
        for (size_t s = 0; s < panel->nseries; s++)
            if (panel->series[s].n > 0 && (!panel->series[s].x || !panel->series[s].y))
                return recur_fail(err, RECUR_E_ARG, "chart panel %zu series %zu has no data arrays",
                                  p + 1, s + 1);
    }
    return RECUR_OK;
}

static void draw_legend(recur_svg *s, const recur_chart_panel *p, double x, double y)
{
    for (size_t i = 0; i < p->nseries; i++) {
        const recur_chart_series *ser = &p->series[i];
        if (!ser->label)
            continue;
        const char *color = recur_chart_color(ser->color);
        recur_svg_line(s, x, y, x + LEGEND_SAMPLE, y, color, LINE_WIDTH, ser->dashed ? DASH : NULL);
        if (ser->markers)
            recur_svg_circle(s, x + LEGEND_SAMPLE / 2, y, MARKER_RADIUS, color);
        char *text = fit_label(ser->label);
        if (text) {
            recur_svg_text(s, x + LEGEND_SAMPLE + 6, y + FONT_LEGEND * 0.35, text, FONT_LEGEND, "start",
                           COLOR_TEXT, 0);
            free(text);
        } else {
            s->buf.oom = 1;
        }
        y += LEGEND_ROW;
    }
}

/* Draws one series clipped to the panel (the caller opened the clip group). */
static void draw_series(recur_svg *s, const recur_chart_series *ser, const recur_axis *xa,
                        const recur_axis *ya, double left, double right, double top, double bottom,
                        double *px, double *py)
{
    for (size_t i = 0; i < ser->n; i++) {
        px[i] = map_value(xa, ser->x[i], left, right);
        py[i] = map_value(ya, ser->y[i], bottom, top);
        if (isnan(px[i]) || isnan(py[i]))
            px[i] = py[i] = NAN;
    }
    const char *color = recur_chart_color(ser->color);
    if (ser->markers)
        for (size_t i = 0; i < ser->n; i++)
            recur_svg_circle(s, px[i], py[i], MARKER_RADIUS, color);
    size_t n = ser->n;
    if (n > 2 * (size_t)(right - left + 1))
        n = thin_columns(px, py, n);
    recur_svg_polyline_styled(s, px, py, n, color, LINE_WIDTH, ser->dashed ? DASH : NULL,
                              ser->opacity);
}

recur_status recur_chart_render(const recur_chart *c, recur_svg *s, recur_error *err)
{
    recur_strbuf_init(&s->buf);
    recur_status st = check_chart(c, err);
    if (st != RECUR_OK)
        return st;

    double width = c->width > 0 ? c->width : DEFAULT_WIDTH;
    double legend_w = legend_width(c);
    double top = c->title ? MARGIN_TOP_TITLE : MARGIN_TOP_PLAIN;
    double left = MARGIN_LEFT, right = width - MARGIN_RIGHT - legend_w;
    if (right - left < 100.0) /* a very narrow chart: squeeze the legend, keep a plot */
        right = left + 100.0;
    double total_weight = 0.0;
    for (size_t p = 0; p < c->npanels; p++)
        total_weight += c->panels[p].height_weight > 0 ? c->panels[p].height_weight : 1.0;
    double gaps = PANEL_GAP * (double)(c->npanels - 1);
    double plots_h = c->height > 0 ? c->height - top - MARGIN_BOTTOM - gaps
                                   : fmax(PANEL_UNIT_HEIGHT * total_weight, MIN_PLOTS_HEIGHT);
    if (plots_h < 60.0 * (double)c->npanels)
        plots_h = 60.0 * (double)c->npanels;
    double height = top + plots_h + gaps + MARGIN_BOTTOM;

    /* The shared x axis. */
    double xlo = 0, xhi = 0;
    int have_x = 0;
    for (size_t p = 0; p < c->npanels; p++) {
        double lo = 0, hi = 0;
        if (panel_range(&c->panels[p], 1, c->log_x, c->panels[p].log_y, &lo, &hi)) {
            xlo = have_x ? fmin(xlo, lo) : lo;
            xhi = have_x ? fmax(xhi, hi) : hi;
            have_x = 1;
        }
    }
    recur_axis xa;
    int x_ticks = (int)((right - left) / 70.0);
    make_axis(&xa, c->log_x, have_x, xlo, xhi, c->x_min, c->x_max, x_ticks < 3 ? 3 : x_ticks);

    panel_box *boxes = calloc(c->npanels, sizeof *boxes);
    size_t maxn = 1;
    for (size_t p = 0; p < c->npanels; p++)
        for (size_t i = 0; i < c->panels[p].nseries; i++)
            if (c->panels[p].series[i].n > maxn)
                maxn = c->panels[p].series[i].n;
    double *px = malloc(maxn * sizeof *px), *py = malloc(maxn * sizeof *py);
    if (!boxes || !px || !py) {
        free(boxes);
        free(px);
        free(py);
        return recur_fail_nomem(err, "chart layout");
    }

    recur_svg_begin(s, width, height);
    if (c->title)
        recur_svg_text(s, (left + right) / 2, 32.0, c->title, FONT_TITLE, "middle", COLOR_TEXT, 0);

    double y0 = top;
    for (size_t p = 0; p < c->npanels; p++) {
        const recur_chart_panel *panel = &c->panels[p];
        panel_box *box = &boxes[p];
        double w = panel->height_weight > 0 ? panel->height_weight : 1.0;
        box->top = y0;
        box->height = plots_h * w / total_weight;
        y0 += box->height + PANEL_GAP;
        double ptop = box->top, pbottom = box->top + box->height;

        double lo = 0, hi = 0;
        int have_y = panel_range(panel, 0, c->log_x, panel->log_y, &lo, &hi);
        /* Log axes label decades, which need less room than 1-2-5 steps. */
        int y_ticks = (int)(box->height / (panel->log_y ? 24.0 : 38.0));
        make_axis(&box->y, panel->log_y, have_y, lo, hi, panel->y_min, panel->y_max,
                  y_ticks < 3 ? 3 : y_ticks);

        /* grid: faint minor lines first, so major lines draw over them */
        for (int pass = 0; pass < 2; pass++) {
            for (size_t t = 0; t < box->y.nticks; t++) {
                const recur_tick *tk = &box->y.ticks[t];
                if (tk->major != pass)
                    continue;
                double y = map_value(&box->y, tk->value, pbottom, ptop);
                recur_svg_line(s, left, y, right, y, pass ? COLOR_GRID : COLOR_GRID_MINOR, 1.0, NULL);
            }
            for (size_t t = 0; t < xa.nticks; t++) {
                const recur_tick *tk = &xa.ticks[t];
                if (tk->major != pass)
                    continue;
                double x = map_value(&xa, tk->value, left, right);
                recur_svg_line(s, x, ptop, x, pbottom, pass ? COLOR_GRID : COLOR_GRID_MINOR, 1.0, NULL);
            }
        }
        /* y ticks and their labels */
        for (size_t t = 0; t < box->y.nticks; t++) {
            const recur_tick *tk = &box->y.ticks[t];
            double y = map_value(&box->y, tk->value, pbottom, ptop);
            recur_svg_line(s, left - (tk->major ? 5.0 : 3.0), y, left, y, COLOR_FRAME, 1.0, NULL);
            if (tk->labeled) {
                char label[64];
                recur_format_tick(&box->y, tk->value, label, sizeof label);
                recur_svg_text(s, left - 8.0, y + FONT_TICK * 0.35, label, FONT_TICK, "end", COLOR_TEXT, 0);
            }
        }
        if (panel->y_label)
            recur_svg_text(s, 20.0, (ptop + pbottom) / 2, panel->y_label, FONT_LABEL, "middle",
                           COLOR_TEXT, -90.0);

        /* the lines, clipped to the plot area */
        recur_strbuf_printf(&s->buf, "<clipPath id=\"recur-clip-%zu\">", p);
        recur_svg_rect(s, left, ptop, right - left, box->height, "black", NULL);
        recur_strbuf_printf(&s->buf, "</clipPath>\n<g clip-path=\"url(#recur-clip-%zu)\">\n", p);
        for (size_t i = 0; i < panel->nseries; i++)
            draw_series(s, &panel->series[i], &xa, &box->y, left, right, ptop, pbottom, px, py);
        recur_svg_raw(s, "</g>\n");
        if (!have_y)
            recur_svg_text(s, (left + right) / 2, (ptop + pbottom) / 2, "no data", FONT_LABEL,
                           "middle", COLOR_FRAME, 0);
        recur_svg_rect(s, left, ptop, right - left, box->height, NULL, COLOR_FRAME);
        draw_legend(s, panel, right + 16.0, ptop + 10.0);
    }

    /* x ticks and labels under the bottom panel */
    double bottom = boxes[c->npanels - 1].top + boxes[c->npanels - 1].height;
    for (size_t t = 0; t < xa.nticks; t++) {
        const recur_tick *tk = &xa.ticks[t];
        double x = map_value(&xa, tk->value, left, right);
        recur_svg_line(s, x, bottom, x, bottom + (tk->major ? 5.0 : 3.0), COLOR_FRAME, 1.0, NULL);
        if (tk->labeled) {
            char label[64];
            recur_format_tick(&xa, tk->value, label, sizeof label);
            recur_svg_text(s, x, bottom + 8.0 + FONT_TICK, label, FONT_TICK, "middle", COLOR_TEXT, 0);
        }
    }
    if (c->x_label)
        recur_svg_text(s, (left + right) / 2, bottom + 44.0, c->x_label, FONT_LABEL, "middle",
                       COLOR_TEXT, 0);

    free(boxes);
    free(px);
    free(py);
    if (s->buf.oom) {
        recur_svg_free(s);
        return recur_fail_nomem(err, "SVG document");
    }
    return RECUR_OK;
}

recur_status recur_chart_svg_string(const recur_chart *chart, char **svg, size_t *len,
                                    recur_error *err)
{
    *svg = NULL;
    recur_svg s;
    recur_status st = recur_chart_render(chart, &s, err);
    if (st != RECUR_OK)
        return st;
    *svg = recur_svg_finish_string(&s, len);
    recur_svg_free(&s);
    return *svg ? RECUR_OK : recur_fail_nomem(err, "SVG document");
}

recur_status recur_chart_write_svg(const recur_chart *chart, const char *path, recur_error *err)
{
    recur_svg s;
    recur_status st = recur_chart_render(chart, &s, err);
    if (st != RECUR_OK)
        return st;
    st = recur_svg_save(&s, path, err);
    recur_svg_free(&s);
    return st;
}
