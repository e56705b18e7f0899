/* recur_generator, pulled a token at a time, gives exactly the text of a
 * count-1 recur_generate for the same model, settings and options: every
 * mode but beam, penalties, stop strings, a word model, max_tokens 0. */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "recur.h"
#include "test.h"

static int collect(void *user, int index, const char *text, size_t len, int done, recur_finish why)
{
    (void)index;
    (void)done;
    (void)why;
    recur_strbuf_append(user, text, len);
    return 0;
}

static recur_model *make_model(recur_level level, const char *text, recur_cell cell)
{
    recur_vocab *v = NULL;
    recur_model *m = NULL;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.level = level;
    cfg.cell = cell;
    cfg.hidden = 24;
    cfg.embed = 8;
    CHECK(recur_vocab_build(text, strlen(text), level, &v, NULL) == RECUR_OK);
    CHECK(recur_model_create(&cfg, v, 5, &m, NULL) == RECUR_OK);
    return m;
}

static void compare(const recur_model *m, const recur_sample_settings *s, const recur_generate_options *o,
                    const char *what)
{
    recur_error err = {0};
    recur_strbuf whole, pulled;
    recur_strbuf_init(&whole);
    recur_strbuf_init(&pulled);
    CHECK_MSG(recur_generate(m, s, o, collect, &whole, &err) == RECUR_OK, "%s: %s", what, err.msg);
    recur_generator *g = NULL;
    CHECK_MSG(recur_generator_create(m, s, o, &g, &err) == RECUR_OK, "%s: %s", what, err.msg);
    int done = 0, calls = 0;
    recur_finish why;
    while (g && !done && calls++ <= o->max_tokens + 1) {
        const char *piece;
        size_t len;
        CHECK(recur_generator_next(g, &piece, &len, &done, &why, &err) == RECUR_OK);
        recur_strbuf_append(&pulled, piece, len);
    }
    CHECK_MSG(done, "%s: the generator did not end within max_tokens + 1 calls", what);
    CHECK_MSG(whole.len == pulled.len && memcmp(whole.data ? whole.data : "", pulled.data ? pulled.data : "",
                                                whole.len) == 0,
              "%s: recur_generate gave %zu bytes, the generator %zu", what, whole.len, pulled.len);
    recur_generator_free(g);
    recur_strbuf_free(&whole);
    recur_strbuf_free(&pulled);
}

int main(void)
{
    const char *text = "the cat sat on the mat.\nthe dog sat on the log.\na cat and a dog.\n";
    recur_model *chars = make_model(RECUR_LEVEL_CHAR, text, RECUR_CELL_LSTM);
    recur_model *gru = make_model(RECUR_LEVEL_CHAR, text, RECUR_CELL_GRU);
    recur_model *words = make_model(RECUR_LEVEL_WORD, text, RECUR_CELL_LSTM);
    if (!chars || !gru || !words)
        return test_report();
    recur_sample_settings s;
    recur_generate_options o;
    recur_sample_settings_default(&s);
    recur_generate_options_default(&o);
    o.max_tokens = 200;
    compare(chars, &s, &o, "defaults");
    o.prime = "the ";
    s.seed = 7;
    s.top_p = 0.8f;
    s.temperature = 0.7f;
    compare(chars, &s, &o, "top-p, temperature, prime");
    s.repeat_penalty = 1.3f;
    s.presence_penalty = 0.5f;
    s.frequency_penalty = 0.2f;
    s.repeat_last_n = 16;
    s.min_p = 0.05f;
    s.top_k = 10;
    o.weights = RECUR_WEIGHTS_I8;
    compare(gru, &s, &o, "penalties, min-p, top-k, i8, GRU");
    const char *stops[] = {"at", "og."};
    o.stop = stops;
    o.n_stop = 2;
    compare(chars, &s, &o, "stop strings");
    s.mode = RECUR_SAMPLE_SPACE;
    compare(chars, &s, &o, "space mode");
    s.mode = RECUR_SAMPLE_ARGMAX;
    compare(chars, &s, &o, "argmax");
    recur_sample_settings_default(&s);
    o.stop = NULL;
    o.n_stop = 0;
    o.weights = RECUR_WEIGHTS_F32;
    o.prime = "the cat";
    compare(words, &s, &o, "word model");
    o.max_tokens = 0;
    compare(words, &s, &o, "max_tokens 0");
    o.max_tokens = 1;
    compare(chars, &s, &o, "one token");

    /* What a generator refuses. */
    recur_generator *g = NULL;
    recur_error err = {0};
    o.max_tokens = 10;
    s.mode = RECUR_SAMPLE_BEAM;
    CHECK(recur_generator_create(chars, &s, &o, &g, &err) == RECUR_E_ARG && strstr(err.msg, "beam") && !g);
    s.mode = RECUR_SAMPLE_WEIGHTED;
    o.count = 2;
    CHECK(recur_generator_create(chars, &s, &o, &g, &err) == RECUR_E_ARG && strstr(err.msg, "count") && !g);
    recur_model_free(chars);
    recur_model_free(gru);
    recur_model_free(words);
    return test_report();
}
