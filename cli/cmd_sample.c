/* recur sample: generate text from a model, streaming it as it comes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "corpus.h"
#include "recur.h"

#define CMD "recur sample"

/* Where the text of the samples goes: straight to stdout for one sample,
 * into a buffer per sample for several (stepped together, so their pieces
 * arrive interleaved), printed one after another at the end. */
typedef struct sink {
    int count;
    char **text;
    size_t *len, *cap;
    int pieces;
    int failed; /* out of memory for a buffer */
} sink;

static int on_text(void *user, int index, const char *text, size_t len, int done, recur_finish why)
{
    (void)why;
    sink *k = user;
    if (done || !len)
        return 0;
    if (k->count == 1) {
        fwrite(text, 1, len, stdout);
        if (++k->pieces % 64 == 0 || memchr(text, '\n', len))
            fflush(stdout);
        return 0;
    }
    if (k->len[index] + len > k->cap[index]) {
        size_t n = k->cap[index] ? k->cap[index] : 256;
        while (n < k->len[index] + len)
            n *= 2;
        char *b = realloc(k->text[index], n);
        if (!b) {
            k->failed = 1;
            return 1;
        }
        k->text[index] = b;
        k->cap[index] = n;
    }
    memcpy(k->text[index] + k->len[index], text, len);
    k->len[index] += len;
    return 0;
}

/* --stop takes \n, \t and \\ as escapes, so a stop at a blank line is
 * --stop '\n\n'. Decodes in place. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
            s++;
            *o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : '\\';
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* Words of the prime a word model lacks are read as <unk>: say how many.
 * (A prime it cannot encode at all is the generator's error.) */
static void note_prime_unknown(const recur_model *m, const char *prime)
{
    if (!prime || !*prime)
        return;
    int32_t *ids = NULL;
    size_t n = 0;
    recur_encode_stats st;
    text_options t;
    text_options_default(&t);
    if (recur_vocab_encode_with(recur_model_vocab(m), prime, strlen(prime), RECUR_UNKNOWN_ERROR, &ids, &n, &st,
                                NULL) == RECUR_OK)
        corpus_note_unknown(CMD, "--prime", recur_model_vocab(m), &st, &t);
    free(ids);
}

