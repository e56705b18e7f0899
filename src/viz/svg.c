/* SVG document building; see svg.h. */
#include "viz/svg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "io/atomic_file.h"

/* Coordinates beyond this are clamped: they are far outside any drawing (the
 * chart code clips first), and clamping keeps "%.2f" output short. */
#define SVG_COORD_LIMIT 1e9

static int finite2(double a, double b)
{
    return isfinite(a) && isfinite(b);
}

/* Appends v with two decimals, never "nan", never "-0.00". */
static void put_num(recur_strbuf *b, double v)
{
    if (!isfinite(v))
        v = 0.0;
    if (v > SVG_COORD_LIMIT)
        v = SVG_COORD_LIMIT;
    if (v < -SVG_COORD_LIMIT)
        v = -SVG_COORD_LIMIT;
    if (fabs(v) < 0.005)
        v = 0.0;
    recur_strbuf_printf(b, "%.2f", v);
}

/* Appends ` name="value"` with value escaped. */
static void put_attr(recur_strbuf *b, const char *name, const char *value)
{
    recur_strbuf_printf(b, " %s=\"", name);
    recur_svg_escape(b, value ? value : "none");
    recur_strbuf_puts(b, "\"");
}

static void put_num_attr(recur_strbuf *b, const char *name, double v)
{
    recur_strbuf_printf(b, " %s=\"", name);
    put_num(b, v);
    recur_strbuf_puts(b, "\"");
}

void recur_svg_escape(recur_strbuf *b, const char *utf8)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)(utf8 ? utf8 : "");
    size_t avail = strlen((const char *)p);
    while (avail > 0) {
        unsigned char c = *p;
        size_t n = 1;
        switch (c) {
        case '&': recur_strbuf_puts(b, "&amp;"); break;
        case '<': recur_strbuf_puts(b, "&lt;"); break;
        case '>': recur_strbuf_puts(b, "&gt;"); break;
        case '"': recur_strbuf_puts(b, "&quot;"); break;
        case '\'': recur_strbuf_puts(b, "&apos;"); break;
        default:
            if (c < 0x20) {
                /* XML 1.0 forbids most control characters: tab, newline and
                 * carriage return become spaces, the others are dropped. */
                if (c == '\t' || c == '\n' || c == '\r')
                    recur_strbuf_puts(b, " ");
            } else if (c < 0x80) {
                recur_strbuf_append(b, (const char *)p, 1);
            } else {
                n = recur_utf8_seq_len(p, avail);
                if (n == 0) {
                    recur_strbuf_puts(b, replacement);
                    n = 1;
                } else {
                    recur_strbuf_append(b, (const char *)p, n);
                }
            }
        }
        p += n;
        avail -= n;
    }
}

void recur_svg_begin(recur_svg *s, double width, double height)
{
    recur_strbuf_init(&s->buf);
    s->width = width;
    s->height = height;
    recur_strbuf *b = &s->buf;
    recur_strbuf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    recur_strbuf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    put_num_attr(b, "width", width);
    put_num_attr(b, "height", height);
    recur_strbuf_puts(b, " viewBox=\"0 0 ");
    put_num(b, width);
    recur_strbuf_puts(b, " ");
    put_num(b, height);
    recur_strbuf_puts(b, "\" font-family=\"DejaVu Sans, Helvetica, Arial, 'Noto Sans CJK KR', "
                         "'NanumGothic', 'Malgun Gothic', sans-serif\">\n");
    recur_strbuf_puts(b, "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
}

void recur_svg_line(recur_svg *s, double x1, double y1, double x2, double y2, const char *stroke,
                    double width, const char *dasharray)
{
    if (!finite2(x1, y1) || !finite2(x2, y2) || !isfinite(width))
        return;
    recur_strbuf *b = &s->buf;
    recur_strbuf_puts(b, "<line");
    put_num_attr(b, "x1", x1);
    put_num_attr(b, "y1", y1);
    put_num_attr(b, "x2", x2);
    put_num_attr(b, "y2", y2);
    put_attr(b, "stroke", stroke);
    put_num_attr(b, "stroke-width", width);
    if (dasharray)
        put_attr(b, "stroke-dasharray", dasharray);
    recur_strbuf_puts(b, "/>\n");
}

/* One unbroken piece [from, to) of a polyline, all points finite. */
static void polyline_piece(recur_svg *s, const double *x, const double *y, size_t from, size_t to,
                           const char *stroke, double width, const char *dasharray, double opacity)
{
    recur_strbuf *b = &s->buf;
    if (to - from == 1) {
        recur_svg_circle(s, x[from], y[from], width, stroke);
        return;
    }
    recur_strbuf_puts(b, "<polyline points=\"");
    for (size_t i = from; i < to; i++) {
        if (i > from)
            recur_strbuf_puts(b, " ");
        put_num(b, x[i]);
        recur_strbuf_puts(b, ",");
        put_num(b, y[i]);
    }
    recur_strbuf_puts(b, "\" fill=\"none\"");
    put_attr(b, "stroke", stroke);
    put_num_attr(b, "stroke-width", width);
    if (dasharray)
        put_attr(b, "stroke-dasharray", dasharray);
    if (opacity > 0 && opacity < 1)
        put_num_attr(b, "stroke-opacity", opacity);
    recur_strbuf_puts(b, " stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n");
}

void recur_svg_polyline_styled(recur_svg *s, const double *x, const double *y, size_t n,
                               const char *stroke, double width, const char *dasharray,
                               double opacity)
{
    if (!isfinite(width))
        return;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && finite2(x[i], y[i]))
            continue;
        if (i > start)
            polyline_piece(s, x, y, start, i, stroke, width, dasharray, opacity);
        start = i + 1;
    }
}

