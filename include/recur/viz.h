/* Pictures drawn by recur itself, as SVG files: line charts (one or more
 * panels stacked over a shared x axis) and training curves read from the
 * trainer's metrics logs. */
#ifndef RECUR_VIZ_H
#define RECUR_VIZ_H

#include "recur/api.h"

#include <stddef.h>

#include "recur/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Line charts ---------------------------------------------------------- */

/* One line. Points whose x or y is NaN or infinite (or not positive on a log
 * axis) are skipped, leaving a gap. A series with n == 0 and a label is drawn
 * only in the legend (a key for line styles, say). */
typedef struct recur_chart_series {
    const char *label;       /* legend text (UTF-8); NULL = not in the legend */
    const double *x, *y;     /* n points each */
    size_t n;
    int color;               /* palette index, see recur_chart_color; -1 = dark grey */
    int dashed;              /* 0 solid, 1 dashed */
    int markers;             /* 1: a dot at every point */
    double opacity;          /* line opacity in (0, 1); 0 (or 1) = opaque */
} recur_chart_series;

typedef struct recur_chart_panel {
    const char *y_label;     /* with units, e.g. "loss (nats/token)" */
    int log_y;               /* 1: logarithmic y axis (decades, minor ticks at 2..9) */
    double y_min, y_max;     /* fixed y range when y_min < y_max; else fitted to the data */
    double height_weight;    /* relative height among panels; <= 0 means 1 */
    const recur_chart_series *series;
    size_t nseries;
} recur_chart_panel;

typedef struct recur_chart {
    const char *title;       /* NULL = none */
    const char *x_label;     /* with units, e.g. "step" or "time (min)" */
    int log_x;
    double x_min, x_max;     /* fixed x range when x_min < x_max; else fitted to the data */
    double width, height;    /* pixels; 0 = 900 wide, height from the panels */
    const recur_chart_panel *panels;  /* stacked top to bottom, sharing the x axis */
    size_t npanels;          /* 1..RECUR_CHART_MAX_PANELS */
} recur_chart;

#define RECUR_CHART_MAX_PANELS 16

/* The colour for a palette index: the Okabe-Ito colour-blind-safe palette
 * (blue, vermillion, bluish green, reddish purple, orange, sky blue, black,
 * yellow), cycling; a negative index gives dark grey. "#RRGGBB". */
RECUR_API const char *recur_chart_color(int index);

/* Draws the chart and writes it atomically to path. */
RECUR_API recur_status recur_chart_write_svg(const recur_chart *chart, const char *path, recur_error *err);
/* Draws the chart into a malloc'd NUL-terminated string (the caller frees). */
RECUR_API recur_status recur_chart_svg_string(const recur_chart *chart, char **svg, size_t *len,
                                              recur_error *err);

/* ---- Training metrics logs ------------------------------------------------ */

/* One line of a metrics log (JSON Lines). Keys absent from the line, or
 * null, are NaN. */
typedef struct recur_metrics_row {
    double step, epoch, elapsed_s;
    double loss;          /* "train_loss" on a training row, "val_loss" on a validation row */
    double lr, grad_norm, clipped, tokens_per_s;  /* training rows only */
} recur_metrics_row;

typedef struct recur_metrics_log {
    recur_metrics_row *train;  /* lines with any of train_loss, lr, grad_norm */
    size_t ntrain;
    recur_metrics_row *val;    /* lines with val_loss */
    size_t nval;
} recur_metrics_log;

/* Reads a metrics log: one JSON object per line, blank lines allowed, keys
 * other than the ones above ignored, lines with none of them skipped. A line
 * that is not a JSON object, or a known key that is not a number or null, is
 * RECUR_E_FORMAT naming the file and line. */
RECUR_API recur_status recur_metrics_log_read(const char *path, recur_metrics_log *log, recur_error *err);
/* Same from memory; name is used in error messages. */
RECUR_API recur_status recur_metrics_log_parse(const char *text, size_t len, const char *name,
                                               recur_metrics_log *log, recur_error *err);
RECUR_API void recur_metrics_log_free(recur_metrics_log *log);

/* ---- Training curves ------------------------------------------------------ */

typedef enum recur_plot_x {
    RECUR_PLOT_X_STEP = 0,
    RECUR_PLOT_X_TIME,    /* elapsed_s, shown in s, min or h by range */
    RECUR_PLOT_X_EPOCH
} recur_plot_x;

typedef enum recur_plot_y {
    RECUR_PLOT_Y_LOSS = 0, /* nats per token */
    RECUR_PLOT_Y_BPC,      /* bits per token: loss / ln 2 */
    RECUR_PLOT_Y_PPL       /* perplexity: exp(loss), on a log axis */
} recur_plot_y;

typedef enum recur_plot_panel {
    RECUR_PLOT_PANEL_LOSS = 0, /* train (solid) and validation (dashed, dots) */
    RECUR_PLOT_PANEL_LR,       /* learning rate (log axis when it spans over 10x) */
    RECUR_PLOT_PANEL_GRAD,     /* gradient norm, log axis */
    RECUR_PLOT_PANEL_SPEED     /* tokens per second */
} recur_plot_panel;

#define RECUR_PLOT_MAX_PANELS 8

typedef struct recur_plot_options {
    recur_plot_x x;
    recur_plot_y y;
    recur_plot_panel panels[RECUR_PLOT_MAX_PANELS];
    size_t npanels;             /* 0 = loss, lr, grad */
    const char *title;          /* NULL = "Training curves" */
    const char *const *labels;  /* one legend label per log; NULL = from the file names */
    double width;               /* pixels; 0 = default */
} recur_plot_options;

/* Fills opt with the defaults (step, loss, panels loss/lr/grad). */
RECUR_API void recur_plot_options_default(recur_plot_options *opt);
/* "step", "time", "epoch"; "loss", "bpc", "ppl"; "loss", "lr", "grad", "speed". */
RECUR_API const char *recur_plot_x_name(recur_plot_x x);
RECUR_API recur_status recur_plot_x_parse(const char *name, recur_plot_x *x, recur_error *err);
RECUR_API const char *recur_plot_y_name(recur_plot_y y);
RECUR_API recur_status recur_plot_y_parse(const char *name, recur_plot_y *y, recur_error *err);
RECUR_API const char *recur_plot_panel_name(recur_plot_panel panel);
/* Parses a comma-separated panel list such as "loss,lr,grad" (names: loss,
 * lr, grad, speed) into opt->panels; an unknown or repeated name is
 * RECUR_E_ARG naming it. */
RECUR_API recur_status recur_plot_parse_panels(const char *list, recur_plot_options *opt, recur_error *err);
/* Draws the curves of nlogs runs on one chart, one colour per run, and
 * writes it to svg_path. paths name the runs in the legend (file name without
 * directory and extension) unless opt->labels is set. */
RECUR_API recur_status recur_plot_training_svg(const recur_metrics_log *logs, const char *const *paths,
                                               size_t nlogs, const recur_plot_options *opt,
                                               const char *svg_path, recur_error *err);

#ifdef __cplusplus
}
#endif
#endif
