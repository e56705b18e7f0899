/* Chart layout: 1-2-5 linear ticks, log decades, tick labels, and drawn
 * charts (clipping, NaN gaps, log axes, legends, thinning of long series). */
#include "core/rng.h"
#include "test.h"
#include "viz/chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* 1, 2 or 5 times a power of ten. */
static int is_125(double step)
{
    double e = floor(log10(step));
    double m = step / pow(10.0, e);
    return fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9 || fabs(m - 10) < 1e-9;
}

static void test_nice_step(void)
{
    CHECK_CLOSE(recur_nice_step(0, 1, 6), 0.2, 1e-12);   /* 0, .2, ..., 1: 6 ticks */
    CHECK_CLOSE(recur_nice_step(0, 1, 11), 0.1, 1e-12);
    CHECK_CLOSE(recur_nice_step(0, 3000, 8), 500, 1e-12);
    CHECK_CLOSE(recur_nice_step(1.31, 4.2, 7), 1, 1e-12); /* 1.0 .. 4.5: 8 ticks at 0.5 is too many */
    CHECK_CLOSE(recur_nice_step(1.31, 4.2, 8), 0.5, 1e-12);
    CHECK_CLOSE(recur_nice_step(1.31, 4.2, 6), 1, 1e-12);
    CHECK_CLOSE(recur_nice_step(-0.003, 0.0071, 7), 0.002, 1e-12); /* -0.004 .. 0.008 */
    CHECK_CLOSE(recur_nice_step(-0.003, 0.0071, 6), 0.005, 1e-12); /* -0.005 .. 0.01 */
}

static void test_linear_axis(void)
{
    recur_axis a;
    recur_axis_linear(&a, 0.13, 0.92, 6, 1);
    CHECK_CLOSE(a.lo, 0.0, 1e-12);
    CHECK_CLOSE(a.hi, 1.0, 1e-12);
    CHECK(a.nticks == 6);
    CHECK(a.ticks[0].value == 0.0 && a.ticks[0].labeled && a.ticks[0].major);
    CHECK_CLOSE(a.ticks[3].value, 0.6, 1e-12);
    char buf[32];
    recur_format_tick(&a, a.ticks[3].value, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "0.6") == 0, "%s", buf);

    /* fixed range: ticks stay inside it */
    recur_axis_linear(&a, 0.13, 0.92, 6, 0);
    CHECK(a.lo == 0.13 && a.hi == 0.92);
    CHECK(a.nticks >= 3);
    for (size_t i = 0; i < a.nticks; i++)
        CHECK(a.ticks[i].value >= 0.13 && a.ticks[i].value <= 0.92);

    /* a flat series (constant learning rate) gets a real range around it */
    recur_axis_linear(&a, 0.002, 0.002, 5, 1);
    CHECK(a.lo < 0.002 && a.hi > 0.002 && a.nticks >= 2);
    recur_axis_linear(&a, 0, 0, 5, 1);
    CHECK(a.lo < 0 && a.hi > 0);
    recur_axis_linear(&a, NAN, 3, 5, 1);
    CHECK(a.lo == 0 && a.hi == 1);

    /* zero is printed as "0", not "-0" or "1e-17" */
    recur_axis_linear(&a, -0.3, 0.3, 7, 1);
    int zero_seen = 0;
    for (size_t i = 0; i < a.nticks; i++) {
        recur_format_tick(&a, a.ticks[i].value, buf, sizeof buf);
        if (fabs(a.ticks[i].value) < 1e-12) {
            zero_seen = 1;
            CHECK_MSG(strcmp(buf, "0.0") == 0 || strcmp(buf, "0") == 0, "%s", buf);
        }
    }
    CHECK(zero_seen);

    /* Property: for random ranges the step is 1-2-5, ticks are multiples of
     * it, there are at most max_ticks, and the axis covers the data. */
    recur_rng rng;
    recur_rng_seed(&rng, 7);
    int ok_125 = 1, ok_count = 1, ok_cover = 1, ok_multiple = 1;
    for (int t = 0; t < 2000; t++) {
        double scale = pow(10.0, recur_rng_uniform_double(&rng) * 12 - 6);
        double lo = (recur_rng_uniform_double(&rng) * 2 - 1) * scale;
        double hi = lo + recur_rng_uniform_double(&rng) * scale + 1e-3 * scale;
        int max_ticks = 3 + (int)recur_rng_below(&rng, 8);
        recur_axis_linear(&a, lo, hi, max_ticks, 1);
        ok_125 &= is_125(a.step);
        ok_count &= a.nticks >= 2 && a.nticks <= (size_t)max_ticks;
        ok_cover &= a.lo <= lo && a.hi >= hi;
        for (size_t i = 0; i < a.nticks; i++) {
            double k = a.ticks[i].value / a.step;
            ok_multiple &= fabs(k - round(k)) < 1e-6;
        }
    }
    CHECK(ok_125);
    CHECK(ok_count);
    CHECK(ok_cover);
    CHECK(ok_multiple);
}

