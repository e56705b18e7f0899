/* Matrix products against a double-precision reference: every transpose
 * combination, odd sizes, padded strides (whose padding must stay untouched),
 * the alpha/beta special cases (beta == 0 must ignore NaN garbage in C), k == 0,
 * and both gemv directions; for the dispatching entry points and for the
 * portable kernels directly, so both paths are covered in every build. */
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "core/gemm.h"
#include "core/gemm_packed.h"
#include "core/rng.h"
#include "test.h"

#ifdef RECUR_HAVE_OPENMP
#include <omp.h>
#endif

#define SENTINEL 12345.0f

typedef void (*gemm_fn)(int, int, int, int, int, float, const float *, int, const float *, int,
                        float, float *, int);
typedef void (*gemv_fn)(int, int, int, float, const float *, int, const float *, float, float *);

static void fill_random(float *x, size_t n, recur_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 2.0f * recur_rng_uniform(rng) - 1.0f;
}

static void fill_value(float *x, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        x[i] = v;
}

/* Runs one product and compares every element of C with the reference; the
 * tolerance is scaled by k and by the magnitudes that enter each element.
 * Returns the number of bad elements (0 when all good). */
static int check_gemm(gemm_fn fn, int ta, int tb, int m, int n, int k, float alpha, float beta,
                      int nan_c, recur_rng *rng)
{
    int a_rows = ta ? k : m, a_cols = ta ? m : k;
    int b_rows = tb ? n : k, b_cols = tb ? k : n;
    int lda = a_cols + 3, ldb = b_cols + 5, ldc = n + 7;
    size_t a_size = (size_t)(a_rows > 0 ? a_rows : 1) * (size_t)lda;
    size_t b_size = (size_t)(b_rows > 0 ? b_rows : 1) * (size_t)ldb;
    size_t c_size = (size_t)(m > 0 ? m : 1) * (size_t)ldc;
    float *a = malloc(a_size * sizeof *a), *b = malloc(b_size * sizeof *b);
    float *c = malloc(c_size * sizeof *c), *c0 = malloc(c_size * sizeof *c0);
    if (!a || !b || !c || !c0) {
        CHECK_MSG(0, "out of memory");
        free(a), free(b), free(c), free(c0);
        return 1;
    }
    fill_random(a, a_size, rng);
    fill_random(b, b_size, rng);
    fill_value(c, c_size, SENTINEL);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(size_t)i * ldc + j] = nan_c ? NAN : 2.0f * recur_rng_uniform(rng) - 1.0f;
    memcpy(c0, c, c_size * sizeof *c);

    fn(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    int bad = 0;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double sum = 0.0, mag = 0.0;
            for (int p = 0; p < k; p++) {
                double av = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                double bv = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                sum += av * bv;
                mag += fabs(av * bv);
            }
            double old = c0[(size_t)i * ldc + j];
            double want = alpha * sum + (beta == 0.0f ? 0.0 : beta * old);
            double scale = fabs(alpha) * mag + (beta == 0.0f ? 0.0 : fabs(beta * old));
            double tol = 2.0 * (k + 4) * FLT_EPSILON * scale + 1e-30;
            double got = c[(size_t)i * ldc + j];
            if (!(fabs(got - want) <= tol)) {
                if (bad++ == 0)
                    fprintf(stderr, "gemm ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g: "
                                    "C[%d][%d] = %.9g, want %.9g\n",
                            ta, tb, m, n, k, alpha, beta, i, j, got, want);
            }
        }
        for (int j = n; j < ldc; j++)
            if (c[(size_t)i * ldc + j] != SENTINEL && bad++ == 0)
                fprintf(stderr, "gemm wrote into the padding of row %d\n", i);
    }
    free(a), free(b), free(c), free(c0);
    return bad;
}

static const int sizes[] = {1, 3, 17, 63, 130};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

