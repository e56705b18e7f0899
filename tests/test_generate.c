/* recur_generate: beam search against an exhaustive search on a tiny
 * model, --count's sample i against a single run with seed + i, the same
 * text for the same seed in every mode, stop strings and max_tokens; the
 * search and the samples also with each norm (batch norm: the forked
 * beams and samples keep their step of the running averages). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "norm_models.h"
#include "recur.h"
#include "test.h"

typedef struct collected {
    char text[8][4096];
    size_t len[8];
    int done[8];
    recur_finish why[8];
    int pieces_after_done;
} collected;

static int collect(void *user, int index, const char *text, size_t len, int done, recur_finish why)
{
    collected *c = user;
    if (c->done[index])
        c->pieces_after_done++;
    if (done) {
        c->done[index] = 1;
        c->why[index] = why;
        return 0;
    }
    if (c->len[index] + len < sizeof c->text[index]) {
        memcpy(c->text[index] + c->len[index], text, len);
        c->len[index] += len;
        c->text[index][c->len[index]] = '\0';
    }
    return 0;
}

static recur_model *char_norm_model(const char *text, int hidden, float init_scale, recur_cell cell, recur_norm norm)
{
    recur_error err = {0};
    recur_vocab *vocab = NULL;
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &vocab, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.hidden = hidden;
    cfg.embed = 8;
    cfg.init_scale = init_scale;
    cfg.norm = norm;
    cfg.norm_steps = norm == RECUR_NORM_BATCH ? 3 : 0; /* the texts run past them */
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, vocab, 5, &m, &err) == RECUR_OK);
    if (m && norm != RECUR_NORM_NONE)
        norm_models_vary(m, 6);
    return m;
}

static recur_model *char_model(const char *text, int hidden, float init_scale, recur_cell cell)
{
    return char_norm_model(text, hidden, init_scale, cell, RECUR_NORM_NONE);
}

static void generate(const recur_model *m, const recur_sample_settings *s, const recur_generate_options *o,
                     collected *c)
{
    recur_error err = {0};
    memset(c, 0, sizeof *c);
    CHECK_MSG(recur_generate(m, s, o, collect, c, &err) == RECUR_OK, "%s", err.msg);
    for (int i = 0; i < o->count; i++)
        CHECK(c->done[i]);
    CHECK(c->pieces_after_done == 0);
}

/* ---- exhaustive search ---- */

typedef struct search {
    const recur_model *m;
    const recur_vocab *v;
    const char *stop;
    int max_len, V;
    int32_t prime;
    double best;
    char best_text[64];
    int best_stopped;
} search;

static void log_softmax(const float *z, int V, double *lp)
{
    double zmax = z[0], sum = 0;
    for (int j = 1; j < V; j++)
        zmax = fmax(zmax, z[j]);
    for (int j = 0; j < V; j++)
        sum += exp((double)z[j] - zmax);
    for (int j = 0; j < V; j++)
        lp[j] = (double)z[j] - (zmax + log(sum));
}

/* The log-probability of each continuation of seq (len tokens), by
 * feeding the prime and seq into a fresh sampler. */
static void explore(search *s, int32_t *seq, int len, double score, char *text)
{
    recur_error err = {0};
    recur_sampler *sm = NULL;
    CHECK(recur_sampler_create(s->m, 1, &sm, &err) == RECUR_OK);
    recur_sampler_feed(sm, s->prime, &err);
    for (int i = 0; i < len; i++)
        recur_sampler_feed(sm, seq[i], &err);
    double lp[16];
    log_softmax(recur_sampler_logits(sm), s->V, lp);
    recur_sampler_free(sm);
    for (int32_t t = 0; t < s->V; t++) {
        seq[len] = t;
        size_t tl = strlen(text);
        strcpy(text + tl, recur_vocab_token(s->v, t));
        double sc = score + lp[t];
        const char *hit = s->stop ? strstr(text, s->stop) : NULL;
        if (hit || len + 1 == s->max_len) {
            if (sc / (len + 1) > s->best) {
                s->best = sc / (len + 1);
                s->best_stopped = hit != NULL;
                size_t keep = hit ? (size_t)(hit - text) : strlen(text);
                memcpy(s->best_text, text, keep);
                s->best_text[keep] = '\0';
            }
        } else {
            explore(s, seq, len + 1, sc, text);
        }
        text[tl] = '\0';
    }
}

