/* word2vec: vocabulary, sub-sampling, noise distribution, single SGD steps,
 * Huffman codes, vector formats, analogy and similarity scoring, training. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"
#include "test.h"
#include "w2v/model.h"
#include "w2v/noise.h"
#include "w2v/schedule.h"
#include "w2v/vocab.h"

static const char *data_path(const char *name, char *buf, size_t n)
{
    const char *dir = getenv("RECUR_TEST_DATA");
    snprintf(buf, n, "%s/w2v/%s", dir ? dir : "tests/data", name);
    return buf;
}

static void test_vocab(void)
{
    const char *text = "b a  c a\nb a\td\n";
    w2v_vocab v;
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK(w2v_vocab_build(text, strlen(text), 1, &v, &ids, &n, NULL) == RECUR_OK);
    /* </s> first, then a(3) b(2), then c(1) d(1) by byte order. */
    CHECK(v.size == 5);
    CHECK(strcmp(v.words[0], "</s>") == 0 && v.counts[0] == 2);
    CHECK(strcmp(v.words[1], "a") == 0 && v.counts[1] == 3);
    CHECK(strcmp(v.words[2], "b") == 0 && v.counts[2] == 2);
    CHECK(strcmp(v.words[3], "c") == 0 && v.counts[3] == 1);
    CHECK(strcmp(v.words[4], "d") == 0 && v.counts[4] == 1);
    CHECK(v.train_words == 9 && v.corpus_words == 9);
    int32_t want[] = {2, 1, 3, 1, 0, 2, 1, 4, 0};
    CHECK(n == 9 && memcmp(ids, want, sizeof want) == 0);
    free(ids);
    w2v_vocab_free(&v);

    /* min-count 2 drops c and d from the vocabulary and from the id stream. */
    CHECK(w2v_vocab_build(text, strlen(text), 2, &v, &ids, &n, NULL) == RECUR_OK);
    CHECK(v.size == 3 && v.train_words == 7 && v.corpus_words == 9);
    int32_t want2[] = {2, 1, 1, 0, 2, 1, 0};
    CHECK(n == 7 && memcmp(ids, want2, sizeof want2) == 0);
    free(ids);
    w2v_vocab_free(&v);
}

static void test_subsampling(void)
{
    /* 100 x "the", 4 x "cat", 1 x "dog", T = 105 words; sample 0.01 -> s T = 1.05. */
    char text[1024] = "";
    for (int i = 0; i < 100; i++)
        strcat(text, "the ");
    for (int i = 0; i < 4; i++)
        strcat(text, "cat ");
    strcat(text, "dog");
    w2v_vocab v;
    int32_t *ids;
    size_t n;
    CHECK(w2v_vocab_build(text, strlen(text), 1, &v, &ids, &n, NULL) == RECUR_OK);
    float keep[4];
    CHECK(v.size == 4);
    w2v_keep_probabilities(&v, 0.01, keep);
    /* the: (sqrt(100/1.05) + 1) * 1.05/100 = 0.112970; cat: (sqrt(4/1.05) + 1)
     * * 1.05/4 = 0.774848; dog: 2.07 -> 1. */
    CHECK_CLOSE(keep[1], 0.1129695, 1e-5);
    CHECK_CLOSE(keep[2], 0.7748475, 1e-5);
    CHECK(keep[3] == 1.0f);
    CHECK(keep[0] == 1.0f); /* "</s>" never seen: kept */
    w2v_keep_probabilities(&v, 0.0, keep);
    CHECK(keep[1] == 1.0f && keep[2] == 1.0f);
    free(ids);
    w2v_vocab_free(&v);
}

