/* resize_neon.c — NEON bilinear resize with align_corners (kernels.h; reference resize_ref.c):
 * coefficients from the shared scalar rule, 4 channels per vector, the reference's operation
 * order without FMA (bit-identical to it). Channel tails through the 4-float stack buffer. */
#include "engine/kernels/simd_neon.h"

static inline float32x4_t lerp4(float h0, float h1, float w0, float w1, float32x4_t a,
                                float32x4_t b, float32x4_t c, float32x4_t d)
{
    float32x4_t top = vaddq_f32(vmulq_n_f32(a, w0), vmulq_n_f32(b, w1));
    float32x4_t bot = vaddq_f32(vmulq_n_f32(c, w0), vmulq_n_f32(d, w1));
    return vaddq_f32(vmulq_n_f32(top, h0), vmulq_n_f32(bot, h1));
}

static void resize_neon(const float *x, int ih, int iw, int C, float *y, int oh, int ow, int oy0,
                        int oy1)
{
    for (int oy = oy0; oy < oy1; oy++) {
        int y0, y1;
        float h0, h1;
        emoc_resize_ac_coeff(ih, oh, oy, &y0, &y1, &h0, &h1);
        for (int ox = 0; ox < ow; ox++) {
            int x0, x1;
            float w0, w1;
            emoc_resize_ac_coeff(iw, ow, ox, &x0, &x1, &w0, &w1);
            const float *a = x + ((size_t)y0 * iw + x0) * C, *b = x + ((size_t)y0 * iw + x1) * C;
            const float *c = x + ((size_t)y1 * iw + x0) * C, *d = x + ((size_t)y1 * iw + x1) * C;
            float *py = y + ((size_t)oy * ow + ox) * C;
            int k = 0;
            for (; k + 4 <= C; k += 4)
                vst1q_f32(py + k, lerp4(h0, h1, w0, w1, vld1q_f32(a + k), vld1q_f32(b + k),
                                        vld1q_f32(c + k), vld1q_f32(d + k)));
            if (k < C) {
                int n = C - k;
                emoc__st_part(py + k, lerp4(h0, h1, w0, w1, emoc__ld_part(a + k, n),
                                            emoc__ld_part(b + k, n), emoc__ld_part(c + k, n),
                                            emoc__ld_part(d + k, n)),
                              n);
            }
        }
    }
}

const emoc_resize_kernel emoc_f32_resize_c4__neon = {"emoc_f32_resize_c4__neon", resize_neon};
