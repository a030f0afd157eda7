/*
 * simd_neon.h — static inline NEON helpers (AArch64, and 32-bit ARMv7 through the shims below) shared by the *_neon.c kernels: partial
 * loads/stores for tails (NEON has no masked memory ops, so tails go through a 4-float stack
 * buffer and touch only the valid floats), a vectorised expf and the fused activations.
 *
 * expf: the algorithm and polynomial of simd_avx2.h (Cody–Waite reduction, Cephes degree-5
 * polynomial, 2^n as two exponent-field multiplies); the logistic uses vrecpe + two Newton
 * steps. Same accuracy targets (expf ≤ 1 ulp, logistic ≤ 6 ulp), checked by
 * tests/kernels/test_act.c under qemu-aarch64.
 */
#ifndef EMOC_SIMD_NEON_H
#define EMOC_SIMD_NEON_H

#include "engine/kernels/kernels.h"

#include <arm_neon.h>
#include <string.h>

#if !defined(__aarch64__)
/* 32-bit ARMv7 NEON (built with -mfpu=neon; docs/builds.md) lacks the ARMv8 intrinsics the
 * kernels use; these stand in with the same results up to rounding:
 *   vfmaq/vfmsq/vfmaq_n: VFPv4's fused forms are not in every NEON CPU (Cortex-A8/A9): multiply, then
 *                add (two roundings, as the scalar reference with -ffp-contract=off);
 *   vrndnq:      round to nearest even by adding and removing 1.5·2^23 (NEON always rounds to
 *                nearest; exact for |x| < 2^22, the range exp's argument is clamped to).
 * ARMv7 NEON also flushes subnormals to zero: kernel tests use normal values. */
static inline float32x4_t emoc__vfmaq_f32_v7(float32x4_t a, float32x4_t b, float32x4_t c)
{
    return vaddq_f32(a, vmulq_f32(b, c));
}
static inline float32x4_t emoc__vfmsq_f32_v7(float32x4_t a, float32x4_t b, float32x4_t c)
{
    return vsubq_f32(a, vmulq_f32(b, c));
}
static inline float32x4_t emoc__vfmaq_n_f32_v7(float32x4_t a, float32x4_t b, float c)
{
    return vaddq_f32(a, vmulq_n_f32(b, c));
}
static inline float32x4_t emoc__vrndnq_f32_v7(float32x4_t x)
{
    const float32x4_t magic = vdupq_n_f32(12582912.0f); /* 1.5 * 2^23 */
    return vsubq_f32(vaddq_f32(x, magic), magic);
}
#define vfmaq_f32 emoc__vfmaq_f32_v7
#define vfmsq_f32 emoc__vfmsq_f32_v7
#define vfmaq_n_f32 emoc__vfmaq_n_f32_v7
#define vrndnq_f32 emoc__vrndnq_f32_v7
#endif

/* First n (0..4) floats of p, zeros after. */
static inline float32x4_t emoc__ld_part(const float *p, int n)
{
    float tmp[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (n > 0) memcpy(tmp, p, sizeof(float) * (size_t)(n < 4 ? n : 4));
    return vld1q_f32(tmp);
}

/* Stores the first n (0..4) lanes of v at p. */
static inline void emoc__st_part(float *p, float32x4_t v, int n)
{
    float tmp[4];
    vst1q_f32(tmp, v);
    if (n > 0) memcpy(p, tmp, sizeof(float) * (size_t)(n < 4 ? n : 4));
}

static inline float32x4_t emoc__exp_neon(float32x4_t x)
{
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-104.0f)), vdupq_n_f32(89.0f));
    float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
    float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
    r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
    float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
    p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
    int32x4_t ni = vcvtq_s32_f32(n);
    int32x4_t h = vshrq_n_s32(ni, 1);
    int32x4_t l = vsubq_s32(ni, h);
    float32x4_t a = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(h, vdupq_n_s32(127)), 23));
    float32x4_t b = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(l, vdupq_n_s32(127)), 23));
    return vmulq_f32(vmulq_f32(p, a), b);
}