static void test_schedule(void)
{
    /* word2vec.c's linear decay: start * (1 - done / (total + 1)), floored at start * 1e-4. */
    CHECK_CLOSE(w2v_alpha(0.025, 0, 999), 0.025, 1e-9);
    CHECK_CLOSE(w2v_alpha(0.025, 500, 999), 0.0125, 1e-9);
    CHECK_CLOSE(w2v_alpha(0.025, 750, 999), 0.00625, 1e-9);
    CHECK_CLOSE(w2v_alpha(0.025, 999, 999), 2.5e-5, 1e-10);
    CHECK_CLOSE(w2v_alpha(0.025, 1000000, 1000000), 2.5e-6, 1e-12); /* the floor */
    CHECK_CLOSE(w2v_alpha(0.05, 2000000, 1000000), 5e-6, 1e-12);

    /* The reach is uniform on 1..window: 200,000 draws at window 5 put 40,000
     * (sd 179) on each value. */
    recur_rng r;
    recur_rng_seed(&r, 7);
    int64_t hist[7] = {0};
    for (int i = 0; i < 200000; i++) {
        int k = w2v_reach(&r, 5);
        hist[k >= 0 && k <= 6 ? k : 6]++;
    }
    CHECK(hist[0] == 0 && hist[6] == 0);
    for (int k = 1; k <= 5; k++)
        CHECK_MSG(llabs(hist[k] - 40000) < 900, "reach %d drawn %lld times of 200000", k, (long long)hist[k]);
    for (int i = 0; i < 1000; i++)
        CHECK(w2v_reach(&r, 1) == 1);

    /* 25,001 words in 3 epochs: 3 chunks an epoch, the last one word long.
     * One region: epoch-major in corpus order. */
    CHECK(w2v_chunks_per_epoch(25001) == 3 && w2v_chunks_per_epoch(20000) == 2 && w2v_chunks_per_epoch(0) == 1);
    w2v_chunk c;
    CHECK(w2v_chunk_at(5, 25001, 3, 1, &c) && c.epoch == 1 && c.begin == 20000 && c.end == 25001);
    CHECK(w2v_chunk_at(6, 25001, 3, 1, &c) && c.epoch == 2 && c.begin == 0 && c.end == 10000);
    CHECK(!w2v_chunk_at(9, 25001, 3, 1, &c) && !w2v_chunk_at(-1, 25001, 3, 1, &c));
    /* Two regions of 2 chunks: claims alternate between them (chunks 0, 2,
     * 1, then the missing fourth, empty). */
    size_t want_begin[4] = {0, 20000, 10000, 25001}, want_end[4] = {10000, 25001, 20000, 25001};
    for (int k = 0; k < 4; k++)
        CHECK_MSG(w2v_chunk_at(4 + k, 25001, 3, 2, &c) && c.epoch == 1 && c.begin == want_begin[k] &&
                      c.end == want_end[k],
                  "claim %d: [%zu, %zu) of epoch %d", 4 + k, c.begin, c.end, c.epoch);
    CHECK(!w2v_chunk_at(12, 25001, 3, 2, &c));
    /* Whatever the regions, together each epoch covers every word once. */
    for (int regions = 1; regions <= 5; regions++) {
        size_t covered[3] = {0};
        for (int64_t i = 0; w2v_chunk_at(i, 25001, 3, regions, &c); i++) {
            CHECK(c.end >= c.begin && c.end - c.begin <= W2V_CHUNK_WORDS);
            covered[c.epoch] += c.end - c.begin;
        }
        CHECK_MSG(covered[0] == 25001 && covered[1] == 25001 && covered[2] == 25001, "regions %d: %zu %zu %zu",
                  regions, covered[0], covered[1], covered[2]);
    }
}

static void test_noise(void)
{
    int64_t counts[] = {1000, 100, 50, 10, 1};
    w2v_noise z;
    CHECK(w2v_noise_build(counts, 5, 1, &z, NULL) == RECUR_OK);
    double want[5] = {0}, total = 0;
    for (int i = 1; i < 5; i++)
        total += want[i] = pow((double)counts[i], 0.75);
    for (int i = 1; i < 5; i++) {
        want[i] /= total;
        CHECK_CLOSE(z.p[i], want[i], 1e-12);
    }
    CHECK(z.p[0] == 0.0);
    recur_rng r;
    recur_rng_seed(&r, 7);
    int hist[5] = {0};
    const int draws = 1000000;
    for (int i = 0; i < draws; i++)
        hist[w2v_noise_draw(&z, &r)]++;
    CHECK(hist[0] == 0);
    for (int i = 1; i < 5; i++) {
        double f = (double)hist[i] / draws, sd = sqrt(want[i] * (1 - want[i]) / draws);
        CHECK_MSG(fabs(f - want[i]) < 5 * sd, "word %d: %.5f vs %.5f", i, f, want[i]);
    }
    /* word2vec.c's table: each word's share of the table is its probability. */
    int64_t share[5] = {0};
    for (int64_t a = 0; a < z.table_size; a++)
        share[z.table[a]]++;
    CHECK(share[0] == 0);
    for (int i = 1; i < 5; i++)
        CHECK_CLOSE((double)share[i] / (double)z.table_size, want[i], 1e-6);
    w2v_noise_free(&z);
}

