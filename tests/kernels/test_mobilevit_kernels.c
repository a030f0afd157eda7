/*
 * test_mobilevit_kernels.c — every ISA's GroupNorm(1 group), separable linear attention and
 * bilinear align_corners resize kernels against their references, over channel counts below,
 * at and above each vector width, odd pixel counts and chunk lengths, split ranges:
 *   - GroupNorm chunk sums: |sum − ref| ≤ 1e-5 + 1e-6·Σ|x| (float lanes vs the reference's
 *     double accumulator); the affine within the kernel tolerance rule (ktest.h);
 *   - attention context: within the tolerance rule on Σ|k·s|; apply: bit-identical (one
 *     multiply); splits (channel ranges, rows) never change a bit;
 *   - resize: bit-identical (same operations, no FMA), splits by rows too.
 * Known values: GroupNorm sums of a constant, the scores sum to 1 per position, a resize of a
 * constant image is that constant and 7 → 8 reproduces the corner pixels exactly.
 * Nothing outside the ranges asked for may be written (guard values).
 */
#include "tests/kernels/ktest.h"

/* ---- GroupNorm --------------------------------------------------------------------------- */

static void check_gn(const emoc_kernel_table *t, size_t P, size_t C, uint64_t seed)
{
    ktest_rng rng = {seed};
    size_t n = P * C;
    float *x = ktest_alloc(n, &rng, -3.0f, 5.0f);
    double abs_sum = 0.0;
    for (size_t i = 0; i < n; i++) abs_sum += fabs(x[i]);
    double s = t->groupnorm.sum(x, n), sr = emoc_f32_groupnorm_ref.sum(x, n);
    cr_assert(fabs(s - sr) <= 1e-5 + 1e-6 * abs_sum, "%s sum n=%zu: %.9g ref %.9g",
              t->groupnorm.name, n, s, sr);
    float mean = (float)(sr / (double)n);
    double q = t->groupnorm.sqdev(x, n, mean), qr = emoc_f32_groupnorm_ref.sqdev(x, n, mean);
    cr_assert(fabs(q - qr) <= 1e-5 + 1e-6 * qr, "%s sqdev n=%zu: %.9g ref %.9g",
              t->groupnorm.name, n, q, qr);
    float *a = ktest_alloc(C, &rng, 0.2f, 2.0f), *beta = ktest_alloc(C, &rng, -1.0f, 1.0f);
    float *ref = ktest_alloc(n + 4, NULL, 0, 0), *y = ktest_alloc(n + 4, NULL, 0, 0);
    emoc_f32_groupnorm_ref.apply(x, C, mean, a, beta, ref, 0, P);
    size_t cut = P / 3;
    t->groupnorm.apply(x, C, mean, a, beta, y, 0, cut);
    t->groupnorm.apply(x, C, mean, a, beta, y, cut, P);
    for (size_t i = 0; i < n; i++) {
        size_t c = i % C;
        double terms = fabs(x[i] - mean) * a[c] + fabs(beta[c]);
        cr_assert(ktest_close(y[i], ref[i], terms), "%s apply P=%zu C=%zu i=%zu: %.9g ref %.9g",
                  t->groupnorm.name, P, C, i, y[i], ref[i]);
    }
    for (int g = 0; g < 4; g++)
        cr_assert(y[n + (size_t)g] == KTEST_GUARD, "%s apply wrote past P=%zu", t->groupnorm.name, P);
    /* a constant: the sum is exact, the squared deviation 0 */
    for (size_t i = 0; i < n; i++) x[i] = 0.5f;
    cr_assert(t->groupnorm.sum(x, n) == 0.5 * (double)n, "%s: sum of 0.5 × %zu", t->groupnorm.name, n);
    cr_assert(t->groupnorm.sqdev(x, n, 0.5f) == 0.0, "%s: sqdev of a constant", t->groupnorm.name);
    free(x); free(a); free(beta); free(ref); free(y);
}

static void sweep_gn(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    if (isa != EMOC_ISA_REF) ktest_assert_isa_name(t.groupnorm.name, isa);
    static const size_t chans[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 192};
    static const size_t pixels[] = {1, 2, 7, 49, 64};
    uint64_t seed = 7100;
    for (size_t i = 0; i < sizeof chans / sizeof chans[0]; i++)
        for (size_t j = 0; j < sizeof pixels / sizeof pixels[0]; j++)
            check_gn(&t, pixels[j], chans[i], seed++);
    check_gn(&t, EMOC_GN_CHUNK / 64 + 1, 64, seed++); /* a full chunk plus a tail */
}

