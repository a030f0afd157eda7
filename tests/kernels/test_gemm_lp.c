/*
 * test_gemm_lp.c — the reduced-precision GEMMs (kernels.h, "Reduced-precision GEMM"):
 *   - each reference against the fp32 GEMM within the quantization bound (bf16: both operands
 *     rounded to 8 significant bits; int8: half a step of each scale per term), so the
 *     semantics are right;
 *   - every ISA kernel against its reference over the edge-case sweep (K, N below/at/above the
 *     group and panel widths, pixel tails, every activation, with/without SE scale, bias,
 *     slope, residual): int8 and the widening bf16 kernels bit for bit (activations none, relu,
 *     prelu; the others go through the SIMD exp polynomials and get the kernel tolerance);
 *     vdpbf16ps within 1e-5 + 1e-5·Σ|terms| (its pair order may differ); guard columns;
 *     split invariance over pixels and channel panels.
 */
#include "engine/kernels/gemm_lp/lp_scalar.h"
#include "tests/kernels/ktest.h"

typedef struct lp_case {
    int P, K, N;
    emoc_act act;
    int scale, bias, slope, residual;
    int row_max;    /* int8: one activation scale per pixel row (else one per tensor) */
} lp_case;

typedef struct lp_data {
    float *x, *w, *scale, *bias, *slope, *res, *dq, *yf32;
    void *wq;
    float inv_sx;   /* int8 per tensor: 1/sx; per row: 0 (quant takes each row's max) */
    double *terms;  /* Σ|xq·wq| + |bias| + |res| per output, dequantized */
    size_t xs, ys, rs;
} lp_data;

static void make_data(lp_data *d, const lp_case *c, int is_i8, uint64_t seed)
{
    ktest_rng rng = {seed};
    const int P = c->P, K = c->K, N = c->N;
    d->xs = (size_t)K + 3;
    d->ys = (size_t)N + 5;
    d->rs = (size_t)N + 2;
    d->x = ktest_alloc((size_t)P * d->xs, &rng, -1.0f, 1.0f);
    /* rows of different magnitude (what the per-row scale is for), and an all-zero row */
    for (int p = 0; p < P; p++)
        for (int k = 0; k < K; k++) d->x[(size_t)p * d->xs + (size_t)k] *= (float)(1 + 3 * (p % 4));
    if (c->row_max && P >= 3)
        for (int k = 0; k < K; k++) d->x[d->xs + (size_t)k] = 0.0f;
    d->w = ktest_alloc((size_t)N * (size_t)K, &rng, -1.0f, 1.0f);
    d->scale = c->scale ? ktest_alloc((size_t)K, &rng, 0.0f, 1.0f) : NULL;
    d->bias = c->bias ? ktest_alloc((size_t)N, &rng, -1.0f, 1.0f) : NULL;
    d->slope = c->slope ? ktest_alloc((size_t)N, &rng, -0.5f, 0.5f) : NULL;
    d->res = c->residual ? ktest_alloc((size_t)P * d->rs, &rng, -1.0f, 1.0f) : NULL;
    d->dq = malloc(sizeof(float) * (size_t)N);
    d->wq = malloc((size_t)N * (size_t)K * 2);
    d->terms = malloc(sizeof(double) * (size_t)P * (size_t)N);
    cr_assert(d->dq && d->wq && d->terms);
    float amax = 0.0f;
    for (int p = 0; p < P; p++)
        for (int k = 0; k < K; k++) {
            float v = fabsf(d->x[(size_t)p * d->xs + (size_t)k] * (d->scale ? d->scale[k] : 1.0f));
            amax = v > amax ? v : amax;
        }
    float sx = amax > 0 ? amax / 127.0f : 1.0f;
    d->inv_sx = c->row_max ? 0.0f : 1.0f / sx;
    for (int n = 0; n < N; n++) {
        float wmax = 0.0f;
        for (int k = 0; k < K; k++) wmax = fmaxf(wmax, fabsf(d->w[(size_t)n * (size_t)K + (size_t)k]));
        float sw = wmax > 0 ? wmax / 127.0f : 1.0f;
        d->dq[n] = c->row_max ? sw : sx * sw;
        for (int k = 0; k < K; k++) {
            size_t i = (size_t)n * (size_t)K + (size_t)k;
            if (is_i8) ((int8_t *)d->wq)[i] = emoc__i8_quant(d->w[i] / sw);
            else ((uint16_t *)d->wq)[i] = emoc__bf16_from_f32(d->w[i]);
        }
    }
    for (int p = 0; p < P; p++)
        for (int n = 0; n < N; n++) {
            double s = (d->bias ? fabsf(d->bias[n]) : 0.0) + (d->res ? fabsf(d->res[(size_t)p * d->rs + (size_t)n]) : 0.0);
            for (int k = 0; k < K; k++) {
                float xv = d->x[(size_t)p * d->xs + (size_t)k] * (d->scale ? d->scale[k] : 1.0f);
                size_t i = (size_t)n * (size_t)K + (size_t)k;
                s += fabs((double)xv * d->w[i]);
            }
            d->terms[(size_t)p * (size_t)N + (size_t)n] = s;
        }
    d->yf32 = ktest_alloc((size_t)P * d->ys, NULL, 0, 0);
    /* the fp32 reference reads the shared panel layout (engine/base/gemm_panels.h) */
    float *wp = malloc(emoc__gemm_packed_floats(K, N) * sizeof(float));
    cr_assert(wp);
    emoc__gemm_pack_panels(d->w, K, N, wp);
    emoc_gemm_args a = {d->x, d->xs, wp, d->scale, d->bias, d->slope, d->res, d->rs, d->yf32,
                        d->ys, K, N, c->act};
    emoc_f32_gemm_ref.fn(&a, 0, (size_t)P, 0, N);
    free(wp);
}