static void test_huffman(void)
{
    int64_t counts[] = {3, 40, 20, 10, 5, 5, 1};
    w2v_model m;
    recur_rng r;
    recur_rng_seed(&r, 1);
    CHECK(w2v_model_create(&m, 7, 4, 0, 0, counts, &r, NULL) == RECUR_OK);
    /* Kraft equality (a full binary tree), no code a prefix of another, and
     * a more frequent word never has a longer code. */
    double kraft = 0;
    for (int i = 0; i < 7; i++)
        kraft += pow(2.0, -m.codelen[i]);
    CHECK_CLOSE(kraft, 1.0, 1e-12);
    int prefix = 0;
    for (int a = 0; a < 7; a++)
        for (int b = 0; b < 7; b++)
            if (a != b && m.codelen[a] <= m.codelen[b] &&
                memcmp(m.codes + a * W2V_MAX_CODE, m.codes + b * W2V_MAX_CODE, m.codelen[a]) == 0)
                prefix = 1;
    CHECK(!prefix);
    for (int a = 0; a < 7; a++)
        for (int b = 0; b < 7; b++)
            if (counts[a] > counts[b])
                CHECK(m.codelen[a] <= m.codelen[b]);
    /* Every path starts at the root, the last inner node (n - 2). */
    for (int i = 0; i < 7; i++)
        CHECK(m.points[i * W2V_MAX_CODE] == 5);
    w2v_model_free(&m);
}

/* ---- one SGD step, checked against the formulas in double ---------------- */

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

static void set_row(w2v_model *m, float *base, int row, const double x[3])
{
    for (int c = 0; c < 3; c++)
        base[(size_t)row * m->stride + c] = (float)x[c];
}

/* Output-word update shared by the checks: returns g. */
static double ref_output(const double *in, double *out, double *grad, double label, double shift, double alpha)
{
    double f = in[0] * out[0] + in[1] * out[1] + in[2] * out[2];
    double g = (label - sig(f - shift)) * alpha;
    for (int c = 0; c < 3; c++) {
        grad[c] += g * out[c];
        out[c] += g * in[c];
    }
    return g;
}

static void check_rows(const w2v_model *m, const float *base, int row, const double *want, const char *what)
{
    for (int c = 0; c < m->size; c++)
        CHECK_MSG(fabs(base[(size_t)row * m->stride + c] - want[c]) < 1e-6, "%s[%d]: %.8f vs %.8f", what, c,
                  base[(size_t)row * m->stride + c], want[c]);
    for (int c = m->size; c < m->stride; c++)
        CHECK(base[(size_t)row * m->stride + c] == 0.0f); /* padding stays zero */
}

