/*
 * conv2d_neon.c — AArch64 NEON full / grouped convolution, NHWC (semantics: kernels.h, reference:
 * conv2d_ref.c). Aimed at the 3×3 stride-2 stems (cin = 3) and MobileFaceNet's grouped 3×3
 * (2 channels per group), correct for any shape.
 *
 * Packing: output channels in blocks of 4 (last block zero-padded), each block stored as
 * [ky][kx][ci][4] with lane j = output channel 4·b + j, ci over that channel's group.
 * Vectorised across output channels; per lane the input channel is g(o)·cin_g + ci:
 *   groups == 1      one broadcast of x[ci] feeds every lane;
 *   groups > 1       the 4 lanes' input values are gathered with scalar loads per tap and ci
 *                    (NEON has no gather; this path serves MobileFaceNet's small grouped conv).
 * The shared row scheduler (rows.h) splits each row into interior pixels (all taps valid, 4 at a time) and border pixels (one at a
 * time over their valid taps). Every element is the FMA chain over valid taps in (ky, kx, ci)
 * order, then + bias and the activation, whichever path and grouping computed it, so results do
 * not depend on the row split.
 */
#include "engine/kernels/simd_neon.h"

#include "engine/kernels/rows.h"

#include <stddef.h>

enum { OB = 4, PXG = 4 };

static inline int imin(int a, int b) { return a < b ? a : b; }

static size_t packed_size_neon(int cout, int kh, int kw, int cin_g, int groups)
{
    (void)groups;
    size_t blocks = ((size_t)cout + OB - 1) / OB;
    return blocks * OB * (size_t)kh * (size_t)kw * (size_t)cin_g;
}

static void pack_neon(const float *w, int cout, int kh, int kw, int cin_g, int groups, float *packed)
{
    (void)groups;
    const size_t taps = (size_t)kh * (size_t)kw * (size_t)cin_g;
    const int blocks = (cout + OB - 1) / OB;
    for (int b = 0; b < blocks; b++)
        for (size_t t = 0; t < taps; t++)
            for (int j = 0; j < OB; j++) {
                int o = b * OB + j;
                packed[((size_t)b * taps + t) * OB + (size_t)j] = o < cout ? w[(size_t)o * taps + t] : 0.0f;
            }
}

typedef struct conv_ctx {
    const emoc_conv2d_args *a;
    int cin_g, cout_g;
    size_t taps; /* kh·kw·cin_g: floats per lane per block */
} conv_ctx;

/* Epilogue of one block for npx pixels. */
static inline __attribute__((always_inline)) void
store_block(const conv_ctx *cx, int oy, int ox, const int npx, int b, const float32x4_t *acc, int stride)
{
    const emoc_conv2d_args *a = cx->a;
    const int o0 = b * OB;
    const int m = a->cout - o0 < OB ? a->cout - o0 : OB;
    float32x4_t bias = a->bias ? emoc__ld_part(a->bias + o0, m) : vdupq_n_f32(0.0f);
    float32x4_t slope = a->act == EMOC_ACT_PRELU && a->slope ? emoc__ld_part(a->slope + o0, m)
                                                             : vdupq_n_f32(0.0f);
    float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * (size_t)a->cout + (size_t)o0;
#pragma GCC unroll 4
    for (int j = 0; j < npx; j++, yp += a->cout) {
        float32x4_t r = acc[j * stride];
        if (a->bias) r = vaddq_f32(r, bias);
        emoc__st_part(yp, emoc__act_neon(r, a->act, slope), m);
    }
}