static void test_gemm_shapes(gemm_fn fn, const char *name, recur_rng *rng)
{
    int failures = 0, cases = 0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int im = 0; im < NSIZES; im++)
                for (int in = 0; in < NSIZES; in++)
                    for (int ik = 0; ik < NSIZES; ik++) {
                        /* Rotate through the alpha/beta cases so that every
                         * shape sees one and every case sees many shapes. */
                        static const float ab[][3] = {
                            {1.0f, 0.0f, 1}, {0.5f, 1.0f, 0}, {-1.5f, 0.25f, 0}, {2.0f, 0.0f, 1}};
                        int which = (im + in + ik + 2 * ta + tb) % 4;
                        failures += check_gemm(fn, ta, tb, sizes[im], sizes[in], sizes[ik],
                                               ab[which][0], ab[which][1], (int)ab[which][2],
                                               rng) != 0;
                        cases++;
                    }
    CHECK_MSG(failures == 0, "%s: %d of %d shapes wrong", name, failures, cases);
}

static void test_gemm_special(gemm_fn fn, const char *name, recur_rng *rng)
{
    /* k == 0: C = beta * C; with beta == 0 the NaNs must go. */
    CHECK_MSG(check_gemm(fn, 0, 0, 5, 7, 0, 1.0f, 0.0f, 1, rng) == 0, "%s k=0 beta=0", name);
    CHECK_MSG(check_gemm(fn, 1, 0, 5, 7, 0, 1.0f, 0.5f, 0, rng) == 0, "%s k=0 beta=0.5", name);
    /* alpha == 0 scales C only. */
    CHECK_MSG(check_gemm(fn, 0, 1, 9, 4, 6, 0.0f, 3.0f, 0, rng) == 0, "%s alpha=0", name);
    CHECK_MSG(check_gemm(fn, 0, 1, 9, 4, 6, 0.0f, 0.0f, 1, rng) == 0, "%s alpha=0 beta=0", name);
    /* beta == 1 accumulates (the gradient pattern). */
    CHECK_MSG(check_gemm(fn, 1, 0, 33, 21, 70, 1.0f, 1.0f, 0, rng) == 0, "%s beta=1", name);
    /* m, n == 0 are no-ops: nothing is read or written. */
    float c = SENTINEL;
    fn(0, 0, 0, 1, 1, 1.0f, NULL, 1, NULL, 1, 0.0f, &c, 1);
    fn(0, 0, 1, 0, 1, 1.0f, NULL, 1, NULL, 1, 0.0f, &c, 1);
    CHECK_MSG(c == SENTINEL, "%s: m or n == 0 touched C", name);
    /* Shapes beyond one cache block in every direction (portable blocks are
     * 120 rows, 256 deep, 3072 columns) and the recurrent layers' shapes. */
    CHECK_MSG(check_gemm(fn, 1, 1, 250, 3100, 300, 1.0f, 0.0f, 1, rng) == 0, "%s big TT", name);
    CHECK_MSG(check_gemm(fn, 0, 0, 50, 512, 128, 1.0f, 1.0f, 0, rng) == 0, "%s 50x512x128",
              name);
    CHECK_MSG(check_gemm(fn, 1, 0, 128, 64, 600, 1.0f, 1.0f, 0, rng) == 0, "%s dW shape", name);
    CHECK_MSG(check_gemm(fn, 0, 1, 20, 200, 800, 1.0f, 0.0f, 1, rng) == 0, "%s dX shape", name);
}

