/* Half-precision conversion: every half converts to float and back to
 * itself; rounding from float is to nearest, ties to even, at every boundary
 * that matters (normal, subnormal, overflow), and agrees with the F16C
 * instructions bit for bit where the build has them. */
#include <stdint.h>
#include <string.h>

#include "core/half.h"
#include "core/rng.h"
#include "test.h"

#ifdef __F16C__
#include <immintrin.h>
#endif

static void check_round_trip(void)
{
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        int nan = (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu);
        float f = recur_half_to_float((uint16_t)h);
        if (nan ? !isnan(f) : recur_half_from_float(f) != h)
            bad++;
    }
    CHECK_MSG(bad == 0, "%d halves do not survive a round trip", bad);
}

static void check_known_values(void)
{
    static const struct {
        float f;
        uint16_t h;
    } cases[] = {
        {0.0f, 0x0000},         {-0.0f, 0x8000},         {1.0f, 0x3c00},
        {-2.0f, 0xc000},        {65504.0f, 0x7bff},      /* the largest half */
        {65520.0f, 0x7c00},     /* halfway to 65536 rounds to even: inf */
        {65519.0f, 0x7bff},     {1e10f, 0x7c00},         {0x1p-14f, 0x0400}, /* smallest normal */
        {0x1p-24f, 0x0001},     /* smallest subnormal */
        {0x1p-25f, 0x0000},     /* halfway to it: ties to even, zero */
        {0x1.8p-25f, 0x0001},   /* above halfway */
        {1.0f + 0x1p-11f, 0x3c00},                       /* tie, even below */
        {1.0f + 0x3p-11f, 0x3c02},                       /* tie, even above */
        {1.0f + 0x1p-11f + 0x1p-20f, 0x3c01},            /* just above the tie */
        {0.1f, 0x2e66},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t got = recur_half_from_float(cases[i].f);
        CHECK_MSG(got == cases[i].h, "half(%a) = 0x%04x, want 0x%04x", (double)cases[i].f, got, cases[i].h);
    }
    CHECK(recur_half_to_float(0x7c00) == INFINITY);
    CHECK(recur_half_to_float(0xfc00) == -INFINITY);
    CHECK(isnan(recur_half_to_float(recur_half_from_float(NAN))));
    CHECK(recur_half_to_float(0x0001) == 0x1p-24f);
    CHECK(recur_half_to_float(0x3555) == 0x1.554p-2f);
}

/* Random bit patterns over the whole float range, and a dense sweep of the
 * range weights live in, against the hardware conversion. */
#ifdef __F16C__
static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
#endif

static void check_against_f16c(void)
{
#ifdef __F16C__
    recur_rng rng;
    recur_rng_seed(&rng, 7);
    int bad = 0;
    for (int i = 0; i < 2000000; i++) {
        uint32_t u = (uint32_t)recur_rng_next(&rng);
        float f = i & 1 ? from_bits(u) : (float)(recur_rng_uniform_double(&rng) * 8.0 - 4.0);
        if (isnan(f))
            continue;
        uint16_t hw = (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
        if (recur_half_from_float(f) != hw || recur_half_to_float(hw) != _cvtsh_ss(hw))
            bad++;
    }
    CHECK_MSG(bad == 0, "%d of 2,000,000 conversions differ from F16C", bad);
#endif
}

static void check_bulk(void)
{
    float src[5] = {1.0f, -0.5f, 3.14159f, 1e-6f, 70000.0f};
    uint16_t dst[5];
    recur_halves_from_floats(dst, src, 5);
    for (int i = 0; i < 5; i++)
        CHECK(dst[i] == recur_half_from_float(src[i]));
}

int main(void)
{
    check_round_trip();
    check_known_values();
    check_against_f16c();
    check_bulk();
    return test_report();
}