void recur_svg_polyline(recur_svg *s, const double *x, const double *y, size_t n, const char *stroke,
                        double width)
{
    recur_svg_polyline_styled(s, x, y, n, stroke, width, NULL, 1.0);
}

void recur_svg_circle(recur_svg *s, double cx, double cy, double r, const char *fill)
{
    if (!finite2(cx, cy) || !isfinite(r) || r <= 0)
        return;
    recur_strbuf *b = &s->buf;
    recur_strbuf_puts(b, "<circle");
    put_num_attr(b, "cx", cx);
    put_num_attr(b, "cy", cy);
    put_num_attr(b, "r", r);
    put_attr(b, "fill", fill);
    recur_strbuf_puts(b, "/>\n");
}

void recur_svg_rect(recur_svg *s, double x, double y, double w, double h, const char *fill,
                    const char *stroke)
{
    if (!finite2(x, y) || !finite2(w, h) || w < 0 || h < 0)
        return;
    recur_strbuf *b = &s->buf;
    recur_strbuf_puts(b, "<rect");
    put_num_attr(b, "x", x);
    put_num_attr(b, "y", y);
    put_num_attr(b, "width", w);
    put_num_attr(b, "height", h);
    put_attr(b, "fill", fill);
    put_attr(b, "stroke", stroke);
    recur_strbuf_puts(b, "/>\n");
}

void recur_svg_text(recur_svg *s, double x, double y, const char *utf8, double size,
                    const char *anchor, const char *fill, double rotate_deg)
{
    if (!finite2(x, y) || !isfinite(size) || size <= 0 || !isfinite(rotate_deg))
        return;
    recur_strbuf *b = &s->buf;
    recur_strbuf_puts(b, "<text");
    put_num_attr(b, "x", x);
    put_num_attr(b, "y", y);
    put_num_attr(b, "font-size", size);
    put_attr(b, "text-anchor", anchor ? anchor : "start");
    put_attr(b, "fill", fill ? fill : "black");
    if (rotate_deg != 0.0) {
        recur_strbuf_puts(b, " transform=\"rotate(");
        put_num(b, rotate_deg);
        recur_strbuf_puts(b, " ");
        put_num(b, x);
        recur_strbuf_puts(b, " ");
        put_num(b, y);
        recur_strbuf_puts(b, ")\"");
    }
    recur_strbuf_puts(b, ">");
    recur_svg_escape(b, utf8);
    recur_strbuf_puts(b, "</text>\n");
}

void recur_svg_raw(recur_svg *s, const char *fragment)
{
    if (fragment)
        recur_strbuf_puts(&s->buf, fragment);
}

static const char svg_end[] = "</svg>\n";

char *recur_svg_finish_string(const recur_svg *s, size_t *len)
{
    if (s->buf.oom)
        return NULL;
    size_t body = s->buf.len, tail = sizeof svg_end - 1;
    char *out = malloc(body + tail + 1);
    if (!out)
        return NULL;
    if (body)
        memcpy(out, s->buf.data, body);
    memcpy(out + body, svg_end, tail + 1);
    if (len)
        *len = body + tail;
    return out;
}

recur_status recur_svg_save(recur_svg *s, const char *path, recur_error *err)
{
    if (s->buf.oom)
        return recur_fail_nomem(err, "SVG document");
    recur_atomic_file f;
    recur_status st = recur_atomic_open(&f, path, err);
    if (st != RECUR_OK)
        return st;
    st = recur_atomic_write(&f, s->buf.data ? s->buf.data : "", s->buf.len, err);
    if (st == RECUR_OK)
        st = recur_atomic_write(&f, svg_end, sizeof svg_end - 1, err);
    if (st != RECUR_OK) {
        recur_atomic_abort(&f);
        return st;
    }
    return recur_atomic_commit(&f, err);
}

void recur_svg_free(recur_svg *s)
{
    recur_strbuf_free(&s->buf);
}