static int check_gemv(gemv_fn fn, int trans, int m, int n, float alpha, float beta, int nan_y,
                      recur_rng *rng)
{
    int lda = n + 3;
    int xlen = trans ? m : n, ylen = trans ? n : m;
    size_t a_size = (size_t)(m > 0 ? m : 1) * (size_t)lda;
    float *a = malloc(a_size * sizeof *a), *x = malloc((size_t)(xlen + 1) * sizeof *x);
    float *y = malloc((size_t)(ylen + 1) * sizeof *y), *y0 = malloc((size_t)(ylen + 1) * sizeof *y0);
    if (!a || !x || !y || !y0) {
        CHECK_MSG(0, "out of memory");
        free(a), free(x), free(y), free(y0);
        return 1;
    }
    fill_random(a, a_size, rng);
    fill_random(x, (size_t)xlen, rng);
    for (int j = 0; j < ylen; j++)
        y[j] = nan_y ? NAN : 2.0f * recur_rng_uniform(rng) - 1.0f;
    y[ylen] = SENTINEL;
    memcpy(y0, y, (size_t)(ylen + 1) * sizeof *y);

    fn(trans, m, n, alpha, a, lda, x, beta, y);

    int bad = 0, depth = trans ? m : n;
    for (int j = 0; j < ylen; j++) {
        double sum = 0.0, mag = 0.0;
        for (int p = 0; p < depth; p++) {
            double av = trans ? a[(size_t)p * lda + j] : a[(size_t)j * lda + p];
            sum += av * x[p];
            mag += fabs(av * x[p]);
        }
        double want = alpha * sum + (beta == 0.0f ? 0.0 : beta * y0[j]);
        double scale = fabs(alpha) * mag + (beta == 0.0f ? 0.0 : fabs(beta * y0[j]));
        double tol = 2.0 * (depth + 4) * FLT_EPSILON * scale + 1e-30;
        if (!(fabs(y[j] - want) <= tol) && bad++ == 0)
            fprintf(stderr, "gemv trans=%d m=%d n=%d alpha=%g beta=%g: y[%d] = %.9g, want %.9g\n",
                    trans, m, n, alpha, beta, j, y[j], want);
    }
    if (y[ylen] != SENTINEL && bad++ == 0)
        fprintf(stderr, "gemv wrote past y\n");
    free(a), free(x), free(y), free(y0);
    return bad;
}

static void test_gemv(gemv_fn fn, const char *name, recur_rng *rng)
{
    static const int gsizes[] = {1, 3, 17, 63, 130, 517};
    int failures = 0, cases = 0;
    for (int trans = 0; trans < 2; trans++)
        for (int im = 0; im < 6; im++)
            for (int in = 0; in < 6; in++) {
                static const float ab[][3] = {
                    {1.0f, 0.0f, 1}, {0.5f, 1.0f, 0}, {-1.5f, 0.25f, 0}};
                int which = (im + in + trans) % 3;
                failures += check_gemv(fn, trans, gsizes[im], gsizes[in], ab[which][0],
                                       ab[which][1], (int)ab[which][2], rng) != 0;
                cases++;
            }
    CHECK_MSG(failures == 0, "%s: %d of %d shapes wrong", name, failures, cases);
    CHECK_MSG(check_gemv(fn, 0, 7, 0, 1.0f, 0.0f, 1, rng) == 0, "%s n=0 beta=0", name);
    CHECK_MSG(check_gemv(fn, 1, 0, 7, 1.0f, 2.0f, 0, rng) == 0, "%s m=0 beta=2", name);
    CHECK_MSG(check_gemv(fn, 1, 9, 5, 0.0f, 0.0f, 1, rng) == 0, "%s alpha=0", name);
    CHECK_MSG(check_gemv(fn, 0, 800, 200, 1.0f, 0.0f, 1, rng) == 0, "%s output layer", name);
    CHECK_MSG(check_gemv(fn, 1, 200, 2048, 1.0f, 1.0f, 0, rng) == 0, "%s 200x2048^T", name);
}

/* Layers call the products from their own parallel regions (one share of the
 * batch per thread); every share must come out right. */
static void test_in_parallel_region(recur_rng *rng)
{
    enum { M = 64, N = 96, K = 80 };
    static float a[M * K], b[N * K], c[M * N];
    fill_random(a, M * K, rng);
    fill_random(b, N * K, rng);
    fill_value(c, M * N, NAN);
#ifdef RECUR_HAVE_OPENMP
#pragma omp parallel num_threads(2)
#endif
    {
        int t = 0, nt = 1;
#ifdef RECUR_HAVE_OPENMP
        t = omp_get_thread_num(), nt = omp_get_num_threads();
#endif
        int r0 = M * t / nt, r1 = M * (t + 1) / nt;
        recur_sgemm_portable(0, 1, r1 - r0, N, K, 1.0f, a + r0 * K, K, b, K, 0.0f, c + r0 * N, N);
    }
    int bad = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double want = 0.0, mag = 0.0;
            for (int p = 0; p < K; p++)
                want += (double)a[i * K + p] * b[j * K + p], mag += fabs(a[i * K + p] * b[j * K + p]);
            bad += !(fabs(c[i * N + j] - want) <= 2.0 * (K + 4) * FLT_EPSILON * mag + 1e-30);
        }
    CHECK_MSG(bad == 0, "%d wrong elements from products inside a parallel region", bad);
}

