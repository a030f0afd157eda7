/*
 * test_gemm.c — every ISA's GEMM / pointwise-conv kernel against gemm_ref over an edge-case
 * sweep (K, N below/at/above the vector width and its multiples; pixel counts around the row
 * tile; every fused activation; with/without SE scale, bias, PReLU slope, residual), guard
 * columns that must stay untouched, and a split-invariance check: the same output computed as
 * several (p0,p1)×(n0,n1) calls with n split at multiples of nr must be bitwise identical.
 */
#include "tests/kernels/ktest.h"

typedef struct gemm_case {
    int P, K, N;
    emoc_act act;
    int scale, bias, slope, residual;
} gemm_case;

static void call_split(const emoc_gemm_kernel *g, const emoc_gemm_args *a, int P, int N)
{
    const size_t pcut[] = {0, 1, (size_t)(1 + P / 2), (size_t)P};
    const int ncut[] = {0, g->nr < N ? g->nr : N, 3 * g->nr < N ? 3 * g->nr : N, N};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            size_t p0 = pcut[i] < (size_t)P ? pcut[i] : (size_t)P, p1 = pcut[i + 1] < (size_t)P ? pcut[i + 1] : (size_t)P;
            if (p0 < p1 && ncut[j] < ncut[j + 1]) g->fn(a, p0, p1, ncut[j], ncut[j + 1]);
        }
}

static void run_case(const emoc_kernel_table *t, const gemm_case *c, uint64_t seed)
{
    ktest_rng rng = {seed};
    const int P = c->P, K = c->K, N = c->N;
    const size_t xs = (size_t)K + 3, ys = (size_t)N + 5, rs = (size_t)N + 2;
    float *x = ktest_alloc((size_t)P * xs, &rng, -1.0f, 1.0f);
    float *w = ktest_alloc((size_t)N * (size_t)K, &rng, -1.0f, 1.0f);
    float *scale = c->scale ? ktest_alloc((size_t)K, &rng, 0.0f, 1.0f) : NULL;
    float *bias = c->bias ? ktest_alloc((size_t)N, &rng, -1.0f, 1.0f) : NULL;
    float *slope = c->slope ? ktest_alloc((size_t)N, &rng, -0.5f, 0.5f) : NULL;
    float *res = c->residual ? ktest_alloc((size_t)P * rs, &rng, -1.0f, 1.0f) : NULL;
    float *yref = ktest_alloc((size_t)P * ys, NULL, 0, 0);
    float *yabs = ktest_alloc((size_t)P * ys, NULL, 0, 0);
    float *y = ktest_alloc((size_t)P * ys, NULL, 0, 0);
    float *y2 = ktest_alloc((size_t)P * ys, NULL, 0, 0);

    /* every kernel, the reference included, reads the shared panel layout (engine/base/gemm_panels.h) */
    float *wref = malloc(emoc__gemm_packed_floats(K, N) * sizeof(float));
    cr_assert(wref);
    emoc__gemm_pack_panels(w, K, N, wref);
    emoc_gemm_args a = {x, xs, wref, scale, bias, slope, res, rs, yref, ys, K, N, c->act};
    emoc_f32_gemm_ref.fn(&a, 0, (size_t)P, 0, N);

    float *ax = ktest_abs_copy(x, (size_t)P * xs), *aw = ktest_abs_copy(w, (size_t)N * (size_t)K);
    float *as = ktest_abs_copy(scale, (size_t)K), *ab = ktest_abs_copy(bias, (size_t)N);
    float *awp = malloc(emoc__gemm_packed_floats(K, N) * sizeof(float));
    cr_assert(awp);
    emoc__gemm_pack_panels(aw, K, N, awp);
    emoc_gemm_args aa = {ax, xs, awp, as, ab, NULL, NULL, 0, yabs, ys, K, N, EMOC_ACT_NONE};
    emoc_f32_gemm_ref.fn(&aa, 0, (size_t)P, 0, N);

    float *packed = malloc(t->gemm.packed_size(K, N) * sizeof(float));
    cr_assert(packed);
    t->gemm.pack(w, K, N, packed);
    a.w_packed = packed;
    a.y = y;
    t->gemm.fn(&a, 0, (size_t)P, 0, N);
    a.y = y2;
    call_split(&t->gemm, &a, P, N);

    for (int p = 0; p < P; p++)
        for (size_t n = 0; n < ys; n++) {
            size_t i = (size_t)p * ys + n;
            if (n >= (size_t)N) {
                cr_assert(y[i] == KTEST_GUARD && y2[i] == KTEST_GUARD,
                          "%s wrote outside [0,N): P=%d K=%d N=%d p=%d n=%zu", t->gemm.name, P, K, N, p, n);
                continue;
            }
            double terms = yabs[i] + (res ? fabsf(res[(size_t)p * rs + n]) : 0.0f);
            cr_assert(ktest_close(y[i], yref[i], terms),
                      "%s P=%d K=%d N=%d act=%d scale=%d bias=%d slope=%d res=%d: y[%d][%zu]=%.9g ref=%.9g",
                      t->gemm.name, P, K, N, c->act, c->scale, c->bias, c->slope, c->residual, p, n,
                      y[i], yref[i]);
        }
    cr_assert(memcmp(y, y2, (size_t)P * ys * sizeof(float)) == 0,
              "%s: split over pixels/channels changed bits (P=%d K=%d N=%d)", t->gemm.name, P, K, N);

    free(x); free(w); free(scale); free(bias); free(slope); free(res);
    free(yref); free(yabs); free(y); free(y2);
    free(ax); free(aw); free(as); free(ab); free(packed); free(wref); free(awp);
}

