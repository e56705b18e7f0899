/* recur eval: loss, bits per token and perplexity of a model over a text. */
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "commands.h"
#include "corpus.h"
#include "recur.h"

#define CMD "recur eval"

int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL;
    int batch = 1, seq = 50, json = 0, threads = 0;
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model_path, 0, 0, "model file (.safetensors)", NULL},
        {"--batch", CLI_INT, &batch, 1, 100000, "streams (default 1: every token after the first predicted once)", NULL},
        {"--seq", CLI_INT, &seq, 1, 100000, "steps per window; the state carries across (default 50)", NULL},
        {"--json", CLI_FLAG, &json, 0, 0, "print one JSON object on stdout", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default: all cores)", NULL},
    };
    cli_spec spec = {CMD, "--model MODEL [--batch B] [--seq T] [--json] FILE",
                     "Computes the mean cross-entropy of the model's predictions over FILE with the\n"
                     "recurrent state carried from window to window: loss in nats per token, bits\n"
                     "per token, and perplexity.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 1, 1};
    const char *file = NULL;
    int npos;
    int rc = cli_parse(&spec, argc, argv, &file, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!model_path)
        return cli_error(CMD, "--model MODEL is required (see --help)"), 2;
    recur_set_threads(threads);
    recur_error err = {0};
    recur_model *m = NULL;
    if (recur_model_load(model_path, &m, &err))
        return cli_error(CMD, "%s", err.msg), 1;
    int32_t *ids = NULL;
    size_t n = 0;
    if (corpus_encode_file(CMD, file, recur_model_vocab(m), &ids, &n)) {
        recur_model_free(m);
        return 1;
    }
    recur_eval_result res;
    if (recur_model_evaluate(m, ids, n, batch, seq, &res, &err)) {
        cli_error(CMD, "%s: %s", file, err.msg);
        rc = 1;
    } else if (json) {
        printf("{\"loss\":%.6f,\"bits_per_token\":%.6f,\"perplexity\":%.4f,\"tokens\":%zu,\"batch\":%d,\"seq\":%d}\n",
               res.loss, res.bits_per_token, res.perplexity, res.tokens, batch, seq);
    } else {
        printf("loss %.4f nats/token  %.4f bits/token  perplexity %.3f  over %zu tokens\n", res.loss,
               res.bits_per_token, res.perplexity, res.tokens);
    }
    free(ids);
    recur_model_free(m);
    return rc;
}
