/*
 * eltwise_neon.c — NEON elementwise kernels (semantics: kernels.h, reference: eltwise_ref.c).
 * 4 floats per vector, tails through a stack buffer (simd_neon.h). The max is a compare and
 * select, `v > m ? v : m` as in the reference (vmaxq would turn NaNs and signed zeros
 * differently), so the pool is bitwise equal; the activation is that of act_neon.c.
 */
#include "engine/kernels/simd_neon.h"

static void add_act_neon(const float *a, const float *b, float *y, size_t n, emoc_act act)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, emoc__act_neon(vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i)), act, zero));
    if (i < n) {
        int m = (int)(n - i);
        float32x4_t v = vaddq_f32(emoc__ld_part(a + i, m), emoc__ld_part(b + i, m));
        emoc__st_part(y + i, emoc__act_neon(v, act, zero), m);
    }
}

static inline float32x4_t gt_max(float32x4_t v, float32x4_t m)
{
    return vbslq_f32(vcgtq_f32(v, m), v, m);
}

static void max2x2_neon(const float *x, int W, int C, float *y, int oy0, int oy1)
{
    int OW = W / 2;
    for (int oy = oy0; oy < oy1; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const float *p = x + ((size_t)(2 * oy) * (size_t)W + (size_t)(2 * ox)) * (size_t)C;
            const float *q = p + (size_t)W * (size_t)C;
            float *o = y + ((size_t)oy * (size_t)OW + (size_t)ox) * (size_t)C;
            int c = 0;
            for (; c + 4 <= C; c += 4) {
                float32x4_t r = vld1q_f32(p + c);
                r = gt_max(vld1q_f32(p + C + c), r);
                r = gt_max(vld1q_f32(q + c), r);
                vst1q_f32(o + c, gt_max(vld1q_f32(q + C + c), r));
            }
            if (c < C) {
                int m = C - c;
                float32x4_t r = emoc__ld_part(p + c, m);
                r = gt_max(emoc__ld_part(p + C + c, m), r);
                r = gt_max(emoc__ld_part(q + c, m), r);
                emoc__st_part(o + c, gt_max(emoc__ld_part(q + C + c, m), r), m);
            }
        }
}

const emoc_eltwise_kernel emoc_f32_eltwise_c4__neon = {"emoc_f32_eltwise_c4__neon", add_act_neon,
                                                       max2x2_neon};
