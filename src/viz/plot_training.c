/* Training curves: metrics logs of one or more runs drawn as one chart with
 * a loss panel over learning-rate / gradient-norm / speed panels; see
 * recur/viz.h. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/names.h"
#include "recur/viz.h"

void recur_plot_options_default(recur_plot_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->x = RECUR_PLOT_X_STEP;
    opt->y = RECUR_PLOT_Y_LOSS;
    opt->panels[0] = RECUR_PLOT_PANEL_LOSS;
    opt->panels[1] = RECUR_PLOT_PANEL_LR;
    opt->panels[2] = RECUR_PLOT_PANEL_GRAD;
    opt->npanels = 3;
}

RECUR_ENUM_NAMES(recur_plot_x, recur_plot_x_name, recur_plot_x_parse, "x", "step", "time", "epoch")
RECUR_ENUM_NAMES(recur_plot_y, recur_plot_y_name, recur_plot_y_parse, "y", "loss", "bpc", "ppl")

static const char *const panel_names[] = {"loss", "lr", "grad", "speed"};
#define NPANEL_KINDS (sizeof panel_names / sizeof panel_names[0])

const char *recur_plot_panel_name(recur_plot_panel panel)
{
    return recur_names_get(panel_names, RECUR_NAMES_COUNT(panel_names), (int)panel);
}

recur_status recur_plot_parse_panels(const char *list, recur_plot_options *opt, recur_error *err)
{
    size_t n = 0;
    recur_plot_panel panels[RECUR_PLOT_MAX_PANELS];
    const char *p = list ? list : "";
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        size_t kind = 0;
        while (kind < NPANEL_KINDS &&
               !(strlen(panel_names[kind]) == len && memcmp(panel_names[kind], p, len) == 0))
            kind++;
        if (kind == NPANEL_KINDS)
            return recur_fail(err, RECUR_E_ARG, "unknown panel '%.*s' in '%s' (known: loss, lr, grad, speed)",
                              (int)(len > 64 ? 64 : len), p, list ? list : "");
        for (size_t i = 0; i < n; i++)
            if (panels[i] == (recur_plot_panel)kind)
                return recur_fail(err, RECUR_E_ARG, "panel '%s' is listed twice in '%s'",
                                  panel_names[kind], list);
        if (n == RECUR_PLOT_MAX_PANELS)
            return recur_fail(err, RECUR_E_ARG, "too many panels in '%s'", list);
        panels[n++] = (recur_plot_panel)kind;
        if (!end)
            break;
        p = end + 1;
    }
    memcpy(opt->panels, panels, n * sizeof panels[0]);
    opt->npanels = n;
    return RECUR_OK;
}

/* Beyond this many training points a noisy curve turns into a solid band,
 * so it is drawn faint with a running mean over it. */
#define SMOOTH_MIN_POINTS 300
#define SMOOTH_WINDOW_FRACTION 0.01 /* of the points, centred */
#define RAW_OPACITY 0.25

/* The arrays drawn for one run (smooth_* only when the run is long). */
typedef struct run_data {
    double *x_train, *x_val;
    double *loss_train, *loss_val, *lr, *grad, *speed;
    double *smooth_loss, *smooth_grad, *smooth_speed;
    size_t ntrain, nval; /* points in the arrays, gaps included */
} run_data;

/* out[i] = mean of the finite values of v within +-half of i; NaN where v[i]
 * itself is not finite, so gaps stay gaps. prefix sums keep it O(n). */
static int running_mean(const double *v, size_t n, size_t half, double *out)
{
    double *sum = malloc((n + 1) * sizeof *sum);
    size_t *cnt = malloc((n + 1) * sizeof *cnt);
    if (!sum || !cnt) {
        free(sum);
        free(cnt);
        return -1;
    }
    sum[0] = 0.0;
    cnt[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = isfinite(v[i]);
        sum[i + 1] = sum[i] + (ok ? v[i] : 0.0);
        cnt[i + 1] = cnt[i] + (size_t)ok;
    }
    for (size_t i = 0; i < n; i++) {
        size_t lo = i > half ? i - half : 0, hi = i + half + 1 < n ? i + half + 1 : n;
        size_t c = cnt[hi] - cnt[lo];
        out[i] = isfinite(v[i]) && c > 0 ? (sum[hi] - sum[lo]) / (double)c : NAN;
    }
    free(sum);
    free(cnt);
    return 0;
}

static double row_x(const recur_metrics_row *r, recur_plot_x x, double time_scale)
{
    switch (x) {
    case RECUR_PLOT_X_TIME: return r->elapsed_s / time_scale;
    case RECUR_PLOT_X_EPOCH: return r->epoch;
    case RECUR_PLOT_X_STEP: break;
    }
    return r->step;
}

