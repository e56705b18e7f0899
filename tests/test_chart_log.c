/* Metrics logs: parsing JSON Lines into training and validation rows, the
 * errors for malformed lines, and training-curve charts drawn from logs. */
#define _POSIX_C_SOURCE 200809L
#include "recur/viz.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static recur_status parse(const char *text, recur_metrics_log *log, recur_error *err)
{
    return recur_metrics_log_parse(text, strlen(text), "run.jsonl", log, err);
}

static void test_parse_rows(void)
{
    const char *text =
        "{\"event\":\"start\",\"config\":{\"hidden\":256}}\n"
        "{\"step\":0,\"epoch\":0,\"lr\":0.002,\"train_loss\":4.17,\"grad_norm\":3.5,\"clipped\":0,"
        "\"tokens_per_s\":51000,\"elapsed_s\":1.5,\"extra\":[1,2]}\r\n"
        "\n"
        "   \n"
        "{\"step\":100,\"epoch\":0.1,\"lr\":0.002,\"train_loss\":null,\"grad_norm\":12,\"clipped\":1,"
        "\"tokens_per_s\":50000,\"elapsed_s\":3.0}\n"
        "{\"step\":100,\"epoch\":0.1,\"elapsed_s\":4.0,\"val_loss\":2.5}";
    recur_metrics_log log;
    recur_error err = {0};
    CHECK_MSG(parse(text, &log, &err) == RECUR_OK, "%s", err.msg);
    CHECK(log.ntrain == 2 && log.nval == 1);
    if (log.ntrain == 2 && log.nval == 1) {
        CHECK(log.train[0].step == 0 && log.train[0].loss == 4.17 && log.train[0].lr == 0.002);
        CHECK(log.train[0].grad_norm == 3.5 && log.train[0].clipped == 0);
        CHECK(log.train[0].tokens_per_s == 51000 && log.train[0].elapsed_s == 1.5);
        CHECK(isnan(log.train[1].loss)); /* null: the trainer had no number */
        CHECK(log.train[1].clipped == 1);
        CHECK(log.val[0].step == 100 && log.val[0].loss == 2.5 && log.val[0].elapsed_s == 4.0);
        CHECK(isnan(log.val[0].lr) && isnan(log.val[0].grad_norm));
    }
    recur_metrics_log_free(&log);
    CHECK(log.train == NULL && log.ntrain == 0);
}

