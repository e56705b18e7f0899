/* recur sample: generate text from a model, streaming it as it comes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

#define CMD "recur sample"

/* Words are separated by spaces and "<eos>" ends a line; characters are
 * written as they are. */
static void emit(const recur_vocab *v, int32_t id)
{
    const char *tok = recur_vocab_token(v, id);
    if (recur_vocab_level(v) == RECUR_LEVEL_WORD) {
        if (strcmp(tok, "<eos>") == 0)
            fputc('\n', stdout);
        else
            printf("%s ", tok);
    } else {
        fputs(tok, stdout);
    }
}

int cmd_sample(int argc, char **argv)
{
    const char *model_path = NULL, *prime = NULL, *mode_name = "weighted", *weights_name = "f32";
    int length = 500, top_k = 0, threads = 0;
    float temperature = 1.0f;
    int64_t seed = 1;
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model_path, 0, 0, "model file (.safetensors)", NULL},
        {"--prime", CLI_STRING, &prime, 0, 0, "text to start from (default: a newline, or the first token)", NULL},
        {"--length", CLI_INT, &length, 0, 100000000, "tokens to generate (default 500)", NULL},
        {"--temperature", CLI_FLOAT, &temperature, 1e-3, 100, "divide the logits by T: < 1 safer, > 1 wilder (default 1)", NULL},
        {"--top-k", CLI_INT, &top_k, 0, 100000000, "draw only among the K most likely tokens (default 0: all)", NULL},
        {"--mode", CLI_STRING, &mode_name, 0, 0, "argmax, weighted, or space (draw after a space, argmax elsewhere)", NULL},
        {"--seed", CLI_INT64, &seed, 0, 9.2e18, "random seed (default 1)", NULL},
        {"--weights", CLI_STRING, &weights_name, 0, 0,
         "f32 (default, exact), f16 or i8: fewer bytes per token, faster on large models", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default: all cores; models too small to gain run on one)", NULL},
    };
    cli_spec spec = {CMD, "--model MODEL [options]",
                     "Generates text one token at a time, primed with --prime. The modes are the\n"
                     "course's sampling types: 0 argmax, 1 weighted (default), 2 space.\n"
                     "--weights f16 (half precision) or i8 (8 bits, a scale per row) keeps a copy\n"
                     "of the weights that streams fewer bytes per token: on a 2 x 512 LSTM 1.8-2x and\n"
                     "3.1x the chars/s of f32, for under 0.001% and 0.02% of the cross-entropy\n"
                     "(docs/sampling.md).",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    int npos;
    int rc = cli_parse(&spec, argc, argv, NULL, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    if (!model_path)
        return cli_error(CMD, "--model MODEL is required (see --help)"), 2;
    recur_sample_mode mode;
    if (strcmp(mode_name, "argmax") == 0 || strcmp(mode_name, "0") == 0)
        mode = RECUR_SAMPLE_ARGMAX;
    else if (strcmp(mode_name, "weighted") == 0 || strcmp(mode_name, "1") == 0)
        mode = RECUR_SAMPLE_WEIGHTED;
    else if (strcmp(mode_name, "space") == 0 || strcmp(mode_name, "2") == 0)
        mode = RECUR_SAMPLE_SPACE;
    else
        return cli_error(CMD, "--mode must be argmax, weighted or space, got '%s'", mode_name), 2;
    static const cli_choice formats[] = {
        {"f32", RECUR_WEIGHTS_F32}, {"f16", RECUR_WEIGHTS_F16}, {"i8", RECUR_WEIGHTS_I8}};
    int weights;
    if (CLI_CHOOSE(CMD, "--weights", weights_name, formats, &weights))
        return 2;
    recur_set_threads(threads);
    recur_error err = {0};
    recur_model *m = NULL;
    if (recur_model_load(model_path, &m, &err))
        return cli_error(CMD, "%s", err.msg), 1;
    const recur_vocab *v = recur_model_vocab(m);
    int32_t *ids = NULL;
    size_t n = 0;
    if (prime && *prime) {
        if (recur_utf8_validate(prime, strlen(prime), &err) ||
            recur_vocab_encode(v, prime, strlen(prime), &ids, &n, &err)) {
            recur_model_free(m);
            return cli_error(CMD, "--prime: %s", err.msg), 2;
        }
    } else {
        int start = recur_vocab_level(v) == RECUR_LEVEL_WORD ? recur_vocab_find(v, "<eos>", 5)
                                                             : recur_vocab_find(v, "\n", 1);
        ids = malloc(sizeof *ids);
        if (!ids) {
            recur_model_free(m);
            return cli_error(CMD, "out of memory"), 1;
        }
        ids[0] = start >= 0 ? start : 0;
        n = 1;
    }
    recur_sampler *s = NULL;
    if (recur_sampler_create_with(m, (uint64_t)seed, (recur_sample_weights)weights, &s, &err)) {
        free(ids);
        recur_model_free(m);
        return cli_error(CMD, "%s", err.msg), 1;
    }
    if (prime && *prime)
        fputs(prime, stdout);
    for (size_t i = 0; i < n && !rc; i++)
        rc = recur_sampler_feed(s, ids[i], &err) ? 1 : 0;
    for (int i = 0; i < length && !rc; i++) {
        int32_t id = recur_sampler_pick(s, mode, temperature, top_k);
        emit(v, id);
        if (i % 64 == 63)
            fflush(stdout);
        rc = recur_sampler_feed(s, id, &err) ? 1 : 0;
    }
    if (rc)
        cli_error(CMD, "%s", err.msg);
    fputc('\n', stdout);
    fflush(stdout);
    recur_sampler_free(s);
    free(ids);
    recur_model_free(m);
    return rc;
}
