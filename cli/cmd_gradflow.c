/* recur gradflow: vanishing and exploding gradients, measured and drawn.
 *
 * Curves: for each cell (freshly initialised) or checkpoint, the relative
 * norm |dL_t/dh_{t-k}| / |dL_t/dh_t| against the lag k, per layer, at
 * initialisation and after a short training; CSV and an SVG chart with a log
 * y axis, and the largest singular value of each layer's W_hh.
 *
 * --explode: one vanilla RNN trained twice from the same weights with plain
 * SGD, without and with gradient clipping; per-step loss, gradient norm and
 * the count of non-finite steps (the trainer skips them, this reports them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"
#include "split_commas.h"

#define CMD "recur gradflow"
#define MAX_MODELS 16
#define MAX_LAYERS_DRAWN 8
/* Below this a relative norm has reached float's denormals and carries no
 * meaning; the chart leaves such points out. */
#define FLOOR_RELATIVE 1e-36

typedef struct gf_opts {
    const char *data, *csv, *svg, *title, *cells, *level_name;
    recur_level level;
    cli_list models;
    int hidden, layers, embed, train_steps, batch, seq, explode, max_skips, peephole;
    float lr, clip, forget_bias, init_scale;
    uint64_t seed;
    recur_gradflow_options gf;
} gf_opts;

/* One measured curve set: a model at one stage. */
typedef struct gf_entry {
    char label[160];   /* legend and table */
    char name[96];     /* cell or checkpoint file name, the CSV's model column */
    char short_label[160]; /* legend: name and stage */
    char cell[16];
    char stage[48];
    int color, dashed;
    recur_gradflow_result r;
} gf_entry;

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int read_text(const char *path, char **text, size_t *len)
{
    recur_error err = {0};
    if (recur_read_file(path, text, len, &err) || recur_utf8_validate(*text, *len, &err)) {
        cli_error(CMD, "%s", err.msg);
        free(*text);
        *text = NULL;
        return 1;
    }
    return 0;
}

static int fresh_model(const gf_opts *o, recur_cell cell, const char *text, size_t len, recur_level level,
                       recur_model **m)
{
    recur_error err = {0};
    recur_vocab *v = NULL;
    if (recur_vocab_build(text, len, level, &v, &err))
        return cli_error(CMD, "%s: %s", o->data, err.msg), 1;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.level = level;
    cfg.cell = cell;
    cfg.hidden = o->hidden;
    cfg.layers = o->layers;
    cfg.embed = o->embed;
    cfg.forget_bias = o->forget_bias;
    cfg.init_scale = o->init_scale;
    cfg.peephole = o->peephole && cell == RECUR_CELL_LSTM;
    if (recur_model_create(&cfg, v, o->seed, m, &err)) {
        recur_vocab_free(v);
        return cli_error(CMD, "%s", err.msg), 1;
    }
    return 0;
}

static void train_config(const gf_opts *o, recur_train_config *tc)
{
    recur_train_config_default(tc);
    tc->batch = o->batch;
    tc->seq = o->seq;
    tc->lr = o->lr;
    tc->clip = o->clip;
    tc->seed = o->seed;
}

/* Trains m for o->train_steps steps (Adam, the flags' batch, seq, lr, clip). */
static int train_briefly(const gf_opts *o, recur_model *m, const int32_t *ids, size_t count, const char *label,
                         double *last_loss)
{
    recur_train_config tc;
    train_config(o, &tc);
    recur_error err = {0};
    recur_trainer *t = NULL;
    if (recur_trainer_create(m, &tc, ids, count, &t, &err))
        return cli_error(CMD, "%s", err.msg), 1;
    double sum = 0.0;
    int n = 0;
    for (int s = 1; s <= o->train_steps; s++) {
        recur_step_info info;
        if (recur_trainer_step(t, &info, &err)) {
            recur_trainer_free(t);
            return cli_error(CMD, "%s", err.msg), 1;
        }
        if (!info.skipped) {
            sum += info.loss;
            n++;
        }
        if (s % 50 == 0 || s == o->train_steps) {
            fprintf(stderr, "  %s: step %d/%d, loss %.3f nats/token\n", label, s, o->train_steps,
                    n ? sum / n : NAN);
            *last_loss = n ? sum / n : NAN;
            sum = 0.0;
            n = 0;
        }
    }
    recur_trainer_free(t);
    return 0;
}