/* ---- linear attention --------------------------------------------------------------------- */

static void check_la(const emoc_kernel_table *t, int H, int W, int d, uint64_t seed)
{
    ktest_rng rng = {seed};
    size_t P = (size_t)H * W, ps = 1 + 2 * (size_t)d;
    float *qkv = ktest_alloc(P * ps, &rng, -3.0f, 3.0f);
    float *s = ktest_alloc(P, NULL, 0, 0);
    emoc_linattn_scores(qkv, H, W, d, s);
    int N = (H / 2) * (W / 2);
    for (int p = 0; p < 4; p++) {
        double tot = 0.0;
        for (int n = 0; n < N; n++) {
            cr_assert(s[p * N + n] > 0.0f && s[p * N + n] <= 1.0f, "score out of (0, 1]");
            tot += s[p * N + n];
        }
        cr_assert(fabs(tot - 1.0) <= 1e-5, "scores of position %d sum to %.9g", p, tot);
    }
    float *ctx_ref = ktest_alloc(4 * (size_t)d + 4, NULL, 0, 0), *ctx = ktest_alloc(4 * (size_t)d + 4, NULL, 0, 0);
    float *ctx2 = ktest_alloc(4 * (size_t)d + 4, NULL, 0, 0);
    emoc_f32_linattn_ref.context(qkv, H, W, d, s, ctx_ref, 0, d);
    t->linattn.context(qkv, H, W, d, s, ctx, 0, d);
    int cut = d / 3;
    t->linattn.context(qkv, H, W, d, s, ctx2, 0, cut);
    t->linattn.context(qkv, H, W, d, s, ctx2, cut, d);
    for (int p = 0; p < 4; p++)
        for (int c = 0; c < d; c++) {
            double terms = 0.0;
            for (int y = p >> 1; y < H; y += 2)
                for (int x = p & 1; x < W; x += 2)
                    terms += fabs(qkv[((size_t)y * W + x) * ps + 1 + c]) *
                             s[p * N + (y >> 1) * (W >> 1) + (x >> 1)];
            size_t i = (size_t)p * d + c;
            cr_assert(ktest_close(ctx[i], ctx_ref[i], terms), "%s context %dx%d d=%d p=%d c=%d: "
                      "%.9g ref %.9g", t->linattn.name, H, W, d, p, c, ctx[i], ctx_ref[i]);
            cr_assert(memcmp(&ctx[i], &ctx2[i], sizeof(float)) == 0, "%s context: split changed "
                      "bits", t->linattn.name);
        }
    cr_assert(ctx[4 * d] == KTEST_GUARD, "%s context wrote past 4·d", t->linattn.name);
    float *yr = ktest_alloc(P * (size_t)d + 4, NULL, 0, 0), *y = ktest_alloc(P * (size_t)d + 4, NULL, 0, 0);
    emoc_f32_linattn_ref.apply(qkv, H, W, d, ctx_ref, yr, 0, H);
    t->linattn.apply(qkv, H, W, d, ctx_ref, y, 0, H / 2);
    t->linattn.apply(qkv, H, W, d, ctx_ref, y, H / 2, H);
    cr_assert(memcmp(y, yr, P * (size_t)d * sizeof(float)) == 0, "%s apply %dx%d d=%d differs "
              "from the reference", t->linattn.name, H, W, d);
    cr_assert(y[P * d] == KTEST_GUARD, "%s apply wrote past the output", t->linattn.name);
    free(qkv); free(s); free(ctx_ref); free(ctx); free(ctx2); free(yr); free(y);
}

static void sweep_la(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    if (isa != EMOC_ISA_REF) ktest_assert_isa_name(t.linattn.name, isa);
    static const int dims[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 48};
    static const int hw[][2] = {{2, 2}, {2, 6}, {4, 4}, {6, 2}, {8, 8}, {10, 6}};
    uint64_t seed = 7300;
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
        for (size_t j = 0; j < sizeof hw / sizeof hw[0]; j++)
            check_la(&t, hw[j][0], hw[j][1], dims[i], seed++);
    check_la(&t, 28, 28, 40, seed++); /* stage-2 map size (784 pixels), fewer channels */
}

/* ---- resize -------------------------------------------------------------------------------- */

