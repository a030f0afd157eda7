/*
 * coordatt_ref.c — reference kernels of coordinate attention (engine/kernels/coordatt/coordatt.h):
 * strip pooling (means or learned 1×W / H×1 depthwise convs) and the broadcast products. Sums
 * run in increasing index order; every ISA variant performs the same operations in the same
 * order, so all bind bitwise-identical results.
 */
#include "engine/kernels/coordatt/coordatt.h"

#include <stddef.h>

/* Shared by every ISA's coord_pool: clearing the strip and its last step (bias of the
 * weighted variant, or the division of the mean) are scalar and identical everywhere. */
void emoc__coord_strip_clear(float *strip, int H, int W, int C, int c0, int c1)
{
    float *rows = strip, *cols = strip + (size_t)H * (size_t)C;
    for (int h = 0; h < H; h++)
        for (int c = c0; c < c1; c++) rows[(size_t)h * C + c] = 0.0f;
    for (int w = 0; w < W; w++)
        for (int c = c0; c < c1; c++) cols[(size_t)w * C + c] = 0.0f;
}

void emoc__coord_strip_finish(float *strip, int H, int W, int C, int weighted, const float *bh,
                              const float *bw, int c0, int c1)
{
    float *rows = strip, *cols = strip + (size_t)H * (size_t)C;
    if (weighted) {
        for (int h = 0; h < H; h++)
            for (int c = c0; c < c1; c++) rows[(size_t)h * C + c] += bh ? bh[c] : 0.0f;
        for (int w = 0; w < W; w++)
            for (int c = c0; c < c1; c++) cols[(size_t)w * C + c] += bw ? bw[c] : 0.0f;
    } else {
        for (int h = 0; h < H; h++)
            for (int c = c0; c < c1; c++) rows[(size_t)h * C + c] /= (float)W;
        for (int w = 0; w < W; w++)
            for (int c = c0; c < c1; c++) cols[(size_t)w * C + c] /= (float)H;
    }
}

void emoc__coord_pool(const float *x, int H, int W, int C, const float *kh, const float *bh,
                      const float *kw, const float *bw, float *strip, int c0, int c1)
{
    float *rows = strip, *cols = strip + (size_t)H * (size_t)C;
    emoc__coord_strip_clear(strip, H, W, C, c0, c1);
    /* Sums in increasing index order (as PyTorch's pooling / conv loops accumulate). */
    for (int h = 0; h < H; h++) {
        for (int w = 0; w < W; w++) {
            const float *px = x + ((size_t)h * W + w) * C;
            float *r = rows + (size_t)h * C, *col = cols + (size_t)w * C;
            if (kh) {
                const float *a = kh + (size_t)w * C, *b = kw + (size_t)h * C;
                for (int c = c0; c < c1; c++) {
                    r[c] += px[c] * a[c];
                    col[c] += px[c] * b[c];
                }
            } else {
                for (int c = c0; c < c1; c++) {
                    r[c] += px[c];
                    col[c] += px[c];
                }
            }
        }
    }
    emoc__coord_strip_finish(strip, H, W, C, kh != NULL, bh, bw, c0, c1);
}

void emoc__coord_apply(const float *x, const float *g, int H, int W, int C, float *y, int h0,
                       int h1)
{
    for (int h = h0; h < h1; h++) {
        const float *gh = g + (size_t)h * C;
        for (int w = 0; w < W; w++) {
            const float *gw = g + (size_t)(H + w) * C;
            const float *px = x + ((size_t)h * W + w) * C;
            float *py = y + ((size_t)h * W + w) * C;
            for (int c = 0; c < C; c++) py[c] = px[c] * gw[c] * gh[c];
        }
    }
}

void emoc__ddam_apply(const float *x, const float *g0, const float *g1, int H, int W, int C,
                      float *y, int h0, int h1)
{
    for (int h = h0; h < h1; h++) {
        const float *a_h = g0 + (size_t)h * C, *b_h = g1 + (size_t)h * C;
        for (int w = 0; w < W; w++) {
            const float *a_w = g0 + (size_t)(H + w) * C, *b_w = g1 + (size_t)(H + w) * C;
            const float *px = x + ((size_t)h * W + w) * C;
            float *py = y + ((size_t)h * W + w) * C;
            for (int c = 0; c < C; c++) {
                float m0 = a_w[c] * a_h[c], m1 = b_w[c] * b_h[c];
                py[c] = px[c] * (m1 > m0 ? m1 : m0);
            }
        }
    }
}

const emoc_coordatt_kernel emoc_f32_coordatt_ref = {
    .pool_mean_name = "emoc_f32_coord_pool_mean_c1__ref",
    .pool_dw_name = "emoc_f32_coord_pool_dw_c1__ref",
    .apply_name = "emoc_f32_coord_apply_c1__ref",
    .ddam_apply_name = "emoc_f32_ddam_apply_c1__ref",
    .pool = emoc__coord_pool,
    .apply = emoc__coord_apply,
    .ddam_apply = emoc__ddam_apply,
};
