/* SVG primitives: escaping, number formatting, NaN gaps, saving. */
#define _POSIX_C_SOURCE 200809L
#include "test.h"
#include "viz/svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *finish(recur_svg *s)
{
    char *doc = recur_svg_finish_string(s, NULL);
    recur_svg_free(s);
    return doc;
}

static void test_document_frame(void)
{
    recur_svg s;
    recur_svg_begin(&s, 640, 480);
    char *doc = finish(&s);
    CHECK(doc != NULL);
    const char *prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"";
    CHECK(strncmp(doc, prolog, strlen(prolog)) == 0);
    CHECK(strstr(doc, "viewBox=\"0 0 640.00 480.00\"") != NULL);
    CHECK(strstr(doc, "fill=\"white\"") != NULL);
    CHECK(strstr(doc, "font-family=") != NULL);
    size_t len = strlen(doc);
    CHECK(len > 7 && strcmp(doc + len - 7, "</svg>\n") == 0);
    free(doc);
}

static void test_text_escaping(void)
{
    recur_svg s;
    recur_svg_begin(&s, 100, 100);
    recur_svg_text(&s, 10, 20, "a<b & \"c\" > 'd'", 12, "start", "black", 0);
    recur_svg_text(&s, 10, 40, "한국어 소설 (λ)", 12, "middle", NULL, -90);
    recur_svg_text(&s, 10, 60, "bad\xff\xfe byte\x01 tab\there", 12, "end", NULL, 0);
    recur_svg_line(&s, 0, 0, 1, 1, "#000\"/><script", 1, NULL);
    char *doc = finish(&s);
    CHECK(strstr(doc, ">a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;</text>") != NULL);
    CHECK(strstr(doc, ">한국어 소설 (λ)</text>") != NULL);
    CHECK(strstr(doc, "transform=\"rotate(-90.00 10.00 40.00)\"") != NULL);
    /* each invalid byte becomes U+FFFD; the control byte goes, the tab is a space */
    CHECK(strstr(doc, ">bad\xEF\xBF\xBD\xEF\xBF\xBD byte tab here</text>") != NULL);
    CHECK(strstr(doc, "<script") == NULL);
    CHECK(strstr(doc, "stroke=\"#000&quot;/&gt;&lt;script\"") != NULL);
    free(doc);
}

static void test_numbers_never_nan(void)
{
    recur_svg s;
    recur_svg_begin(&s, 100, 100);
    recur_svg_line(&s, NAN, 0, 10, 10, "red", 1, NULL);
    recur_svg_line(&s, 0, 0, INFINITY, 10, "red", 1, NULL);
    recur_svg_circle(&s, 5, NAN, 2, "red");
    recur_svg_rect(&s, 0, 0, NAN, 5, "red", NULL);
    recur_svg_text(&s, NAN, 0, "x", 12, "start", NULL, 0);
    recur_svg_line(&s, -0.001, 1e300, 2.005, 3, "blue", 1.5, "6 4");
    char *doc = finish(&s);
    CHECK(strstr(doc, "nan") == NULL && strstr(doc, "inf") == NULL);
    CHECK(count(doc, "<line") == 1);
    CHECK(count(doc, "<circle") == 0 && count(doc, "<text") == 0);
    /* -0.001 prints as 0.00, a huge value is clamped, two decimals throughout */
    CHECK(strstr(doc, "x1=\"0.00\" y1=\"1000000000.00\"") != NULL);
    CHECK(strstr(doc, "stroke-dasharray=\"6 4\"") != NULL);
    free(doc);
}

static void test_polyline_gaps(void)
{
    double x[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    double y[8] = {1, 2, NAN, 4, 5, INFINITY, 7, 8};
    x[3] = 3; /* pieces: {0,1}, {3,4}, {6,7} */
    recur_svg s;
    recur_svg_begin(&s, 100, 100);
    recur_svg_polyline(&s, x, y, 8, "#0072B2", 2);
    char *doc = finish(&s);
    CHECK(count(doc, "<polyline") == 3);
    CHECK(strstr(doc, "points=\"0.00,1.00 1.00,2.00\"") != NULL);
    CHECK(strstr(doc, "points=\"3.00,4.00 4.00,5.00\"") != NULL);
    CHECK(strstr(doc, "points=\"6.00,7.00 7.00,8.00\"") != NULL);
    CHECK(strstr(doc, "nan") == NULL);
    free(doc);

    /* a lone point between gaps is kept, as a dot */
    double lx[3] = {0, 1, 2}, ly[3] = {NAN, 5, NAN};
    recur_svg_begin(&s, 100, 100);
    recur_svg_polyline(&s, lx, ly, 3, "red", 2);
    doc = finish(&s);
    CHECK(count(doc, "<polyline") == 0);
    CHECK(strstr(doc, "<circle cx=\"1.00\" cy=\"5.00\" r=\"2.00\" fill=\"red\"/>") != NULL);
    free(doc);

    /* all points missing: nothing drawn */
    double nx[2] = {NAN, NAN};
    recur_svg_begin(&s, 100, 100);
    recur_svg_polyline(&s, nx, nx, 2, "red", 2);
    doc = finish(&s);
    CHECK(count(doc, "<polyline") == 0 && count(doc, "<circle") == 0);
    free(doc);
}

static void test_save(void)
{
    char dir[] = "/tmp/recur_svg_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/chart.svg", dir);
    recur_svg s;
    recur_svg_begin(&s, 50, 50);
    recur_svg_rect(&s, 1, 2, 3, 4, "none", "#888888");
    recur_error err = {0};
    CHECK(recur_svg_save(&s, path, &err) == RECUR_OK);
    /* saving twice writes the same complete document */
    CHECK(recur_svg_save(&s, path, &err) == RECUR_OK);
    char *expect = recur_svg_finish_string(&s, NULL);
    recur_svg_free(&s);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    char got[4096] = {0};
    size_t n = f ? fread(got, 1, sizeof got - 1, f) : 0;
    if (f)
        fclose(f);
    CHECK(expect && n == strlen(expect) && memcmp(got, expect, n) == 0);
    free(expect);
    remove(path);

    char bad[300];
    snprintf(bad, sizeof bad, "%s/no/such/dir/chart.svg", dir);
    recur_svg_begin(&s, 50, 50);
    CHECK(recur_svg_save(&s, bad, &err) == RECUR_E_IO);
    CHECK_MSG(strstr(err.msg, "no/such/dir") != NULL, "%s", err.msg);
    recur_svg_free(&s);
    rmdir(dir);
}

int main(void)
{
    test_document_frame();
    test_text_escaping();
    test_numbers_never_nan();
    test_polyline_gaps();
    test_save();
    return test_report();
}