static double loss_as(double loss, recur_plot_y y)
{
    switch (y) {
    case RECUR_PLOT_Y_BPC: return loss / log(2.0);
    case RECUR_PLOT_Y_PPL: return exp(loss);
    case RECUR_PLOT_Y_LOSS: break;
    }
    return loss;
}

/* A log appended to by a restarted or resumed run goes back in x; a gap
 * (a NaN row) is put there so the line does not jump back across the chart. */
static size_t append_point(double *x, double *const *ys, size_t nys, size_t at, double xv,
                           const double *yv, double *last_x)
{
    if (isfinite(xv) && isfinite(*last_x) && xv < *last_x) {
        x[at] = NAN;
        for (size_t k = 0; k < nys; k++)
            ys[k][at] = NAN;
        at++;
    }
    x[at] = xv;
    for (size_t k = 0; k < nys; k++)
        ys[k][at] = yv[k];
    if (isfinite(xv))
        *last_x = xv;
    return at + 1;
}

static int fill_run(run_data *d, const recur_metrics_log *log, const recur_plot_options *opt,
                    double time_scale)
{
    /* room for a gap before every point */
    if (log->ntrain > SIZE_MAX / (2 * sizeof(double)) || log->nval > SIZE_MAX / (2 * sizeof(double)))
        return -1;
    size_t nt = log->ntrain ? 2 * log->ntrain : 1, nv = log->nval ? 2 * log->nval : 1;
    d->x_train = malloc(nt * sizeof(double));
    d->loss_train = malloc(nt * sizeof(double));
    d->lr = malloc(nt * sizeof(double));
    d->grad = malloc(nt * sizeof(double));
    d->speed = malloc(nt * sizeof(double));
    d->x_val = malloc(nv * sizeof(double));
    d->loss_val = malloc(nv * sizeof(double));
    if (!d->x_train || !d->loss_train || !d->lr || !d->grad || !d->speed || !d->x_val || !d->loss_val)
        return -1;
    double *const train_ys[4] = {d->loss_train, d->lr, d->grad, d->speed};
    double last = NAN;
    d->ntrain = 0;
    for (size_t i = 0; i < log->ntrain; i++) {
        const recur_metrics_row *r = &log->train[i];
        double yv[4] = {loss_as(r->loss, opt->y), r->lr, r->grad_norm, r->tokens_per_s};
        d->ntrain = append_point(d->x_train, train_ys, 4, d->ntrain, row_x(r, opt->x, time_scale), yv, &last);
    }
    double *const val_ys[1] = {d->loss_val};
    last = NAN;
    d->nval = 0;
    for (size_t i = 0; i < log->nval; i++) {
        double yv[1] = {loss_as(log->val[i].loss, opt->y)};
        d->nval = append_point(d->x_val, val_ys, 1, d->nval, row_x(&log->val[i], opt->x, time_scale), yv, &last);
    }
    if (log->ntrain >= SMOOTH_MIN_POINTS) {
        size_t half = (size_t)((double)log->ntrain * SMOOTH_WINDOW_FRACTION / 2) + 1;
        d->smooth_loss = malloc(nt * sizeof(double));
        d->smooth_grad = malloc(nt * sizeof(double));
        d->smooth_speed = malloc(nt * sizeof(double));
        if (!d->smooth_loss || !d->smooth_grad || !d->smooth_speed ||
            running_mean(d->loss_train, d->ntrain, half, d->smooth_loss) != 0 ||
            running_mean(d->grad, d->ntrain, half, d->smooth_grad) != 0 ||
            running_mean(d->speed, d->ntrain, half, d->smooth_speed) != 0)
            return -1;
    }
    return 0;
}

static void free_run(run_data *d)
{
    free(d->x_train);
    free(d->x_val);
    free(d->loss_train);
    free(d->loss_val);
    free(d->lr);
    free(d->grad);
    free(d->speed);
    free(d->smooth_loss);
    free(d->smooth_grad);
    free(d->smooth_speed);
}

static char *copy_string(const char *src)
{
    size_t len = strlen(src);
    char *s = malloc(len + 1);
    if (s)
        memcpy(s, src, len + 1);
    return s;
}

/* "runs/lstm-512.jsonl" -> "lstm-512", written into a malloc'd string. */
static char *label_from_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        len = (size_t)(dot - base);
    if (len == 0) { /* "dir/" or "" : fall back to the whole path */
        base = path;
        len = strlen(path);
    }
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, base, len);
        s[len] = '\0';
    }
    return s;
}

