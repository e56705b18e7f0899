/* exp, sigmoid and tanh against double-precision libm over a dense sweep of
 * [-100, 100] plus special values, for the array functions (AVX2 when the
 * library was built with it), the scalar-array functions and the inline
 * scalar functions compiled here; tails of every length and in-place use. */
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "core/vmath.h"
#include "test.h"

typedef void (*vmap_fn)(float *, const float *, size_t);
typedef float (*scalar_fn)(float);

enum which { EXP, SIGMOID, TANH };

static double reference(enum which w, double x)
{
    switch (w) {
    case EXP:
        return exp(x);
    case SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    default:
        return tanh(x);
    }
}

/* Worst errors seen; a tally of elements outside the contract. */
struct errors {
    double worst_rel, worst_abs;
    long bad;
};

/* Judges one result against the contract in vmath.h. */
static void judge(enum which w, float x, float got, struct errors *e)
{
    int ok;
    if (isnan(x)) {
        ok = isnan(got);
    } else {
        double want = reference(w, (double)x);
        double err = fabs((double)got - want);
        if (w == EXP) {
            if (x > 88.7228f)
                ok = isinf(got) && got > 0;
            else if (x < -103.98f)
                ok = got == 0.0f;
            else if (x >= -87.33f) { /* normal results: relative error */
                double rel = err / want;
                ok = rel <= 2e-7;
                if (rel > e->worst_rel)
                    e->worst_rel = rel;
            } else /* subnormal results: one subnormal step of slack */
                ok = err <= 2e-7 * want + 0x1p-149;
        } else {
            ok = err <= 3e-7 && !isnan(got);
            if (err > e->worst_abs)
                e->worst_abs = err;
            if (w == TANH && fabsf(x) < 0.625f && x != 0.0f) {
                double rel = err / fabs(want);
                ok = ok && rel <= 1e-6;
                if (rel > e->worst_rel)
                    e->worst_rel = rel;
            }
        }
    }
    if (!ok && e->bad++ < 5)
        fprintf(stderr, "  f=%d x=%.9g got %.9g want %.9g\n", (int)w, x, got,
                reference(w, (double)x));
}

static const float specials[] = {
    0.0f, -0.0f, 1e-4f, -1e-4f, 1e-10f, -1e-10f, 1e-38f, 1e-45f, -1e-45f, 0.5f, -0.5f, 0.625f,
    -0.625f, 0.62499994f, 1.0f, -1.0f, 9.0f, -9.0f, 20.0f, -20.0f, 87.0f, -87.0f, 87.33f, -87.33f,
    88.0f, 88.72f, 88.7229f, 89.0f, -88.0f, -100.0f, 100.0f, -103.0f, -103.9f, -104.0f, -150.0f,
    9.1f, -9.1f, 10.0f, 1000.0f, -1000.0f, FLT_MAX, -FLT_MAX, INFINITY, -INFINITY, NAN, -NAN};
#define NSPECIAL (sizeof specials / sizeof specials[0])

/* Dense sweep: [-100, 100] in steps of 1/4096 (819,201 points) plus the specials. */
static float *sweep_inputs(size_t *count)
{
    size_t dense = 200 * 4096 + 1;
    float *x = malloc((dense + NSPECIAL) * sizeof *x);
    if (!x)
        return NULL;
    for (size_t i = 0; i < dense; i++)
        x[i] = (float)(-100.0 + (double)i / 4096.0);
    memcpy(x + dense, specials, sizeof specials);
    *count = dense + NSPECIAL;
    return x;
}

static void test_array(vmap_fn fn, enum which w, const char *name, const float *x, size_t n)
{
    float *y = malloc(n * sizeof *y);
    if (!y) {
        CHECK_MSG(0, "out of memory");
        return;
    }
    fn(y, x, n);
    struct errors e = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        judge(w, x[i], y[i], &e);
    CHECK_MSG(e.bad == 0, "%s: %ld results outside the contract", name, e.bad);
    printf("%-24s worst relative error %.3g, worst absolute error %.3g\n", name, e.worst_rel,
           e.worst_abs);
    free(y);
}

static void test_scalar(scalar_fn fn, enum which w, const char *name, const float *x, size_t n)
{
    struct errors e = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        judge(w, x[i], fn(x[i]), &e);
    CHECK_MSG(e.bad == 0, "%s: %ld results outside the contract", name, e.bad);
}

static float scalar_exp(float x) { return recur_expf(x); }
static float scalar_sigmoid(float x) { return recur_sigmoidf(x); }
static float scalar_tanh(float x) { return recur_tanhf(x); }