int cmd_sample(int argc, char **argv)
{
    const char *model_path = NULL, *prime = NULL, *mode_name = NULL, *weights_name = "f32";
    recur_sample_settings set;
    recur_sample_settings_default(&set);
    int length = 500, threads = 0, count = 1, beam_seen = 0;
    int64_t seed = 1;
    cli_list stops = {0};
    const cli_flag flags[] = {
        {"--model", CLI_STRING, &model_path, 0, 0, "model file (.safetensors)", NULL},
        {"--prime", CLI_STRING, &prime, 0, 0, "text to start from (default: a newline, or <eos> for a word model)", NULL},
        {"--length", CLI_INT, &length, 0, 100000000, "at most N tokens to generate (default 500)", NULL},
        {"--stop", CLI_LIST, &stops, 0, 0,
         "end a sample at TEXT, which is not printed (repeatable; \\n, \\t, \\\\ are escapes)", NULL},
        {"--mode", CLI_STRING, &mode_name, 0, 0,
         "argmax, weighted (default), space (draw after a space, argmax elsewhere) or beam", NULL},
        {"--temperature", CLI_FLOAT, &set.temperature, 1e-3, 100,
         "X: divide the logits by X after the cuts: < 1 safer, > 1 wilder (default 1)", NULL},
        {"--top-k", CLI_INT, &set.top_k, 0, 100000000, "N: keep the N most likely tokens (default 0: all)", NULL},
        {"--top-p", CLI_FLOAT, &set.top_p, 0, 1,
         "X: keep the most likely tokens whose probability reaches X, in (0, 1] (default 1: all)", NULL},
        {"--min-p", CLI_FLOAT, &set.min_p, 0, 1,
         "X: drop tokens less likely than X times the most likely, in [0, 1) (default 0: none)", NULL},
        {"--repeat-penalty", CLI_FLOAT, &set.repeat_penalty, 0, 1000,
         "X: a token of the last --repeat-last-n has a positive logit divided by X, a negative one multiplied (default 1: off)",
         NULL},
        {"--repeat-last-n", CLI_INT, &set.repeat_last_n, 0, RECUR_REPEAT_LAST_N_MAX,
         "N: the tokens the penalties look at, prime included (default 64; 0: off)", NULL},
        {"--presence-penalty", CLI_FLOAT, &set.presence_penalty, -1000, 1000,
         "X: subtract X from the logit of a token seen in that window (default 0)", NULL},
        {"--frequency-penalty", CLI_FLOAT, &set.frequency_penalty, -1000, 1000,
         "X: subtract X times its count in that window (default 0)", NULL},
        {"--beam", CLI_INT, &set.beam, 1, RECUR_BEAM_MAX, "K: beam width of --mode beam (default 4; given alone, it means --mode beam)",
         &beam_seen},
        {"--count", CLI_INT, &count, 1, RECUR_COUNT_MAX, "N: samples, stepped together; sample i draws with seed + i (default 1)",
         NULL},
        {"--seed", CLI_INT64, &seed, 0, 9.2e18, "random seed (default 1)", NULL},
        {"--weights", CLI_STRING, &weights_name, 0, 0,
         "f32 (default, exact), f16 or i8: fewer bytes per token, faster on large models", NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, "threads (default: all cores; models too small to gain run on one)", NULL},
    };
    cli_spec spec = {CMD, "--model MODEL [options]",
                     "Generates text one token at a time, primed with --prime. The modes are the\n"
                     "course's sampling types (0 argmax, 1 weighted, 2 space) and beam search.\n"
                     "Each draw runs this chain on the model's logits:\n"
                     "  1. --repeat-penalty, 2. --presence-penalty and --frequency-penalty (over the\n"
                     "     last --repeat-last-n tokens), 3. --top-k, 4. --top-p, 5. --min-p (the cuts,\n"
                     "     at temperature 1, so they keep the same tokens at any temperature),\n"
                     "  6. --temperature on what is left, and the draw. argmax takes the most likely\n"
                     "     token after the penalties.\n"
                     "--mode beam keeps the --beam K likeliest texts and prints the one of the highest\n"
                     "log-probability per token (penalties and temperature do not apply).\n"
                     "Word models' words are joined by single spaces, <eos> is a new line.\n"
                     "--count N prints N samples one after another, each under a line naming it.\n"
                     "--weights f16 (half precision) or i8 (8 bits, a scale per row) keeps a copy\n"
                     "of the weights that streams fewer bytes per token: on a 2 x 512 LSTM 1.1-2x and\n"
                     "1.4-3.1x the chars/s of f32 (by CPU), for under 0.001% and 0.02% of the\n"
                     "cross-entropy (docs/sampling.md).",
                     flags, (int)(sizeof flags / sizeof flags[0]), 0, 0};
    int npos;
    int rc = cli_parse(&spec, argc, argv, NULL, &npos);
    if (rc) {
        cli_list_free(&stops);
        return rc == CLI_HELP ? 0 : 2;
    }
    recur_error err = {0};
    const char *bad = NULL;
    if (!model_path)
        bad = "--model MODEL is required (see --help)";
    else if (!(set.top_p > 0.0f))
        bad = "--top-p must be above 0 and at most 1 (1: off)";
    else if (!(set.min_p < 1.0f))
        bad = "--min-p must be at least 0 and below 1 (0: off)";
    else if (!(set.repeat_penalty > 0.0f))
        bad = "--repeat-penalty must be above 0 (1: off)";
    if (!bad && mode_name && recur_sample_mode_parse(mode_name, &set.mode, &err)) {
        cli_error(CMD, "--mode must be argmax, weighted, space or beam, got '%s'", mode_name);
        cli_list_free(&stops);
        return 2;
    }
    if (!mode_name && beam_seen)
        set.mode = RECUR_SAMPLE_BEAM;
    if (!bad && set.mode == RECUR_SAMPLE_BEAM && count != 1)
        bad = "--count must be 1 with --mode beam (beam search gives one text)";
    for (int i = 0; !bad && i < stops.count; i++) {
        unescape((char *)stops.items[i]);
        if (!*stops.items[i])
            bad = "--stop needs a non-empty TEXT";
    }
    recur_sample_weights weights = RECUR_WEIGHTS_F32;
    recur_error werr = {0};
    if (bad || recur_sample_weights_parse(weights_name, &weights, &werr)) {
        if (bad)
            cli_error(CMD, "%s", bad);
        else
            cli_bad_choice(CMD, "--weights", werr.msg);
        cli_list_free(&stops);
        return 2;
    }
    set.seed = (uint64_t)seed;
    recur_set_threads(threads);
    recur_pin_threads(); /* a core a thread: see recur/model.h */
    recur_model *m = NULL;
    if (recur_model_load(model_path, &m, &err)) {
        cli_list_free(&stops);
        return cli_error(CMD, "%s", err.msg), 1;
    }
    note_prime_unknown(m, prime);
    recur_generate_options o;
    recur_generate_options_default(&o);
    o.prime = prime;
    o.max_tokens = length;
    o.stop = stops.items;
    o.n_stop = stops.count;
    o.count = count;
    o.weights = (recur_sample_weights)weights;
    sink k = {count, NULL, NULL, NULL, 0, 0};
    k.text = calloc((size_t)count, sizeof *k.text);
    k.len = calloc((size_t)count, sizeof *k.len);
    k.cap = calloc((size_t)count, sizeof *k.cap);
    if (!k.text || !k.len || !k.cap) {
        rc = 1;
        cli_error(CMD, "out of memory for %d samples", count);
    } else {
        if (count == 1 && prime)
            fputs(prime, stdout);
        if (recur_generate(m, &set, &o, on_text, &k, &err)) {
            /* a prime the vocabulary cannot encode is the user's input */
            int of_prime = strncmp(err.msg, "prime: ", 7) == 0;
            rc = of_prime ? 2 : 1;
            cli_error(CMD, "%s%s", of_prime ? "--" : "", err.msg);
        } else if (k.failed) {
            rc = 1;
            cli_error(CMD, "out of memory for the samples' text");
        }
    }
    if (count == 1) {
        fputc('\n', stdout);
    } else if (!rc) {
        for (int i = 0; i < count; i++) {
            printf("%s--- sample %d of %d (seed %llu) ---\n", i ? "\n" : "", i + 1, count,
                   (unsigned long long)(set.seed + (uint64_t)i));
            if (prime)
                fputs(prime, stdout);
            fwrite(k.text[i] ? k.text[i] : "", 1, k.len[i], stdout);
            fputc('\n', stdout);
        }
    }
    fflush(stdout);
    for (int i = 0; k.text && i < count; i++)
        free(k.text[i]);
    free(k.text);
    free(k.len);
    free(k.cap);
    cli_list_free(&stops);
    recur_model_free(m);
    return rc;
}
