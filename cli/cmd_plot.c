/* recur plot: training curves from metrics logs, drawn as an SVG file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"
#include "split_commas.h"

#define CMD "recur plot"
#define MAX_LOGS 64

int cmd_plot(int argc, char **argv)
{
    const char *out = NULL, *x_name = "step", *y_name = "loss", *panels = NULL, *title = NULL,
               *labels = NULL;
    double width = 0;
    const cli_flag flags[] = {
        {"-o", CLI_STRING, &out, 0, 0, "the SVG file to write (required; also --out)", NULL},
        {"--out", CLI_STRING, &out, 0, 0, NULL, NULL},
        {"--x", CLI_STRING, &x_name, 0, 0, "x axis: step (default), time or epoch", NULL},
        {"--y", CLI_STRING, &y_name, 0, 0, "loss as: loss (nats/token, default), bpc (bits) or ppl (perplexity)", NULL},
        {"--panels", CLI_STRING, &panels, 0, 0, "panels top to bottom from loss,lr,grad,speed (default loss,lr,grad)", NULL},
        {"--title", CLI_STRING, &title, 0, 0, "chart title (default \"Training curves\")", NULL},
        {"--labels", CLI_STRING, &labels, 0, 0, "legend names, one per log, comma-separated (default: file names)", NULL},
        {"--width", CLI_DOUBLE, &width, 300, 4000, "chart width in pixels (default 900)", NULL},
    };
    cli_spec spec = {CMD, "LOG.jsonl... -o FILE.svg [options]",
                     "Draws the training curves in one or more metrics logs (JSON Lines written by\n"
                     "recur train) as one SVG chart: loss, with validation dashed, over learning rate\n"
                     "and gradient norm. Several logs compare runs, one colour each.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 1, MAX_LOGS};
    const char *paths[MAX_LOGS];
    int nlogs = 0;
    int rc = cli_parse(&spec, argc, argv, paths, &nlogs);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!out)
        return cli_error(CMD, "-o FILE.svg is required (see --help)"), 2;

    recur_plot_options opt;
    recur_plot_options_default(&opt);
    recur_error err = {0};
    if (recur_plot_x_parse(x_name, &opt.x, &err))
        return cli_bad_choice(CMD, "--x", err.msg), 2;
    if (recur_plot_y_parse(y_name, &opt.y, &err))
        return cli_bad_choice(CMD, "--y", err.msg), 2;
    if (panels && recur_plot_parse_panels(panels, &opt, &err) != RECUR_OK)
        return cli_error(CMD, "--panels: %s", err.msg), 2;
    opt.title = title;
    opt.width = width;

    char *label_copy = NULL;
    const char *label_items[MAX_LOGS];
    if (labels) {
        label_copy = malloc(strlen(labels) + 1);
        if (!label_copy)
            return cli_error(CMD, "out of memory"), 1;
        strcpy(label_copy, labels);
        int n = split_commas(label_copy, label_items, MAX_LOGS);
        if (n != nlogs) {
            cli_error(CMD, "--labels has %d name%s for %d log%s", n < 0 ? MAX_LOGS + 1 : n,
                      n == 1 ? "" : "s", nlogs, nlogs == 1 ? "" : "s");
            free(label_copy);
            return 2;
        }
        opt.labels = label_items;
    }

    recur_metrics_log logs[MAX_LOGS];
    int nread = 0, status = 0;
    for (; nread < nlogs; nread++) {
        if (recur_metrics_log_read(paths[nread], &logs[nread], &err) != RECUR_OK) {
            cli_error(CMD, "%s", err.msg);
            status = 1;
            break;
        }
        if (logs[nread].ntrain == 0 && logs[nread].nval == 0)
            fprintf(stderr, CMD ": warning: %s has no training or validation lines\n", paths[nread]);
    }
    if (status == 0 &&
        recur_plot_training_svg(logs, paths, (size_t)nlogs, &opt, out, &err) != RECUR_OK) {
        cli_error(CMD, "%s", err.msg);
        status = 1;
    }
    for (int i = 0; i < nread; i++)
        recur_metrics_log_free(&logs[i]);
    free(label_copy);
    return status;
}
