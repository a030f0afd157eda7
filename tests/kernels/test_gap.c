/*
 * test_gap.c — the SIMD global-average-pool sum kernels against gap_ref: channel counts below, at
 * and above the 16-lane vector and the 64-channel pass, 1..49 pixels. The SIMD kernels sum each
 * channel in the reference's pixel order, so they must match it bit for bit; channel ranges
 * split anywhere must give the same bits, and nothing outside [c0, c1) may be written.
 */
#include "tests/kernels/ktest.h"

static void check(const emoc_kernel_table *t, size_t P, size_t C, uint64_t seed)
{
    ktest_rng rng = {seed};
    float *x = ktest_alloc(P * C, &rng, -4.0f, 4.0f);
    float *ref = ktest_alloc(C + 2, NULL, 0, 0), *y = ktest_alloc(C + 2, NULL, 0, 0);
    float *y2 = ktest_alloc(C + 2, NULL, 0, 0);
    emoc_f32_gap_ref.fn(x, P, C, ref, 0, C);
    t->gap.fn(x, P, C, y, 0, C);
    for (size_t c = 0; c < C; c++)
        cr_assert(memcmp(&y[c], &ref[c], sizeof(float)) == 0,
                  "%s P=%zu C=%zu: y[%zu]=%.9g ref %.9g", t->gap.name, P, C, c, y[c], ref[c]);
    cr_assert(y[C] == KTEST_GUARD && y[C + 1] == KTEST_GUARD, "%s wrote past C=%zu", t->gap.name, C);
    /* uneven channel ranges: [0, a), [a, b), [b, C) */
    size_t a = C / 3, b = C - C / 4;
    t->gap.fn(x, P, C, y2, 0, a);
    t->gap.fn(x, P, C, y2, a, b);
    cr_assert(y2[b] == KTEST_GUARD || b == C, "%s wrote past c1=%zu", t->gap.name, b);
    t->gap.fn(x, P, C, y2, b, C);
    cr_assert(memcmp(y, y2, C * sizeof(float)) == 0, "%s P=%zu C=%zu: split changed bits",
              t->gap.name, P, C);
    /* a known value: constant input gives P times the constant (exact for these P) */
    for (size_t i = 0; i < P * C; i++) x[i] = 1.5f;
    t->gap.fn(x, P, C, y, 0, C);
    for (size_t c = 0; c < C; c++)
        cr_assert(y[c] == 1.5f * (float)P, "%s P=%zu C=%zu: sum of 1.5 gave %.9g", t->gap.name,
                  P, C, y[c]);
    free(x); free(ref); free(y); free(y2);
}

static void sweep(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    static const size_t chans[] = {1, 3, 15, 16, 17, 32, 63, 64, 65, 80, 127, 128, 130, 200};
    static const size_t pixels[] = {1, 2, 7, 49};
    uint64_t seed = 4000;
    for (size_t i = 0; i < sizeof chans / sizeof chans[0]; i++)
        for (size_t j = 0; j < sizeof pixels / sizeof pixels[0]; j++)
            check(&t, pixels[j], chans[i], seed++);
}

Test(gap_kernel, avx512_matches_reference)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, EMOC_ISA_AVX512);
    ktest_assert_isa_name(t.gap.name, EMOC_ISA_AVX512);
    sweep(EMOC_ISA_AVX512);
}
/* ISAs without a GAP kernel keep the reference (the slot is never empty). */
Test(gap_kernel, other_isas_fall_back_to_reference)
{
    emoc_kernel_table t;
    emoc__kernel_table_init(&t, EMOC_ISA_REF);
    cr_assert_str_eq(t.gap.name, "emoc_f32_gap_c1__ref");
    sweep(EMOC_ISA_REF);
}
