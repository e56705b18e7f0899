/* The sampling chain, transform by transform, against distributions worked
 * out by hand (recur_picker_distribution), the draws against those
 * distributions, and the defaults against the batch-1 sampler's draws. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"
#include "test.h"

enum { V = 5 };
/* token:          0     1     2     3     4 */
static const float Z[V] = {2.0f, 1.0f, 0.0f, -1.0f, 0.5f};

/* want[j] proportional to exp(z[j] / T) over the kept tokens. */
static void expect(const float *z, const int *keep, double T, double *want)
{
    double sum = 0;
    for (int j = 0; j < V; j++)
        sum += keep[j] ? exp(z[j] / T) : 0.0;
    for (int j = 0; j < V; j++)
        want[j] = keep[j] ? exp(z[j] / T) / sum : 0.0;
}

static void check_dist(const char *what, recur_sample_settings *s, const int32_t *accepted, int n_acc,
                       const float *z, const int *keep, double T)
{
    recur_picker *p = NULL;
    recur_error err = {0};
    CHECK(recur_picker_create(s, V, 2, &p, &err) == RECUR_OK);
    if (!p)
        return;
    for (int i = 0; i < n_acc; i++)
        recur_picker_accept(p, accepted[i]);
    float got[V];
    double want[V];
    recur_picker_distribution(p, Z, got);
    expect(z, keep, T, want);
    double worst = 0;
    for (int j = 0; j < V; j++)
        worst = fmax(worst, fabs(got[j] - want[j]));
    CHECK_MSG(worst < 1e-6, "%s: distribution off by %g (got %g %g %g %g %g)", what, worst, got[0], got[1], got[2],
              got[3], got[4]);
    /* the draws follow it: 40,000 of them within 0.01 of each probability */
    int counts[V] = {0};
    for (int i = 0; i < 40000; i++)
        counts[recur_picker_pick(p, Z)]++;
    double off = 0;
    for (int j = 0; j < V; j++)
        off = fmax(off, fabs(counts[j] / 40000.0 - want[j]));
    CHECK_MSG(off < 0.01, "%s: draws off their distribution by %g", what, off);
    recur_picker_free(p);
}