static void sweep(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    ktest_assert_isa_name(t.gemm.name, isa);
    cr_assert(t.gemm.nr >= 1);
    static const int sizes[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 64, 100};
    static const int pixels[] = {1, 3, 5, 7, 9, 13, 15};
    const int ns = (int)(sizeof sizes / sizeof sizes[0]);
    uint64_t seed = 1;
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < ns; j++) {
            int idx = i * ns + j;
            gemm_case c = {pixels[idx % 7], sizes[j], sizes[i], (emoc_act)(idx % EMOC_ACT_COUNT),
                           (idx >> 1) & 1, (idx >> 2) & 1, 1, (idx >> 3) & 1};
            run_case(&t, &c, seed++);
        }
    /* every activation × every optional input, on shapes with pixel and channel tails */
    for (int act = 0; act < EMOC_ACT_COUNT; act++)
        for (int f = 0; f < 16; f++) {
            gemm_case c = {13, 33, 49, (emoc_act)act, f & 1, (f >> 1) & 1, (f >> 2) & 1, (f >> 3) & 1};
            run_case(&t, &c, seed++);
            gemm_case d = {17, 7, 100, (emoc_act)act, f & 1, (f >> 1) & 1, (f >> 2) & 1, (f >> 3) & 1};
            run_case(&t, &d, seed++);
        }
    /* a real EfficientNet-B0 shape (block 6 expand at 7×7) */
    gemm_case big = {49, 192, 1152, EMOC_ACT_SILU, 0, 1, 0, 0};
    run_case(&t, &big, seed++);
    gemm_case proj = {49, 1152, 320, EMOC_ACT_NONE, 1, 1, 0, 0};
    run_case(&t, &proj, seed++);
    /* an expand layer (K = 16, bias + SiLU, no residual): the AVX-512 kernel's straight-line
     * SiLU epilogue of full tiles; the split check compares it bit for bit with the general
     * epilogue its tail and single-row tiles take */
    gemm_case expand = {43, 16, 96, EMOC_ACT_SILU, 0, 1, 0, 0};
    run_case(&t, &expand, seed++);
    gemm_case expand_tail = {21, 24, 144, EMOC_ACT_SILU, 0, 1, 0, 0};
    run_case(&t, &expand_tail, seed++);
    /* K large enough that the AVX-512 kernel splits the pixels into several chunks (about 256 KiB
     * of x each), with a pixel tail in the last chunk (53 = 24 + 24 + 5; 49 = 40 + 8 + 1) */
    gemm_case chunks = {53, 2100, 40, EMOC_ACT_SILU, 1, 1, 0, 1};
    run_case(&t, &chunks, seed++);
    gemm_case chunks1 = {49, 1400, 72, EMOC_ACT_PRELU, 0, 1, 1, 0};
    run_case(&t, &chunks1, seed++);
    /* either side of the AVX-512 kernel's small-weights order (K·N·4 ≤ 24 KiB: tile by tile,
     * all panels of a tile) and its chunked panel-by-panel order, with pixel and channel tails */
    gemm_case small_w = {37, 64, 96, EMOC_ACT_SILU, 0, 1, 0, 1};
    run_case(&t, &small_w, seed++);
    gemm_case above_w = {37, 64, 97, EMOC_ACT_SILU, 1, 1, 0, 1};
    run_case(&t, &above_w, seed++);
}

Test(gemm_kernel, avx2_matches_reference) { sweep(EMOC_ISA_AVX2); }
Test(gemm_kernel, avx512_matches_reference) { sweep(EMOC_ISA_AVX512); }
Test(gemm_kernel, neon_matches_reference) { sweep(EMOC_ISA_NEON); }

/* The packed size must cover every panel read (checked by ASan in the sweep) and not be wildly
 * larger than the padded matrix: the shared layout pads N to a multiple of 16. */
Test(gemm_kernel, packed_size_is_bounded)
{
    const emoc_isa isas[] = {EMOC_ISA_REF, EMOC_ISA_AVX2, EMOC_ISA_AVX512, EMOC_ISA_NEON};
    for (int i = 0; i < 4; i++) {
        emoc_kernel_table t;
        if (!ktest_table(&t, isas[i])) continue;
        for (int N = 1; N <= 70; N++) {
            size_t s = t.gemm.packed_size(5, N);
            cr_assert(s >= (size_t)5 * (size_t)N, "%s N=%d", t.gemm.name, N);
            cr_assert(s <= (size_t)5 * ((size_t)N + 15), "%s N=%d", t.gemm.name, N);
            cr_assert(s == emoc__gemm_packed_floats(5, N), "%s: one layout for all", t.gemm.name);
        }
    }
}