/* The packed product (B packed once, straight or transposed) against double
 * sums, over row counts that exercise the 8- and 4-row blocks and the
 * leftover rows, and column counts with whole panel pairs, a single panel
 * and a partial one; C accumulates (+=) and its padding stays untouched. */
static void test_packed(recur_rng *rng)
{
    static const int ms[] = {1, 3, 4, 7, 8, 12, 13, 25, 50};
    static const int ns[] = {1, 16, 17, 32, 48, 80, 100};
    static const int ks[] = {1, 7, 64};
    int bad = 0;
    for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++)
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
            for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
                for (int trans = 0; trans < 2; trans++) {
                    int m = ms[mi], n = ns[ni], k = ks[ki], lda = k + 3, ldc = n + 5;
                    int ldb = trans ? k + 2 : n + 2;
                    float *a = malloc((size_t)m * lda * sizeof *a), *c = malloc((size_t)m * ldc * sizeof *c);
                    float *b = malloc((size_t)(trans ? n : k) * ldb * sizeof *b);
                    float *packed = malloc(recur_packed_size(k, n) * sizeof *packed);
                    double *want = malloc((size_t)m * n * sizeof *want);
                    fill_random(a, (size_t)m * lda, rng);
                    fill_random(b, (size_t)(trans ? n : k) * ldb, rng);
                    fill_random(c, (size_t)m * ldc, rng);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) {
                            double sum = c[(size_t)i * ldc + j];
                            for (int kk = 0; kk < k; kk++)
                                sum += (double)a[(size_t)i * lda + kk] *
                                       (trans ? b[(size_t)j * ldb + kk] : b[(size_t)kk * ldb + j]);
                            want[(size_t)i * n + j] = sum;
                        }
                    for (int i = 0; i < m; i++)
                        for (int j = n; j < ldc; j++)
                            c[(size_t)i * ldc + j] = SENTINEL;
                    recur_pack_b(trans, k, n, b, ldb, packed);
                    recur_sgemm_packed(m, n, k, a, lda, packed, c, ldc);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++)
                            bad += fabs(c[(size_t)i * ldc + j] - want[(size_t)i * n + j]) > 1e-4 * (1 + k);
                        for (int j = n; j < ldc; j++)
                            bad += c[(size_t)i * ldc + j] != SENTINEL;
                    }
                    free(a), free(b), free(c), free(packed), free(want);
                }
    CHECK_MSG(bad == 0, "%d wrong elements from the packed product", bad);
}

static void test_describe(void)
{
    char buf[128];
    recur_blas_set_threads(0); /* leaves the default */
    recur_blas_describe(buf, sizeof buf);
    CHECK_MSG(strlen(buf) > 0, "empty description");
    CHECK_MSG(recur_blas_is_external() ? strstr(buf, "portable") == NULL
                                       : strstr(buf, "portable") == buf,
              "description \"%s\" does not match the path in use", buf);
    char small[6];
    memset(small, 'x', sizeof small);
    recur_blas_describe(small, sizeof small);
    CHECK(strlen(small) == sizeof small - 1);
    printf("matrix products: %s\n", buf);
}

int main(void)
{
    recur_rng rng;
    recur_rng_seed(&rng, 20240611);
    test_gemm_shapes(recur_sgemm, "recur_sgemm", &rng);
    test_gemm_shapes(recur_sgemm_portable, "recur_sgemm_portable", &rng);
    test_gemm_special(recur_sgemm, "recur_sgemm", &rng);
    test_gemm_special(recur_sgemm_portable, "recur_sgemm_portable", &rng);
    test_gemv(recur_sgemv, "recur_sgemv", &rng);
    test_gemv(recur_sgemv_portable, "recur_sgemv_portable", &rng);
    /* With one thread the portable kernels take their serial branches. */
    recur_blas_set_threads(1);
    test_gemm_special(recur_sgemm_portable, "recur_sgemm_portable (1 thread)", &rng);
    test_gemv(recur_sgemv_portable, "recur_sgemv_portable (1 thread)", &rng);
    recur_blas_set_threads(2);
    test_in_parallel_region(&rng);
    test_packed(&rng);
    test_describe();
    return test_report();
}
