/*
 * test_conv2d.c — every ISA's full/grouped convolution against conv2d_ref: dense convs with
 * cin 1..17 and cout around the vector widths (the 3×3 stride-2 stems), grouped convs whose
 * groups' input channels fit in one vector or not (MobileFaceNet's 64 groups × 2 channels,
 * depthwise-like, wide groups), odd sizes, strides 1/2, symmetric / TF-SAME / valid padding,
 * every activation, with/without bias and slope; RGB stems with cout ≤ 8 on wide rows (the
 * AVX-512 pixel-pair tiles); dense convs on wide rows (RetinaFace's FPN/SSH 3×3 convs, the
 * AVX-512 whole-row pixel groups); plus a bitwise row-split check.
 */
#include "tests/kernels/ktest.h"

typedef struct cv_case {
    int cin, cout, groups, ih, iw, k, s, pad; /* pad: 0 valid, 1 symmetric, 2 TF-SAME */
    emoc_act act;
    int bias, slope; /* slope: 0 none, 1 random per channel, 2 LeakyReLU's 0.1 */
} cv_case;

static void out_size(int in, int k, int s, int pad, int *out, int *before)
{
    if (pad == 0) {
        *out = in >= k ? (in - k) / s + 1 : 0;
        *before = 0;
    } else if (pad == 1) {
        *out = (in + 2 * (k / 2) - k) / s + 1;
        *before = k / 2;
    } else {
        *out = (in + s - 1) / s;
        int total = (*out - 1) * s + k - in;
        *before = total < 0 ? 0 : total / 2;
    }
}

static void run_case(const emoc_kernel_table *t, const cv_case *d, uint64_t seed)
{
    ktest_rng rng = {seed};
    int oh, ow, pt, pl;
    out_size(d->ih, d->k, d->s, d->pad, &oh, &pt);
    out_size(d->iw, d->k, d->s, d->pad, &ow, &pl);
    if (oh <= 0 || ow <= 0) return;
    const int cin_g = d->cin / d->groups;
    const size_t xn = (size_t)d->ih * (size_t)d->iw * (size_t)d->cin;
    const size_t yn = (size_t)oh * (size_t)ow * (size_t)d->cout;
    const size_t wn = (size_t)d->cout * (size_t)d->k * (size_t)d->k * (size_t)cin_g;
    float *x = ktest_alloc(xn, &rng, -1.0f, 1.0f), *w = ktest_alloc(wn, &rng, -1.0f, 1.0f);
    float *bias = d->bias ? ktest_alloc((size_t)d->cout, &rng, -1.0f, 1.0f) : NULL;
    float *slope = d->slope ? ktest_alloc((size_t)d->cout, &rng, -0.5f, 0.5f) : NULL;
    for (int o = 0; d->slope == 2 && o < d->cout; o++) slope[o] = 0.1f; /* LeakyReLU(0.1) */
    float *yref = ktest_alloc(yn + 4, NULL, 0, 0), *yabs = ktest_alloc(yn + 4, NULL, 0, 0);
    float *y = ktest_alloc(yn + 4, NULL, 0, 0), *y2 = ktest_alloc(yn + 4, NULL, 0, 0);

    emoc_conv2d_args a = {x, d->ih, d->iw, d->cin, w, bias, slope, yref, oh, ow, d->cout,
                          d->k, d->k, d->s, d->s, pt, pl, d->groups, d->act};
    emoc_f32_conv2d_ref.fn(&a, 0, oh);
    float *ax = ktest_abs_copy(x, xn), *aw = ktest_abs_copy(w, wn), *ab = ktest_abs_copy(bias, (size_t)d->cout);
    emoc_conv2d_args aa = a;
    aa.x = ax;
    aa.w_packed = aw;
    aa.bias = ab;
    aa.slope = NULL;
    aa.act = EMOC_ACT_NONE;
    aa.y = yabs;
    emoc_f32_conv2d_ref.fn(&aa, 0, oh);

    float *packed = malloc(t->conv2d.packed_size(d->cout, d->k, d->k, cin_g, d->groups) * sizeof(float));
    cr_assert(packed);
    t->conv2d.pack(w, d->cout, d->k, d->k, cin_g, d->groups, packed);
    a.w_packed = packed;
    a.y = y;
    t->conv2d.fn(&a, 0, oh);
    a.y = y2;
    const int cuts[] = {0, 1, oh / 2 + 1, oh};
    for (int i = 0; i < 3; i++)
        if (cuts[i] < cuts[i + 1] && cuts[i + 1] <= oh) t->conv2d.fn(&a, cuts[i], cuts[i + 1]);

    for (size_t i = 0; i < yn + 4; i++) {
        if (i >= yn) {
            cr_assert(y[i] == KTEST_GUARD && y2[i] == KTEST_GUARD, "%s wrote past the output", t->conv2d.name);
            continue;
        }
        cr_assert(ktest_close(y[i], yref[i], yabs[i]),
                  "%s cin=%d cout=%d groups=%d in=%dx%d k=%d s=%d pad=%d act=%d bias=%d slope=%d: "
                  "pixel %zu o %zu got %.9g ref %.9g",
                  t->conv2d.name, d->cin, d->cout, d->groups, d->ih, d->iw, d->k, d->s, d->pad, d->act,
                  d->bias, d->slope, i / (size_t)d->cout, i % (size_t)d->cout, y[i], yref[i]);
    }
    cr_assert(memcmp(y, y2, yn * sizeof(float)) == 0, "%s: row split changed bits (cin=%d cout=%d g=%d)",
              t->conv2d.name, d->cin, d->cout, d->groups);
    free(x); free(w); free(bias); free(slope); free(yref); free(yabs); free(y); free(y2);
    free(ax); free(aw); free(ab); free(packed);
}

