/* A word map as SVG: one dot and label per word, pairs joined by lines. */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "recur/w2v.h"
#include "viz/svg.h"

#define MAP_W 1200.0
#define MAP_H 900.0
#define MAP_MARGIN 40.0

recur_status recur_w2v_map_svg(const char *path, const char *const *labels, const float *y, int n,
                               const int *pairs, int npairs, const char *title, recur_error *err)
{
    if (n < 1)
        return recur_fail(err, RECUR_E_ARG, "%s: a map needs at least one point", path);
    for (int p = 0; p < 2 * npairs; p++)
        if (pairs[p] < 0 || pairs[p] >= n)
            return recur_fail(err, RECUR_E_ARG, "%s: pair %d names point %d of %d", path, p / 2 + 1, pairs[p], n);
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < n; i++) {
        x0 = fmin(x0, y[2 * i]);
        x1 = fmax(x1, y[2 * i]);
        y0 = fmin(y0, y[2 * i + 1]);
        y1 = fmax(y1, y[2 * i + 1]);
    }
    if (!isfinite(x0) || !isfinite(x1) || !isfinite(y0) || !isfinite(y1))
        return recur_fail(err, RECUR_E_NONFINITE, "%s: map coordinates are not finite", path);
    double top = title ? MAP_MARGIN + 20 : MAP_MARGIN;
    /* One scale for both axes keeps distances honest; the right margin
     * leaves room for labels. */
    double sx = (MAP_W - 2 * MAP_MARGIN - 60) / fmax(x1 - x0, 1e-12);
    double sy = (MAP_H - top - MAP_MARGIN) / fmax(y1 - y0, 1e-12);
    double s = fmin(sx, sy);
    recur_svg svg;
    recur_svg_begin(&svg, MAP_W, MAP_H);
    if (title)
        recur_svg_text(&svg, MAP_W / 2, MAP_MARGIN, title, 18, "middle", "#222", 0);
#define PX(i) (MAP_MARGIN + (y[2 * (i)] - x0) * s)
#define PY(i) (top + (y[2 * (i) + 1] - y0) * s)
    for (int p = 0; p < npairs; p++) {
        int a = pairs[2 * p], b = pairs[2 * p + 1];
        recur_svg_line(&svg, PX(a), PY(a), PX(b), PY(b), "#d62728", 1.2, "5 3");
    }
    for (int i = 0; i < n; i++)
        recur_svg_circle(&svg, PX(i), PY(i), 2.5, "#1f77b4");
    for (int i = 0; i < n; i++)
        recur_svg_text(&svg, PX(i) + 4, PY(i) - 3, labels[i], 11, "start", "#333", 0);
#undef PX
#undef PY
    recur_status st = recur_svg_save(&svg, path, err);
    recur_svg_free(&svg);
    return st;
}
