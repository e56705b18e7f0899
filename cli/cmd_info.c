/* recur info: what a model file holds. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

#define CMD "recur info"

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
    const recur_config *c = recur_model_config(m);
    const char *level = c->level == RECUR_LEVEL_WORD ? "word" : "char";
    if (json) {
        printf("{\"level\":\"%s\",\"cell\":\"%s\",\"layers\":%d,\"hidden\":%d,\"embed\":%d,\"vocab_size\":%d,"
               "\"tied\":%s,\"peephole\":%s,\"bidirectional\":%s,\"task\":\"%s\",\"labels\":%d,\"dropout\":%g,"
               "\"parameters\":%zu}\n",
               level, recur_cell_name(c->cell), c->layers, c->hidden, c->embed, c->vocab_size,
               c->tied ? "true" : "false", c->peephole ? "true" : "false", c->bidirectional ? "true" : "false",
               recur_task_name(c->task), c->labels, (double)c->dropout, recur_model_param_count(m));
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
        printf("vocabulary %d tokens\n", c->vocab_size);
        printf("parameters %zu\n", recur_model_param_count(m));
    }
    recur_model_free(m);
    return 0;
}
