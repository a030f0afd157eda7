/* linattn_neon.c — NEON separable linear attention (kernels.h; reference linattn_ref.c).
 * context: per block of 4 channels, four accumulators (one per in-patch position) walk the
 * pixels in memory order (each position's patches in increasing n, as the reference); apply:
 * max(v, 0)·ctx, one multiply (bit-identical to the reference). Channel tails through the
 * 4-float stack buffer. */
#include "engine/kernels/simd_neon.h"

static void context_neon(const float *qkv, int H, int W, int d, const float *s, float *ctx,
                         int c0, int c1)
{
    size_t ps = 1 + 2 * (size_t)d;
    int N = (H / 2) * (W / 2);
    for (int c = c0; c < c1; c += 4) {
        int k = c1 - c < 4 ? c1 - c : 4;
        float32x4_t acc[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f),
                              vdupq_n_f32(0.0f)};
        for (int y = 0; y < H; y++) {
            const float *sr0 = s + (size_t)((y & 1) * 2) * N + (size_t)(y >> 1) * (W >> 1);
            const float *sr1 = sr0 + N;
            const float *row = qkv + (size_t)y * W * ps + 1 + c;
            float32x4_t *a0 = &acc[(y & 1) * 2], *a1 = a0 + 1;
            for (int x = 0; x + 1 < W; x += 2) {
                float32x4_t k0 = k == 4 ? vld1q_f32(row + (size_t)x * ps)
                                        : emoc__ld_part(row + (size_t)x * ps, k);
                float32x4_t k1 = k == 4 ? vld1q_f32(row + (size_t)(x + 1) * ps)
                                        : emoc__ld_part(row + (size_t)(x + 1) * ps, k);
                *a0 = vfmaq_n_f32(*a0, k0, sr0[x >> 1]);
                *a1 = vfmaq_n_f32(*a1, k1, sr1[x >> 1]);
            }
        }
        for (int p = 0; p < 4; p++) emoc__st_part(ctx + (size_t)p * d + c, acc[p], k);
    }
}

static void apply_neon(const float *qkv, int H, int W, int d, const float *ctx, float *y, int y0,
                       int y1)
{
    (void)H;
    size_t ps = 1 + 2 * (size_t)d;
    const float32x4_t zero = vdupq_n_f32(0.0f);
    for (int yy = y0; yy < y1; yy++)
        for (int x = 0; x < W; x++) {
            const float *v = qkv + ((size_t)yy * W + x) * ps + 1 + d;
            const float *cp = ctx + (size_t)((yy & 1) * 2 + (x & 1)) * d;
            float *py = y + ((size_t)yy * W + x) * d;
            int c = 0;
            for (; c + 4 <= d; c += 4)
                vst1q_f32(py + c, vmulq_f32(vmaxq_f32(vld1q_f32(v + c), zero), vld1q_f32(cp + c)));
            if (c < d)
                emoc__st_part(py + c, vmulq_f32(vmaxq_f32(emoc__ld_part(v + c, d - c), zero),
                                                emoc__ld_part(cp + c, d - c)),
                              d - c);
        }
}

const emoc_linattn_kernel emoc_f32_linattn_c4__neon = {"emoc_f32_linattn_c4__neon", context_neon,
                                                       apply_neon};