static void test_parse_errors(void)
{
    recur_metrics_log log;
    recur_error err = {0};
    CHECK(parse("{\"step\":1,\"train_loss\":2}\n{\"step\":2,\"train_loss\":1.9}\n{\"step\":3,\"train_loss\":1.8,}\n",
                &log, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strncmp(err.msg, "run.jsonl:3: ", 13) == 0, "%s", err.msg);
    CHECK_MSG(strstr(err.msg, "(line 1)") == NULL, "%s", err.msg);
    CHECK(log.train == NULL && log.ntrain == 0);

    CHECK(parse("{\"step\":1,\"train_loss\":2}\nstep=2 loss=1.9\n", &log, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strncmp(err.msg, "run.jsonl:2: ", 13) == 0, "%s", err.msg);

    CHECK(parse("\n[1,2]\n", &log, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "run.jsonl:2:") && strstr(err.msg, "expected a JSON object, found an array"),
              "%s", err.msg);

    CHECK(parse("{\"step\":\"ten\",\"train_loss\":2}\n", &log, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "run.jsonl:1:") && strstr(err.msg, "\"step\" is a string"), "%s", err.msg);

    /* printf's nan/inf and Python's NaN/Infinity read as gaps, not errors;
     * inside strings they are left alone */
    CHECK(parse("{\"step\":1,\"train_loss\":nan,\"grad_norm\":inf,\"note\":\"nan inf\"}\n"
                "{\"step\":2,\"train_loss\":-NaN,\"grad_norm\":-Infinity,\"lr\":1e-3}\n",
                &log, &err) == RECUR_OK);
    CHECK(log.ntrain == 2);
    if (log.ntrain == 2)
        CHECK(isnan(log.train[0].loss) && isnan(log.train[0].grad_norm) && isnan(log.train[1].loss) &&
              isnan(log.train[1].grad_norm) && log.train[1].lr == 1e-3);
    recur_metrics_log_free(&log);
    CHECK(parse("{\"step\":1,\"train_loss\":nano}\n", &log, &err) == RECUR_E_FORMAT);
    CHECK_MSG(strncmp(err.msg, "run.jsonl:1: ", 13) == 0, "%s", err.msg);

    /* only unknown keys: skipped, not an error */
    CHECK(parse("{\"note\":\"resumed\"}\n", &log, &err) == RECUR_OK);
    CHECK(log.ntrain == 0 && log.nval == 0);
    recur_metrics_log_free(&log);
}

static void test_read_file(void)
{
    const char *dir = getenv("RECUR_TEST_DATA");
    recur_metrics_log log;
    recur_error err = {0};
    CHECK(recur_metrics_log_read("no/such/metrics.jsonl", &log, &err) != RECUR_OK);
    CHECK_MSG(strstr(err.msg, "no/such/metrics.jsonl") != NULL, "%s", err.msg);
    if (!dir)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s/plot/lstm-h256.jsonl", dir);
    CHECK_MSG(recur_metrics_log_read(path, &log, &err) == RECUR_OK, "%s", err.msg);
    CHECK(log.ntrain == 121 && log.nval == 6);
    if (log.ntrain == 121) {
        CHECK(log.train[120].step == 3000);
        CHECK(log.train[0].loss > log.train[120].loss);
    }
    recur_metrics_log_free(&log);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_plot_training(void)
{
    const char *a =
        "{\"step\":0,\"lr\":0.001,\"train_loss\":4.0,\"grad_norm\":2,\"elapsed_s\":0}\n"
        "{\"step\":100,\"lr\":0.001,\"train_loss\":2.0,\"grad_norm\":1,\"elapsed_s\":300}\n"
        "{\"step\":100,\"elapsed_s\":310,\"val_loss\":2.2}\n";
    const char *b =
        "{\"step\":0,\"lr\":0.01,\"train_loss\":4.1,\"grad_norm\":3,\"elapsed_s\":0}\n"
        "{\"step\":100,\"lr\":0.0001,\"train_loss\":1.0,\"grad_norm\":0.5,\"elapsed_s\":200}\n";
    recur_metrics_log logs[2];
    recur_error err = {0};
    CHECK(recur_metrics_log_parse(a, strlen(a), "a", &logs[0], &err) == RECUR_OK);
    CHECK(recur_metrics_log_parse(b, strlen(b), "b", &logs[1], &err) == RECUR_OK);
    char dir[] = "/tmp/recur_plot_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char out[256];
    snprintf(out, sizeof out, "%s/curves.svg", dir);
    const char *paths[2] = {"runs/small-lstm.jsonl", "runs/big.gru.jsonl"};

    recur_plot_options opt;
    recur_plot_options_default(&opt);
    opt.x = RECUR_PLOT_X_TIME;
    opt.y = RECUR_PLOT_Y_BPC;
    CHECK_MSG(recur_plot_training_svg(logs, paths, 2, &opt, out, &err) == RECUR_OK, "%s", err.msg);
    char *svg = slurp(out);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(strstr(svg, ">Training curves</text>") != NULL);
        CHECK(strstr(svg, ">small-lstm</text>") != NULL);
        CHECK(strstr(svg, ">big.gru</text>") != NULL);
        CHECK(strstr(svg, ">train</text>") && strstr(svg, ">validation</text>"));
        CHECK(strstr(svg, ">bits per token</text>") != NULL);
        CHECK(strstr(svg, ">time (min)</text>") != NULL); /* 310 s: minutes */
        CHECK(strstr(svg, ">learning rate</text>") && strstr(svg, ">gradient norm</text>"));
        CHECK(strstr(svg, "0.0001") != NULL); /* lr spans 100x: a log axis with decades */
    }

    const char *labels[2] = {"기준", "wide"};
    opt.labels = labels;
    opt.title = "LSTM vs GRU";
    opt.y = RECUR_PLOT_Y_PPL;
    CHECK(recur_plot_parse_panels("loss, speed", &opt, &err) == RECUR_OK);
    CHECK(opt.npanels == 2 && opt.panels[1] == RECUR_PLOT_PANEL_SPEED);
    CHECK_MSG(recur_plot_training_svg(logs, paths, 2, &opt, out, &err) == RECUR_OK, "%s", err.msg);
    svg = slurp(out);
    if (svg) {
        CHECK(strstr(svg, ">LSTM vs GRU</text>") && strstr(svg, ">기준</text>") && strstr(svg, ">wide</text>"));
        CHECK(strstr(svg, ">perplexity</text>") && strstr(svg, ">tokens per second</text>"));
        CHECK(strstr(svg, ">learning rate</text>") == NULL);
        CHECK(strstr(svg, "small-lstm") == NULL);
    }

    /* a log appended to by a restarted run: the line breaks where the step
     * goes back instead of jumping across the chart */
    const char *restarted =
        "{\"step\":0,\"train_loss\":4}\n{\"step\":10,\"train_loss\":3}\n{\"step\":20,\"train_loss\":2.5}\n"
        "{\"step\":0,\"train_loss\":4.1}\n{\"step\":10,\"train_loss\":2.9}\n";
    recur_metrics_log rl;
    CHECK(recur_metrics_log_parse(restarted, strlen(restarted), "r", &rl, &err) == RECUR_OK);
    recur_plot_options_default(&opt);
    opt.npanels = 1;
    CHECK_MSG(recur_plot_training_svg(&rl, paths, 1, &opt, out, &err) == RECUR_OK, "%s", err.msg);
    svg = slurp(out);
    if (svg) {
        size_t lines = 0;
        for (const char *p = strstr(svg, "<polyline"); p; p = strstr(p + 1, "<polyline"))
            lines++;
        CHECK_MSG(lines == 2, "%zu polylines", lines);
    }
    recur_metrics_log_free(&rl);

    CHECK(recur_plot_parse_panels("loss,bogus", &opt, &err) == RECUR_E_ARG);
    CHECK_MSG(strstr(err.msg, "'bogus'") != NULL, "%s", err.msg);
    CHECK(recur_plot_parse_panels("lr,lr", &opt, &err) == RECUR_E_ARG);
    CHECK(recur_plot_parse_panels("", &opt, &err) == RECUR_E_ARG);
    CHECK(recur_plot_training_svg(logs, paths, 0, NULL, out, &err) == RECUR_E_ARG);

    remove(out);
    rmdir(dir);
    recur_metrics_log_free(&logs[0]);
    recur_metrics_log_free(&logs[1]);
}

/* A long noisy run is drawn faint, with a running mean over it that follows
 * the trend, not the noise. */
static void test_long_run_smoothed(void)
{
    size_t n = 2000;
    recur_metrics_log log = {0};
    log.train = calloc(n, sizeof *log.train);
    if (!log.train) {
        CHECK(0);
        return;
    }
    log.ntrain = n;
    for (size_t i = 0; i < n; i++) {
        recur_metrics_row *r = &log.train[i];
        r->step = (double)i;
        r->loss = 2.0 + ((i % 2) ? 0.5 : -0.5); /* pure noise around 2 */
        r->lr = 0.001;
        r->grad_norm = 1.0;
        r->elapsed_s = r->epoch = r->clipped = r->tokens_per_s = NAN;
    }
    char dir[] = "/tmp/recur_smooth_XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        free(log.train);
        return;
    }
    char out[256];
    snprintf(out, sizeof out, "%s/long.svg", dir);
    const char *path = "long.jsonl";
    recur_plot_options opt;
    recur_plot_options_default(&opt);
    opt.npanels = 1; /* loss only */
    recur_error err = {0};
    CHECK_MSG(recur_plot_training_svg(&log, &path, 1, &opt, out, &err) == RECUR_OK, "%s", err.msg);
    char *svg = slurp(out);
    if (svg) {
        CHECK(strstr(svg, "stroke-opacity=\"0.25\"") != NULL);
        CHECK(strstr(svg, ">long</text>") != NULL);
        /* the smoothed line is the last polyline: its y values stay near the
         * middle (loss 2) while the raw ones swing by +-0.5, about 300 px */
        const char *last = NULL;
        for (const char *p = strstr(svg, "<polyline"); p; p = strstr(p + 1, "<polyline"))
            last = p;
        double ymin = 1e9, ymax = -1e9;
        for (const char *q = last ? strchr(last, ',') : NULL; q && q < strstr(last, "\" fill"); q = strchr(q + 1, ',')) {
            double y = atof(q + 1);
            ymin = y < ymin ? y : ymin;
            ymax = y > ymax ? y : ymax;
        }
        CHECK_MSG(last && ymax - ymin < 30.0, "smoothed line spans %g px", ymax - ymin);
    }
    remove(out);
    rmdir(dir);
    free(log.train);
}

int main(void)
{
    test_parse_rows();
    test_parse_errors();
    test_read_file();
    test_plot_training();
    test_long_run_smoothed();
    return test_report();
}