static void test_log_axis(void)
{
    recur_axis a;
    recur_axis_log(&a, 0.03, 40, 6, 1);
    CHECK_CLOSE(a.lo, 0.01, 1e-12);
    CHECK_CLOSE(a.hi, 100, 1e-12);
    size_t majors = 0, minors = 0, labels = 0;
    for (size_t i = 0; i < a.nticks; i++) {
        majors += a.ticks[i].major;
        minors += !a.ticks[i].major;
        labels += a.ticks[i].labeled;
    }
    CHECK(majors == 5);      /* 0.01 0.1 1 10 100 */
    CHECK(minors == 4 * 8);  /* 2..9 in each of four decades */
    CHECK(labels == 5);      /* four decades are too many to label 2 and 5 with 6 labels */
    char buf[32];
    recur_format_tick(&a, 0.01, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "0.01") == 0, "%s", buf);

    /* one decade: 2 and 5 are labelled too */
    recur_axis_log(&a, 1.3, 7, 6, 1);
    CHECK(a.lo == 1 && a.hi == 10);
    int labelled_2 = 0, labelled_3 = 0;
    for (size_t i = 0; i < a.nticks; i++) {
        if (fabs(a.ticks[i].value - 2) < 1e-12)
            labelled_2 = a.ticks[i].labeled;
        if (fabs(a.ticks[i].value - 3) < 1e-12)
            labelled_3 = a.ticks[i].labeled;
    }
    CHECK(labelled_2 && !labelled_3);

    /* many decades: every k-th decade labelled, at most max_labels */
    recur_axis_log(&a, 1e-12, 1e3, 6, 1);
    labels = 0;
    for (size_t i = 0; i < a.nticks; i++)
        if (a.ticks[i].labeled) {
            labels++;
            double e = log10(a.ticks[i].value);
            CHECK(fabs(e - round(e)) < 1e-9 && (long)round(e) % 3 == 0);
        }
    CHECK(labels >= 2 && labels <= 6);
    recur_format_tick(&a, 1e-12, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "1e-12") == 0, "%s", buf);
    recur_format_tick(&a, 1e6, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "1e6") == 0, "%s", buf);

    /* an exact decade still gives a range around it; bad input a default */
    recur_axis_log(&a, 1, 1, 6, 1);
    CHECK(a.lo <= 1 && a.hi > 1);
    recur_axis_log(&a, -5, 0, 6, 1);
    CHECK(a.lo > 0 && a.hi > a.lo);
}

static void test_tick_format(void)
{
    recur_axis a;
    char buf[32];
    recur_axis_linear(&a, 0, 3000, 7, 1);
    recur_format_tick(&a, 2500, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "2500") == 0, "%s", buf);
    recur_axis_linear(&a, 0, 1.5e-5, 4, 1);
    recur_format_tick(&a, 1e-5, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "1e-5") == 0, "%s", buf);
    recur_axis_linear(&a, 2e6, 3e6, 6, 1);
    recur_format_tick(&a, 2.2e6, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "2.2e6") == 0, "%s", buf);
    recur_axis_linear(&a, 0.001, 0.0032, 6, 1);
    recur_format_tick(&a, 0.0025, buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "0.0025") == 0 || strcmp(buf, "0.002") == 0 || strcmp(buf, "0.003") == 0, "%s", buf);
    CHECK_CLOSE(recur_text_width("abcd", 10), 22.4, 1e-9);
    CHECK(recur_text_width("한국", 10) > recur_text_width("ab", 10));
}

static char *render(const recur_chart *c)
{
    char *svg = NULL;
    size_t len = 0;
    recur_error err = {0};
    recur_status st = recur_chart_svg_string(c, &svg, &len, &err);
    CHECK_MSG(st == RECUR_OK, "%s", err.msg);
    CHECK(svg == NULL || strlen(svg) == len);
    return svg;
}