static void free_data(lp_data *d)
{
    free(d->x); free(d->w); free(d->scale); free(d->bias); free(d->slope); free(d->res);
    free(d->dq); free(d->wq); free(d->terms); free(d->yf32);
}

/* Quantizes (in two pixel ranges), packs and runs kernel k over the whole output (or split
 * when split = 1). int8: the row scales quant() wrote must be the rule's (emoc__i8_row_sx per
 * row, else 1). */
static float *run_kernel(const emoc_gemm_lp_kernel *k, const lp_data *d, const lp_case *c, int split)
{
    const int P = c->P, K = c->K, N = c->N;
    size_t xqs = k->row_bytes(K) + 8;
    unsigned char *xq = malloc((size_t)P * xqs);
    void *packed = malloc(k->packed_size(K, N));
    float *row_sx = malloc(sizeof(float) * (size_t)P);
    float *y = ktest_alloc((size_t)P * d->ys, NULL, 0, 0);
    cr_assert(xq && packed && row_sx);
    memset(xq, 0xA5, (size_t)P * xqs);
    for (int p = 0; p < P; p++) row_sx[p] = NAN;
    size_t mid = (size_t)P / 2;
    k->quant(d->x, d->xs, d->scale, d->inv_sx, row_sx, K, xq, xqs, 0, mid);
    k->quant(d->x, d->xs, d->scale, d->inv_sx, row_sx, K, xq, xqs, mid, (size_t)P);
    for (int p = 0; p < P && strstr(k->name, "_i8_"); p++) {
        float want = c->row_max ? emoc__i8_row_sx(d->x + (size_t)p * d->xs, d->scale, K) : 1.0f;
        cr_assert(memcmp(&row_sx[p], &want, 4) == 0, "%s: row scale of row %d is %.9g, rule %.9g (K=%d)",
                  k->name, p, row_sx[p], want, K);
        if (c->row_max && P >= 3 && p == 1) cr_assert_eq(row_sx[p], 1.0f, "all-zero row: scale 1");
    }
    k->pack(d->wq, K, N, packed);
    emoc_gemm_lp_args a = {xq, xqs, packed, d->dq, row_sx, d->bias, d->slope, d->res, d->rs, y,
                           d->ys, K, N, c->act};
    if (!split) {
        k->fn(&a, 0, (size_t)P, 0, N);
    } else {
        const size_t pcut[] = {0, 1, (size_t)(1 + P / 2), (size_t)P};
        const int ncut[] = {0, k->nr < N ? k->nr : N, 3 * k->nr < N ? 3 * k->nr : N, N};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                size_t p0 = pcut[i] < (size_t)P ? pcut[i] : (size_t)P;
                size_t p1 = pcut[i + 1] < (size_t)P ? pcut[i + 1] : (size_t)P;
                if (p0 < p1 && ncut[j] < ncut[j + 1]) k->fn(&a, p0, p1, ncut[j], ncut[j + 1]);
            }
    }
    free(xq);
    free(packed);
    free(row_sx);
    return y;
}