static int same_bits(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Every tail length and the in-place form must give exactly what the full
 * array gives (the tail runs the same arithmetic under a mask), and nothing
 * past n may be written. */
static void test_tails_and_in_place(vmap_fn fn, const char *name, const float *x)
{
    float full[40], part[41], inplace[40];
    fn(full, x, 40);
    int bad = 0;
    for (size_t n = 0; n <= 40; n++) {
        for (size_t i = 0; i <= n && i < 41; i++)
            part[i] = -7.0f;
        fn(part, x, n);
        for (size_t i = 0; i < n; i++)
            bad += !same_bits(part[i], full[i]);
        if (n < 41)
            bad += part[n] != -7.0f;
        memcpy(inplace, x, n * sizeof *x);
        fn(inplace, inplace, n);
        for (size_t i = 0; i < n; i++)
            bad += !same_bits(inplace[i], full[i]);
    }
    CHECK_MSG(bad == 0, "%s: %d tail or in-place mismatches", name, bad);
}

/* The vector and scalar code run the same operation sequence, so the array
 * functions and their scalar-only twins agree bit for bit. */
static void test_paths_agree(vmap_fn vec, vmap_fn scalar, const char *name, const float *x,
                             size_t n)
{
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    if (!a || !b) {
        CHECK_MSG(0, "out of memory");
        free(a), free(b);
        return;
    }
    vec(a, x, n);
    scalar(b, x, n);
    long differ = 0;
    for (size_t i = 0; i < n; i++)
        differ += !same_bits(a[i], b[i]);
    CHECK_MSG(differ == 0, "%s: vector and scalar paths differ at %ld inputs", name, differ);
    free(a), free(b);
}

static void test_saturation(void)
{
    float x[6] = {-100.0f, 100.0f, -1e30f, 1e30f, -INFINITY, INFINITY}, y[6];
    recur_vsigmoid(y, x, 6);
    CHECK(y[0] >= 0.0f && y[0] < 1e-40f);
    CHECK(y[1] == 1.0f && y[3] == 1.0f && y[5] == 1.0f);
    CHECK(y[2] == 0.0f && y[4] == 0.0f);
    recur_vtanh(y, x, 6);
    CHECK(y[0] == -1.0f && y[2] == -1.0f && y[4] == -1.0f);
    CHECK(y[1] == 1.0f && y[3] == 1.0f && y[5] == 1.0f);
    recur_vexp(y, x, 6);
    CHECK(y[0] > 0.0f && y[0] < 1e-43f); /* e^-100 is subnormal */
    CHECK(y[2] == 0.0f && y[4] == 0.0f);
    CHECK(isinf(y[1]) && isinf(y[3]) && isinf(y[5]));
    CHECK(recur_tanhf(1e-4f) != 0.0f && fabs(recur_tanhf(1e-4f) - tanh(1e-4)) < 1e-10);
    CHECK(recur_sigmoidf(0.0f) == 0.5f && recur_tanhf(0.0f) == 0.0f && recur_expf(0.0f) == 1.0f);
    CHECK(isnan(recur_expf(NAN)) && isnan(recur_sigmoidf(NAN)) && isnan(recur_tanhf(NAN)));
}

int main(void)
{
    size_t n = 0;
    float *x = sweep_inputs(&n);
    if (!x) {
        CHECK_MSG(0, "out of memory");
        return test_report();
    }
    test_array(recur_vexp, EXP, "recur_vexp", x, n);
    test_array(recur_vsigmoid, SIGMOID, "recur_vsigmoid", x, n);
    test_array(recur_vtanh, TANH, "recur_vtanh", x, n);
    test_array(recur_vexp_scalar, EXP, "recur_vexp_scalar", x, n);
    test_array(recur_vsigmoid_scalar, SIGMOID, "recur_vsigmoid_scalar", x, n);
    test_array(recur_vtanh_scalar, TANH, "recur_vtanh_scalar", x, n);
    test_scalar(scalar_exp, EXP, "recur_expf", x, n);
    test_scalar(scalar_sigmoid, SIGMOID, "recur_sigmoidf", x, n);
    test_scalar(scalar_tanh, TANH, "recur_tanhf", x, n);
    test_paths_agree(recur_vexp, recur_vexp_scalar, "exp", x, n);
    test_paths_agree(recur_vsigmoid, recur_vsigmoid_scalar, "sigmoid", x, n);
    test_paths_agree(recur_vtanh, recur_vtanh_scalar, "tanh", x, n);
    /* Inputs around the tanh branch point and the specials, for the tails. */
    float tail_x[40];
    for (int i = 0; i < 40; i++)
        tail_x[i] = i < 30 ? -1.5f + 0.1f * (float)i : specials[i];
    test_tails_and_in_place(recur_vexp, "recur_vexp", tail_x);
    test_tails_and_in_place(recur_vsigmoid, "recur_vsigmoid", tail_x);
    test_tails_and_in_place(recur_vtanh, "recur_vtanh", tail_x);
    test_saturation();
    free(x);
    return test_report();
}
