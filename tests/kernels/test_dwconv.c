/*
 * test_dwconv.c — every ISA's depthwise kernel against dwconv_ref over an edge-case sweep:
 * channels around the vector widths, odd (and non-square) spatial sizes, kernels 3/5/7/9/1×7/7×1,
 * strides 1 and 2, padding symmetric, TF-SAME (asymmetric) and valid, every fused activation,
 * with/without bias and slope, a channel sub-range of wider tensors (pixel strides > c) and whole
 * tensors (pixel strides = c).
 * Guard values around the written channels must survive, and computing the rows in several
 * chunks must give bitwise the same output as one call.
 */
#include "tests/kernels/ktest.h"

typedef struct dw_case {
    int c, ih, iw, kh, kw, s, pad; /* pad: 0 valid, 1 symmetric k/2, 2 TF-SAME */
    emoc_act act;
    int bias, slope;
    int dense; /* 1: pixel strides = c (no guard channels), as a whole tensor */
} dw_case;

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
        if (total < 0) total = 0;
        *before = total / 2;
    }
}

static void run_case(const emoc_kernel_table *t, const dw_case *d, uint64_t seed)
{
    ktest_rng rng = {seed};
    int oh, ow, pt, pl;
    out_size(d->ih, d->kh, d->s, d->pad, &oh, &pt);
    out_size(d->iw, d->kw, d->s, d->pad, &ow, &pl);
    if (oh <= 0 || ow <= 0) return;
    /* the kernel sees channels [lo, lo+c) of tensors with c+5 (input) / c+3 (output) channels,
     * or (dense) whole tensors of c channels */
    const size_t lo = d->dense ? 0 : 2;
    const size_t xps = (size_t)d->c + (d->dense ? 0 : 5), yps = (size_t)d->c + (d->dense ? 0 : 3);
    const size_t xn = (size_t)d->ih * (size_t)d->iw * xps, yn = (size_t)oh * (size_t)ow * yps;
    const size_t wn = (size_t)d->kh * (size_t)d->kw * (size_t)d->c;
    float *x = ktest_alloc(xn, &rng, -1.0f, 1.0f);
    float *w = ktest_alloc(wn, &rng, -1.0f, 1.0f);
    float *bias = d->bias ? ktest_alloc((size_t)d->c, &rng, -1.0f, 1.0f) : NULL;
    float *slope = d->slope ? ktest_alloc((size_t)d->c, &rng, -0.5f, 0.5f) : NULL;
    float *yref = ktest_alloc(yn, NULL, 0, 0), *yabs = ktest_alloc(yn, NULL, 0, 0);
    float *y = ktest_alloc(yn, NULL, 0, 0), *y2 = ktest_alloc(yn, NULL, 0, 0);

    emoc_dwconv_args a = {x + lo, d->ih, d->iw, d->c, xps, w, bias, slope, yref + lo, oh, ow, yps,
                          d->kh, d->kw, d->s, d->s, pt, pl, d->act};
    emoc_f32_dwconv_ref.fn(&a, 0, oh);
    float *ax = ktest_abs_copy(x, xn), *aw = ktest_abs_copy(w, wn), *ab = ktest_abs_copy(bias, (size_t)d->c);
    emoc_dwconv_args aa = a;
    aa.x = ax + lo;
    aa.w = aw;
    aa.bias = ab;
    aa.slope = NULL;
    aa.act = EMOC_ACT_NONE;
    aa.y = yabs + lo;
    emoc_f32_dwconv_ref.fn(&aa, 0, oh);

    a.y = y + lo;
    t->dwconv.fn(&a, 0, oh);
    a.y = y2 + lo;
    const int cuts[] = {0, oh / 3, oh / 3 + 1, oh};
    for (int i = 0; i < 3; i++)
        if (cuts[i] < cuts[i + 1]) t->dwconv.fn(&a, cuts[i], cuts[i + 1]);

    for (size_t px = 0; px < (size_t)oh * (size_t)ow; px++)
        for (size_t ch = 0; ch < yps; ch++) {
            size_t i = px * yps + ch;
            if (ch < lo || ch >= lo + (size_t)d->c) {
                cr_assert(y[i] == KTEST_GUARD && y2[i] == KTEST_GUARD,
                          "%s wrote outside its channels: c=%d pixel %zu channel slot %zu", t->dwconv.name,
                          d->c, px, ch);
                continue;
            }
            cr_assert(ktest_close(y[i], yref[i], yabs[i]),
                      "%s c=%d in=%dx%d k=%dx%d s=%d pad=%d(%d,%d) act=%d bias=%d slope=%d: pixel %zu ch %zu "
                      "got %.9g ref %.9g",
                      t->dwconv.name, d->c, d->ih, d->iw, d->kh, d->kw, d->s, d->pad, pt, pl, d->act, d->bias,
                      d->slope, px, ch - lo, y[i], yref[i]);
        }
    cr_assert(memcmp(y, y2, yn * sizeof(float)) == 0, "%s: row split changed bits (c=%d in=%dx%d k=%dx%d s=%d)",
              t->dwconv.name, d->c, d->ih, d->iw, d->kh, d->kw, d->s);
    free(x); free(w); free(bias); free(slope); free(yref); free(yabs); free(y); free(y2);
    free(ax); free(aw); free(ab);
}