static int measure(const gf_opts *o, const recur_model *m, const int32_t *ids, size_t count, gf_entry *e)
{
    recur_error err = {0};
    if (recur_gradflow_measure(m, ids, count, &o->gf, &e->r, &err))
        return cli_error(CMD, "%s", err.msg), 1;
    return 0;
}

/* The lag at which layer l's relative norm first falls below level, or -1. */
static int lag_below(const recur_gradflow_result *r, int l, double level)
{
    const double *rel = r->relative + (size_t)l * (r->max_lag + 1);
    for (int k = 0; k <= r->max_lag; k++)
        if (rel[k] < level)
            return k;
    return -1;
}

static void print_table(const gf_entry *es, int n)
{
    printf("%-32s %5s %9s %10s %10s %10s %9s %8s\n", "model", "layer", "sigma_Whh", "rel k=1", "rel k=10",
           "rel k=K", "per step", "k<1e-6");
    for (int i = 0; i < n; i++) {
        const recur_gradflow_result *r = &es[i].r;
        int K = r->max_lag;
        for (int l = 0; l < r->layers; l++) {
            const double *rel = r->relative + (size_t)l * (K + 1);
            /* Geometric mean decay per step, up to the last lag whose norm
             * is still a normal float. */
            int kl = K;
            while (kl > 1 && !(rel[kl] >= FLOOR_RELATIVE))
                kl--;
            double per_step = rel[kl] > 0.0 ? pow(rel[kl], 1.0 / kl) : 0.0;
            int k6 = lag_below(r, l, 1e-6);
            char k6s[16];
            if (k6 < 0)
                snprintf(k6s, sizeof k6s, ">%d", K);
            else
                snprintf(k6s, sizeof k6s, "%d", k6);
            printf("%-32s %5d %9.4f %10.3g %10.3g %10.3g %9.4f %8s\n", es[i].label, l + 1, r->sigma_whh[l],
                   rel[1], K >= 10 ? rel[10] : NAN, rel[K], per_step, k6s);
        }
        if (r->nonfinite)
            printf("%-32s %d of %d positions had a non-finite gradient (left out)\n", es[i].label, r->nonfinite,
                   r->positions);
    }
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int write_csv(const char *path, const gf_entry *es, int n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_error(CMD, "cannot write --csv %s", path), 1;
    fprintf(f, "model,cell,stage,layer,lag,grad_norm,relative,sigma_max_whh\n");
    for (int i = 0; i < n; i++) {
        const recur_gradflow_result *r = &es[i].r;
        for (int l = 0; l < r->layers; l++)
            for (int k = 0; k <= r->max_lag; k++) {
                size_t at = (size_t)l * (r->max_lag + 1) + k;
                csv_field(f, es[i].name);
                fprintf(f, ",%s,%s,%d,%d,%.9g,%.9g,%.9g\n", es[i].cell, es[i].stage, l + 1, k,
                        r->norm[at], r->relative[at], r->sigma_whh[l]);
            }
    }
    if (fclose(f) != 0)
        return cli_error(CMD, "cannot write --csv %s", path), 1;
    return 0;
}

static int draw_curves(const gf_opts *o, const gf_entry *es, int n)
{
    int layers = 0, K = 0;
    for (int i = 0; i < n; i++) {
        layers = es[i].r.layers > layers ? es[i].r.layers : layers;
        K = es[i].r.max_lag > K ? es[i].r.max_lag : K;
    }
    if (layers > MAX_LAYERS_DRAWN)
        layers = MAX_LAYERS_DRAWN;
    double *lags = malloc(((size_t)K + 1) * sizeof *lags);
    recur_chart_series *series = calloc((size_t)(n + 1) * layers, sizeof *series);
    char(*labels)[200] = calloc((size_t)n, sizeof *labels);
    char(*ylabels)[80] = calloc((size_t)layers, sizeof *ylabels);
    double *ys = malloc((size_t)n * layers * ((size_t)K + 1) * sizeof *ys);
    recur_chart_panel panels[MAX_LAYERS_DRAWN];
    int status = 0;
    if (!lags || !series || !labels || !ylabels || !ys) {
        cli_error(CMD, "out of memory");
        status = 1;
        goto done;
    }
    for (int k = 0; k <= K; k++)
        lags[k] = k;
    for (int i = 0; i < n; i++)
        snprintf(labels[i], sizeof labels[i], "%s, σ %.2f", es[i].short_label, es[i].r.sigma_whh[0]);
    memset(panels, 0, sizeof panels);
    for (int l = 0; l < layers; l++) {
        recur_chart_series *s = series + (size_t)l * (n + 1);
        int ns = 0;
        for (int i = 0; i < n; i++) {
            if (l >= es[i].r.layers)
                continue;
            s[ns].label = l == 0 ? labels[i] : NULL;
            s[ns].x = lags;
            const double *rel = es[i].r.relative + (size_t)l * (es[i].r.max_lag + 1);
            double *y = ys + ((size_t)l * n + i) * ((size_t)K + 1);
            for (int k = 0; k <= es[i].r.max_lag; k++)
                y[k] = rel[k] >= FLOOR_RELATIVE ? rel[k] : NAN;
            s[ns].y = y;
            s[ns].n = (size_t)es[i].r.max_lag + 1;
            s[ns].color = es[i].color;
            s[ns].dashed = es[i].dashed;
            ns++;
        }
        if (layers > 1)
            snprintf(ylabels[l], sizeof ylabels[l], "layer %d: |dL/dh(t-k)| / |dL/dh(t)|", l + 1);
        else
            snprintf(ylabels[l], sizeof ylabels[l], "|dL/dh(t-k)| / |dL/dh(t)|");
        if (l == 0) {
            /* A key for the legend's σ (a legend-only series). */
            s[ns].label = "σ: largest singular value";
            s[ns].color = -1;
            ns++;
        }
        panels[l].y_label = ylabels[l];
        panels[l].log_y = 1;
        panels[l].series = s;
        panels[l].nseries = (size_t)ns;
    }
    char title[256];
    if (o->title)
        snprintf(title, sizeof title, "%s", o->title);
    else
        snprintf(title, sizeof title, "Gradient flow through time on %s", base_name(o->data));
    recur_chart chart = {0};
    chart.title = title;
    chart.x_label = "steps back k (lag)";
    chart.panels = panels;
    chart.npanels = (size_t)layers;
    recur_error err = {0};
    if (recur_chart_write_svg(&chart, o->svg, &err)) {
        cli_error(CMD, "%s", err.msg);
        status = 1;
    }
done:
    free(lags);
    free(series);
    free(labels);
    free(ylabels);
    free(ys);
    return status;
}

static int run_curves(gf_opts *o)
{
    char *text = NULL;
    size_t len = 0;
    if (read_text(o->data, &text, &len))
        return 1;
    recur_level level = o->level;
    gf_entry *es = calloc(2 * MAX_MODELS, sizeof *es);
    int n = 0, status = 0;
    char *cells_copy = NULL;
    const char *cells[MAX_MODELS];
    int ncells = 0;
    if (!es) {
        free(text);
        return cli_error(CMD, "out of memory"), 1;
    }
    if (o->models.count == 0) {
        cells_copy = malloc(strlen(o->cells) + 1);
        if (!cells_copy) {
            status = (cli_error(CMD, "out of memory"), 1);
            goto done;
        }
        strcpy(cells_copy, o->cells);
        ncells = split_commas(cells_copy, cells, MAX_MODELS);
        if (ncells < 0) {
            status = (cli_error(CMD, "--cell lists more than %d cells", MAX_MODELS), 2);
            goto done;
        }
    } else if (o->models.count > MAX_MODELS) {
        status = (cli_error(CMD, "at most %d --model checkpoints", MAX_MODELS), 2);
        goto done;
    }
    int nmodels = o->models.count ? o->models.count : ncells;
    for (int i = 0; i < nmodels && status == 0; i++) {
        recur_model *m = NULL;
        recur_error err = {0};
        char name[96];
        if (o->models.count) {
            if (recur_model_load(o->models.items[i], &m, &err)) {
                status = (cli_error(CMD, "%s", err.msg), 1);
                break;
            }
            snprintf(name, sizeof name, "%s", base_name(o->models.items[i]));
        } else {
            recur_cell cell;
            if (recur_cell_parse(cells[i], &cell, &err)) {
                status = (cli_error(CMD, "--cell: %s", err.msg), 2);
                break;
            }
            if (fresh_model(o, cell, text, len, level, &m)) {
                status = 1;
                break;
            }
            snprintf(name, sizeof name, "%s", recur_cell_name(cell));
        }
        int32_t *ids = NULL;
        size_t count = 0;
        if (recur_vocab_encode(recur_model_vocab(m), text, len, &ids, &count, &err)) {
            status = (cli_error(CMD, "%s: %s", o->data, err.msg), 1);
            recur_model_free(m);
            break;
        }
        const char *cell_name = recur_cell_name(recur_model_config(m)->cell);
        int trained = !o->models.count && o->train_steps > 0;
        gf_entry *e = &es[n];
        snprintf(e->cell, sizeof e->cell, "%s", cell_name);
        snprintf(e->name, sizeof e->name, "%s", name);
        snprintf(e->stage, sizeof e->stage, "%s", o->models.count ? "checkpoint" : "init");
        snprintf(e->label, sizeof e->label, "%s%s", name, trained ? ", init" : "");
        snprintf(e->short_label, sizeof e->short_label, "%s", e->label);
        e->color = i;
        e->dashed = trained;
        fprintf(stderr, "%s: measuring %s\n", CMD, e->label);
        status = measure(o, m, ids, count, e);
        if (status == 0)
            n++;
        if (status == 0 && trained) {
            double last = NAN;
            status = train_briefly(o, m, ids, count, name, &last);
            if (status == 0) {
                e = &es[n];
                snprintf(e->cell, sizeof e->cell, "%s", cell_name);
                snprintf(e->name, sizeof e->name, "%s", name);
                snprintf(e->stage, sizeof e->stage, "trained %d steps", o->train_steps);
                snprintf(e->label, sizeof e->label, "%s, %d steps (loss %.2f)", name, o->train_steps, last);
                snprintf(e->short_label, sizeof e->short_label, "%s, %d steps", name, o->train_steps);
                e->color = i;
                fprintf(stderr, "%s: measuring %s\n", CMD, e->label);
                status = measure(o, m, ids, count, e);
                if (status == 0)
                    n++;
            }
        }
        free(ids);
        recur_model_free(m);
    }
    if (status == 0) {
        print_table(es, n);
        if (o->csv)
            status = write_csv(o->csv, es, n);
        if (status == 0 && o->svg)
            status = draw_curves(o, es, n);
    }
done:
    for (int i = 0; i < n; i++)
        recur_gradflow_result_free(&es[i].r);
    free(es);
    free(cells_copy);
    free(text);
    return status;
}

/* ---- --explode -------------------------------------------------------------- */

typedef struct explode_run {
    double *step, *loss, *grad, *nonfinite; /* per step; NaN where not finite */
    int n;
    int skipped, first_skip, stopped;
    double max_grad, final_loss;
} explode_run;

static void explode_run_free(explode_run *r)
{
    free(r->step);
    free(r->loss);
    free(r->grad);
    free(r->nonfinite);
}

static int explode_train(const gf_opts *o, recur_model *m, const int32_t *ids, size_t count, float clip,
                         explode_run *r, FILE *csv, const char *name)
{
    memset(r, 0, sizeof *r);
    r->first_skip = -1;
    size_t cap = (size_t)o->train_steps;
    r->step = malloc(cap * sizeof *r->step);
    r->loss = malloc(cap * sizeof *r->loss);
    r->grad = malloc(cap * sizeof *r->grad);
    r->nonfinite = malloc(cap * sizeof *r->nonfinite);
    if (!r->step || !r->loss || !r->grad || !r->nonfinite)
        return cli_error(CMD, "out of memory"), 1;
    recur_train_config tc;
    train_config(o, &tc);
    tc.optimizer = RECUR_OPT_SGD; /* Adam's per-weight scaling would hide the explosion */
    tc.momentum = 0.0f;
    tc.clip = clip;
    recur_error err = {0};
    recur_trainer *t = NULL;
    if (recur_trainer_create(m, &tc, ids, count, &t, &err))
        return cli_error(CMD, "%s", err.msg), 1;
    int in_a_row = 0;
    for (int s = 0; s < o->train_steps; s++) {
        recur_step_info info;
        if (recur_trainer_step(t, &info, &err)) {
            recur_trainer_free(t);
            return cli_error(CMD, "%s", err.msg), 1;
        }
        r->step[r->n] = (double)info.step;
        r->loss[r->n] = isfinite(info.loss) ? info.loss : NAN;
        r->grad[r->n] = isfinite(info.grad_norm) ? info.grad_norm : NAN;
        if (info.skipped) {
            r->skipped++;
            in_a_row++;
            if (r->first_skip < 0)
                r->first_skip = (int)info.step;
        } else {
            in_a_row = 0;
            r->final_loss = info.loss;
        }
        r->nonfinite[r->n] = r->skipped;
        if (isfinite(info.grad_norm) && info.grad_norm > r->max_grad)
            r->max_grad = info.grad_norm;
        if (csv)
            fprintf(csv, "%s,%lld,%.9g,%.9g,%d,%d\n", name, (long long)info.step, info.loss, info.grad_norm,
                    info.clipped, info.skipped);
        r->n++;
        if (in_a_row >= o->max_skips) {
            r->stopped = 1;
            break;
        }
    }
    recur_trainer_free(t);
    return 0;
}

static void explode_report(const char *name, const explode_run *r)
{
    printf("%-12s %5d steps, %4d non-finite (NaN/inf loss or gradient, update skipped)", name, r->n, r->skipped);
    if (r->first_skip >= 0)
        printf(", first at step %d", r->first_skip);
    printf(", largest finite gradient norm %.3g", r->max_grad);
    if (r->stopped)
        printf(", stopped after the gradient was non-finite for good\n");
    else
        printf(", last finite loss %.3f nats/token\n", r->final_loss);
}

static int draw_explode(const gf_opts *o, const explode_run *runs, const char *const *names, float clip)
{
    recur_chart_series loss_s[2], grad_s[3], bad_s[2];
    memset(loss_s, 0, sizeof loss_s);
    memset(grad_s, 0, sizeof grad_s);
    memset(bad_s, 0, sizeof bad_s);
    double cx[2] = {1, (double)o->train_steps}, cy[2] = {clip, clip};
    /* The clipped run first, so the unclipped one, identical until the
     * first clip, is drawn on top. */
    for (int j = 0; j < 2; j++) {
        int i = 1 - j;
        loss_s[j] = (recur_chart_series){names[i], runs[i].step, runs[i].loss, (size_t)runs[i].n, i, 0, 0, 0};
        grad_s[j] = (recur_chart_series){NULL, runs[i].step, runs[i].grad, (size_t)runs[i].n, i, 0, 0, 0};
        bad_s[j] = (recur_chart_series){NULL, runs[i].step, runs[i].nonfinite, (size_t)runs[i].n, i, 0, 0, 0};
    }
    char clip_label[64];
    snprintf(clip_label, sizeof clip_label, "clipping threshold %g", (double)clip);
    grad_s[2] = (recur_chart_series){clip_label, cx, cy, 2, -1, 1, 0, 0};
    recur_chart_panel panels[3] = {
        {"loss (nats/token)", 1, 0, 0, 1.2, loss_s, 2},
        {"gradient norm (before clip)", 1, 0, 0, 1.2, grad_s, 3},
        {"NaN/inf steps (total)", 0, 0, 0, 1.0, bad_s, 2},
    };
    char title[256];
    if (o->title)
        snprintf(title, sizeof title, "%s", o->title);
    else
        snprintf(title, sizeof title, "Exploding gradients: %s %d, SGD lr %g, %s",
                 o->cells, o->hidden, (double)o->lr, base_name(o->data));
    recur_chart chart = {0};
    chart.title = title;
    chart.x_label = "training step";
    chart.panels = panels;
    chart.npanels = 3;
    recur_error err = {0};
    if (recur_chart_write_svg(&chart, o->svg, &err))
        return cli_error(CMD, "%s", err.msg), 1;
    return 0;
}

static int run_explode(gf_opts *o, float clip)
{
    recur_cell cell;
    recur_error err = {0};
    if (strchr(o->cells, ','))
        return cli_error(CMD, "--explode takes one --cell, got '%s'", o->cells), 2;
    if (recur_cell_parse(o->cells, &cell, &err))
        return cli_error(CMD, "--cell: %s", err.msg), 2;
    if (o->models.count)
        return cli_error(CMD, "--explode trains fresh models; it takes no --model"), 2;
    char *text = NULL;
    size_t len = 0;
    if (read_text(o->data, &text, &len))
        return 1;
    recur_level level = o->level;
    recur_model *m[2] = {NULL, NULL};
    int32_t *ids = NULL;
    size_t count = 0;
    FILE *csv = NULL;
    explode_run runs[2];
    memset(runs, 0, sizeof runs);
    int status = fresh_model(o, cell, text, len, level, &m[0]);
    if (status == 0 && recur_model_clone(m[0], &m[1], &err))
        status = (cli_error(CMD, "%s", err.msg), 1);
    if (status == 0 && recur_vocab_encode(recur_model_vocab(m[0]), text, len, &ids, &count, &err))
        status = (cli_error(CMD, "%s: %s", o->data, err.msg), 1);
    if (status == 0 && o->csv) {
        csv = fopen(o->csv, "w");
        if (!csv)
            status = (cli_error(CMD, "cannot write --csv %s", o->csv), 1);
        else
            fprintf(csv, "run,step,loss,grad_norm,clipped,skipped\n");
    }
    double sigma = NAN;
    if (status == 0 && recur_model_whh_sigma(m[0], 0, -1, &sigma, &err))
        status = (cli_error(CMD, "%s", err.msg), 1);
    char names[2][64];
    snprintf(names[0], sizeof names[0], "no clipping");
    snprintf(names[1], sizeof names[1], "clip %g", (double)clip);
    if (status == 0)
        printf("%s: %s, hidden %d, sigma_max(W_hh) %.3f at init, SGD lr %g, %d steps of %d x %d\n", CMD,
               recur_cell_name(cell), o->hidden, sigma, (double)o->lr, o->train_steps, o->batch, o->seq);
    for (int i = 0; i < 2 && status == 0; i++) {
        status = explode_train(o, m[i], ids, count, i == 0 ? 0.0f : clip, &runs[i], csv, names[i]);
        if (status == 0)
            explode_report(names[i], &runs[i]);
    }
    if (csv && fclose(csv) != 0 && status == 0)
        status = (cli_error(CMD, "cannot write --csv %s", o->csv), 1);
    if (status == 0 && o->svg) {
        const char *const nm[2] = {names[0], names[1]};
        status = draw_explode(o, runs, nm, clip);
    }
    explode_run_free(&runs[0]);
    explode_run_free(&runs[1]);
    recur_model_free(m[0]);
    recur_model_free(m[1]);
    free(ids);
    free(text);
    return status;
}

int cmd_gradflow(int argc, char **argv)
{
    gf_opts o;
    memset(&o, 0, sizeof o);
    o.cells = NULL;
    o.level_name = "char";
    o.hidden = 128;
    o.layers = 1;
    o.batch = 32;
    o.seq = 50;
    o.lr = -1.0f;
    o.clip = -1.0f;
    o.forget_bias = 1.0f;
    o.max_skips = 20;
    o.train_steps = -1;
    o.seed = 1;
    recur_gradflow_options_default(&o.gf);
    int64_t seed = 1;
    int init_scale_seen = 0;
    const cli_flag flags[] = {
        {"--data", CLI_STRING, &o.data, 0, 0, "the text to measure on (required)", NULL},
        {"--model", CLI_LIST, &o.models, 0, 0, "measure this checkpoint (repeatable) instead of fresh models", NULL},
        {"--cell", CLI_STRING, &o.cells, 0, 0, "fresh models' cells, comma-separated (default rnn_tanh,lstm,gru; --explode: rnn_relu)", NULL},
        {"--level", CLI_STRING, &o.level_name, 0, 0, "char (default) or word tokens for fresh models", NULL},
        {"--hidden", CLI_INT, &o.hidden, 1, 8192, "units per layer (default 128)", NULL},
        {"--layers", CLI_INT, &o.layers, 1, 64, "recurrent layers (default 1)", NULL},
        {"--embed", CLI_INT, &o.embed, 0, 8192, "embedding size; 0 = hidden (default)", NULL},
        {"--forget-bias", CLI_FLOAT, &o.forget_bias, -100, 100, "LSTM forget gate bias at init (default 1)", NULL},
        {"--init-scale", CLI_FLOAT, &o.init_scale, 0, 100, "uniform(+-s) init; 0 = PyTorch's defaults (default; --explode: 0.15)", &init_scale_seen},
        {"--peephole", CLI_FLAG, &o.peephole, 0, 0, "LSTM peephole connections", NULL},
        {"--seed", CLI_INT64, &seed, 0, 9.0e18, "initialisation, training and window seed (default 1)", NULL},
        {"--lag", CLI_INT, &o.gf.max_lag, 1, 4096, "largest lag K measured (default 100)", NULL},
        {"--positions", CLI_INT, &o.gf.positions, 1, 4096, "windows averaged over (default 64)", NULL},
        {"--warmup", CLI_INT, &o.gf.warmup, 0, 1000000, "steps run before each window (default 50)", NULL},
        {"--train-steps", CLI_INT, &o.train_steps, 0, 10000000, "train fresh models this many steps and measure again (default 0; --explode 200)", NULL},
        {"--batch", CLI_INT, &o.batch, 1, 65536, "training batch (default 32)", NULL},
        {"--seq", CLI_INT, &o.seq, 1, 65536, "training window (default 50)", NULL},
        {"--lr", CLI_FLOAT, &o.lr, 1e-12, 1e6, "learning rate (default: Adam 0.002; --explode: SGD 0.5)", NULL},
        {"--clip", CLI_FLOAT, &o.clip, 0, 1e9, "gradient norm clip when training (default 5; --explode: the clipped run's, default 1)", NULL},
        {"--explode", CLI_FLAG, &o.explode, 0, 0, "train a vanilla RNN with SGD without and with clipping; report NaN/inf steps", NULL},
        {"--max-skips", CLI_INT, &o.max_skips, 1, 1000000, "--explode: stop a run after this many non-finite steps in a row (default 20)", NULL},
        {"--csv", CLI_STRING, &o.csv, 0, 0, "write the numbers as CSV", NULL},
        {"--svg", CLI_STRING, &o.svg, 0, 0, "draw the chart as SVG", NULL},
        {"-o", CLI_STRING, &o.svg, 0, 0, NULL, NULL},
        {"--title", CLI_STRING, &o.title, 0, 0, "chart title", NULL},
    };
    cli_spec spec = {CMD, "--data TEXT [--cell rnn,lstm,gru | --model CKPT...] [--svg FILE] [--csv FILE] [options]",
                     "Measures how the gradient of the loss at step t reaches the hidden state k\n"
                     "steps back, |dL_t/dh_{t-k}|, for k = 0..K, averaged over windows at random\n"
                     "places in the text, per layer, for fresh models of several cells (at init and,\n"
                     "with --train-steps, after training) or for checkpoints. Prints the largest\n"
                     "singular value of each W_hh. With --explode, trains a vanilla RNN with plain\n"
                     "SGD without and with clipping and reports the steps whose loss or gradient\n"
                     "was NaN or infinite.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    int npos = 0;
    int rc = cli_parse(&spec, argc, argv, NULL, &npos);
    if (rc) {
        cli_list_free(&o.models);
        return rc == CLI_HELP ? 0 : 2;
    }
    o.seed = (uint64_t)seed;
    o.gf.seed = o.seed;
    int status;
    recur_error err = {0};
    if (!o.data)
        status = (cli_error(CMD, "--data TEXT is required (see --help)"), 2);
    else if (recur_level_parse(o.level_name, &o.level, &err))
        status = (cli_bad_choice(CMD, "--level", err.msg), 2);
    else if (o.explode) {
        float clip = o.clip < 0.0f ? 1.0f : o.clip;
        if (!o.cells)
            o.cells = "rnn_relu";
        if (o.lr < 0.0f)
            o.lr = 0.5f;
        if (o.train_steps < 0)
            o.train_steps = 200;
        /* uniform(+-0.15) gives a 128-unit W_hh a largest singular value
         * near 1.9: the ReLU RNN's gradients grow through time. */
        if (!init_scale_seen)
            o.init_scale = 0.15f;
        if (clip <= 0.0f)
            status = (cli_error(CMD, "--explode compares against a clipped run: --clip must be > 0"), 2);
        else if (o.train_steps < 1)
            status = (cli_error(CMD, "--explode needs --train-steps >= 1"), 2);
        else
            status = run_explode(&o, clip);
    } else {
        if (!o.cells)
            o.cells = "rnn_tanh,lstm,gru";
        if (o.lr < 0.0f)
            o.lr = 0.002f;
        if (o.clip < 0.0f)
            o.clip = 5.0f;
        if (o.train_steps < 0)
            o.train_steps = 0;
        if (!o.svg && !o.csv)
            fprintf(stderr, CMD ": no --svg or --csv: printing the table only\n");
        status = run_curves(&o);
    }
    cli_list_free(&o.models);
    return status;
}