static void check_transforms(void)
{
    recur_sample_settings s;
    const int all[V] = {1, 1, 1, 1, 1};
    recur_sample_settings_default(&s);
    check_dist("defaults", &s, NULL, 0, Z, all, 1.0);
    s.temperature = 2.0f;
    check_dist("temperature 2", &s, NULL, 0, Z, all, 2.0);

    recur_sample_settings_default(&s);
    s.top_k = 2;
    check_dist("top-k 2", &s, NULL, 0, Z, (const int[]){1, 1, 0, 0, 0}, 1.0);

    /* softmax(Z) = .563 .207 .076 .028 .126 (sorted: 0, 1, 4, 2, 3): the
     * cumulative .563, .770, .896 first reaches 0.8 with token 4, 0.7 with
     * token 1 */
    recur_sample_settings_default(&s);
    s.top_p = 0.8f;
    check_dist("top-p 0.8", &s, NULL, 0, Z, (const int[]){1, 1, 0, 0, 1}, 1.0);
    s.top_p = 0.7f;
    check_dist("top-p 0.7", &s, NULL, 0, Z, (const int[]){1, 1, 0, 0, 0}, 1.0);
    /* top-p after top-k: top-k 4 leaves 0, 1, 4, 2, renormalised to .579
     * .213 .129 .078, so 0.78 is reached with token 1 (.792; without
     * top-k, .770 is short of it and token 4 stays too) */
    s.top_k = 4;
    s.top_p = 0.78f;
    check_dist("top-k 4 then top-p 0.78", &s, NULL, 0, Z, (const int[]){1, 1, 0, 0, 0}, 1.0);
    s.top_k = 0;
    check_dist("top-p 0.78", &s, NULL, 0, Z, (const int[]){1, 1, 0, 0, 1}, 1.0);
    /* the cuts come before the temperature: at T = 10 top-p 0.8 keeps the
     * same three tokens (at T = 10 first, .231 .209 .199 .189 .171, it
     * would keep four) */
    recur_sample_settings_default(&s);
    s.top_p = 0.8f;
    s.temperature = 10.0f;
    check_dist("top-p 0.8 at T 10", &s, NULL, 0, Z, (const int[]){1, 1, 0, 0, 1}, 10.0);

    /* min-p 0.3: p_j / p_max = exp(z_j - 2): token 1 .368 stays, token 4
     * .223 and the rest go */
    recur_sample_settings_default(&s);
    s.min_p = 0.3f;
    check_dist("min-p 0.3", &s, NULL, 0, Z, (const int[]){1, 1, 0, 0, 0}, 1.0);
    s.min_p = 0.2f;
    check_dist("min-p 0.2", &s, NULL, 0, Z, (const int[]){1, 1, 0, 0, 1}, 1.0);

    /* repetition penalty 2 on tokens 0 and 3: 2 -> 1, -1 -> -2 */
    recur_sample_settings_default(&s);
    s.repeat_penalty = 2.0f;
    check_dist("repeat penalty 2", &s, (const int32_t[]){0, 3, 0}, 3, (const float[]){1, 1, 0, -2, 0.5f}, all, 1.0);
    /* presence 0.5 and frequency 0.25: token 1 seen twice, 2 once */
    recur_sample_settings_default(&s);
    s.presence_penalty = 0.5f;
    s.frequency_penalty = 0.25f;
    check_dist("presence and frequency", &s, (const int32_t[]){1, 2, 1}, 3, (const float[]){2, 0, -0.75f, -1, 0.5f},
               all, 1.0);
    /* the window: only the last 2 of 0, 1, 2 count */
    recur_sample_settings_default(&s);
    s.repeat_penalty = 2.0f;
    s.repeat_last_n = 2;
    check_dist("repeat-last-n 2", &s, (const int32_t[]){0, 1, 2}, 3, (const float[]){2, 0.5f, 0, -1, 0.5f}, all, 1.0);
    /* 0: the penalties are off */
    s.repeat_last_n = 0;
    check_dist("repeat-last-n 0", &s, (const int32_t[]){0, 1, 2}, 3, Z, all, 1.0);
    /* penalties come before the cuts: penalised token 0 (2 -> 0.5) falls
     * out of top-k 1, which keeps token 1 */
    recur_sample_settings_default(&s);
    s.repeat_penalty = 4.0f;
    s.top_k = 1;
    check_dist("penalty then top-k", &s, (const int32_t[]){0}, 1, (const float[]){0.5f, 1, 0, -1, 0.5f},
               (const int[]){0, 1, 0, 0, 0}, 1.0);

    /* argmax after the penalties; space mode draws only after a space (id 2) */
    recur_sample_settings_default(&s);
    s.mode = RECUR_SAMPLE_ARGMAX;
    s.repeat_penalty = 4.0f;
    check_dist("argmax after the penalty", &s, (const int32_t[]){0}, 1, Z, (const int[]){0, 1, 0, 0, 0}, 1e-3);
    recur_sample_settings_default(&s);
    s.mode = RECUR_SAMPLE_SPACE;
    check_dist("space mode after a letter", &s, (const int32_t[]){1}, 1, Z, (const int[]){1, 0, 0, 0, 0}, 1.0);
    check_dist("space mode after a space", &s, (const int32_t[]){1, 2}, 2, Z, all, 1.0);
    s.mode = RECUR_SAMPLE_BEAM;
    check_dist("a picker in beam mode", &s, NULL, 0, Z, (const int[]){1, 0, 0, 0, 0}, 1.0);
}

