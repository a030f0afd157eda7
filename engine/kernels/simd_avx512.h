/*
 * simd_avx512.h — static inline AVX-512 helpers shared by the *_avx512.c kernels: tail masks,
 * a vectorised expf and the fused activations. Include only from files compiled with the
 * AVX-512 flags (docs/architecture.md R2: inline so nothing with AVX-512 code leaks into baseline objects).
 *
 * expf: n = round(x·log2 e), r = x − n·ln2 (Cody–Waite, two constants), exp(r) by the Cephes
 * degree-5 minimax polynomial 1 + r + r²·P(r), then ·2^n with vscalefps (handles overflow to
 * +inf and gradual underflow). Measured max error against glibc expf on [−87, 88]: 1.0 ulp
 * (every 41st float, 52 M values). The logistic and SiLU use their own cheaper exp(−v)
 * (emoc__expneg512, ≤ 3.4 ulp) and one division: logistic ≤ 4.0 ulp from 1/(1+expf(−x)) over
 * every 7th float of [−87, 88] (tests/kernels/test_act.c asserts ≤ 6); SiLU x/(1+exp(−x)) ≤ 3.5e-7
 * relative from x/(1+expf(−x)); no NaN for any finite x (checked up to ±3e38).
 */
#ifndef EMOC_SIMD_AVX512_H
#define EMOC_SIMD_AVX512_H

#include "engine/kernels/kernels.h"

#include <immintrin.h>

/* Mask with the low n lanes set (n ≤ 0: none, n ≥ 16: all). */
static inline __mmask16 emoc__m512_tail(int n)
{
    if (n <= 0) return 0;
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
}

static inline __m512 emoc__exp512(__m512 x)
{
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(89.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

/* exp(−v) for the logistic and SiLU, in 12 vector ops (their epilogues are a large share of a
 * forward pass, and on this class of core every zmm op costs the same, so this is tuned for op
 * count rather than shared with emoc__exp512):
 *   v is capped at 104 (above, exp(−v) is 0 anyway; the cap keeps the reduction exact). There
 *   is no lower cap: for v < −88.7 the result overflows to +inf, which the callers' division
 *   turns into the right limit (x/inf = 0), as 1 + expf(−x) does in the reference;
 *   n = round(−v·log2 e) by the 1.5·2²³ magic-number add (no vroundscaleps);
 *   s = v + n·ln2 (Cody–Waite, two constants) = −r with r the reduced argument, |s| ≤ ln2/2;
 *   exp(−s) by a degree-5 minimax polynomial in s (coefficients of exp(r) on [−ln2/2, ln2/2]
 *   fitted for relative error, signs of the odd terms flipped), then ·2^n with vscalefps.
 * Measured against exp() in double over every 7th float in [−87, 88]: ≤ 3.4 ulp. */
static inline __m512 emoc__expneg512(__m512 v)
{
    const __m512 magic = _mm512_set1_ps(12582912.0f); /* 1.5·2²³ */
    __m512 vc = _mm512_min_ps(v, _mm512_set1_ps(104.0f));
    __m512 n = _mm512_sub_ps(_mm512_fnmadd_ps(vc, _mm512_set1_ps(1.44269504088896341f), magic), magic);
    __m512 s = _mm512_fmadd_ps(n, _mm512_set1_ps(0.693359375f), vc);
    s = _mm512_fmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), s);
    __m512 p = _mm512_set1_ps(-0.008297610960650036f);
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(0.04191563095308773f));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(-0.1666757668143068f));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(0.4999889264761926f));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(-0.9999996910248862f));
    p = _mm512_fmadd_ps(p, s, _mm512_set1_ps(1.0000000718673947f));
    return _mm512_scalef_ps(p, n);
}

/* 1 / (1 + exp(−v)): one correctly rounded division (cheaper here than rcp14 + Newton + the
 * clamp that rcp14(inf) would need). */
static inline __m512 emoc__sigmoid512(__m512 v)
{
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), emoc__expneg512(v)));
}

/* v / (1 + exp(−v)), as the reference writes it. */
static inline __m512 emoc__silu512(__m512 v)
{
    return _mm512_div_ps(v, _mm512_add_ps(_mm512_set1_ps(1.0f), emoc__expneg512(v)));
}

/* EMOC_ACT_SILU_LP: the reference's formula (emoc__silu_lp_scalar, kernels.c) step for step —
 * FMA, vscalefps (= ldexpf, overflow to +inf included) and a true division — so the same bits.
 * 10 vector ops and the division, against 12 and the division for SiLU. */
static inline __m512 emoc__silu_lp512(__m512 x)
{
    const __m512 magic = _mm512_set1_ps(12582912.0f), l2e = _mm512_set1_ps(-1.44269504088896341f);
    __m512 xc = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(104.0f)), _mm512_set1_ps(-104.0f));
    __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(xc, l2e, magic), magic);
    __m512 f = _mm512_fmsub_ps(xc, l2e, n);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(EMOC_SILU_LP_C4), f, _mm512_set1_ps(EMOC_SILU_LP_C3));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(EMOC_SILU_LP_C2));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(EMOC_SILU_LP_C1));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(EMOC_SILU_LP_C0));
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), _mm512_scalef_ps(p, n)));
}

/* The fused activation of kernels.h on one vector; slope is the PReLU slope vector (ignored
 * otherwise). */
static inline __m512 emoc__act512(__m512 v, emoc_act act, __m512 slope)
{
    switch (act) {
    case EMOC_ACT_RELU: return _mm512_max_ps(v, _mm512_setzero_ps());
    case EMOC_ACT_SILU: return emoc__silu512(v);
    case EMOC_ACT_SILU_LP: return emoc__silu_lp512(v);
    case EMOC_ACT_PRELU: {
        __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
        return _mm512_mask_mul_ps(v, neg, v, slope);
    }
    case EMOC_ACT_SIGMOID: return emoc__sigmoid512(v);
    case EMOC_ACT_HSWISH: {
        __m512 r = _mm512_add_ps(v, _mm512_set1_ps(3.0f));
        r = _mm512_min_ps(_mm512_max_ps(r, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
        return _mm512_mul_ps(_mm512_mul_ps(v, r), _mm512_set1_ps(1.0f / 6.0f));
    }
    case EMOC_ACT_NONE:
    case EMOC_ACT_COUNT: break;
    }
    return v;
}

#endif /* EMOC_SIMD_AVX512_H */
