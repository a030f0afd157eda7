/*
 * test_ddamfn_ops.c — DDAMFN's own ops (engine/ops/coordatt.c) against plain references written
 * here from the PyTorch definitions (spec §3.1, §3.3), over edge-case shapes (1×1, odd,
 * non-square, channel counts off the vector widths), and computed in several chunks to prove
 * the split does not change a bit. Also h-swish / sigmoid / PReLU as the nets use them.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernels/kernels.h"
#include "engine/ops/coordatt.h"

typedef struct shape {
    int H, W, C;
} shape;

static const shape SHAPES[] = {
    {1, 1, 1}, {1, 7, 3}, {7, 1, 5}, {3, 5, 7}, {7, 7, 17}, {2, 9, 16}, {14, 14, 33}, {28, 28, 8},
};

static uint64_t rng_state = 88172645463325252ull;
static float frand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((rng_state >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

static float *rnd(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    cr_assert(p);
    for (size_t i = 0; i < n; i++) p[i] = frand();
    return p;
}

#define AT(x, h, w, c, W, C) (x)[((size_t)(h) * (W) + (w)) * (C) + (c)]

static void assert_close(const float *a, const float *ref, size_t n, const char *what, shape s)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabsf(a[i] - ref[i]) <= 1e-5f + 1e-5f * fabsf(ref[i]),
                  "%s %dx%dx%d: element %zu = %.9g, reference %.9g", what, s.H, s.W, s.C, i,
                  (double)a[i], (double)ref[i]);
}

/* Runs the pool over channel chunks [0,c1), [c1,c2), [c2,C) and as one call: must be bitwise
 * identical. */
static void pool_chunked(const float *x, shape s, const float *kh, const float *bh,
                         const float *kw, const float *bw, float *out)
{
    size_t n = (size_t)(s.H + s.W) * (size_t)s.C;
    float *whole = malloc(n * sizeof(float));
    emoc__coord_pool(x, s.H, s.W, s.C, kh, bh, kw, bw, whole, 0, s.C);
    int c1 = s.C / 3, c2 = 2 * s.C / 3;
    emoc__coord_pool(x, s.H, s.W, s.C, kh, bh, kw, bw, out, 0, c1);
    emoc__coord_pool(x, s.H, s.W, s.C, kh, bh, kw, bw, out, c1, c2);
    emoc__coord_pool(x, s.H, s.W, s.C, kh, bh, kw, bw, out, c2, s.C);
    cr_assert(!memcmp(whole, out, n * sizeof(float)), "chunked pool differs from one call");
    free(whole);
}

Test(ddamfn_ops, coord_pool_means_over_w_then_over_h)
{
    for (size_t k = 0; k < sizeof SHAPES / sizeof SHAPES[0]; k++) {
        shape s = SHAPES[k];
        float *x = rnd((size_t)s.H * s.W * s.C);
        size_t n = (size_t)(s.H + s.W) * s.C;
        float *out = malloc(n * sizeof(float)), *ref = malloc(n * sizeof(float));
        /* AdaptiveAvgPool2d((None,1)) then ((1,None)).permute: rows first, then columns */
        for (int c = 0; c < s.C; c++) {
            for (int h = 0; h < s.H; h++) {
                double acc = 0;
                for (int w = 0; w < s.W; w++) acc += AT(x, h, w, c, s.W, s.C);
                ref[(size_t)h * s.C + c] = (float)(acc / s.W);
            }
            for (int w = 0; w < s.W; w++) {
                double acc = 0;
                for (int h = 0; h < s.H; h++) acc += AT(x, h, w, c, s.W, s.C);
                ref[(size_t)(s.H + w) * s.C + c] = (float)(acc / s.H);
            }
        }
        pool_chunked(x, s, NULL, NULL, NULL, NULL, out);
        assert_close(out, ref, n, "coord_pool mean", s);
        free(x);
        free(out);
        free(ref);
    }
}

/* DDAM heads: Linear_h = depthwise conv (1×W) valid, Linear_w = depthwise conv (H×1) valid, with
 * PyTorch weights [C][1][1][W] / [C][1][H][1]; the op takes them transposed to [k][C]. */
