/* recur eval: loss, bits per token and perplexity of a model over a text, or
 * of several models and of their ensemble (the mean of their predicted
 * probabilities, as Zaremba et al. 2014 average their models). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "corpus.h"
#include "progress.h"
#include "recur.h"

#define CMD "recur eval"

/* A long evaluation (a wide model, batch 1) shows how far it is on stderr
 * once it has run a few seconds. */
typedef struct eval_progress {
    progress prog;
    double start;
} eval_progress;

static void on_eval_progress(void *user, size_t done, size_t total)
{
    eval_progress *e = user;
    double t = now_seconds() - e->start;
    if (t < 3.0 || !total || !done)
        return;
    double share = (double)done / (double)total;
    char eta[32];
    format_duration(t * (1.0 - share) / share, eta, sizeof eta);
    progress_status(&e->prog, 0, "evaluating: %.0f%% of %zu predictions, ETA %s", 100.0 * share, total, eta);
}

static void print_result(const char *name, const recur_eval_result *r)
{
    printf("%s: loss %.4f nats/token  %.4f bits/token  perplexity %.3f  over %zu tokens\n", name, r->loss,
           r->bits_per_token, r->perplexity, r->tokens);
}

static void print_json_result(const recur_eval_result *r)
{
    printf("{\"loss\":%.6f,\"bits_per_token\":%.6f,\"perplexity\":%.4f,\"tokens\":%zu}", r->loss, r->bits_per_token,
           r->perplexity, r->tokens);
}

/* What of the text the vocabulary could not hold, as JSON members (with a leading comma). */
static void print_json_unknown(const recur_encode_stats *st)
{
    printf(",\"text_tokens\":%zu,\"unk_mapped\":%zu,\"unk_total\":%zu,\"skipped\":%zu,\"unknown_distinct\":%zu",
           st->tokens, st->unk_mapped, st->unk_total, st->skipped, st->unknown_types);
}

