/* The vectorisable reductions against plain loops: every length from 0 to
 * 100 (all tail cases) and a long one; sums to double rounding, the maximum
 * exactly, wherever it sits. */
#include "core/reduce.h"
#include "core/rng.h"
#include "test.h"

int main(void)
{
    enum { N = 100003 };
    static float x[N];
    recur_rng rng;
    recur_rng_seed(&rng, 5);
    for (int i = 0; i < N; i++)
        x[i] = (float)(recur_rng_uniform_double(&rng) * 200.0 - 100.0);
    int bad_sum = 0, bad_sq = 0, bad_max = 0;
    for (size_t n = 0; n <= 100; n++) {
        double s = 0, q = 0;
        for (size_t i = 0; i < n; i++) {
            s += x[i];
            q += (double)x[i] * x[i];
        }
        bad_sum += fabs(recur_dsum(x, n) - s) > 1e-9 * (1 + fabs(s));
        bad_sq += fabs(recur_dsum_squares(x, n) - q) > 1e-12 * (1 + q);
        if (n > 0) {
            float m = x[0];
            for (size_t i = 1; i < n; i++)
                m = x[i] > m ? x[i] : m;
            bad_max += recur_fmax(x, n) != m;
        }
    }
    CHECK_MSG(bad_sum == 0 && bad_sq == 0 && bad_max == 0, "short lengths: %d sums, %d squares, %d maxima wrong",
              bad_sum, bad_sq, bad_max);
    double s = 0, q = 0;
    for (int i = 0; i < N; i++) {
        s += x[i];
        q += (double)x[i] * x[i];
    }
    CHECK_CLOSE(recur_dsum(x, N), s, 1e-10);
    CHECK_CLOSE(recur_dsum_squares(x, N), q, 1e-12);
    /* the maximum in the first lanes, in the middle, and in the tail */
    static const size_t spots[] = {0, 7, 15, 16, 5000, N - 2, N - 1};
    for (size_t k = 0; k < sizeof spots / sizeof spots[0]; k++) {
        float keep = x[spots[k]];
        x[spots[k]] = 1000.0f;
        CHECK(recur_fmax(x, N) == 1000.0f);
        x[spots[k]] = keep;
    }
    CHECK(recur_dsum(x, N) == recur_dsum(x, N)); /* same order every call */
    return test_report();
}