Test(ddamfn_ops, coord_pool_asymmetric_1xk_and_kx1_depthwise)
{
    for (size_t k = 0; k < sizeof SHAPES / sizeof SHAPES[0]; k++) {
        shape s = SHAPES[k];
        float *x = rnd((size_t)s.H * s.W * s.C);
        float *wh = rnd((size_t)s.C * s.W), *ww = rnd((size_t)s.C * s.H);   /* PyTorch layout */
        float *bh = rnd((size_t)s.C), *bw = rnd((size_t)s.C);
        float *kh = malloc((size_t)s.C * s.W * sizeof(float)), *kw = malloc((size_t)s.C * s.H * sizeof(float));
        for (int c = 0; c < s.C; c++) {
            for (int w = 0; w < s.W; w++) kh[(size_t)w * s.C + c] = wh[(size_t)c * s.W + w];
            for (int h = 0; h < s.H; h++) kw[(size_t)h * s.C + c] = ww[(size_t)c * s.H + h];
        }
        size_t n = (size_t)(s.H + s.W) * s.C;
        float *out = malloc(n * sizeof(float)), *ref = malloc(n * sizeof(float));
        for (int c = 0; c < s.C; c++) {
            for (int oy = 0; oy < s.H; oy++) { /* (1×W) kernel: output H×1 */
                double acc = bh[c];
                for (int kx = 0; kx < s.W; kx++)
                    acc += (double)AT(x, oy, kx, c, s.W, s.C) * wh[(size_t)c * s.W + kx];
                ref[(size_t)oy * s.C + c] = (float)acc;
            }
            for (int ox = 0; ox < s.W; ox++) { /* (H×1) kernel: output 1×W, permuted after rows */
                double acc = bw[c];
                for (int ky = 0; ky < s.H; ky++)
                    acc += (double)AT(x, ky, ox, c, s.W, s.C) * ww[(size_t)c * s.H + ky];
                ref[(size_t)(s.H + ox) * s.C + c] = (float)acc;
            }
        }
        pool_chunked(x, s, kh, bh, kw, bw, out);
        for (size_t i = 0; i < n; i++) /* sums of up to 28 terms of |.| ≤ 1 */
            cr_assert(fabsf(out[i] - ref[i]) <= 1e-5f * (1.0f + (float)(s.H + s.W)),
                      "dw strip %dx%dx%d element %zu: %g vs %g", s.H, s.W, s.C, i,
                      (double)out[i], (double)ref[i]);
        free(x), free(wh), free(ww), free(bh), free(bw), free(kh), free(kw), free(out), free(ref);
    }
}

Test(ddamfn_ops, coord_apply_is_x_times_gw_times_gh_and_ddam_takes_the_max)
{
    for (size_t k = 0; k < sizeof SHAPES / sizeof SHAPES[0]; k++) {
        shape s = SHAPES[k];
        size_t n = (size_t)s.H * s.W * s.C, ng = (size_t)(s.H + s.W) * s.C;
        float *x = rnd(n), *g0 = rnd(ng), *g1 = rnd(ng);
        float *y = malloc(n * sizeof(float)), *y2 = malloc(n * sizeof(float));
        float *ref = malloc(n * sizeof(float)), *ref2 = malloc(n * sizeof(float));
        for (int h = 0; h < s.H; h++)
            for (int w = 0; w < s.W; w++)
                for (int c = 0; c < s.C; c++) {
                    float gh = g0[(size_t)h * s.C + c], gw = g0[(size_t)(s.H + w) * s.C + c];
                    float hh = g1[(size_t)h * s.C + c], hw = g1[(size_t)(s.H + w) * s.C + c];
                    float xv = AT(x, h, w, c, s.W, s.C);
                    AT(ref, h, w, c, s.W, s.C) = xv * gw * gh;     /* identity * x_w * x_h */
                    AT(ref2, h, w, c, s.W, s.C) = xv * fmaxf(gw * gh, hw * hh);
                }
        /* rows in two chunks */
        int mid = s.H / 2;
        emoc__coord_apply(x, g0, s.H, s.W, s.C, y, 0, mid);
        emoc__coord_apply(x, g0, s.H, s.W, s.C, y, mid, s.H);
        cr_assert(!memcmp(y, ref, n * sizeof(float)), "coord_apply %dx%dx%d not exact", s.H, s.W, s.C);
        emoc__ddam_apply(x, g0, g1, s.H, s.W, s.C, y2, 0, mid);
        emoc__ddam_apply(x, g0, g1, s.H, s.W, s.C, y2, mid, s.H);
        cr_assert(!memcmp(y2, ref2, n * sizeof(float)), "ddam_apply %dx%dx%d not exact", s.H, s.W, s.C);
        free(x), free(g0), free(g1), free(y), free(y2), free(ref), free(ref2);
    }
}

