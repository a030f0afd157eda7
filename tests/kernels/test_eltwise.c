/*
 * test_eltwise.c — every ISA's elementwise kernels against eltwise_ref.c:
 *   add_act: lengths below, at and above each vector width (1..100), every fused activation,
 *            output written in place over an input, nothing past n; ReLU and none bitwise
 *            equal, the others within the act kernel's rule (≤ 1e-6·|ref| + 1e-30).
 *   max2x2:  channel counts 1..37 (tails of 4, 8, 16), odd and even widths and heights (the
 *            last odd row and column ignored), row splits; inputs include NaN, ±0 and ties so
 *            the comparison order shows: bitwise equal.
 * Guard values around every output must survive.
 */
#include "tests/kernels/ktest.h"

static int same_bits(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

static void check_add(const emoc_kernel_table *t, size_t n, emoc_act act, int in_place, uint64_t seed)
{
    ktest_rng rng = {seed};
    float *a = ktest_alloc(n, &rng, -8.0f, 8.0f), *b = ktest_alloc(n, &rng, -8.0f, 8.0f);
    static const float extreme[] = {100.0f, -100.0f, 88.5f, -88.5f, 0.0f, -0.0f, 3.0f, -3.0f};
    for (size_t i = 0; i < n && i < 8; i++) a[(i * 5) % n] = extreme[i];
    float *ref = malloc((n + 2) * sizeof(float)), *y = ktest_alloc(n + 2, NULL, 0, 0);
    cr_assert(ref);
    emoc_f32_eltwise_ref.add_act(a, b, ref, n, act);
    if (in_place) {
        memcpy(y, a, n * sizeof(float));
        t->eltwise.add_act(y, b, y, n, act);
    } else {
        t->eltwise.add_act(a, b, y, n, act);
    }
    int exact = act == EMOC_ACT_NONE || act == EMOC_ACT_RELU;
    for (size_t i = 0; i < n; i++) {
        int ok = exact ? same_bits(y[i], ref[i]) : fabsf(y[i] - ref[i]) <= 1e-6f * fabsf(ref[i]) + 1e-30f;
        cr_assert(ok, "%s add act=%d n=%zu in_place=%d: [%zu] %.9g + %.9g got %.9g ref %.9g",
                  t->eltwise.name, act, n, in_place, i, a[i], b[i], y[i], ref[i]);
    }
    cr_assert(y[n] == KTEST_GUARD && y[n + 1] == KTEST_GUARD, "%s add wrote past n=%zu", t->eltwise.name, n);
    free(a); free(b); free(ref); free(y);
}

static void check_pool(const emoc_kernel_table *t, int H, int W, int C, uint64_t seed)
{
    ktest_rng rng = {seed};
    size_t nx = (size_t)H * (size_t)W * (size_t)C;
    float *x = ktest_alloc(nx, &rng, -4.0f, 4.0f);
    for (size_t i = 0; i < nx; i++) { /* ties, signed zeros and NaNs the comparison order decides */
        uint32_t r = (uint32_t)(i * 2654435761u) >> 27;
        if (r == 0) x[i] = 0.0f;
        else if (r == 1) x[i] = -0.0f;
        else if (r == 2) x[i] = NAN;
        else if (r == 3) x[i] = 1.5f;
    }
    int OH = H / 2, OW = W / 2;
    size_t ny = (size_t)OH * (size_t)OW * (size_t)C;
    float *ref = ktest_alloc(ny + 2, NULL, 0, 0), *y = ktest_alloc(ny + 2, NULL, 0, 0);
    emoc_f32_eltwise_ref.max2x2(x, W, C, ref, 0, OH);
    int cut = OH / 2; /* two calls over a row split give the same bits as one */
    t->eltwise.max2x2(x, W, C, y, 0, cut);
    t->eltwise.max2x2(x, W, C, y, cut, OH);
    for (size_t i = 0; i < ny; i++)
        cr_assert(same_bits(y[i], ref[i]), "%s max2x2 %dx%dx%d: [%zu] got %.9g ref %.9g",
                  t->eltwise.name, H, W, C, i, y[i], ref[i]);
    cr_assert(y[ny] == KTEST_GUARD && y[ny + 1] == KTEST_GUARD, "%s max2x2 %dx%dx%d wrote past the output",
              t->eltwise.name, H, W, C);
    free(x); free(ref); free(y);
}

static void sweep(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    ktest_assert_isa_name(t.eltwise.name, isa);
    static const size_t lens[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100};
    uint64_t seed = 4200;
    for (int act = 0; act < EMOC_ACT_COUNT; act++)
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
            check_add(&t, lens[i], (emoc_act)act, (int)(i & 1), seed++);
    static const int chans[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 37};
    static const int dims[][2] = {{2, 2}, {3, 3}, {4, 6}, {5, 7}, {8, 9}, {2, 17}};
    for (size_t c = 0; c < sizeof chans / sizeof chans[0]; c++)
        for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
            check_pool(&t, dims[d][0], dims[d][1], chans[c], seed++);
}

Test(eltwise_kernel, reference_is_exact_on_a_hand_case)
{
    float a[3] = {1.0f, -2.0f, 0.5f}, b[3] = {0.5f, 1.0f, -1.0f}, y[3];
    emoc_f32_eltwise_ref.add_act(a, b, y, 3, EMOC_ACT_RELU);
    cr_assert(y[0] == 1.5f && y[1] == 0.0f && y[2] == 0.0f);
    float x[2 * 2 * 2] = {1, NAN, 3, 2, -1, 5, 0, 9}; /* 2×2×2: channel 1 starts with NaN */
    float p[2];
    emoc_f32_eltwise_ref.max2x2(x, 2, 2, p, 0, 1);
    cr_assert(p[0] == 3.0f);
    cr_assert(isnan(p[1]), "NaN first stays: no later value compares greater than NaN");
}

Test(eltwise_kernel, avx2_matches_reference) { sweep(EMOC_ISA_AVX2); }
Test(eltwise_kernel, avx512_matches_reference) { sweep(EMOC_ISA_AVX512); }
Test(eltwise_kernel, neon_matches_reference) { sweep(EMOC_ISA_NEON); }