static void check_beam_exhaustive(const char *stop, float init_scale, recur_norm norm)
{
    recur_model *m = char_norm_model("abc\n", 6, init_scale, RECUR_CELL_LSTM, norm);
    const recur_vocab *v = recur_model_vocab(m);
    search s = {m, v, stop, 4, recur_vocab_size(v), recur_vocab_find(v, "\n", 1), -INFINITY, "", 0};
    int32_t seq[8];
    char text[64] = "";
    explore(&s, seq, 0, 0.0, text);
    recur_sample_settings set;
    recur_sample_settings_default(&set);
    set.mode = RECUR_SAMPLE_BEAM;
    set.beam = 300; /* more than every sequence: the search keeps them all */
    recur_generate_options o;
    recur_generate_options_default(&o);
    o.max_tokens = s.max_len;
    o.stop = stop ? (const char *const[]){stop} : NULL;
    o.n_stop = stop ? 1 : 0;
    collected c;
    generate(m, &set, &o, &c);
    CHECK_MSG(strcmp(c.text[0], s.best_text) == 0, "stop %s: beam found '%s', the exhaustive search '%s'",
              stop ? stop : "none", c.text[0], s.best_text);
    CHECK(c.why[0] == (s.best_stopped ? RECUR_FINISH_STOP : RECUR_FINISH_LENGTH));
    /* a beam of 1 is the greedy argmax text */
    set.beam = 1;
    o.stop = NULL;
    o.n_stop = 0;
    o.max_tokens = 12;
    generate(m, &set, &o, &c);
    collected g;
    set.mode = RECUR_SAMPLE_ARGMAX;
    generate(m, &set, &o, &g);
    CHECK_MSG(strcmp(c.text[0], g.text[0]) == 0, "beam 1 '%s', argmax '%s'", c.text[0], g.text[0]);
    recur_model_free(m);
}

/* ---- many samples, seeds, modes ---- */

static void check_count_and_seeds(recur_sample_weights w, recur_norm norm)
{
    recur_model *m = char_norm_model("the quick brown fox jumps over the lazy dog", 24, 0.5f, RECUR_CELL_GRU, norm);
    recur_sample_settings variants[5];
    for (int k = 0; k < 5; k++) {
        recur_sample_settings_default(&variants[k]);
        variants[k].seed = 40;
    }
    variants[1].mode = RECUR_SAMPLE_SPACE;
    variants[2].mode = RECUR_SAMPLE_ARGMAX;
    variants[2].repeat_penalty = 1.5f;
    variants[3].top_p = 0.9f;
    variants[3].min_p = 0.05f;
    variants[3].temperature = 0.8f;
    variants[4].top_k = 5;
    variants[4].presence_penalty = 0.3f;
    variants[4].frequency_penalty = 0.2f;
    variants[4].repeat_last_n = 16;
    for (int k = 0; k < 5; k++) {
        recur_generate_options o;
        recur_generate_options_default(&o);
        o.prime = "the ";
        o.max_tokens = 60;
        o.weights = w;
        o.count = 4;
        collected many, again;
        generate(m, &variants[k], &o, &many);
        generate(m, &variants[k], &o, &again);
        int same = 1;
        for (int i = 0; i < 4; i++) {
            same &= strcmp(many.text[i], again.text[i]) == 0;
            CHECK(many.why[i] == RECUR_FINISH_LENGTH);
        }
        CHECK_MSG(same, "variant %d: the same seed gave other text", k);
        o.count = 1;
        for (int i = 0; i < 4; i++) {
            recur_sample_settings one = variants[k];
            one.seed = variants[k].seed + (uint64_t)i;
            collected single;
            generate(m, &one, &o, &single);
            CHECK_MSG(strcmp(single.text[0], many.text[i]) == 0,
                      "variant %d weights %d: sample %d of 4 '%s', a single run with its seed '%s'", k, (int)w, i,
                      many.text[i], single.text[0]);
        }
        if (k == 0 || k == 3)
            CHECK_MSG(strcmp(many.text[0], many.text[1]) != 0, "variant %d: two seeds, one text", k);
        if (k == 2)
            CHECK(strcmp(many.text[0], many.text[1]) == 0); /* argmax draws nothing */
    }
    /* beam: the same text twice */
    recur_sample_settings b;
    recur_sample_settings_default(&b);
    b.mode = RECUR_SAMPLE_BEAM;
    recur_generate_options o;
    recur_generate_options_default(&o);
    o.max_tokens = 30;
    o.weights = w;
    collected x, y;
    generate(m, &b, &o, &x);
    generate(m, &b, &o, &y);
    CHECK(strcmp(x.text[0], y.text[0]) == 0 && x.len[0] == 30);
    recur_model_free(m);
}