/* Two or more models: each one's figures, then the ensemble's. */
static int eval_ensemble(const cli_list *paths, recur_model **models, const int32_t *ids, size_t n, int batch,
                         int seq, int json, const char *file, const recur_encode_stats *st)
{
    int K = paths->count;
    recur_eval_result *each = calloc((size_t)K, sizeof *each), ens;
    if (!each)
        return cli_error(CMD, "out of memory"), 1;
    recur_error err = {0};
    if (recur_ensemble_evaluate((const recur_model *const *)models, K, ids, n, batch, seq, each, &ens, &err)) {
        cli_error(CMD, "%s: %s", file, err.msg);
        free(each);
        return 1;
    }
    int best = 0;
    for (int k = 1; k < K; k++)
        best = each[k].loss < each[best].loss ? k : best;
    if (json) {
        printf("{\"models\":[");
        for (int k = 0; k < K; k++) {
            printf("%s{\"model\":\"", k ? "," : "");
            for (const char *c = paths->items[k]; *c; c++)
                if (*c == '"' || *c == '\\')
                    printf("\\%c", *c);
                else if ((unsigned char)*c < 0x20)
                    printf("\\u%04x", (unsigned char)*c);
                else
                    putchar(*c);
            printf("\",\"result\":");
            print_json_result(&each[k]);
            printf("}");
        }
        printf("],\"ensemble\":");
        print_json_result(&ens);
        printf(",\"best_member_perplexity\":%.4f,\"batch\":%d,\"seq\":%d", each[best].perplexity, batch, seq);
        print_json_unknown(st);
        printf("}\n");
    } else {
        for (int k = 0; k < K; k++)
            print_result(paths->items[k], &each[k]);
        char name[64];
        snprintf(name, sizeof name, "ensemble of %d", K);
        print_result(name, &ens);
        printf("ensemble perplexity %.3f vs best member %.3f: %.3f lower (%.2f%%)\n", ens.perplexity,
               each[best].perplexity, each[best].perplexity - ens.perplexity,
               100.0 * (each[best].perplexity - ens.perplexity) / each[best].perplexity);
    }
    free(each);
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    cli_list model_paths = {0};
    int batch = 1, seq = 0, json = 0, threads = 0; /* seq 0: the model's (below) */
    const char *newlines = NULL, *unknown = NULL;
    text_options topt;
    text_options_default(&topt);
    const cli_flag flags[] = {
        {"--model", CLI_LIST, &model_paths, 0, 0, "model file (.safetensors); repeat it to evaluate an ensemble", NULL},
        {"--batch", CLI_INT, &batch, 1, 100000, "streams (default 1: every token after the first predicted once)", NULL},
        {"--seq", CLI_INT, &seq, 1, 100000, "steps per window; the state carries across (default 50; a --norm batch "
         "model: its training window, whose steps its running averages describe)", NULL},
        {"--json", CLI_FLAG, &json, 0, 0, "print one JSON object on stdout (with the counts of <unk> and skipped tokens)", NULL},
        {"--unknown", CLI_STRING, &unknown, 0, 0, TEXT_UNKNOWN_HELP, NULL},
        {"--newlines", CLI_STRING, &newlines, 0, 0, TEXT_NEWLINES_HELP, NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default: all cores)", NULL},
    };
    cli_spec spec = {CMD, "--model MODEL [--model MODEL2 ...] [--batch B] [--seq T] [--json] FILE",
                     "Computes the mean cross-entropy of the model's predictions over FILE with the\n"
                     "recurrent state carried from window to window: loss in nats per token, bits\n"
                     "per token, and perplexity. With batch 1 every token after the first is\n"
                     "predicted once, the same figure as TensorFlow's batch-1, one-step test (the\n"
                     "window length only changes speed). Several --model flags evaluate each model\n"
                     "and their ensemble, whose prediction is the mean of the models' probabilities;\n"
                     "the models must share one vocabulary. Words the vocabulary lacks are read as <unk>\n"
                     "and counted on stderr (and in --json): a perplexity over a text that is largely\n"
                     "<unk> is not comparable with one over the model's own kind of text.",
                     flags, (int)(sizeof flags / sizeof flags[0]), 1, 1};
    const char *file = NULL;
    int npos;
    int rc = cli_parse(&spec, argc, argv, &file, &npos);
    if (rc) {
        cli_list_free(&model_paths);
        return rc == CLI_HELP ? 0 : 2;
    }
    if (!rc && text_options_parse(CMD, &topt, newlines, unknown))
        rc = CLI_ERROR;
    if (rc) {
        cli_list_free(&model_paths);
        return 2;
    }
    if (model_paths.count == 0) {
        cli_list_free(&model_paths);
        return cli_error(CMD, "--model MODEL is required (see --help)"), 2;
    }
    recur_set_threads(threads);
    recur_error err = {0};
    const int K = model_paths.count;
    recur_model **models = calloc((size_t)K, sizeof *models);
    int32_t *ids = NULL;
    size_t n = 0;
    if (!models) {
        cli_error(CMD, "out of memory");
        rc = 1;
    }
    for (int k = 0; !rc && k < K; k++)
        if (recur_model_load(model_paths.items[k], &models[k], &err)) {
            cli_error(CMD, "%s", err.msg);
            rc = 1;
        }
    if (!rc && !seq) {
        const recur_config *c = recur_model_config(models[0]);
        seq = c->norm == RECUR_NORM_BATCH ? c->norm_steps : 50;
    }
    recur_encode_stats st;
    memset(&st, 0, sizeof st);
    if (!rc && corpus_encode_file(CMD, file, recur_model_vocab(models[0]), &topt, &ids, &n, &st))
        rc = 1;
    if (!rc && K > 1) {
        rc = eval_ensemble(&model_paths, models, ids, n, batch, seq, json, file, &st);
    } else if (!rc) {
        recur_eval_result res;
        eval_progress ep;
        progress_init(&ep.prog, stderr, 0);
        ep.start = now_seconds();
        recur_eval_watch watch = {on_eval_progress, &ep, NULL};
        recur_status est = recur_model_evaluate_watched(models[0], ids, n, batch, seq, &watch, &res, &err);
        progress_done(&ep.prog);
        if (est) {
            cli_error(CMD, "%s: %s", file, err.msg);
            rc = 1;
        } else if (json) {
            printf("{\"loss\":%.6f,\"bits_per_token\":%.6f,\"perplexity\":%.4f,\"tokens\":%zu,\"batch\":%d,\"seq\":%d",
                   res.loss, res.bits_per_token, res.perplexity, res.tokens, batch, seq);
            print_json_unknown(&st);
            printf("}\n");
        } else {
            printf("loss %.4f nats/token  %.4f bits/token  perplexity %.3f  over %zu tokens\n", res.loss,
                   res.bits_per_token, res.perplexity, res.tokens);
        }
    }
    free(ids);
    for (int k = 0; models && k < K; k++)
        recur_model_free(models[k]);
    free(models);
    cli_list_free(&model_paths);
    return rc;
}