static int exact_act(emoc_act act)
{
    return act == EMOC_ACT_NONE || act == EMOC_ACT_RELU || act == EMOC_ACT_PRELU;
}

/* exact: 1 = bitwise on exact activations; 0 = kernel tolerance everywhere. */
static void check_case(const emoc_gemm_lp_kernel *ref, const emoc_gemm_lp_kernel *k, int is_i8,
                       int exact, const lp_case *c, uint64_t seed)
{
    lp_data d;
    make_data(&d, c, is_i8, seed);
    float *yref = run_kernel(ref, &d, c, 0);
    float *y = run_kernel(k, &d, c, 0);
    float *y2 = run_kernel(k, &d, c, 1);
    for (int p = 0; p < c->P; p++)
        for (size_t n = 0; n < d.ys; n++) {
            size_t i = (size_t)p * d.ys + n;
            if (n >= (size_t)c->N) {
                cr_assert(y[i] == KTEST_GUARD && y2[i] == KTEST_GUARD,
                          "%s wrote outside [0,N): P=%d K=%d N=%d", k->name, c->P, c->K, c->N);
                continue;
            }
            double t = d.terms[(size_t)p * (size_t)c->N + n];
            if (exact && exact_act(c->act))
                cr_assert(memcmp(&y[i], &yref[i], 4) == 0,
                          "%s P=%d K=%d N=%d act=%d scale=%d row_max=%d: y[%d][%zu]=%.9g, reference %.9g (must be bitwise)",
                          k->name, c->P, c->K, c->N, c->act, c->scale, c->row_max, p, n, y[i], yref[i]);
            else
                cr_assert(ktest_close(y[i], yref[i], t),
                          "%s P=%d K=%d N=%d act=%d: y[%d][%zu]=%.9g ref=%.9g", k->name, c->P,
                          c->K, c->N, c->act, p, n, y[i], yref[i]);
        }
    cr_assert(memcmp(y, y2, (size_t)c->P * d.ys * sizeof(float)) == 0,
              "%s: split over pixels/channels changed bits (P=%d K=%d N=%d)", k->name, c->P, c->K, c->N);
    free(yref); free(y); free(y2);
    free_data(&d);
}