static void check_stops_and_length(void)
{
    recur_model *m = char_model("ab\n", 8, 0.3f, RECUR_CELL_LSTM);
    recur_sample_settings s;
    recur_sample_settings_default(&s);
    recur_generate_options o;
    recur_generate_options_default(&o);
    o.max_tokens = 300;
    o.count = 3;
    collected c;
    generate(m, &s, &o, &c);
    for (int i = 0; i < 3; i++)
        CHECK(c.len[i] == 300 && c.why[i] == RECUR_FINISH_LENGTH);
    /* each sample ends before its first "ab": the text before it is the
     * unstopped text up to that point */
    collected full = c;
    const char *stop[] = {"ab"};
    o.stop = stop;
    o.n_stop = 1;
    generate(m, &s, &o, &c);
    for (int i = 0; i < 3; i++) {
        const char *hit = strstr(full.text[i], "ab");
        CHECK(hit != NULL);
        size_t want = hit ? (size_t)(hit - full.text[i]) : 0;
        CHECK_MSG(c.len[i] == want && strncmp(c.text[i], full.text[i], want) == 0 && c.why[i] == RECUR_FINISH_STOP,
                  "sample %d: stopped text of %zu bytes, want %zu", i, c.len[i], want);
    }
    o.max_tokens = 0;
    generate(m, &s, &o, &c);
    CHECK(c.len[0] == 0 && c.why[0] == RECUR_FINISH_LENGTH);
    /* bad options */
    recur_error err = {0};
    o.max_tokens = 5;
    o.count = 0;
    CHECK(recur_generate(m, &s, &o, collect, &c, &err) == RECUR_E_ARG && strstr(err.msg, "count"));
    o.count = 2;
    s.mode = RECUR_SAMPLE_BEAM;
    CHECK(recur_generate(m, &s, &o, collect, &c, &err) == RECUR_E_ARG && strstr(err.msg, "beam"));
    s.mode = RECUR_SAMPLE_WEIGHTED;
    o.prime = "xyz";
    CHECK(recur_generate(m, &s, &o, collect, &c, &err) != RECUR_OK && strncmp(err.msg, "prime: ", 7) == 0);
    o.prime = NULL;
    const char *empty[] = {""};
    o.stop = empty;
    CHECK(recur_generate(m, &s, &o, collect, &c, &err) == RECUR_E_ARG && strstr(err.msg, "empty"));
    recur_model_free(m);
}

/* A word model's samples read as words: single spaces, <eos> a new line. */
static void check_words(void)
{
    recur_error err = {0};
    const char *tokens[] = {"the", "company", "said", "<eos>", "filed"};
    recur_vocab *vocab = NULL;
    CHECK(recur_vocab_from_tokens(tokens, 5, RECUR_LEVEL_WORD, &vocab, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.hidden = 8;
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, vocab, 2, &m, &err) == RECUR_OK);
    recur_sample_settings s;
    recur_sample_settings_default(&s);
    recur_generate_options o;
    recur_generate_options_default(&o);
    o.prime = "the company said";
    o.max_tokens = 40;
    for (int beam = 0; beam < 2; beam++) {
        s.mode = beam ? RECUR_SAMPLE_BEAM : RECUR_SAMPLE_WEIGHTED;
        collected c;
        generate(m, &s, &o, &c);
        const char *t = c.text[0];
        int ok = t[0] == ' ' || t[0] == '\n'; /* joined to the prime */
        for (size_t i = 0; t[i]; i++)
            ok &= !(t[i] == ' ' && (t[i + 1] == ' ' || t[i + 1] == '\n' || t[i + 1] == '\0'));
        ok &= strstr(t, "<eos>") == NULL && strstr(t, "\n ") == NULL;
        /* 40 tokens: the words and the new lines */
        int tokens_seen = 0;
        for (size_t i = 0; t[i]; i++)
            tokens_seen += t[i] == '\n' || (t[i] != ' ' && (i == 0 || t[i - 1] == ' ' || t[i - 1] == '\n'));
        CHECK_MSG(ok && tokens_seen == 40, "%s: word text '%s' (%d tokens)", beam ? "beam" : "weighted", t, tokens_seen);
    }
    recur_model_free(m);
}

int main(void)
{
    static const recur_norm norms[] = {RECUR_NORM_NONE, RECUR_NORM_BATCH, RECUR_NORM_LAYER};
    for (int k = 0; k < 3; k++) {
        check_beam_exhaustive(NULL, 1.0f, norms[k]);
        check_beam_exhaustive("c", 1.0f, norms[k]);
        check_beam_exhaustive("ba", 1.5f, norms[k]);
        check_beam_exhaustive("\n", 2.0f, norms[k]);
        check_count_and_seeds(RECUR_WEIGHTS_F32, norms[k]);
        check_count_and_seeds(RECUR_WEIGHTS_F16, norms[k]);
        check_count_and_seeds(RECUR_WEIGHTS_I8, norms[k]);
    }
    check_stops_and_length();
    check_words();
    return test_report();
}