static void test_sgd_step(int cbow, int nce, int plain)
{
    w2v_model m;
    recur_rng r;
    recur_rng_seed(&r, 3);
    CHECK(w2v_model_create(&m, 4, 3, plain, 1, NULL, &r, NULL) == RECUR_OK);
    double in1[3] = {0.1, -0.2, 0.3}, in2[3] = {-0.4, 0.05, 0.2};
    double center[3] = {0.5, 0.4, -0.1}, neg[3] = {-0.3, 0.2, 0.6};
    set_row(&m, m.syn0, 1, in1);
    set_row(&m, m.syn0, 2, in2);
    set_row(&m, m.syn1neg, 3, center);
    set_row(&m, m.syn1neg, 0, neg);
    double shift_c = 0, shift_n = 0;
    if (nce) {
        m.loss = W2V_LOSS_NCE;
        m.log_kq = malloc(4 * sizeof *m.log_kq);
        m.log_kq[0] = (float)log(2.0); /* k q(neg) = 2 */
        m.log_kq[1] = m.log_kq[2] = 0;
        m.log_kq[3] = (float)log(0.5); /* k q(center) = 0.5 */
        shift_c = m.log_kq[3];
        shift_n = m.log_kq[0];
    }
    float *neu1 = aligned_alloc(64, 64 * sizeof(float)), *neu1e = aligned_alloc(64, 64 * sizeof(float));
    int32_t negs[1] = {0};
    double alpha = 0.1, grad[3] = {0, 0, 0};
    if (!cbow) {
        /* Skip-gram: input = syn0[context = 1], predicting center 3 and noise 0. */
        double g1 = ref_output(in1, center, grad, 1, shift_c, alpha);
        ref_output(in1, neg, grad, 0, shift_n, alpha);
        if (!nce && !plain) /* sigma(-0.06) = 0.485004...: g = 0.0514996 */
            CHECK_CLOSE(g1, 0.0514996, 1e-6);
        for (int c = 0; c < 3; c++)
            in1[c] += grad[c];
        w2v_sg_step(&m, 1, 3, negs, 1, (float)alpha, neu1e);
    } else {
        /* CBOW: input = mean of syn0[1], syn0[2]; both receive the whole gradient. */
        double h[3];
        for (int c = 0; c < 3; c++)
            h[c] = (in1[c] + in2[c]) / 2;
        ref_output(h, center, grad, 1, shift_c, alpha);
        ref_output(h, neg, grad, 0, shift_n, alpha);
        for (int c = 0; c < 3; c++) {
            in1[c] += grad[c];
            in2[c] += grad[c];
        }
        int32_t ctx[2] = {1, 2};
        w2v_cbow_step(&m, ctx, 2, 3, negs, 1, (float)alpha, neu1, neu1e);
        check_rows(&m, m.syn0, 2, in2, "cbow syn0[2]");
    }
    /* The plain kernels use word2vec.c's sigmoid table: about 1e-2 coarse. */
    if (plain) {
        for (int c = 0; c < 3; c++)
            CHECK(fabs(m.syn0[m.stride + c] - in1[c]) < 2e-3);
    } else {
        check_rows(&m, m.syn0, 1, in1, "syn0[1]");
        check_rows(&m, m.syn1neg, 3, center, "syn1neg[center]");
        check_rows(&m, m.syn1neg, 0, neg, "syn1neg[noise]");
    }
    free(neu1);
    free(neu1e);
    w2v_model_free(&m);
}

/* ---- formats --------------------------------------------------------------- */

static recur_w2v_vectors *make_vectors(void)
{
    recur_w2v_vectors *v = calloc(1, sizeof *v);
    v->count = 3;
    v->dim = 4;
    v->words = calloc(3, sizeof *v->words);
    v->words[0] = strdup("</s>");
    v->words[1] = strdup("caf\xc3\xa9");
    v->words[2] = strdup("x");
    v->data = malloc(12 * sizeof *v->data);
    float vals[12] = {0.0f, -0.0f, 1.0f / 3.0f, -2.5e-38f, 1e-45f, 3.4e38f, -1.17549435e-38f, 0.1f,
                      123456.789f, -7.0f, 6.1e-5f, 0.999999940f};
    memcpy(v->data, vals, sizeof vals);
    return v;
}