static void sweep(const emoc_gemm_lp_kernel *ref, const emoc_gemm_lp_kernel *k, int is_i8, int exact)
{
    static const int sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 65, 100};
    static const int pixels[] = {1, 3, 5, 7, 8, 9, 13, 15, 17};
    const int ns = (int)(sizeof sizes / sizeof sizes[0]);
    uint64_t seed = 11;
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < ns; j++) {
            int idx = i * ns + j;
            lp_case c = {pixels[idx % 9], sizes[j], sizes[i], (emoc_act)(idx % EMOC_ACT_COUNT),
                         (idx >> 1) & 1, (idx >> 2) & 1, 1, (idx >> 3) & 1, (idx >> 4) & 1};
            check_case(ref, k, is_i8, exact, &c, seed++);
        }
    for (int act = 0; act < EMOC_ACT_COUNT; act++)
        for (int f = 0; f < 32; f++) {
            lp_case c = {13, 33, 49, (emoc_act)act, f & 1, (f >> 1) & 1, (f >> 2) & 1, (f >> 3) & 1, f >> 4};
            check_case(ref, k, is_i8, exact, &c, seed++);
            lp_case e = {17, 7, 100, (emoc_act)act, f & 1, (f >> 1) & 1, (f >> 2) & 1, (f >> 3) & 1, f >> 4};
            check_case(ref, k, is_i8, exact, &e, seed++);
        }
    /* EfficientNet-B0 shapes, and a K that splits the AVX-512 pixel chunks */
    for (int rm = 0; rm < 2; rm++) {
        lp_case big = {49, 192, 1152, EMOC_ACT_SILU, 0, 1, 0, 0, rm};
        check_case(ref, k, is_i8, exact, &big, seed++);
        lp_case proj = {49, 1152, 320, EMOC_ACT_NONE, 1, 1, 0, 1, rm};
        check_case(ref, k, is_i8, exact, &proj, seed++);
        lp_case chunks = {301, 2100, 40, EMOC_ACT_PRELU, 1, 1, 1, 1, rm};
        check_case(ref, k, is_i8, exact, &chunks, seed++);
    }
}

static void sweep_isa(emoc_isa isa)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, isa);
    int tested = 0;
    if (strcmp(t.gemm_bf16.name, emoc_bf16_gemm_ref.name) != 0) {
        ktest_assert_isa_name(t.gemm_bf16.name, isa);
        /* vdpbf16ps adds a pair's products in its own order; the widening kernels do not */
        sweep(&emoc_bf16_gemm_ref, &t.gemm_bf16, 0, strstr(t.gemm_bf16.name, "f32fma") != NULL || isa == EMOC_ISA_NEON);
        tested++;
    } else {
        printf("NOTE: %s has no bf16 GEMM of its own (reference used)\n", emoc_isa_name(isa));
    }
    if (strcmp(t.gemm_i8.name, emoc_i8_gemm_ref.name) != 0) {
        ktest_assert_isa_name(t.gemm_i8.name, isa);
        sweep(&emoc_i8_gemm_ref, &t.gemm_i8, 1, 1);
        tested++;
    } else {
        printf("NOTE: %s: no int8 GEMM for this CPU (no VNNI / dot product): reference used\n",
               emoc_isa_name(isa));
    }
    if (!tested) criterion_skip_test("no reduced-precision kernels at %s", emoc_isa_name(isa));
}

Test(gemm_lp_kernel, avx512_matches_reference) { sweep_isa(EMOC_ISA_AVX512); }
Test(gemm_lp_kernel, neon_matches_reference) { sweep_isa(EMOC_ISA_NEON); }

#if defined(__x86_64__) && !defined(EMOC_ISA_REF_ONLY)
extern const emoc_gemm_lp_kernel emoc_bf16_gemm_f32fma_8x32__avx512;
/* The fallback for AVX-512 CPUs without AVX512_BF16 is tested wherever AVX-512 runs. */
Test(gemm_lp_kernel, avx512_bf16_fallback_is_bitwise_reference)
{
    emoc_kernel_table t;
    ktest_require_isa(&t, EMOC_ISA_AVX512);
    sweep(&emoc_bf16_gemm_ref, &emoc_bf16_gemm_f32fma_8x32__avx512, 0, 1);
}
#endif

/* quant() of a bf16 kernel must write emoc__bf16_from_f32(x·scale) bit for bit, also for
 * denormals (→ signed zero), infinities, NaNs (quieted) and exact ties, and zero the odd
 * K's pad: the AVX512_BF16 kernel converts with vcvtne2ps2bf16 instead of the integer rule. */
