/*
 * simd_avx2.h — static inline AVX2+FMA helpers shared by the *_avx2.c kernels: tail masks, a
 * vectorised expf and the fused activations. Include only from files compiled with the AVX2
 * flags (docs/architecture.md R2).
 *
 * expf: same algorithm and polynomial as simd_avx512.h; 2^n is applied as two exponent-field
 * multiplies (2^(n/2)·2^(n−n/2)) so that n in [−150, 128] under/overflows like expf.
 * Measured max error against glibc expf on [−87, 88]: 1.0 ulp (every 41st float, 52 M
 * values); the logistic built on it with rcp + one Newton step: ≤ 5 ulp from 1/(1+expf(−x))
 * (tests/kernels/test_act.c asserts ≤ 6).
 */
#ifndef EMOC_SIMD_AVX2_H
#define EMOC_SIMD_AVX2_H

#include "engine/kernels/kernels.h"

#include <immintrin.h>

/* Lane mask (all-ones lanes) with the low n (0..8) lanes set, for maskload/maskstore. */
static inline __m256i emoc__m256_tail(int n)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane);
}

/* 2^n for integral float n in [−150, 128], as a product of two normal powers of two. */
static inline __m256 emoc__pow2_256(__m256 n)
{
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i h = _mm256_srai_epi32(ni, 1);
    __m256i l = _mm256_sub_epi32(ni, h);
    __m256 a = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, _mm256_set1_epi32(127)), 23));
    __m256 b = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(l, _mm256_set1_epi32(127)), 23));
    return _mm256_mul_ps(a, b);
}

static inline __m256 emoc__exp256(__m256 x)
{
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(89.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    return _mm256_mul_ps(p, emoc__pow2_256(n));
}

/* 1 / d for d ≥ 1 (finite): rcp (12 bits) plus one Newton step, ≈ 1–2 ulp from the division. */
static inline __m256 emoc__recip256(__m256 d)
{
    __m256 y = _mm256_rcp_ps(d);
    return _mm256_mul_ps(y, _mm256_fnmadd_ps(d, y, _mm256_set1_ps(2.0f)));
}

/* exp(−v) for the logistic, argument capped at 88 so 1 + exp(−v) stays finite. */
static inline __m256 emoc__expneg256(__m256 v)
{
    return emoc__exp256(_mm256_min_ps(_mm256_sub_ps(_mm256_setzero_ps(), v), _mm256_set1_ps(88.0f)));
}

/* 1 / (1 + exp(−v)) */
static inline __m256 emoc__sigmoid256(__m256 v)
{
    return emoc__recip256(_mm256_add_ps(_mm256_set1_ps(1.0f), emoc__expneg256(v)));
}

/* EMOC_ACT_SILU_LP: the reference's formula (emoc__silu_lp_scalar, kernels.c) step for step;
 * p·2ⁿ as (p·2^⌊n/2⌋)·2^(n−⌊n/2⌋) rounds once, as ldexpf does (|n| ≤ 151, both factors normal),
 * so the same bits. */
static inline __m256 emoc__silu_lp256(__m256 x)
{
    const __m256 magic = _mm256_set1_ps(12582912.0f), l2e = _mm256_set1_ps(-1.44269504088896341f);
    __m256 xc = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(104.0f)), _mm256_set1_ps(-104.0f));
    __m256 n = _mm256_sub_ps(_mm256_fmadd_ps(xc, l2e, magic), magic);
    __m256 f = _mm256_fmsub_ps(xc, l2e, n);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(EMOC_SILU_LP_C4), f, _mm256_set1_ps(EMOC_SILU_LP_C3));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EMOC_SILU_LP_C2));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EMOC_SILU_LP_C1));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(EMOC_SILU_LP_C0));
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i h = _mm256_srai_epi32(ni, 1);
    __m256 a = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, _mm256_set1_epi32(127)), 23));
    __m256 b = _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, h), _mm256_set1_epi32(127)), 23));
    __m256 e = _mm256_mul_ps(_mm256_mul_ps(p, a), b);
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* The fused activation of kernels.h on one vector; slope is the PReLU slope vector. */
static inline __m256 emoc__act256(__m256 v, emoc_act act, __m256 slope)
{
    switch (act) {
    case EMOC_ACT_RELU: return _mm256_max_ps(v, _mm256_setzero_ps());
    case EMOC_ACT_SILU: return _mm256_mul_ps(v, emoc__sigmoid256(v));
    case EMOC_ACT_SILU_LP: return emoc__silu_lp256(v);
    case EMOC_ACT_PRELU: {
        __m256 neg = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
        return _mm256_blendv_ps(v, _mm256_mul_ps(v, slope), neg);
    }
    case EMOC_ACT_SIGMOID: return emoc__sigmoid256(v);
    case EMOC_ACT_HSWISH: {
        __m256 r = _mm256_add_ps(v, _mm256_set1_ps(3.0f));
        r = _mm256_min_ps(_mm256_max_ps(r, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
        return _mm256_mul_ps(_mm256_mul_ps(v, r), _mm256_set1_ps(1.0f / 6.0f));
    }
    case EMOC_ACT_NONE:
    case EMOC_ACT_COUNT: break;
    }
    return v;
}

#endif /* EMOC_SIMD_AVX2_H */
