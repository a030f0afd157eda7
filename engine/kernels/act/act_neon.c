/*
 * act_neon.c — AArch64 NEON in-place activation (semantics: kernels.h, reference: act_ref.c).
 * 4 floats per vector, tail via a stack buffer; PReLU walks rows of c channels so slope[i mod c] is a
 * plain vector load. Each element is computed alone, so any split of the array gives the same
 * bits. The expf inside SiLU/sigmoid: simd_neon.h.
 */
#include "engine/kernels/simd_neon.h"

static inline void act_span(float *x, size_t n, const float *slope, emoc_act act)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t s = slope ? vld1q_f32(slope + i) : vdupq_n_f32(0.0f);
        vst1q_f32(x + i, emoc__act_neon(vld1q_f32(x + i), act, s));
    }
    if (i < n) {
        int m = (int)(n - i);
        float32x4_t s = slope ? emoc__ld_part(slope + i, m) : vdupq_n_f32(0.0f);
        emoc__st_part(x + i, emoc__act_neon(emoc__ld_part(x + i, m), act, s), m);
    }
}

static void act_neon(float *x, size_t n, int c, const float *slope, emoc_act act)
{
    if (act == EMOC_ACT_NONE) return;
    if (act == EMOC_ACT_PRELU && slope && c > 0) {
        for (size_t i = 0; i < n; i += (size_t)c)
            act_span(x + i, n - i < (size_t)c ? n - i : (size_t)c, slope, act);
        return;
    }
    act_span(x, n, NULL, act);
}

const emoc_act_kernel emoc_f32_act_c4__neon = {"emoc_f32_act_c4__neon", act_neon};