static void check_bf16_quant(const emoc_gemm_lp_kernel *k)
{
    static const int Ks[] = {1, 2, 15, 16, 17, 31, 32, 33, 47, 64, 70};
    ktest_rng rng = {77};
    for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
        const int K = Ks[ki], P = 9;
        const size_t xs = (size_t)K + 1, qs = (k->row_bytes(K) + 63) & ~(size_t)63;
        float *x = malloc(sizeof(float) * (size_t)P * xs), *scale = ktest_alloc((size_t)K, &rng, 0.0f, 2.0f);
        uint16_t *q = malloc(qs * (size_t)P);
        cr_assert(x && q);
        for (size_t i = 0; i < (size_t)P * xs; i++) {
            rng.s = rng.s * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t u = (uint32_t)(rng.s >> 32);
            switch (i % 8) {
            case 0: u &= 0x807FFFFFu; break;                  /* denormal or ±0 */
            case 1: u |= 0x7F800000u; break;                  /* ±inf or NaN */
            case 2: u = (u & 0xFFFF0000u) | 0x8000u; break;   /* an exact tie */
            case 3: u = (u & 0x80000000u) | 0x00800000u; break; /* smallest normal */
            default: break;
            }
            memcpy(&x[i], &u, 4);
        }
        for (int sc = 0; sc < 2; sc++) {
            memset(q, 0xAB, qs * (size_t)P);
            k->quant(x, xs, sc ? scale : NULL, 0.0f, NULL, K, q, qs, 0, (size_t)P);
            for (int p = 0; p < P; p++) {
                const uint16_t *qr = (const uint16_t *)((const unsigned char *)q + (size_t)p * qs);
                for (int i = 0; i < K; i++) {
                    float v = x[(size_t)p * xs + (size_t)i] * (sc ? scale[i] : 1.0f);
                    uint16_t want = emoc__bf16_from_f32(v);
                    cr_assert_eq(qr[i], want, "%s K %d row %d k %d scale %d: %04x, want %04x",
                                 k->name, K, p, i, sc, qr[i], want);
                }
                if ((K & 1) && k->row_bytes(K) > 2u * (size_t)K)
                    cr_assert_eq(qr[K], 0, "%s K %d: pad not zeroed", k->name, K);
            }
        }
        free(x);
        free(scale);
        free(q);
    }
}

Test(gemm_lp_kernel, bf16_quant_is_the_rounding_rule_bitwise)
{
    check_bf16_quant(&emoc_bf16_gemm_ref);
    emoc_kernel_table t;
    int tested = 0;
    for (emoc_isa isa = EMOC_ISA_AVX2; isa <= EMOC_ISA_NEON; isa++)
        if (ktest_table(&t, isa) && strcmp(t.gemm_bf16.name, emoc_bf16_gemm_ref.name) != 0) {
            check_bf16_quant(&t.gemm_bf16);
            tested++;
        }
#if defined(__x86_64__) && !defined(EMOC_ISA_REF_ONLY)
    if (ktest_table(&t, EMOC_ISA_AVX512)) {
        check_bf16_quant(&emoc_bf16_gemm_f32fma_8x32__avx512);
        tested++;
    }
#endif
    if (!tested) printf("NOTE: no SIMD bf16 quant on this build/CPU: reference only\n");
}

/* The references against fp32: bf16 rounds each operand to 8 significant bits (relative error
 * ≤ 2^-8 each, products then sums in fp32); int8 rounds x·scale to sx/2 and w to sw/2. The
 * activations are Lipschitz ≤ 1.5 (hswish), residual and bias are exact. */