static void sweep(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    ktest_assert_isa_name(t.conv2d.name, isa);
    static const int cins[] = {1, 2, 3, 4, 8, 17};
    static const int couts[] = {1, 7, 8, 9, 16, 17, 32, 33, 64, 100};
    static const int sizes[] = {1, 3, 5, 7, 9, 13, 15};
    uint64_t seed = 500;
    int idx = 0;
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 10; j++, idx++) {
            int k = idx % 3 == 2 ? 1 : 3 + 2 * (idx % 2 == 1 && idx % 5 == 0);
            cv_case d = {cins[i], couts[j], 1, sizes[idx % 7], sizes[(idx + 2) % 7], k, 1 + idx % 2,
                         idx % 3, (emoc_act)(idx % EMOC_ACT_COUNT), (idx >> 1) & 1, 1};
            run_case(&t, &d, seed++);
        }
    /* stems: 3×3 stride 2, TF-SAME and symmetric, cout 32 (EfficientNet) and 64 (MobileFaceNet) */
    for (int pad = 1; pad <= 2; pad++)
        for (int cout = 32; cout <= 64; cout += 32) {
            cv_case d = {3, cout, 1, 15, 14, 3, 2, pad, pad == 2 ? EMOC_ACT_SILU : EMOC_ACT_PRELU, 1, 1};
            run_case(&t, &d, seed++);
        }
    /* RGB stems with cout ≤ 8 (RetinaFace's 3→8; AVX-512 puts two pixels in a vector) on rows
     * wide enough for 16-, 8- and 4-pixel groups: strides 1/2, every padding, every activation */
    static const int small_couts[] = {1, 5, 7, 8};
    for (int c = 0; c < 4; c++)
        for (int s = 1; s <= 2; s++)
            for (int pad = 0; pad <= 2; pad++) {
                cv_case d = {3, small_couts[c], 1, 4 + pad, 29 * s + 3 * c + pad, 3, s, pad,
                             (emoc_act)((c + s + pad) % EMOC_ACT_COUNT), (c + pad) & 1, 1};
                run_case(&t, &d, seed++);
            }
    /* dense convs on rows at least one pixel group wide (AVX-512: 8 pixels for cout ≤ 32, else
     * 4, the last group overlapping the one before, groups over the padding taking only their
     * valid taps): RetinaFace's FPN/SSH 3×3 convs (cin 16/64 → cout 16/32/64, LeakyReLU 0.1),
     * widths at, below and above multiples of the group, k 3/5, strides 1/2, every padding; 3×3
     * stride 1 with cout ≤ 32 slides each input column over the pixels using it (AVX-512) */
    static const int dense[][3] = {{16, 16, 8}, {64, 16, 23}, {64, 32, 9}, {64, 64, 13}, {16, 16, 17},
                                   {5, 40, 4},  {17, 24, 31}, {64, 48, 6}, {3, 33, 11}, {64, 64, 5},
                                   {16, 9, 10}, {2, 1, 12}};
    for (int i = 0; i < (int)(sizeof dense / sizeof dense[0]); i++)
        for (int s = 1; s <= 2; s++)
            for (int pad = 0; pad <= 2; pad++) {
                const int k = (i + pad) % 4 == 3 ? 5 : 3;
                const int iw = (dense[i][2] - 1) * s + (pad ? 1 : k) + (pad == 2 && s == 2);
                cv_case d = {dense[i][0], dense[i][1], 1, 3 + (i + s) % 3, iw, k, s, pad,
                             pad == 1 ? EMOC_ACT_PRELU : (emoc_act)((i + s) % EMOC_ACT_COUNT),
                             (i + pad) & 1, pad == 1 ? 2 : 1};
                run_case(&t, &d, seed++);
            }
    /* grouped: {cin, cout, groups} covering permute (span ≤ 16) and gather paths */
    static const int grp[][3] = {{128, 128, 64}, {32, 32, 16}, {6, 6, 3},   {48, 48, 48}, {8, 16, 2},
                                 {64, 8, 2},     {24, 48, 3},  {10, 20, 5}, {36, 18, 9},  {40, 40, 2}};
    for (int g = 0; g < 10; g++)
        for (int s = 1; s <= 2; s++) {
            cv_case d = {grp[g][0], grp[g][1], grp[g][2], 7 + 2 * g % 5, 9, 3, s, 1 + (g + s) % 2,
                         (emoc_act)((g + s) % EMOC_ACT_COUNT), (g + s) & 1, 1};
            run_case(&t, &d, seed++);
        }
    for (int act = 0; act < EMOC_ACT_COUNT; act++) {
        cv_case d = {128, 128, 64, 9, 9, 3, 1, 1, (emoc_act)act, act & 1, 1};
        run_case(&t, &d, seed++);
    }
    /* channel pairs (cin_g = cout_g = 2) on rows wide enough for the 8- and 4-pixel sliding
     * tiles: k 3/5 × stride 1/2 × symmetric/TF-SAME/valid, with a channel tail (40 = 16+16+8) */
    for (int k = 3; k <= 5; k += 2)
        for (int s = 1; s <= 2; s++)
            for (int pad = 0; pad <= 2; pad++) {
                int c = (k + s + pad) % 2 ? 40 : 128;
                cv_case d = {c, c, c / 2, 6 + pad, 23 + 6 * s, k, s, pad,
                             (emoc_act)((k + s + pad) % EMOC_ACT_COUNT), pad & 1, 1};
                run_case(&t, &d, seed++);
            }
}

Test(conv2d_kernel, avx2_matches_reference) { sweep(EMOC_ISA_AVX2); }
Test(conv2d_kernel, avx512_matches_reference) { sweep(EMOC_ISA_AVX512); }
Test(conv2d_kernel, neon_matches_reference) { sweep(EMOC_ISA_NEON); }
