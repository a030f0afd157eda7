/* linattn_ref.c — scalar reference of MobileViTv2's separable linear attention (kernels.h), plus
 * the softmax scores every ISA shares. The 2×2 unfold is an index mapping: pixel (y, x) is
 * position p = (y mod 2)·2 + (x mod 2) of patch n = (y/2)·(W/2) + x/2; walking pixels in memory
 * order visits each position's patches in increasing n. */
#include "engine/kernels/kernels.h"

#include <math.h>

void emoc_linattn_scores(const float *qkv, int H, int W, int d, float *s)
{
    size_t ps = 1 + 2 * (size_t)d;
    int N = (H / 2) * (W / 2);
    for (int p = 0; p < 4; p++) {
        int py = p >> 1, px = p & 1;
        float mx = -INFINITY;
        for (int y = py; y < H; y += 2)
            for (int x = px; x < W; x += 2) {
                float q = qkv[((size_t)y * W + x) * ps];
                if (q > mx) mx = q;
            }
        float *sp = s + (size_t)p * N;
        double sum = 0.0;
        for (int y = py; y < H; y += 2)
            for (int x = px; x < W; x += 2) {
                int n = (y >> 1) * (W >> 1) + (x >> 1);
                sp[n] = expf(qkv[((size_t)y * W + x) * ps] - mx);
                sum += sp[n];
            }
        float total = (float)sum;
        for (int n = 0; n < N; n++) sp[n] = sp[n] / total;
    }
}

static void context_ref(const float *qkv, int H, int W, int d, const float *s, float *ctx, int c0,
                        int c1)
{
    size_t ps = 1 + 2 * (size_t)d;
    int N = (H / 2) * (W / 2);
    for (int p = 0; p < 4; p++)
        for (int c = c0; c < c1; c++) ctx[(size_t)p * d + c] = 0.0f;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int p = (y & 1) * 2 + (x & 1), n = (y >> 1) * (W >> 1) + (x >> 1);
            const float *k = qkv + ((size_t)y * W + x) * ps + 1;
            float w = s[(size_t)p * N + n], *cp = ctx + (size_t)p * d;
            for (int c = c0; c < c1; c++) cp[c] += k[c] * w;
        }
}

static void apply_ref(const float *qkv, int H, int W, int d, const float *ctx, float *y, int y0,
                      int y1)
{
    (void)H;
    size_t ps = 1 + 2 * (size_t)d;
    for (int yy = y0; yy < y1; yy++)
        for (int x = 0; x < W; x++) {
            const float *v = qkv + ((size_t)yy * W + x) * ps + 1 + d;
            const float *cp = ctx + (size_t)((yy & 1) * 2 + (x & 1)) * d;
            float *py = y + ((size_t)yy * W + x) * d;
            for (int c = 0; c < d; c++) py[c] = (v[c] > 0.0f ? v[c] : 0.0f) * cp[c];
        }
}

const emoc_linattn_kernel emoc_f32_linattn_ref = {"emoc_f32_linattn_c1__ref", context_ref,
                                                  apply_ref};