/* groups == 1: npx pixels × nvb blocks starting at block b. */
static inline __attribute__((always_inline)) void
dense_tile(const conv_ctx *cx, int oy, int ox, const int npx, const int nvb, int b, int ky0, int ky1,
           int kx0, int kx1)
{
    const emoc_conv2d_args *a = cx->a;
    const int cin = a->cin;
    const size_t ps = (size_t)cin, step = (size_t)a->sw * ps, row = (size_t)a->iw * ps;
    const size_t bstride = cx->taps * OB;
    float32x4_t acc[PXG][4];
#pragma GCC unroll 4
    for (int j = 0; j < PXG; j++)
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++) acc[j][v] = vdupq_n_f32(0.0f);
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xrow = a->x + (ptrdiff_t)(iy0 + ky) * (ptrdiff_t)row + (ptrdiff_t)(ix0 + kx0) * (ptrdiff_t)ps;
        const float *wrow = a->w_packed + (size_t)b * bstride + ((size_t)ky * (size_t)a->kw + (size_t)kx0) * (size_t)cin * OB;
        for (int kx = kx0; kx < kx1; kx++, xrow += ps) {
            for (int ci = 0; ci < cin; ci++, wrow += OB) {
                float32x4_t w[4];
#pragma GCC unroll 4
                for (int v = 0; v < nvb; v++) w[v] = vld1q_f32(wrow + (size_t)v * bstride);
#pragma GCC unroll 4
                for (int j = 0; j < npx; j++) {
                    float32x4_t xb = vdupq_n_f32(xrow[(size_t)j * step + (size_t)ci]);
#pragma GCC unroll 4
                    for (int v = 0; v < nvb; v++) acc[j][v] = vfmaq_f32(acc[j][v], xb, w[v]);
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < nvb; v++) store_block(cx, oy, ox, npx, b + v, &acc[0][v], 4);
}

/* groups > 1: npx pixels × block b, lanes gathered with scalar loads. */
static inline __attribute__((always_inline)) void
grouped_tile(const conv_ctx *cx, int oy, int ox, const int npx, int b, int ky0, int ky1, int kx0, int kx1)
{
    const emoc_conv2d_args *a = cx->a;
    const int cin_g = cx->cin_g, o0 = b * OB, last = imin(o0 + OB, a->cout) - 1;
    int gch[OB]; /* first input channel of each lane's group (lanes past cout repeat the last) */
    for (int j = 0; j < OB; j++) gch[j] = (imin(o0 + j, last) / cx->cout_g) * cin_g;
    const size_t ps = (size_t)a->cin, step = (size_t)a->sw * ps, row = (size_t)a->iw * ps;
    float32x4_t acc[PXG];
#pragma GCC unroll 4
    for (int j = 0; j < PXG; j++) acc[j] = vdupq_n_f32(0.0f);
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xrow = a->x + (ptrdiff_t)(iy0 + ky) * (ptrdiff_t)row + (ptrdiff_t)(ix0 + kx0) * (ptrdiff_t)ps;
        const float *wp = a->w_packed + (size_t)b * cx->taps * OB +
                          ((size_t)ky * (size_t)a->kw + (size_t)kx0) * (size_t)cin_g * OB;
        for (int kx = kx0; kx < kx1; kx++, xrow += ps) {
            for (int ci = 0; ci < cin_g; ci++, wp += OB) {
                float32x4_t w = vld1q_f32(wp);
#pragma GCC unroll 4
                for (int j = 0; j < npx; j++) {
                    const float *xp = xrow + (size_t)j * step + ci;
                    float g[OB] = {xp[gch[0]], xp[gch[1]], xp[gch[2]], xp[gch[3]]};
                    acc[j] = vfmaq_f32(acc[j], vld1q_f32(g), w);
                }
            }
        }
    }
    store_block(cx, oy, ox, npx, b, acc, 1);
}

static inline __attribute__((always_inline)) void
pixel_group(const conv_ctx *cx, int oy, int ox, const int npx, int ky0, int ky1, int kx0, int kx1)
{
    const emoc_conv2d_args *a = cx->a;
    const int blocks = (a->cout + OB - 1) / OB;
    int b = 0;
    if (a->groups == 1) {
        for (; b + 4 <= blocks; b += 4) dense_tile(cx, oy, ox, npx, 4, b, ky0, ky1, kx0, kx1);
        for (; b + 2 <= blocks; b += 2) dense_tile(cx, oy, ox, npx, 2, b, ky0, ky1, kx0, kx1);
        for (; b < blocks; b++) dense_tile(cx, oy, ox, npx, 1, b, ky0, ky1, kx0, kx1);
        return;
    }
    for (; b < blocks; b++) grouped_tile(cx, oy, ox, npx, b, ky0, ky1, kx0, kx1);
}

/* One group of the shared row scheduler (rows.h), dispatched to a compile-time pixel count. */
static void group(const void *cx, int oy, int ox, int npx, int ky0, int ky1, int kx0, int kx1)
{
    if (npx == PXG) pixel_group(cx, oy, ox, PXG, ky0, ky1, kx0, kx1);
    else pixel_group(cx, oy, ox, 1, ky0, ky1, kx0, kx1);
}

static void conv2d_neon(const emoc_conv2d_args *a, int oy0, int oy1)
{
    conv_ctx cx = {a, a->cin / a->groups, a->cout / a->groups, 0};
    cx.taps = (size_t)a->kh * (size_t)a->kw * (size_t)cx.cin_g;
    const emoc_conv_geom g = EMOC_CONV_GEOM(a);
    static const int widths[] = {PXG, 1};
    emoc__conv_rows(&g, oy0, oy1, widths, 2, group, &cx);
}

const emoc_conv2d_kernel emoc_f32_conv2d_4x4__neon = {"emoc_f32_conv2d_4x4__neon", conv2d_neon,
                                                         packed_size_neon, pack_neon};