Test(ddamfn_ops, ddam_max_picks_the_larger_head_elementwise)
{
    /* one pixel, two channels: head 0 wins channel 0, head 1 wins channel 1, ties keep value */
    float x[2] = {2.0f, -3.0f};
    float g0[4] = {0.5f, 0.1f, 0.8f, 0.2f}; /* rows: h=0 → (0.5, 0.1); cols: w=0 → (0.8, 0.2) */
    float g1[4] = {0.25f, 0.9f, 0.4f, 0.5f};
    float y[2];
    emoc__ddam_apply(x, g0, g1, 1, 1, 2, y, 0, 1);
    cr_assert_float_eq(y[0], 2.0f * 0.4f, 1e-7);   /* max(0.8·0.5, 0.4·0.25) = 0.4 */
    cr_assert_float_eq(y[1], -3.0f * 0.45f, 1e-7); /* max(0.2·0.1, 0.5·0.9) = 0.45 */
}

Test(ddamfn_ops, activations_used_by_the_nets)
{
    /* h_swish(x) = x·relu6(x+3)/6 */
    static const float xs[] = {-5.0f, -3.0f, -1.5f, 0.0f, 1.0f, 3.0f, 4.5f};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        float v = xs[i], r = fminf(fmaxf(v + 3.0f, 0.0f), 6.0f);
        cr_assert_float_eq(emoc__act_scalar(v, EMOC_ACT_HSWISH, 0), v * r / 6.0f, 1e-6);
        cr_assert_float_eq(emoc__act_scalar(v, EMOC_ACT_SIGMOID, 0), 1.0f / (1.0f + expf(-v)), 1e-6);
        cr_assert_float_eq(emoc__act_scalar(v, EMOC_ACT_PRELU, 0.25f), v >= 0 ? v : 0.25f * v, 0);
        cr_assert_float_eq(emoc__act_scalar(v, EMOC_ACT_PRELU, -0.1f), v >= 0 ? v : -0.1f * v, 0);
    }
}

#if defined(__x86_64__) && !defined(EMOC_ISA_REF_ONLY)
/* The AVX2 versions must give the reference's bits (same operations, same order). */
Test(ddamfn_ops, avx2_versions_are_bitwise_equal_to_the_reference)
{
    emoc_isa best = emoc_isa_detect();
    if (best != EMOC_ISA_AVX2 && best != EMOC_ISA_AVX512) {
        printf("SKIPPED: AVX2 coordatt (CPU supports %s)\n", emoc_isa_name(best));
        criterion_skip_test("no AVX2 on this CPU");
    }
    for (size_t k = 0; k < sizeof SHAPES / sizeof SHAPES[0]; k++) {
        shape s = SHAPES[k];
        size_t n = (size_t)s.H * s.W * s.C, ng = (size_t)(s.H + s.W) * s.C;
        float *x = rnd(n), *kh = rnd((size_t)s.W * s.C), *kw = rnd((size_t)s.H * s.C);
        float *bh = rnd((size_t)s.C), *bw = rnd((size_t)s.C), *g0 = rnd(ng), *g1 = rnd(ng);
        float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
        float *sa = malloc(ng * sizeof(float)), *sb = malloc(ng * sizeof(float));
        for (int weighted = 0; weighted < 2; weighted++) {
            int c1 = s.C > 3 ? 3 : s.C; /* an unaligned channel split */
            emoc__coord_pool(x, s.H, s.W, s.C, weighted ? kh : NULL, bh, kw, bw, sa, 0, c1);
            emoc__coord_pool(x, s.H, s.W, s.C, weighted ? kh : NULL, bh, kw, bw, sa, c1, s.C);
            emoc__coord_pool_avx2(x, s.H, s.W, s.C, weighted ? kh : NULL, bh, kw, bw, sb, 0, c1);
            emoc__coord_pool_avx2(x, s.H, s.W, s.C, weighted ? kh : NULL, bh, kw, bw, sb, c1, s.C);
            cr_assert(!memcmp(sa, sb, ng * sizeof(float)), "pool(weighted=%d) %dx%dx%d", weighted,
                      s.H, s.W, s.C);
        }
        emoc__coord_apply(x, g0, s.H, s.W, s.C, a, 0, s.H);
        emoc__coord_apply_avx2(x, g0, s.H, s.W, s.C, b, 0, s.H);
        cr_assert(!memcmp(a, b, n * sizeof(float)), "apply %dx%dx%d", s.H, s.W, s.C);
        emoc__ddam_apply(x, g0, g1, s.H, s.W, s.C, a, 0, s.H);
        emoc__ddam_apply_avx2(x, g0, g1, s.H, s.W, s.C, b, 0, s.H);
        cr_assert(!memcmp(a, b, n * sizeof(float)), "ddam %dx%dx%d", s.H, s.W, s.C);
        free(x), free(kh), free(kw), free(bh), free(bw), free(g0), free(g1);
        free(a), free(b), free(sa), free(sb);
    }
}