static void check_vs_f32(int is_i8)
{
    const emoc_gemm_lp_kernel *ref = is_i8 ? &emoc_i8_gemm_ref : &emoc_bf16_gemm_ref;
    uint64_t seed = 101;
    for (int act = 0; act < EMOC_ACT_COUNT; act++)
        for (int f = 0; f < 32; f++) {
            lp_case c = {9, 1 + 37 * (f % 4), 3 + 13 * ((f / 4) % 4), (emoc_act)act, f & 1, (f >> 1) & 1, (f >> 2) & 1, (f >> 3) & 1, f >> 4};
            lp_data d;
            make_data(&d, &c, is_i8, seed++);
            float *y = run_kernel(ref, &d, &c, 0);
            for (int p = 0; p < c.P; p++)
                for (int n = 0; n < c.N; n++) {
                    size_t i = (size_t)p * d.ys + (size_t)n;
                    double bound = 1e-6 + 1.5 * (2.0 * 0.00390625 + 1e-6) * d.terms[(size_t)p * (size_t)c.N + (size_t)n];
                    if (is_i8) {
                        double sx = c.row_max ? emoc__i8_row_sx(d.x + (size_t)p * d.xs, d.scale, c.K)
                                              : 1.0 / d.inv_sx, e = 0;
                        float sw = c.row_max ? d.dq[n] : d.dq[n] / (float)(1.0 / d.inv_sx);
                        for (int k = 0; k < c.K; k++) {
                            float xv = d.x[(size_t)p * d.xs + (size_t)k] * (d.scale ? d.scale[k] : 1.0f);
                            e += fabs(xv) * sw / 2 + fabs(d.w[(size_t)n * (size_t)c.K + (size_t)k]) * sx / 2 + sx * sw / 4;
                        }
                        bound = 1e-5 + 1.5 * e * 1.001;
                    }
                    cr_assert(fabs((double)y[i] - d.yf32[i]) <= bound,
                              "%s vs fp32: K=%d N=%d act=%d y=%.9g fp32=%.9g bound %.3g", ref->name,
                              c.K, c.N, act, y[i], d.yf32[i], bound);
                }
            free(y);
            free_data(&d);
        }
}

Test(gemm_lp_kernel, bf16_reference_within_rounding_bound_of_fp32) { check_vs_f32(0); }
Test(gemm_lp_kernel, int8_reference_within_quantization_bound_of_fp32) { check_vs_f32(1); }

/* bf16 rounding: nearest even, denormals to signed zero, NaN stays NaN. */
Test(gemm_lp_kernel, bf16_rounding_rule)
{
    cr_assert_eq(emoc__bf16_from_f32(1.0f), 0x3F80);
    cr_assert_eq(emoc__bf16_from_f32(1.00390625f), 0x3F80);      /* tie → even */
    cr_assert_eq(emoc__bf16_from_f32(1.01171875f), 0x3F82);      /* tie → even (up) */
    cr_assert_eq(emoc__bf16_from_f32(nextafterf(1.00390625f, 2.0f)), 0x3F81);       /* above the tie */
    cr_assert_eq(emoc__bf16_from_f32(-1e-40f), 0x8000);
    cr_assert_eq(emoc__bf16_from_f32(3.4e38f), 0x7F80);          /* rounds up to +inf */
    cr_assert(emoc__bf16_from_f32(NAN) > 0x7F80);
    cr_assert_eq(emoc__i8_quant(126.5f), 126);
    cr_assert_eq(emoc__i8_quant(-0.5f), 0);
    cr_assert_eq(emoc__i8_quant(1.5f), 2);
    cr_assert_eq(emoc__i8_quant(-300.0f), -127);
    cr_assert_eq(emoc__i8_quant(NAN), -127);
    /* the per-row activation scale: max|x·s|/127, 1 for an all-zero row, NaN terms skipped */
    const float row[4] = {0.5f, -2.54f, NAN, 1.0f}, sc[4] = {1.0f, 0.5f, 1.0f, -1.0f};
    cr_assert_eq(emoc__i8_row_sx(row, NULL, 4), 2.54f / 127.0f);
    cr_assert_eq(emoc__i8_row_sx(row, sc, 4), 1.27f / 127.0f);
    const float zeros[3] = {0.0f, -0.0f, 0.0f};
    cr_assert_eq(emoc__i8_row_sx(zeros, NULL, 3), 1.0f);
    int8_t q[4];
    cr_assert_eq(emoc__i8_quant_row(row, NULL, 0.0f, 4, q), 2.54f / 127.0f);
    cr_assert(q[1] == -127 && q[0] == 25 && q[3] == 50, "row quantized: %d %d %d", q[0], q[1], q[3]);
    cr_assert_eq(emoc__i8_quant_row(row, NULL, 10.0f, 4, q), 1.0f);
    cr_assert(q[0] == 5 && q[1] == -25 && q[3] == 10);
}
