/* groupnorm_neon.c — NEON one-group GroupNorm kernels (kernels.h; reference groupnorm_ref.c):
 * chunk sums in four 4-lane float accumulators, lanes added in double in a fixed order, the
 * tail scalar; the affine as one FMA, channel tails through the 4-float stack buffer. */
#include "engine/kernels/simd_neon.h"

static double lanes_sum(float32x4_t a)
{
    float t[4];
    vst1q_f32(t, a);
    return (double)t[0] + (double)t[1] + (double)t[2] + (double)t[3];
}

static double gn_sum_neon(const float *x, size_t n)
{
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = vaddq_f32(a0, vld1q_f32(x + i));
        a1 = vaddq_f32(a1, vld1q_f32(x + i + 4));
        a2 = vaddq_f32(a2, vld1q_f32(x + i + 8));
        a3 = vaddq_f32(a3, vld1q_f32(x + i + 12));
    }
    for (; i < n; i += 4) a0 = vaddq_f32(a0, emoc__ld_part(x + i, (int)(n - i < 4 ? n - i : 4)));
    return lanes_sum(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
}

static double gn_sqdev_neon(const float *x, size_t n, float mean)
{
    const float32x4_t m = vdupq_n_f32(mean);
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        float32x4_t d0 = vsubq_f32(vld1q_f32(x + i), m), d1 = vsubq_f32(vld1q_f32(x + i + 4), m);
        float32x4_t d2 = vsubq_f32(vld1q_f32(x + i + 8), m), d3 = vsubq_f32(vld1q_f32(x + i + 12), m);
        a0 = vfmaq_f32(a0, d0, d0);
        a1 = vfmaq_f32(a1, d1, d1);
        a2 = vfmaq_f32(a2, d2, d2);
        a3 = vfmaq_f32(a3, d3, d3);
    }
    for (; i < n; i += 4) {
        int k = (int)(n - i < 4 ? n - i : 4);
        float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int j = 0; j < k; j++) t[j] = x[i + (size_t)j] - mean;
        float32x4_t d = vld1q_f32(t);
        a0 = vfmaq_f32(a0, d, d);
    }
    return lanes_sum(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
}

static void gn_apply_neon(const float *x, size_t C, float mean, const float *a, const float *beta,
                          float *y, size_t p0, size_t p1)
{
    const float32x4_t m = vdupq_n_f32(mean);
    for (size_t p = p0; p < p1; p++) {
        const float *px = x + p * C;
        float *py = y + p * C;
        size_t c = 0;
        for (; c + 4 <= C; c += 4)
            vst1q_f32(py + c, vfmaq_f32(vld1q_f32(beta + c), vsubq_f32(vld1q_f32(px + c), m),
                                        vld1q_f32(a + c)));
        if (c < C) {
            int k = (int)(C - c);
            float32x4_t v = vfmaq_f32(emoc__ld_part(beta + c, k),
                                      vsubq_f32(emoc__ld_part(px + c, k), m),
                                      emoc__ld_part(a + c, k));
            emoc__st_part(py + c, v, k);
        }
    }
}

const emoc_groupnorm_kernel emoc_f32_groupnorm_c4__neon = {
    "emoc_f32_groupnorm_c4__neon", gn_sum_neon, gn_sqdev_neon, gn_apply_neon};
