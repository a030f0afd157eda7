/* kernels.c — fills the kernel table: references first, then ISA overrides (docs/architecture.md R3). */
#include "engine/kernels/kernels.h"

#include <math.h>

/* The reduced-precision nets' SiLU (docs/precision.md §1.1), the formula every ISA computes:
 *   xc = clamp(x, −104, 104); n = (xc·(−log2 e) + 1.5·2²³) − 1.5·2²³ (round to nearest even);
 *   f = xc·(−log2 e) − n (one fused rounding, |f| ≤ 1/2); p = (((c4·f + c3)·f + c2)·f + c1)·f + c0 (2^f,
 *   minimax for relative error on [−1/2, 1/2]); e = p·2ⁿ; y = x / (1 + e).
 * Each step is one IEEE rounding (fmaf, ldexpf, +, /), so a SIMD variant with FMA and a true
 * division gives the same bits. e overflows to +inf below x ≈ −88.7 (y = −0) and is
 * denormal or 0 only where 1 + e = 1. */
float emoc__silu_lp_scalar(float x)
{
    const float l2e = -1.44269504088896341f, magic = 12582912.0f; /* 1.5·2²³ */
    float xc = x < -104.0f ? -104.0f : (x > 104.0f ? 104.0f : x);
    float n = fmaf(xc, l2e, magic) - magic;
    float f = fmaf(xc, l2e, -n);
    float p = fmaf(fmaf(fmaf(EMOC_SILU_LP_C4, f, EMOC_SILU_LP_C3), f, EMOC_SILU_LP_C2), f, EMOC_SILU_LP_C1);
    p = fmaf(p, f, EMOC_SILU_LP_C0);
    return x / (1.0f + ldexpf(p, (int)n));
}

float emoc__act_scalar(float v, emoc_act act, float slope)
{
    switch (act) {
    case EMOC_ACT_NONE: return v;
    case EMOC_ACT_RELU: return v > 0.0f ? v : 0.0f;
    case EMOC_ACT_SILU: return v / (1.0f + expf(-v));
    case EMOC_ACT_SILU_LP: return emoc__silu_lp_scalar(v);
    case EMOC_ACT_PRELU: return v >= 0.0f ? v : v * slope;
    case EMOC_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case EMOC_ACT_HSWISH: {
        float r = v + 3.0f;
        r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
        return v * r / 6.0f;
    }
    case EMOC_ACT_COUNT: break;
    }
    return v;
}

void emoc__kernel_table_init(emoc_kernel_table *t, emoc_isa isa)
{
    t->isa = EMOC_ISA_REF;
    t->gemm = emoc_f32_gemm_ref;
    t->gemm_bf16 = emoc_bf16_gemm_ref;
    t->gemm_i8 = emoc_i8_gemm_ref;
    t->dwconv = emoc_f32_dwconv_ref;
    t->conv2d = emoc_f32_conv2d_ref;
    t->act = emoc_f32_act_ref;
    t->gap = emoc_f32_gap_ref;
    t->coordatt = emoc_f32_coordatt_ref;
    t->groupnorm = emoc_f32_groupnorm_ref;
    t->linattn = emoc_f32_linattn_ref;
    t->resize = emoc_f32_resize_ref;
    t->eltwise = emoc_f32_eltwise_ref;
#if !defined(EMOC_ISA_REF_ONLY) && defined(__x86_64__)
    if (isa == EMOC_ISA_AVX2 || isa == EMOC_ISA_AVX512) {
        emoc__kernel_table_avx2(t);
        t->isa = EMOC_ISA_AVX2;
    }
    if (isa == EMOC_ISA_AVX512) {
        emoc__kernel_table_avx512(t);
        t->isa = EMOC_ISA_AVX512;
    }
#elif !defined(EMOC_ISA_REF_ONLY) && (defined(__aarch64__) || defined(__arm__))
    if (isa == EMOC_ISA_NEON) {
        emoc__kernel_table_neon(t);
        t->isa = EMOC_ISA_NEON;
    }
#else
    (void)isa;
#endif
}