/* The learning rate goes on a log axis when it changes by more than 10x
 * (a decaying schedule); a constant or gently varying rate reads better on
 * a linear one. */
static int lr_wants_log(const recur_metrics_log *logs, size_t nlogs)
{
    double lo = INFINITY, hi = 0.0;
    for (size_t r = 0; r < nlogs; r++)
        for (size_t i = 0; i < logs[r].ntrain; i++) {
            double v = logs[r].train[i].lr;
            if (!isfinite(v))
                continue;
            if (v <= 0)
                return 0;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    return hi > 0 && hi / lo > 10.0;
}

typedef struct plot_state {
    run_data *runs;
    char **labels;
    recur_chart_series *series; /* all panels' series, one block per panel */
    size_t nruns;
} plot_state;

static void free_state(plot_state *ps)
{
    for (size_t r = 0; r < ps->nruns; r++) {
        if (ps->runs)
            free_run(&ps->runs[r]);
        if (ps->labels)
            free(ps->labels[r]);
    }
    free(ps->runs);
    free(ps->labels);
    free(ps->series);
}

static recur_status check_options(const recur_plot_options *opt, size_t nlogs, recur_error *err)
{
    if (nlogs == 0)
        return recur_fail(err, RECUR_E_ARG, "no metrics logs to plot");
    if ((unsigned)opt->x > RECUR_PLOT_X_EPOCH)
        return recur_fail(err, RECUR_E_ARG, "unknown x axis %d", (int)opt->x);
    if ((unsigned)opt->y > RECUR_PLOT_Y_PPL)
        return recur_fail(err, RECUR_E_ARG, "unknown y quantity %d", (int)opt->y);
    if (opt->npanels > RECUR_PLOT_MAX_PANELS)
        return recur_fail(err, RECUR_E_ARG, "%zu panels (at most %d)", opt->npanels, RECUR_PLOT_MAX_PANELS);
    for (size_t p = 0; p < opt->npanels; p++)
        if ((unsigned)opt->panels[p] >= NPANEL_KINDS)
            return recur_fail(err, RECUR_E_ARG, "unknown panel %d", (int)opt->panels[p]);
    return RECUR_OK;
}

recur_status recur_plot_training_svg(const recur_metrics_log *logs, const char *const *paths,
                                     size_t nlogs, const recur_plot_options *opt_in,
                                     const char *svg_path, recur_error *err)
{
    recur_plot_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        recur_plot_options_default(&opt);
    if (opt.npanels == 0) {
        recur_plot_options defaults;
        recur_plot_options_default(&defaults);
        memcpy(opt.panels, defaults.panels, sizeof opt.panels);
        opt.npanels = defaults.npanels;
    }
    recur_status st = check_options(&opt, nlogs, err);
    if (st != RECUR_OK)
        return st;
    if (!opt.labels && !paths)
        return recur_fail(err, RECUR_E_ARG, "no labels and no paths to name the runs");

    /* Time in s, min or h, whichever keeps the numbers small. */
    double max_time = 0.0;
    for (size_t r = 0; r < nlogs; r++) {
        for (size_t i = 0; i < logs[r].ntrain; i++)
            if (isfinite(logs[r].train[i].elapsed_s))
                max_time = fmax(max_time, logs[r].train[i].elapsed_s);
        for (size_t i = 0; i < logs[r].nval; i++)
            if (isfinite(logs[r].val[i].elapsed_s))
                max_time = fmax(max_time, logs[r].val[i].elapsed_s);
    }
    double time_scale = max_time > 2 * 3600.0 ? 3600.0 : max_time > 120.0 ? 60.0 : 1.0;
    const char *x_label = opt.x == RECUR_PLOT_X_EPOCH ? "epoch"
                          : opt.x == RECUR_PLOT_X_STEP ? "step"
                          : time_scale == 3600.0        ? "time (h)"
                          : time_scale == 60.0          ? "time (min)"
                                                        : "time (s)";

    plot_state ps = {0};
    ps.nruns = nlogs;
    /* per run: train (raw and smoothed) and validation; plus the style key */
    size_t per_panel = 3 * nlogs + 2;
    ps.runs = calloc(nlogs, sizeof *ps.runs);
    ps.labels = calloc(nlogs, sizeof *ps.labels);
    ps.series = calloc(per_panel * opt.npanels, sizeof *ps.series);
    if (!ps.runs || !ps.labels || !ps.series) {
        free_state(&ps);
        return recur_fail_nomem(err, "plot series");
    }
    for (size_t r = 0; r < nlogs; r++) {
        const char *given = opt.labels ? opt.labels[r] : NULL;
        ps.labels[r] = given ? copy_string(given) : label_from_path(paths[r]);
        if (!ps.labels[r] || fill_run(&ps.runs[r], &logs[r], &opt, time_scale) != 0) {
            free_state(&ps);
            return recur_fail_nomem(err, "plot series");
        }
    }
    /* Two runs with the same file name in different directories: name them by path. */
    if (!opt.labels)
        for (size_t a = 0; a < nlogs; a++)
            for (size_t b = a + 1; b < nlogs; b++)
                if (strcmp(ps.labels[a], ps.labels[b]) == 0) {
                    for (size_t r = 0; r < nlogs; r++) {
                        char *full = copy_string(paths[r]);
                        if (!full) {
                            free_state(&ps);
                            return recur_fail_nomem(err, "plot labels");
                        }
                        free(ps.labels[r]);
                        ps.labels[r] = full;
                    }
                    a = b = nlogs; /* done */
                }

    int any_val = 0;
    for (size_t r = 0; r < nlogs; r++)
        any_val |= logs[r].nval > 0;

    recur_chart_panel panels[RECUR_PLOT_MAX_PANELS];
    memset(panels, 0, sizeof panels);
    for (size_t p = 0; p < opt.npanels; p++) {
        recur_chart_panel *panel = &panels[p];
        recur_chart_series *ser = ps.series + p * per_panel;
        size_t ns = 0;
        panel->series = ser;
        panel->height_weight = 1.0;
        for (size_t r = 0; r < nlogs; r++) {
            run_data *d = &ps.runs[r];
            const double *raw = NULL, *smooth = NULL;
            switch (opt.panels[p]) {
            case RECUR_PLOT_PANEL_LOSS: raw = d->loss_train; smooth = d->smooth_loss; break;
            case RECUR_PLOT_PANEL_LR: raw = d->lr; break; /* a schedule is smooth already */
            case RECUR_PLOT_PANEL_GRAD: raw = d->grad; smooth = d->smooth_grad; break;
            case RECUR_PLOT_PANEL_SPEED: raw = d->speed; smooth = d->smooth_speed; break;
            }
            recur_chart_series *s = &ser[ns++];
            s->x = d->x_train;
            s->y = raw;
            s->n = d->ntrain;
            s->color = (int)r;
            if (smooth) {
                /* the raw curve faint, the running mean over it carries the legend */
                s->opacity = RAW_OPACITY;
                s = &ser[ns++];
                *s = ser[ns - 2];
                s->y = smooth;
                s->opacity = 0.0;
            }
            /* The run names go in the first panel's legend; colours are shared. */
            s->label = p == 0 ? ps.labels[r] : NULL;
            if (opt.panels[p] == RECUR_PLOT_PANEL_LOSS && logs[r].nval > 0) {
                recur_chart_series *v = &ser[ns++];
                v->x = d->x_val;
                v->y = d->loss_val;
                v->n = d->nval;
                v->color = (int)r;
                v->dashed = 1;
                v->markers = 1;
            }
        }
        switch (opt.panels[p]) {
        case RECUR_PLOT_PANEL_LOSS:
            panel->y_label = opt.y == RECUR_PLOT_Y_BPC   ? "bits per token"
                             : opt.y == RECUR_PLOT_Y_PPL ? "perplexity"
                                                         : "loss (nats/token)";
            panel->log_y = opt.y == RECUR_PLOT_Y_PPL;
            panel->height_weight = 2.0;
            if (any_val) {
                /* A key for the line styles, in grey. */
                ser[ns++] = (recur_chart_series){.label = "train", .color = -1};
                ser[ns++] = (recur_chart_series){.label = "validation", .color = -1, .dashed = 1, .markers = 1};
            }
            break;
        case RECUR_PLOT_PANEL_LR:
            panel->y_label = "learning rate";
            panel->log_y = lr_wants_log(logs, nlogs);
            break;
        case RECUR_PLOT_PANEL_GRAD:
            panel->y_label = "gradient norm";
            panel->log_y = 1;
            break;
        case RECUR_PLOT_PANEL_SPEED:
            panel->y_label = "tokens per second";
            break;
        }
        panel->nseries = ns;
    }

    recur_chart chart = {0};
    chart.title = opt.title ? opt.title : "Training curves";
    chart.x_label = x_label;
    chart.width = opt.width;
    chart.panels = panels;
    chart.npanels = opt.npanels;
    st = recur_chart_write_svg(&chart, svg_path, err);
    free_state(&ps);
    return st;
}