/* 1 / (1 + exp(−v)); the exp argument is capped at 88 so the denominator stays finite. */
static inline float32x4_t emoc__sigmoid_neon(float32x4_t v)
{
    float32x4_t e = emoc__exp_neon(vminq_f32(vnegq_f32(v), vdupq_n_f32(88.0f)));
    float32x4_t d = vaddq_f32(vdupq_n_f32(1.0f), e);
    float32x4_t y = vrecpeq_f32(d);
    y = vmulq_f32(y, vrecpsq_f32(d, y));
    y = vmulq_f32(y, vrecpsq_f32(d, y));
    return y;
}

/* EMOC_ACT_SILU_LP: the reference's formula (emoc__silu_lp_scalar, kernels.c) step for step;
 * p·2ⁿ as (p·2^⌊n/2⌋)·2^(n−⌊n/2⌋) rounds once, as ldexpf does. AArch64 (fused FMA, vdivq):
 * the same bits. ARMv7: FMA as two roundings and 1/(1 + e) by vrecpe + two Newton steps, within
 * 1e-5 relative of the reference (e = +inf gives 0, not NaN: vrecpe(inf) = 0). */
static inline float32x4_t emoc__silu_lp_neon(float32x4_t x)
{
    const float32x4_t magic = vdupq_n_f32(12582912.0f), l2e = vdupq_n_f32(-1.44269504088896341f);
    float32x4_t xc = vmaxq_f32(vminq_f32(x, vdupq_n_f32(104.0f)), vdupq_n_f32(-104.0f));
    float32x4_t n = vsubq_f32(vfmaq_f32(magic, xc, l2e), magic);
    float32x4_t f = vfmaq_f32(vnegq_f32(n), xc, l2e);
    float32x4_t p = vfmaq_f32(vdupq_n_f32(EMOC_SILU_LP_C3), vdupq_n_f32(EMOC_SILU_LP_C4), f);
    p = vfmaq_f32(vdupq_n_f32(EMOC_SILU_LP_C2), p, f);
    p = vfmaq_f32(vdupq_n_f32(EMOC_SILU_LP_C1), p, f);
    p = vfmaq_f32(vdupq_n_f32(EMOC_SILU_LP_C0), p, f);
    int32x4_t ni = vcvtq_s32_f32(n);
    int32x4_t h = vshrq_n_s32(ni, 1);
    float32x4_t a = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(h, vdupq_n_s32(127)), 23));
    float32x4_t b = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vsubq_s32(ni, h), vdupq_n_s32(127)), 23));
    float32x4_t d = vaddq_f32(vdupq_n_f32(1.0f), vmulq_f32(vmulq_f32(p, a), b));
#if defined(__aarch64__)
    return vdivq_f32(x, d);
#else
    float32x4_t r = vrecpeq_f32(d);
    r = vmulq_f32(r, vrecpsq_f32(d, r));
    r = vmulq_f32(r, vrecpsq_f32(d, r));
    return vmulq_f32(x, r);
#endif
}

static inline float32x4_t emoc__act_neon(float32x4_t v, emoc_act act, float32x4_t slope)
{
    switch (act) {
    case EMOC_ACT_RELU: return vmaxq_f32(v, vdupq_n_f32(0.0f));
    case EMOC_ACT_SILU: return vmulq_f32(v, emoc__sigmoid_neon(v));
    case EMOC_ACT_SILU_LP: return emoc__silu_lp_neon(v);
    case EMOC_ACT_PRELU: return vbslq_f32(vcltq_f32(v, vdupq_n_f32(0.0f)), vmulq_f32(v, slope), v);
    case EMOC_ACT_SIGMOID: return emoc__sigmoid_neon(v);
    case EMOC_ACT_HSWISH: {
        float32x4_t r = vaddq_f32(v, vdupq_n_f32(3.0f));
        r = vminq_f32(vmaxq_f32(r, vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f));
        return vmulq_f32(vmulq_f32(v, r), vdupq_n_f32(1.0f / 6.0f));
    }
    case EMOC_ACT_NONE:
    case EMOC_ACT_COUNT: break;
    }
    return v;
}

#endif /* EMOC_SIMD_NEON_H */