static void sweep(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    ktest_assert_isa_name(t.dwconv.name, isa);
    static const int chans[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 64, 100};
    static const int sizes[] = {1, 3, 5, 7, 9, 13, 15};
    static const int ks[][2] = {{3, 3}, {5, 5}, {7, 7}, {9, 9}, {1, 7}, {7, 1}};
    uint64_t seed = 100;
    int idx = 0;
    for (int ci = 0; ci < 15; ci++)
        for (int si = 0; si < 7; si++)
            for (int s = 1; s <= 2; s++, idx++) {
                const int *k = ks[idx % 6];
                dw_case d = {chans[ci], sizes[si], sizes[(si + ci) % 7], k[0], k[1], s, (idx / 2) % 3,
                             (emoc_act)(idx % EMOC_ACT_COUNT), (idx >> 2) & 1, 1, 0};
                run_case(&t, &d, seed++);
            }
    /* the EfficientNet shapes: k3/k5, s1/s2, symmetric and TF-SAME, 16..33 channels */
    for (int k = 3; k <= 5; k += 2)
        for (int s = 1; s <= 2; s++)
            for (int pad = 1; pad <= 2; pad++)
                for (int c = 16; c <= 33; c += 17) {
                    dw_case d = {c, 14, 15, k, k, s, pad, EMOC_ACT_SILU, 1, 0, 0};
                    run_case(&t, &d, seed++);
                }
    /* wide rows: interior runs of ≥ 16 pixels (the 16- and 8-pixel register tiles), c with tails */
    for (int k = 3; k <= 5; k += 2)
        for (int s = 1; s <= 2; s++)
            for (int c = 17; c <= 33; c += 16) {
                dw_case d = {c, 5, s == 1 ? 37 : 41 + c % 2, k, k, s, 1 + (c + k) % 2, EMOC_ACT_SILU, 1, 0, 0};
                run_case(&t, &d, seed++);
            }
    /* whole tensors of 8 channels (AVX-512 puts two pixels in a vector at stride 1) and of 7 / 9 /
     * 16: k3/k5/k7, both strides, every padding, row lengths odd and even, every activation */
    static const int dense_c[] = {8, 8, 8, 7, 9, 16};
    for (int i = 0; i < 6; i++)
        for (int s = 1; s <= 2; s++)
            for (int pad = 0; pad <= 2; pad++) {
                const int k = 3 + 2 * ((i + pad) % 3);
                dw_case d = {dense_c[i], 3 + pad + i % 2, 17 + 6 * i + pad, k, k, s, pad,
                             (emoc_act)((i + s + pad) % EMOC_ACT_COUNT), (i + pad) & 1, (s + i) & 1, 1};
                run_case(&t, &d, seed++);
            }
    /* 8 channels, k3 stride 1 (AVX-512: pixel pairs, 16 pixels a group, masked halves at the
     * padding and past the row's end): rows narrower than, equal to and just over a group, odd
     * and even, kernel heights 1/3/5, every padding, LeakyReLU-style PReLU and every activation */
    static const int narrow[] = {1, 2, 3, 15, 16, 17, 33};
    for (int i = 0; i < 7; i++)
        for (int pad = 0; pad <= 2; pad++) {
            const int kh = 1 + 2 * ((i + pad) % 3);
            dw_case d = {8, 2 + kh + pad, narrow[i] + (pad ? 0 : 2), kh, 3, 1, pad,
                         (emoc_act)((i + pad) % EMOC_ACT_COUNT), (i + pad) & 1, 1, 1};
            run_case(&t, &d, seed++);
        }
    /* every activation with and without bias/slope */
    for (int act = 0; act < EMOC_ACT_COUNT; act++)
        for (int f = 0; f < 4; f++) {
            dw_case d = {17, 9, 11, 5, 5, 2, 2, (emoc_act)act, f & 1, (f >> 1) & 1, 0};
            run_case(&t, &d, seed++);
        }
    /* 7×7 valid on a 7×7 map (DDAMFN's last depthwise) */
    dw_case v = {40, 7, 7, 7, 7, 1, 0, EMOC_ACT_NONE, 1, 0, 0};
    run_case(&t, &v, seed++);
}

Test(dwconv_kernel, avx2_matches_reference) { sweep(EMOC_ISA_AVX2); }
Test(dwconv_kernel, avx512_matches_reference) { sweep(EMOC_ISA_AVX512); }
Test(dwconv_kernel, neon_matches_reference) { sweep(EMOC_ISA_NEON); }
