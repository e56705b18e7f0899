/* recur average: one model from the mean of several checkpoints' weights. */
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

#define CMD "recur average"
#define MAX_MODELS 256

int cmd_average(int argc, char **argv)
{
    const char *out_path = NULL;
    const cli_flag flags[] = {
        {"--out", CLI_STRING, &out_path, 0, 0, "where to write the averaged model (.safetensors)", NULL},
    };
    cli_spec spec = {CMD, "--out MODEL MODEL MODEL...",
                     "Writes a model whose every weight is the mean of that weight in the given models: checkpoints "
                     "of one architecture and vocabulary, such as the models recur train --checkpoint-dir keeps at "
                     "the last epochs of a run. Averaging the end of a run often predicts held-out text better than "
                     "its last model; compare them with recur eval.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 1, MAX_MODELS};
    const char *paths[MAX_MODELS];
    int n = 0;
    int rc = cli_parse(&spec, argc, argv, paths, &n);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!out_path)
        return cli_error(CMD, "--out MODEL is required (see --help)"), 2;
    recur_model **models = calloc((size_t)n, sizeof *models);
    if (!models)
        return cli_error(CMD, "out of memory"), 1;
    recur_error err = {0};
    recur_model *avg = NULL;
    rc = 0;
    for (int k = 0; k < n && !rc; k++)
        if (recur_model_load(paths[k], &models[k], &err)) {
            cli_error(CMD, "%s", err.msg);
            rc = 1;
        }
    if (!rc && recur_model_average((const recur_model *const *)models, n, &avg, &err)) {
        cli_error(CMD, "%s", err.msg);
        rc = 1;
    }
    if (!rc && recur_model_save(avg, out_path, &err)) {
        cli_error(CMD, "%s", err.msg);
        rc = 1;
    }
    if (!rc)
        printf("%s: the mean of %d models, %zu parameters\n", out_path, n, recur_model_param_count(avg));
    recur_model_free(avg);
    for (int k = 0; k < n; k++)
        recur_model_free(models[k]);
    free(models);
    return rc;
}