static void test_formats(void)
{
    char path[] = "/tmp/recur_test_w2v_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    recur_w2v_vectors *v = make_vectors();
    recur_w2v_format fmts[2] = {RECUR_W2V_TEXT, RECUR_W2V_BINARY};
    for (int k = 0; k < 2; k++) {
        recur_error err = {0};
        CHECK(recur_w2v_save(v, path, fmts[k], &err) == RECUR_OK);
        recur_w2v_vectors *back = NULL;
        CHECK_MSG(recur_w2v_load(path, RECUR_W2V_AUTO, 0, &back, &err) == RECUR_OK, "%s", err.msg);
        if (!back)
            continue;
        CHECK(back->count == 3 && back->dim == 4);
        CHECK(memcmp(back->data, v->data, 12 * sizeof(float)) == 0); /* bit-exact, -0 and denormals too */
        for (int i = 0; i < 3; i++)
            CHECK(strcmp(back->words[i], v->words[i]) == 0);
        recur_w2v_vectors_free(back);
        /* limit reads a prefix */
        CHECK(recur_w2v_load(path, fmts[k], 2, &back, &err) == RECUR_OK && back->count == 2);
        recur_w2v_vectors_free(back);
    }

    /* The binary layout written by hand from the documented format:
     * "count dim\n", then per word "word " + dim float32 LE + "\n". */
    unsigned char want[256];
    size_t n = 0;
    n += (size_t)sprintf((char *)want, "3 4\n");
    for (int i = 0; i < 3; i++) {
        n += (size_t)sprintf((char *)want + n, "%s ", v->words[i]);
        for (int c = 0; c < 4; c++) {
            uint32_t u;
            memcpy(&u, &v->data[i * 4 + c], 4);
            for (int b = 0; b < 4; b++)
                want[n++] = (unsigned char)(u >> (8 * b));
        }
        want[n++] = '\n';
    }
    CHECK(recur_w2v_save(v, path, RECUR_W2V_BINARY, NULL) == RECUR_OK);
    char *got = NULL;
    size_t got_len = 0;
    CHECK(recur_read_file(path, &got, &got_len, NULL) == RECUR_OK);
    CHECK(got_len == n && memcmp(got, want, n) == 0);
    free(got);

    /* A hand-written text file as word2vec.c writes it (trailing blank, 6 decimals). */
    const char *text = "2 3\nthe 0.100000 -0.200000 0.300000 \nof 1.000000 2.000000 3.000000 \n";
    recur_w2v_vectors *t = NULL;
    CHECK(recur_w2v_parse(text, strlen(text), "hand", RECUR_W2V_AUTO, 0, &t, NULL) == RECUR_OK);
    if (t) {
        CHECK(t->count == 2 && t->dim == 3 && strcmp(t->words[1], "of") == 0);
        CHECK(t->data[1] == -0.2f && t->data[5] == 3.0f);
        recur_w2v_vectors_free(t);
    }
    /* Truncated and malformed files fail with a message, never a crash. */
    recur_error err = {0};
    CHECK(recur_w2v_parse((const char *)want, n - 3, "cut", RECUR_W2V_BINARY, 0, &t, &err) == RECUR_E_FORMAT);
    CHECK(strstr(err.msg, "cut") != NULL);
    const char *bad[] = {"", "2\n", "1 3\nw 1 2\n", "1 2\nw 1 2 3\n", "1 2\nw 1 x\n", "99999 99999\nw 1 2\n",
                         "-1 2\nw 1 2\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(recur_w2v_parse(bad[i], strlen(bad[i]), "bad", RECUR_W2V_TEXT, 0, &t, NULL) == RECUR_E_FORMAT,
                  "case %zu", i);
    recur_w2v_vectors_free(v);
    remove(path);
}

/* ---- evaluation -------------------------------------------------------------- */

