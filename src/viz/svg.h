/* Low-level SVG writing: a document is built in memory, element by element,
 * and written atomically by recur_svg_save.
 *
 * Coordinates are in SVG user units (pixels), origin top-left, y down. Numbers
 * are printed with two decimals; an element with a NaN or infinite coordinate
 * or size is left out rather than written as "nan" (which would make the file
 * invalid). Text and attribute values are XML-escaped; valid UTF-8 passes
 * through, and each byte of an invalid UTF-8 sequence becomes U+FFFD.
 *
 * Allocation failure is sticky (s->buf.oom) and reported by recur_svg_save. */
#ifndef RECUR_VIZ_SVG_H
#define RECUR_VIZ_SVG_H

#include <stddef.h>

#include "core/strbuf.h"
#include "recur/error.h"

typedef struct recur_svg {
    recur_strbuf buf;
    double width, height;
} recur_svg;

/* Starts a document: XML prolog, the <svg> element with its viewBox, a white
 * background and a default sans-serif font family. */
void recur_svg_begin(recur_svg *s, double width, double height);
/* A straight line; dasharray is an SVG dash pattern such as "6 4", NULL for solid. */
void recur_svg_line(recur_svg *s, double x1, double y1, double x2, double y2, const char *stroke,
                    double width, const char *dasharray);
/* A polyline through n points. A point with a NaN or infinite coordinate
 * ends the current piece, so missing values show as gaps; a piece of a single
 * point is drawn as a dot of the line's width. */
void recur_svg_polyline(recur_svg *s, const double *x, const double *y, size_t n, const char *stroke,
                        double width);
/* Same, with a dash pattern (as for recur_svg_line; NULL for solid) and a
 * stroke opacity in (0, 1] (values outside mean opaque). */
void recur_svg_polyline_styled(recur_svg *s, const double *x, const double *y, size_t n,
                               const char *stroke, double width, const char *dasharray,
                               double opacity);
void recur_svg_circle(recur_svg *s, double cx, double cy, double r, const char *fill);
/* fill or stroke may be NULL for "none". */
void recur_svg_rect(recur_svg *s, double x, double y, double w, double h, const char *fill,
                    const char *stroke);
/* Text anchored at (x, y) on its baseline; anchor is "start", "middle" or
 * "end"; rotate_deg turns it about (x, y) (-90 reads bottom to top). */
void recur_svg_text(recur_svg *s, double x, double y, const char *utf8, double size,
                    const char *anchor, const char *fill, double rotate_deg);
/* Appends a fragment verbatim (clip paths, groups); the caller makes it valid. */
void recur_svg_raw(recur_svg *s, const char *fragment);
/* Appends utf8 XML-escaped (for callers composing their own elements). */
void recur_svg_escape(recur_strbuf *b, const char *utf8);
/* Closes the document with </svg> and writes it atomically to path. The
 * buffer is left as it was, so the document may be saved again. */
recur_status recur_svg_save(recur_svg *s, const char *path, recur_error *err);
/* The complete document as a NUL-terminated string (malloc'd, caller frees),
 * or NULL when out of memory. */
char *recur_svg_finish_string(const recur_svg *s, size_t *len);
void recur_svg_free(recur_svg *s);

#endif