static void check_settings(void)
{
    recur_sample_settings s;
    recur_error err = {0};
    recur_sample_settings_default(&s);
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_OK);
    CHECK(s.mode == RECUR_SAMPLE_WEIGHTED && s.temperature == 1.0f && s.top_k == 0 && s.top_p == 1.0f &&
          s.min_p == 0.0f && s.repeat_penalty == 1.0f && s.seed == 1);
    s.top_p = 0.0f;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG && strstr(err.msg, "top_p"));
    recur_sample_settings_default(&s);
    s.min_p = 1.0f;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG && strstr(err.msg, "min_p"));
    recur_sample_settings_default(&s);
    s.temperature = NAN;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG && strstr(err.msg, "temperature"));
    recur_sample_settings_default(&s);
    s.repeat_penalty = 0.0f;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG && strstr(err.msg, "repeat_penalty"));
    recur_sample_settings_default(&s);
    s.repeat_last_n = -1;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG && strstr(err.msg, "repeat_last_n"));
    recur_sample_settings_default(&s);
    s.beam = 0;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG && strstr(err.msg, "beam"));
    recur_sample_settings_default(&s);
    s.top_k = -2;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG && strstr(err.msg, "top_k"));
    recur_sample_settings_default(&s);
    s.frequency_penalty = INFINITY;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG && strstr(err.msg, "frequency_penalty"));
    recur_sample_settings_default(&s);
    s.mode = (recur_sample_mode)9;
    CHECK(recur_sample_settings_check(&s, &err) == RECUR_E_ARG);
    recur_picker *p = NULL;
    CHECK(recur_picker_create(&s, V, -1, &p, &err) == RECUR_E_ARG && p == NULL);

    static const char *names[] = {"argmax", "weighted", "space", "beam"};
    for (int m = 0; m < 4; m++) {
        recur_sample_mode got;
        CHECK(strcmp(recur_sample_mode_name((recur_sample_mode)m), names[m]) == 0);
        CHECK(recur_sample_mode_parse(names[m], &got, &err) == RECUR_OK && (int)got == m);
    }
    recur_sample_mode got;
    CHECK(recur_sample_mode_parse("2", &got, &err) == RECUR_OK && got == RECUR_SAMPLE_SPACE);
    CHECK(recur_sample_mode_parse("greedy", &got, &err) == RECUR_E_ARG && strstr(err.msg, "greedy"));
}

/* At the defaults (and with top-k, the one cut it had), a picker draws the
 * tokens recur_sampler_pick draws for the same seed: `recur sample` gives
 * the text it gave before the chain. */
static void check_same_as_sampler(void)
{
    recur_error err = {0};
    const char *text = "the quick brown fox jumps over the lazy dog";
    recur_vocab *vocab = NULL;
    CHECK(recur_vocab_build(text, strlen(text), RECUR_LEVEL_CHAR, &vocab, &err) == RECUR_OK);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.hidden = 16;
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, vocab, 3, &m, &err) == RECUR_OK);
    const int n_vocab = recur_vocab_size(vocab);
    int32_t space = recur_vocab_find(vocab, " ", 1);
    static const struct {
        recur_sample_mode mode;
        float temperature;
        int top_k;
    } cases[] = {{RECUR_SAMPLE_WEIGHTED, 1.0f, 0}, {RECUR_SAMPLE_WEIGHTED, 0.7f, 5}, {RECUR_SAMPLE_SPACE, 1.3f, 0},
                 {RECUR_SAMPLE_ARGMAX, 1.0f, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        recur_sampler *a = NULL;
        CHECK(recur_sampler_create(m, 77, &a, &err) == RECUR_OK);
        recur_sample_settings s;
        recur_sample_settings_default(&s);
        s.mode = cases[c].mode;
        s.temperature = cases[c].temperature;
        s.top_k = cases[c].top_k;
        s.seed = 77;
        recur_picker *p = NULL;
        CHECK(recur_picker_create(&s, n_vocab, space, &p, &err) == RECUR_OK);
        int32_t id = space, same = 1;
        for (int t = 0; t < 300; t++) {
            recur_sampler_feed(a, id, &err);
            recur_picker_accept(p, id);
            int32_t want = recur_sampler_pick(a, s.mode, s.temperature, s.top_k);
            int32_t got = recur_picker_pick(p, recur_sampler_logits(a));
            same &= want == got;
            id = want;
        }
        CHECK_MSG(same, "case %zu: the picker drew other tokens than the sampler", c);
        recur_picker_free(p);
        recur_sampler_free(a);
    }
    recur_model_free(m);
}

int main(void)
{
    check_transforms();
    check_settings();
    check_same_as_sampler();
    return test_report();
}
