/* recur: the command-line tool. Dispatches to one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "blas_env.h"
#include "commands.h"
#include "dist_cli.h"
#include "recur.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cmd_train, "train a language model on a text file"},
    {"sample", cmd_sample, "generate text from a model"},
    {"eval", cmd_eval, "loss, bits per token and perplexity of a model on a text"},
    {"info", cmd_info, "show a model's configuration and size"},
    {"average", cmd_average, "average the weights of several checkpoints into one model"},
    {"w2v", cmd_w2v, "word2vec: train, evaluate and map word embeddings"},
    {"plot", cmd_plot, "draw training curves from metrics logs as SVG"},
    {"gradflow", cmd_gradflow, "measure and draw vanishing and exploding gradients through time"},
    {"tag", cmd_tag, "sequence labelling: train a (bidirectional) tagger, tag text"},
    {"fill", cmd_fill, "fill the blanks of a text with a cloze model (recur train --task cloze)"},
    {"classify", cmd_classify, "classify texts: train a (bidirectional) classifier, label lines"},
    {"serve", cmd_serve, "serve a model (and word vectors) over HTTP, with a web page"},
};

static void usage(FILE *out)
{
    fprintf(out, "recur %s: recurrent neural networks over text\n\n", RECUR_VERSION);
    fprintf(out, "usage: recur COMMAND [options]    (recur COMMAND --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    blas_env_choose_kernels(argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("recur %s, %s\n", RECUR_VERSION, cli_dist_build());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "recur: unknown command '%s' (see recur --help)\n", argv[1]);
    return 2;
}
