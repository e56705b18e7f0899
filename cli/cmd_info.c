/* recur info: what a model file holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

#define CMD "recur info"

/* The record's fields, one line each: the command, steps and epochs, the
 * best validation loss, the data and the date. */
static void print_run(const char *run)
{
    if (!run) {
        printf("trained    (no record of the training run)\n");
        return;
    }
    recur_run_record v;
    if (recur_run_record_parse(run, &v, NULL)) {
        printf("trained    %s\n", run);
        return;
    }
    printf("trained    %lld steps (%.2f epochs) on %s (%zu tokens, hash %s), %s\n", (long long)v.steps, v.epochs,
           v.data, v.data_tokens, v.data_hash, v.date);
    if (v.best_val_loss == v.best_val_loss)
        printf("best val   %.4f nats/token\n", v.best_val_loss);
    else
        printf("best val   none (no validation)\n");
    printf("command    %s\n", v.command);
}

int cmd_info(int argc, char **argv)
{
    const char *model_path = NULL;
    int json = 0;
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model_path, 0, 0, "model file (.safetensors)", NULL},
        {"--json", CLI_FLAG, &json, 0, 0, "print one JSON object on stdout", NULL},
    };
    cli_spec spec = {CMD, "--model MODEL [--json]", "Shows a model's configuration, size and vocabulary.", flags,
                     (int)(sizeof flags / sizeof flags[0]), 0, 0};
    int npos;
    int rc = cli_parse(&spec, argc, argv, NULL, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!model_path)
        return cli_error(CMD, "--model MODEL is required (see --help)"), 2;
    recur_error err = {0};
    recur_model *m = NULL;
    if (recur_model_load(model_path, &m, &err))
        return cli_error(CMD, "%s", err.msg), 1;
    /* The training run the file records (recur train writes it), if any. */
    char *run = NULL;
    if (recur_model_file_run(model_path, &run, &err)) {
        recur_model_free(m);
        return cli_error(CMD, "%s", err.msg), 1;
    }
    const recur_config *c = recur_model_config(m);
    const char *level = recur_level_name(c->level);
    if (json) {
        printf("{\"level\":\"%s\",\"cell\":\"%s\",\"layers\":%d,\"hidden\":%d,\"embed\":%d,\"vocab_size\":%d,"
               "\"tied\":%s,\"peephole\":%s,\"bidirectional\":%s,\"task\":\"%s\",\"labels\":%d,\"dropout\":%g,"
               "\"norm\":\"%s\",\"parameters\":%zu,\"run\":%s}\n",
               level, recur_cell_name(c->cell), c->layers, c->hidden, c->embed, c->vocab_size,
               c->tied ? "true" : "false", c->peephole ? "true" : "false", c->bidirectional ? "true" : "false",
               recur_task_name(c->task), c->labels, (double)c->dropout, recur_norm_name(c->norm),
               recur_model_param_count(m), run ? run : "null");
    } else {
        printf("model      %s\n", model_path);
        printf("level      %s\n", level);
        printf("task       %s", recur_task_name(c->task));
        if (c->labels)
            printf(", %d labels", c->labels);
        printf("\n");
        printf("cell       %s%s%s\n", recur_cell_name(c->cell), c->peephole ? " with peepholes" : "",
               c->bidirectional ? ", bidirectional" : "");
        printf("layers     %d x %d hidden, embedding %d%s\n", c->layers, c->hidden, c->embed,
               c->tied ? ", tied decoder" : "");
        printf("dropout    %g\n", (double)c->dropout);
        if (c->norm != RECUR_NORM_NONE)
            printf("norm       %s%s\n", recur_norm_name(c->norm),
                   c->norm == RECUR_NORM_BATCH ? " (running averages for each step of the window)" : "");
        printf("vocabulary %d tokens\n", c->vocab_size);
        printf("parameters %zu\n", recur_model_param_count(m));
        print_run(run);
    }
    free(run);
    recur_model_free(m);
    return 0;
}