static void test_chart_render(void)
{
    double x[6] = {0, 10, 20, 30, 40, 50};
    double y1[6] = {4.2, 3.1, NAN, 2.0, 1.8, 1.7};
    double y2[6] = {0.5, 2.0, 0.0, -1.0, 8.0, 3.0}; /* 0 and -1 cannot go on a log axis */
    recur_chart_series loss[2] = {
        {.label = "lstm & <gru>", .x = x, .y = y1, .n = 6, .color = 0},
        {.label = "검증", .x = x, .y = y1, .n = 6, .color = 1, .dashed = 1, .markers = 1},
    };
    recur_chart_series grad[1] = {{.x = x, .y = y2, .n = 6, .color = 0}};
    recur_chart_panel panels[2] = {
        {.y_label = "loss (nats/token)", .series = loss, .nseries = 2, .height_weight = 2},
        {.y_label = "gradient norm", .log_y = 1, .series = grad, .nseries = 1},
    };
    recur_chart c = {.title = "Runs", .x_label = "step", .panels = panels, .npanels = 2};
    char *svg = render(&c);
    if (!svg)
        return;
    CHECK(strstr(svg, ">Runs</text>") != NULL);
    CHECK(strstr(svg, ">lstm &amp; &lt;gru&gt;</text>") != NULL);
    CHECK(strstr(svg, ">검증</text>") != NULL);
    CHECK(strstr(svg, ">loss (nats/token)</text>") != NULL);
    CHECK(strstr(svg, ">step</text>") != NULL);
    CHECK(strstr(svg, "nan") == NULL && strstr(svg, "inf") == NULL);
    /* both panels clip their lines */
    CHECK(count(svg, "<clipPath id=") == 2);
    CHECK(count(svg, "clip-path=\"url(#recur-clip-0)\"") == 1);
    CHECK(count(svg, "clip-path=\"url(#recur-clip-1)\"") == 1);
    /* the NaN splits both loss lines in two; on the log panel 0 and -1 are
     * gaps: {0.5, 2} then {8, 3} */
    CHECK_MSG(count(svg, "<polyline") == 2 + 2 + 2, "%zu polylines", count(svg, "<polyline"));
    /* the dashed series shows its dash in the plot and in the legend */
    CHECK(count(svg, "stroke-dasharray=\"7 4\"") >= 3);
    /* markers: 5 finite points plus one in the legend */
    CHECK_MSG(count(svg, "<circle") == 6, "%zu circles", count(svg, "<circle"));
    /* log ticks on the gradient panel: 0.1, 1, 10 */
    CHECK(strstr(svg, ">0.1</text>") && strstr(svg, ">10</text>"));
    free(svg);

    /* an empty panel still draws axes and says so */
    recur_chart_panel empty = {.y_label = "learning rate"};
    recur_chart c2 = {.x_label = "step", .panels = &empty, .npanels = 1};
    svg = render(&c2);
    CHECK(svg && strstr(svg, ">no data</text>") != NULL);
    free(svg);

    /* bad charts are refused */
    recur_chart none = {0};
    char *out = NULL;
    size_t len;
    recur_error err = {0};
    CHECK(recur_chart_svg_string(&none, &out, &len, &err) == RECUR_E_ARG && out == NULL);
    recur_chart_series broken = {.n = 3};
    recur_chart_panel bp = {.series = &broken, .nseries = 1};
    recur_chart c3 = {.panels = &bp, .npanels = 1};
    CHECK(recur_chart_svg_string(&c3, &out, &len, &err) == RECUR_E_ARG);
    CHECK_MSG(strstr(err.msg, "series 1") != NULL, "%s", err.msg);
}

/* A long noisy series is drawn with a few points per pixel column, and the
 * drawn envelope keeps the extremes. */
static void test_long_series_thinned(void)
{
    size_t n = 100000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        CHECK(0);
        return;
    }
    recur_rng rng;
    recur_rng_seed(&rng, 3);
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)i;
        y[i] = 2.0 + 0.1 * recur_rng_normal(&rng);
    }
    y[51234] = 9.0; /* a spike must survive thinning */
    recur_chart_series s = {.x = x, .y = y, .n = n};
    recur_chart_panel p = {.series = &s, .nseries = 1, .y_min = 0, .y_max = 10};
    /* 16 px top margin + 150 px plot + 54 px for the x axis */
    recur_chart c = {.panels = &p, .npanels = 1, .width = 800, .height = 220};
    char *svg = render(&c);
    if (svg) {
        const char *pts = strstr(svg, "<polyline points=\"");
        size_t npts = 0;
        for (const char *q = pts; q && *q != '/'; q++)
            npts += *q == ',';
        CHECK_MSG(npts > 500 && npts < 4 * 800, "%zu points drawn", npts);
        /* y = 9 on a 0..10 axis maps 10% below the top of the plot */
        char spike[64];
        double top = 16.0, height = 150.0;
        snprintf(spike, sizeof spike, ",%.2f", top + height * 0.1);
        CHECK_MSG(strstr(pts, spike) != NULL, "no point at %s", spike);
        CHECK(svg && strlen(svg) < 200000);
    }
    free(svg);
    free(x);
    free(y);
}

static void test_palette(void)
{
    CHECK(strcmp(recur_chart_color(0), "#0072B2") == 0);
    CHECK(strcmp(recur_chart_color(1), "#D55E00") == 0);
    CHECK(strcmp(recur_chart_color(8), recur_chart_color(0)) == 0);
    CHECK(strcmp(recur_chart_color(-1), "#555555") == 0);
    for (int i = 0; i < 8; i++)
        for (int j = i + 1; j < 8; j++)
            CHECK(strcmp(recur_chart_color(i), recur_chart_color(j)) != 0);
}

int main(void)
{
    test_nice_step();
    test_linear_axis();
    test_log_axis();
    test_tick_format();
    test_chart_render();
    test_long_series_thinned();
    test_palette();
    return test_report();
}
