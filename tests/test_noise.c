/* Data noising (train/noise.h): the blank and unigram replacements happen at
 * the requested rates, unigram draws follow the text's token frequencies,
 * and a stream's draws depend only on the seed, the step, the stream and
 * the position (not on which other streams share the window). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/noise.h"
#include "test.h"

enum { V = 6, STEPS = 200, B = 40, T = 25 };

/* |observed - expected| within 5 binomial standard deviations. */
static void check_rate(const char *what, double hits, double n, double p)
{
    double sd = sqrt(p * (1 - p) / n), rate = hits / n;
    CHECK_MSG(fabs(rate - p) <= 5 * sd + 1e-12, "%s: rate %.5f, requested %.5f (sd %.5f)", what, rate, p, sd);
}

static void check_rates(float p_unigram, float p_blank)
{
    /* A text whose token v occurs (v + 1) * 100 times. */
    int32_t ids[21 * 100];
    size_t n = 0;
    for (int v = 0; v < V; v++)
        for (int k = 0; k < (v + 1) * 100; k++)
            ids[n++] = v;
    data_noise dn;
    recur_error err = {0};
    CHECK(data_noise_init(&dn, p_unigram, p_blank, 0, ids, n, V, &err) == RECUR_OK);
    double blank = 0, unigram = 0, kept_same = 0, count[V] = {0}, total = 0, wrong_blank = 0;
    for (int step = 0; step < STEPS; step++) {
        uint64_t key = data_noise_key(7, step);
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                int32_t tok = 3;
                int what = data_noise_draw(&dn, key, b, t, &tok);
                total++;
                if (what == NOISE_BLANK) {
                    blank++;
                    wrong_blank += tok != 0;
                } else if (what == NOISE_UNIGRAM) {
                    unigram++;
                    if (tok >= 0 && tok < V)
                        count[tok]++;
                } else {
                    kept_same += tok == 3;
                }
            }
    }
    CHECK(kept_same == total - blank - unigram);
    CHECK(wrong_blank == 0);
    check_rate("blank", blank, total, p_blank);
    check_rate("unigram", unigram, total, p_unigram);
    for (int v = 0; v < V && unigram > 0; v++) {
        char what[32];
        snprintf(what, sizeof what, "unigram token %d", v);
        check_rate(what, count[v], unigram, (double)(v + 1) / 21.0);
    }
    printf("p_unigram %.2f p_blank %.2f: %.0f draws, blank %.4f, unigram %.4f\n", (double)p_unigram,
           (double)p_blank, total, blank / total, unigram / total);
    data_noise_free(&dn);
}

static void check_streams_independent(void)
{
    int32_t ids[] = {0, 1, 2, 3, 4, 5, 5, 4};
    data_noise dn;
    CHECK(data_noise_init(&dn, 0.3f, 0.2f, 1, ids, 8, V, NULL) == RECUR_OK);
    int32_t all[T * B], left[T * 13], right[T * (B - 13)];
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            int32_t tok = (int32_t)((t + b) % V);
            all[t * B + b] = tok;
            if (b < 13)
                left[t * 13 + b] = tok;
            else
                right[t * (B - 13) + b - 13] = tok;
        }
    uint64_t key = data_noise_key(3, 41);
    data_noise_window(&dn, key, all, T, B, 0);
    data_noise_window(&dn, key, left, T, 13, 0);
    data_noise_window(&dn, key, right, T, B - 13, 13);
    int same = 1, changed = 0;
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            int32_t part = b < 13 ? left[t * 13 + b] : right[t * (B - 13) + b - 13];
            same &= part == all[t * B + b];
            changed += all[t * B + b] != (int32_t)((t + b) % V);
        }
    CHECK_MSG(same, "a stream's noise depends on the streams beside it");
    CHECK_MSG(changed > 0, "no token was noised");
    /* Another step draws otherwise. */
    int32_t again[T * B];
    for (int k = 0; k < T * B; k++)
        again[k] = (int32_t)((k / B + k % B) % V);
    data_noise_window(&dn, data_noise_key(3, 42), again, T, B, 0);
    CHECK(memcmp(again, all, sizeof all) != 0);
    data_noise_free(&dn);
}

static void check_errors(void)
{
    int32_t ids[] = {0, 1};
    data_noise dn;
    recur_error err = {0};
    CHECK(data_noise_init(&dn, 0.7f, 0.4f, 0, ids, 2, 2, &err) == RECUR_E_ARG);
    CHECK(strstr(err.msg, "--noise-unigram") != NULL);
    CHECK(data_noise_init(&dn, 0.0f, 0.1f, -1, ids, 2, 2, &err) == RECUR_E_ARG);
    CHECK(strstr(err.msg, "blank") != NULL);
    CHECK(data_noise_init(&dn, 0.0f, 0.0f, -1, ids, 2, 2, &err) == RECUR_OK);
    CHECK(!data_noise_active(&dn));
    data_noise_free(&dn);
}

int main(void)
{
    check_rates(0.2f, 0.0f);
    check_rates(0.0f, 0.1f);
    check_rates(0.15f, 0.05f);
    check_streams_independent();
    check_errors();
    return test_report();
}