/* The AVX-512 versions (bound through the kernel table) must give the reference's bits too,
 * over the same shapes, channel tails and an unaligned channel split included. */
Test(ddamfn_ops, avx512_versions_are_bitwise_equal_to_the_reference)
{
    if (emoc_isa_detect() != EMOC_ISA_AVX512) {
        printf("SKIPPED: AVX-512 coordatt (CPU supports %s)\n", emoc_isa_name(emoc_isa_detect()));
        criterion_skip_test("no AVX-512 on this CPU");
    }
    emoc_kernel_table t;
    emoc__kernel_table_init(&t, EMOC_ISA_AVX512);
    cr_assert_str_eq(t.coordatt.apply_name, "emoc_f32_coord_apply_c16__avx512");
    for (size_t k = 0; k < sizeof SHAPES / sizeof SHAPES[0]; k++) {
        shape s = SHAPES[k];
        size_t n = (size_t)s.H * s.W * s.C, ng = (size_t)(s.H + s.W) * s.C;
        float *x = rnd(n), *kh = rnd((size_t)s.W * s.C), *kw = rnd((size_t)s.H * s.C);
        float *bh = rnd((size_t)s.C), *bw = rnd((size_t)s.C), *g0 = rnd(ng), *g1 = rnd(ng);
        float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
        float *sa = malloc(ng * sizeof(float)), *sb = malloc(ng * sizeof(float));
        for (int weighted = 0; weighted < 2; weighted++) {
            int c1 = s.C > 3 ? 3 : s.C; /* an unaligned channel split */
            memset(sb, 0x7f, ng * sizeof(float)); /* garbage the kernel must overwrite */
            emoc__coord_pool(x, s.H, s.W, s.C, weighted ? kh : NULL, bh, kw, bw, sa, 0, c1);
            emoc__coord_pool(x, s.H, s.W, s.C, weighted ? kh : NULL, bh, kw, bw, sa, c1, s.C);
            t.coordatt.pool(x, s.H, s.W, s.C, weighted ? kh : NULL, bh, kw, bw, sb, 0, c1);
            t.coordatt.pool(x, s.H, s.W, s.C, weighted ? kh : NULL, bh, kw, bw, sb, c1, s.C);
            cr_assert(!memcmp(sa, sb, ng * sizeof(float)), "pool(weighted=%d) %dx%dx%d", weighted,
                      s.H, s.W, s.C);
        }
        emoc__coord_apply(x, g0, s.H, s.W, s.C, a, 0, s.H);
        t.coordatt.apply(x, g0, s.H, s.W, s.C, b, 0, s.H);
        cr_assert(!memcmp(a, b, n * sizeof(float)), "apply %dx%dx%d", s.H, s.W, s.C);
        emoc__ddam_apply(x, g0, g1, s.H, s.W, s.C, a, 0, s.H);
        t.coordatt.ddam_apply(x, g0, g1, s.H, s.W, s.C, b, 0, s.H);
        cr_assert(!memcmp(a, b, n * sizeof(float)), "ddam %dx%dx%d", s.H, s.W, s.C);
        free(x), free(kh), free(kw), free(bh), free(bw), free(g0), free(g1);
        free(a), free(b), free(sa), free(sb);
    }
}
#endif