static void test_analogy_and_similarity(void)
{
    char p[512];
    recur_w2v_vectors *v = NULL;
    recur_error err = {0};
    CHECK_MSG(recur_w2v_load(data_path("tiny_vectors.txt", p, sizeof p), RECUR_W2V_AUTO, 0, &v, &err) == RECUR_OK,
              "%s", err.msg);
    if (!v)
        return;
    recur_w2v_index *ix = NULL;
    CHECK(recur_w2v_index_create(v, 0, 1, &ix, NULL) == RECUR_OK);
    char *q = NULL;
    size_t qn = 0;
    CHECK(recur_read_file(data_path("tiny_questions.txt", p, sizeof p), &q, &qn, NULL) == RECUR_OK);
    recur_w2v_analogy_result res;
    CHECK(recur_w2v_analogy(ix, q, qn, "tiny", &res, &err) == RECUR_OK);
    /* family: 3 questions, boy/girl missing -> 2 seen, both right
     * (woman - man + king = queen exactly); gram1-test: man:king::woman:paris
     * is wrong (the answer is queen), the upper-case question right. */
    CHECK(res.nsections == 2);
    if (res.nsections == 2) {
        CHECK(strcmp(res.sections[0].name, "family") == 0 && res.sections[0].semantic);
        CHECK(res.sections[0].questions == 3 && res.sections[0].seen == 2 && res.sections[0].correct == 2);
        CHECK(!res.sections[1].semantic);
        CHECK(res.sections[1].questions == 2 && res.sections[1].seen == 2 && res.sections[1].correct == 1);
    }
    CHECK(res.questions == 5 && res.seen == 4 && res.correct == 3);
    CHECK(res.sem_correct == 2 && res.syn_seen == 2 && res.syn_correct == 1);
    recur_w2v_analogy_result_free(&res);
    /* Case-sensitive: the upper-case question is skipped. */
    recur_w2v_index *ixc = NULL;
    CHECK(recur_w2v_index_create(v, 0, 0, &ixc, NULL) == RECUR_OK);
    CHECK(recur_w2v_analogy(ixc, q, qn, "tiny", &res, NULL) == RECUR_OK && res.seen == 3 && res.correct == 2);
    recur_w2v_analogy_result_free(&res);
    recur_w2v_index_free(ixc);
    /* top 3 (man woman king): no question has all four words. */
    CHECK(recur_w2v_index_create(v, 3, 1, &ixc, NULL) == RECUR_OK);
    CHECK(recur_w2v_analogy(ixc, q, qn, "tiny", &res, NULL) == RECUR_OK && res.seen == 0);
    recur_w2v_analogy_result_free(&res);
    recur_w2v_index_free(ixc);
    free(q);

    /* Nearest neighbours: king's nearest (cos 0.5) are man and queen; paris 0.316. */
    int ids[4];
    float cos[4];
    int k = recur_w2v_index_find(ix, "King");
    CHECK(k == 2);
    int found = recur_w2v_nearest(ix, recur_w2v_index_unit(ix, k), &k, 1, 4, ids, cos);
    CHECK(found == 4);
    CHECK_CLOSE(cos[0], 0.5, 1e-6);
    CHECK_CLOSE(cos[1], 0.5, 1e-6);
    CHECK_CLOSE(cos[2], 1.0 / sqrt(10.0), 1e-6);
    CHECK(ids[3] == 1 && fabs(cos[3]) < 1e-6); /* woman */

    /* Similarity: model cosines 0.5, 0.5, 0.316, 0 against human 8, 9, 3, 1:
     * ranks (3.5, 3.5, 2, 1) and (3, 4, 2, 1) give rho = 3 / sqrt(10). */
    char *s = NULL;
    size_t sn = 0;
    CHECK(recur_read_file(data_path("tiny_similarity.tsv", p, sizeof p), &s, &sn, NULL) == RECUR_OK);
    recur_w2v_similarity_result sr;
    CHECK(recur_w2v_similarity(ix, s, sn, "tiny", &sr, NULL) == RECUR_OK);
    CHECK(sr.pairs == 5 && sr.found == 4);
    CHECK_CLOSE(sr.spearman, 3.0 / sqrt(10.0), 1e-9);
    free(s);
    recur_w2v_index_free(ix);
    recur_w2v_vectors_free(v);

    double a[5] = {1, 2, 3, 4, 5}, b[5] = {5, 6, 7, 8, 7};
    CHECK_CLOSE(recur_spearman(a, b, 5), 0.8207826816681233, 1e-12); /* b's ranks 1 2 3.5 5 3.5 */
    CHECK(isnan(recur_spearman(a, b, 1)));
}

/* ---- training ------------------------------------------------------------------ */

static char *synthetic_corpus(size_t *len)
{
    /* Two topics whose words never share a sentence. */
    const char *a[] = {"cat", "dog", "mouse", "horse", "cow"}, *b[] = {"red", "blue", "green", "pink", "gray"};
    size_t cap = 400000, n = 0;
    char *t = malloc(cap);
    recur_rng r;
    recur_rng_seed(&r, 11);
    for (int s = 0; s < 3000; s++) {
        const char **set = s % 2 ? a : b;
        for (int w = 0; w < 10; w++)
            n += (size_t)snprintf(t + n, cap - n, "%s ", set[recur_rng_below(&r, 5)]);
        t[n - 1] = '\n';
    }
    t[n] = '\0';
    *len = n;
    return t;
}