static void check_rs(const emoc_kernel_table *t, int ih, int iw, int oh, int ow, int C, uint64_t seed)
{
    ktest_rng rng = {seed};
    size_t on = (size_t)oh * ow * C;
    float *x = ktest_alloc((size_t)ih * iw * C, &rng, -4.0f, 4.0f);
    float *yr = ktest_alloc(on + 4, NULL, 0, 0), *y = ktest_alloc(on + 4, NULL, 0, 0);
    emoc_f32_resize_ref.bilinear_ac(x, ih, iw, C, yr, oh, ow, 0, oh);
    t->resize.bilinear_ac(x, ih, iw, C, y, oh, ow, 0, oh / 2);
    t->resize.bilinear_ac(x, ih, iw, C, y, oh, ow, oh / 2, oh);
    cr_assert(memcmp(y, yr, on * sizeof(float)) == 0, "%s %dx%d → %dx%d C=%d differs from the "
              "reference", t->resize.name, ih, iw, oh, ow, C);
    cr_assert(y[on] == KTEST_GUARD, "%s wrote past the output", t->resize.name);
    /* align_corners keeps the four corners exactly */
    for (int c = 0; c < C; c++) {
        cr_assert(y[c] == x[c], "corner (0,0)");
        cr_assert(y[((size_t)(oh - 1) * ow + ow - 1) * C + c] ==
                  x[((size_t)(ih - 1) * iw + iw - 1) * C + c], "corner (h-1,w-1)");
    }
    /* a constant stays constant */
    for (size_t i = 0; i < (size_t)ih * iw * C; i++) x[i] = 0.75f;
    t->resize.bilinear_ac(x, ih, iw, C, y, oh, ow, 0, oh);
    for (size_t i = 0; i < on; i++)
        cr_assert(fabsf(y[i] - 0.75f) <= 1e-6f, "%s: resize of a constant gave %.9g",
                  t->resize.name, y[i]);
    free(x); free(yr); free(y);
}

static void sweep_rs(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    if (isa != EMOC_ISA_REF) ktest_assert_isa_name(t.resize.name, isa);
    static const int chans[] = {1, 3, 4, 5, 8, 9, 16, 17, 33, 96};
    static const int sz[][4] = {{7, 7, 8, 8}, {1, 1, 2, 2}, {3, 5, 4, 6}, {5, 5, 5, 5}, {8, 8, 7, 7}};
    uint64_t seed = 7500;
    for (size_t i = 0; i < sizeof chans / sizeof chans[0]; i++)
        for (size_t j = 0; j < sizeof sz / sizeof sz[0]; j++)
            check_rs(&t, sz[j][0], sz[j][1], sz[j][2], sz[j][3], chans[i], seed++);
}

/* PyTorch's align_corners coefficients for 7 → 8: source i·6/7 (in float). */
Test(resize_kernel, coefficients_7_to_8)
{
    for (int i = 0; i < 8; i++) {
        int i0, i1;
        float l0, l1;
        emoc_resize_ac_coeff(7, 8, i, &i0, &i1, &l0, &l1);
        float src = (6.0f / 7.0f) * (float)i;
        cr_assert(i0 == (int)src, "i=%d: i0 %d", i, i0);
        cr_assert(i1 == (i0 < 6 ? i0 + 1 : 6), "i=%d: i1 %d", i, i1);
        cr_assert(l1 == src - (float)i0 && l0 == 1.0f - l1, "i=%d: weights %.9g %.9g", i, l0, l1);
    }
}

Test(groupnorm_kernel, reference) { sweep_gn(EMOC_ISA_REF); }
Test(groupnorm_kernel, avx2_matches_reference) { sweep_gn(EMOC_ISA_AVX2); }
Test(groupnorm_kernel, avx512_matches_reference) { sweep_gn(EMOC_ISA_AVX512); }
Test(groupnorm_kernel, neon_matches_reference) { sweep_gn(EMOC_ISA_NEON); }
Test(linattn_kernel, reference) { sweep_la(EMOC_ISA_REF); }
Test(linattn_kernel, avx2_matches_reference) { sweep_la(EMOC_ISA_AVX2); }
Test(linattn_kernel, avx512_matches_reference) { sweep_la(EMOC_ISA_AVX512); }
Test(linattn_kernel, neon_matches_reference) { sweep_la(EMOC_ISA_NEON); }
Test(resize_kernel, reference) { sweep_rs(EMOC_ISA_REF); }
Test(resize_kernel, avx2_matches_reference) { sweep_rs(EMOC_ISA_AVX2); }
Test(resize_kernel, avx512_matches_reference) { sweep_rs(EMOC_ISA_AVX512); }
Test(resize_kernel, neon_matches_reference) { sweep_rs(EMOC_ISA_NEON); }