static void test_training(void)
{
    size_t len;
    char *text = synthetic_corpus(&len);
    recur_w2v_options o;
    recur_w2v_options_default(&o);
    o.size = 16;
    o.iter = 2;
    o.sample = 0;
    recur_w2v_vectors *v1 = NULL, *v2 = NULL;
    recur_w2v_stats st;
    recur_error err = {0};
    CHECK_MSG(recur_w2v_train(text, len, &o, &v1, &st, &err) == RECUR_OK, "%s", err.msg);
    CHECK(recur_w2v_train(text, len, &o, &v2, NULL, NULL) == RECUR_OK);
    if (v1 && v2) {
        CHECK(v1->count == 11 && v1->dim == 16 && strcmp(v1->words[0], "</s>") == 0);
        CHECK(st.train_words == 33000 && st.words_done == 66000);
        /* one thread and one seed: the same vectors */
        CHECK(memcmp(v1->data, v2->data, (size_t)v1->count * 16 * sizeof(float)) == 0);
    }
    recur_w2v_vectors_free(v2);
    v2 = NULL;
    /* Two threads taking chunks from the shared counter read every word once
     * an epoch: the words read add up exactly. */
    o.threads = 2;
    o.iter = 3;
    CHECK_MSG(recur_w2v_train(text, len, &o, &v2, &st, &err) == RECUR_OK, "%s", err.msg);
    CHECK(st.words_done == 3 * 33000);
    recur_w2v_vectors_free(v2);
    v2 = NULL;
    /* Each variant learns the topics: a word is closer to its own topic. */
    for (int variant = 0; variant < 6; variant++) {
        recur_w2v_options_default(&o);
        o.size = 16;
        o.iter = 3;
        o.sample = 0;
        o.threads = 1; /* reproducible: two hogwild threads learn a little less when one is descheduled */
        o.cbow = variant & 1;
        if (variant / 2 == 1) {
            o.negative = 0;
            o.nce = 5;
        } else if (variant / 2 == 2) {
            o.negative = 0;
            o.hs = 1;
        }
        recur_w2v_vectors *v = NULL;
        CHECK_MSG(recur_w2v_train(text, len, &o, &v, NULL, &err) == RECUR_OK, "%s", err.msg);
        if (!v)
            continue;
        recur_w2v_index *ix = NULL;
        CHECK(recur_w2v_index_create(v, 0, 0, &ix, NULL) == RECUR_OK);
        const float *cat = recur_w2v_index_unit(ix, recur_w2v_index_find(ix, "cat"));
        const float *dog = recur_w2v_index_unit(ix, recur_w2v_index_find(ix, "dog"));
        const float *red = recur_w2v_index_unit(ix, recur_w2v_index_find(ix, "red"));
        double same = 0, other = 0;
        for (int c = 0; c < 16; c++) {
            same += cat[c] * dog[c];
            other += cat[c] * red[c];
        }
        CHECK_MSG(same > other + 0.2, "variant %d: cos(cat,dog) %.3f, cos(cat,red) %.3f", variant, same, other);
        recur_w2v_index_free(ix);
        recur_w2v_vectors_free(v);
    }
    /* Bad options are refused with a message. */
    recur_w2v_options_default(&o);
    o.nce = 5; /* with negative 5 still set */
    CHECK(recur_w2v_train(text, len, &o, &v2, NULL, &err) == RECUR_E_ARG && strstr(err.msg, "nce"));
    recur_w2v_options_default(&o);
    o.min_count = 100000;
    CHECK(recur_w2v_train(text, len, &o, &v2, NULL, &err) == RECUR_E_FORMAT);
    recur_w2v_vectors_free(v1);
    free(text);
}

int main(void)
{
    test_vocab();
    test_subsampling();
    test_schedule();
    test_noise();
    test_huffman();
    for (int cbow = 0; cbow < 2; cbow++)
        for (int nce = 0; nce < 2; nce++)
            test_sgd_step(cbow, nce, 0);
    test_sgd_step(0, 0, 1);
    test_formats();
    test_analogy_and_similarity();
    test_training();
    return test_report();
}
