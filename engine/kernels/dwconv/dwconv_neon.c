/*
 * dwconv_neon.c — AArch64 NEON depthwise convolution, NHWC, any kernel size / stride / asymmetric
 * padding (semantics: kernels.h, reference: dwconv_ref.c).
 *
 * Vectorised across channels, 4 per q register; a channel tail (c mod 4) goes through a 4-float stack
 * buffer, so no byte outside [0, c) of any pixel is touched. The shared row scheduler (rows.h)
 * splits each output row into left border, interior and right border pixels: interior pixels see every kx tap and are done 8 at
 * a time (8 accumulators, one weight load shared by the 8); border pixels one at a time over
 * their valid kx range. Every element is the FMA chain over valid taps in (ky, kx) order, as the
 * reference skips out-of-range taps, then + bias and the activation; the grouping of pixels
 * only decides which element shares a weight load, so the result does not depend on [oy0, oy1).
 * The k3/k5 paths are the same code with the kernel width a compile-time constant.
 */
#include "engine/kernels/simd_neon.h"

#include "engine/kernels/rows.h"

#include <stddef.h>

enum { CV = 4, PX = 8 };

/* npx output pixels (ox .. ox+npx−1 of row oy) × nvb channel blocks (4 channels each) starting at c0, sharing the
 * tap ranges [ky0,ky1)×[kx0,kx1); with nvb = 1 the block may be partial (m valid channels, full = 0).
 * npx, nvb, kwc (0 = use a->kw) and full are compile-time. Addresses are stepped with
 * precomputed pixel offsets (no multiply per load). */
static inline __attribute__((always_inline)) void
dw_tile(const emoc_dwconv_args *a, int oy, int ox, const int npx, const int nvb, int ky0, int ky1,
        int kx0, int kx1, const int kwc, int c0, const int full, int m)
{
    const int kw = kwc ? kwc : a->kw;
    const size_t ps = a->x_pstride, c = (size_t)a->c, step = (size_t)a->sw * ps;
    const size_t row_stride = (size_t)a->iw * ps;
    size_t off[PX];
#pragma GCC unroll 8
    for (int j = 0; j < PX; j++) off[j] = (size_t)j * step;
    float32x4_t acc[PX][4];
#pragma GCC unroll 8
    for (int j = 0; j < PX; j++)
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++) acc[j][v] = vdupq_n_f32(0.0f);
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    const float *xrow = a->x + (size_t)c0 + (ptrdiff_t)(iy0 + ky0) * (ptrdiff_t)row_stride +
                        (ptrdiff_t)(ix0 + kx0) * (ptrdiff_t)ps;
    const float *wrow = a->w + (size_t)c0 + ((size_t)ky0 * (size_t)kw + (size_t)kx0) * c;
    for (int ky = ky0; ky < ky1; ky++, xrow += row_stride, wrow += (size_t)kw * c) {
        const float *xp = xrow, *wp = wrow;
#pragma GCC unroll 9
        for (int kx = kx0; kx < kx1; kx++, xp += ps, wp += c) {
            float32x4_t w[4];
#pragma GCC unroll 4
            for (int v = 0; v < nvb; v++)
                w[v] = full ? vld1q_f32(wp + 4 * v) : emoc__ld_part(wp, m);
#pragma GCC unroll 8
            for (int j = 0; j < npx; j++)
#pragma GCC unroll 4
                for (int v = 0; v < nvb; v++) {
                    const float *q = xp + off[j] + 4 * v;
                    float32x4_t xv = full ? vld1q_f32(q) : emoc__ld_part(q, m);
                    acc[j][v] = vfmaq_f32(acc[j][v], xv, w[v]);
                }
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < nvb; v++) {
        const int cv = c0 + 4 * v;
        float32x4_t bias = vdupq_n_f32(0.0f), slope = vdupq_n_f32(0.0f);
        if (a->bias) bias = full ? vld1q_f32(a->bias + cv) : emoc__ld_part(a->bias + cv, m);
        if (a->act == EMOC_ACT_PRELU && a->slope)
            slope = full ? vld1q_f32(a->slope + cv) : emoc__ld_part(a->slope + cv, m);
        float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * a->y_pstride + (size_t)cv;
#pragma GCC unroll 8
        for (int j = 0; j < npx; j++, yp += a->y_pstride) {
            float32x4_t r = acc[j][v];
            if (a->bias) r = vaddq_f32(r, bias);
            r = emoc__act_neon(r, a->act, slope);
            if (full) vst1q_f32(yp, r);
            else emoc__st_part(yp, r, m);
        }
    }
}

/* Interior fast path for a compile-time kernel width K and stride S: 8 pixels × one block.
 * Per kernel row the K weights stay in registers and each input pixel of the row is loaded once
 * and fed to every (pixel, tap) pair that uses it. For pixel j the taps still arrive in kx order
 * (input t = S·j + kx grows with kx), so each element is the same FMA chain as in dw_tile. */
static inline __attribute__((always_inline)) void
dw_slide(const emoc_dwconv_args *a, int oy, int ox, const int K, const int S, int ky0, int ky1, int c0,
         const int full, int m)
{
    const size_t ps = a->x_pstride, c = (size_t)a->c, row_stride = (size_t)a->iw * ps;
    float32x4_t acc[PX];
#pragma GCC unroll 8
    for (int j = 0; j < PX; j++) acc[j] = vdupq_n_f32(0.0f);
    const float *xrow = a->x + (size_t)c0 + (ptrdiff_t)(oy * a->sh - a->pad_t + ky0) * (ptrdiff_t)row_stride +
                        (ptrdiff_t)(ox * S - a->pad_l) * (ptrdiff_t)ps;
    const float *wrow = a->w + (size_t)c0 + (size_t)ky0 * (size_t)K * c;
    for (int ky = ky0; ky < ky1; ky++, xrow += row_stride, wrow += (size_t)K * c) {
        float32x4_t w[5];
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) w[kx] = full ? vld1q_f32(wrow + (size_t)kx * c) : emoc__ld_part(wrow + (size_t)kx * c, m);
#pragma GCC unroll 24
        for (int t = 0; t < (PX - 1) * S + K; t++) {
            const float *q = xrow + (size_t)t * ps;
            float32x4_t xv = full ? vld1q_f32(q) : emoc__ld_part(q, m);
#pragma GCC unroll 5
            for (int kx = 0; kx < K; kx++) {
                const int u = t - kx;
                if (u >= 0 && u % S == 0 && u / S < PX) acc[u / S] = vfmaq_f32(acc[u / S], xv, w[kx]);
            }
        }
    }
    {
        const int cv = c0;
        float32x4_t bias = vdupq_n_f32(0.0f), slope = vdupq_n_f32(0.0f);
        if (a->bias) bias = full ? vld1q_f32(a->bias + cv) : emoc__ld_part(a->bias + cv, m);
        if (a->act == EMOC_ACT_PRELU && a->slope)
            slope = full ? vld1q_f32(a->slope + cv) : emoc__ld_part(a->slope + cv, m);
        float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * a->y_pstride + (size_t)cv;
#pragma GCC unroll 8
        for (int j = 0; j < PX; j++, yp += a->y_pstride) {
            float32x4_t r = acc[j];
            if (a->bias) r = vaddq_f32(r, bias);
            r = emoc__act_neon(r, a->act, slope);
            if (full) vst1q_f32(yp, r);
            else emoc__st_part(yp, r, m);
        }
    }
}

/* All channels of npx pixels: groups of 8 pixels go one block at a time (8 chains); smaller
 * groups take 4 blocks at once so that a lone border pixel still has 4 independent chains. */
static inline __attribute__((always_inline)) void
dw_group(const emoc_dwconv_args *a, int oy, int ox, const int npx, int ky0, int ky1, int kx0,
         int kx1, const int kwc)
{
    int c0 = 0;
    if (npx == PX && kwc && kx0 == 0 && kx1 == kwc && (a->sw == 1 || a->sw == 2)) {
        for (; c0 + CV <= a->c; c0 += CV) {
            if (a->sw == 1) dw_slide(a, oy, ox, kwc, 1, ky0, ky1, c0, 1, CV);
            else dw_slide(a, oy, ox, kwc, 2, ky0, ky1, c0, 1, CV);
        }
        if (c0 < a->c) {
            if (a->sw == 1) dw_slide(a, oy, ox, kwc, 1, ky0, ky1, c0, 0, a->c - c0);
            else dw_slide(a, oy, ox, kwc, 2, ky0, ky1, c0, 0, a->c - c0);
        }
        return;
    }
    if (npx < PX)
        for (; c0 + 4 * CV <= a->c; c0 += 4 * CV)
            dw_tile(a, oy, ox, npx, 4, ky0, ky1, kx0, kx1, kwc, c0, 1, CV);
    for (; c0 + CV <= a->c; c0 += CV) dw_tile(a, oy, ox, npx, 1, ky0, ky1, kx0, kx1, kwc, c0, 1, CV);
    if (c0 < a->c)
        dw_tile(a, oy, ox, npx, 1, ky0, ky1, kx0, kx1, kwc, c0, 0, a->c - c0);
}

/* One group of the shared row scheduler (rows.h): npx is one of its widths, each dispatched to
 * a compile-time tile; interior pixels get the compile-time kernel width kwc, border pixels
 * (partial kx range) the generic one. */
static inline __attribute__((always_inline)) void
dw_any(const emoc_dwconv_args *a, int oy, int ox, int npx, int ky0, int ky1, int kx0, int kx1,
       const int kwc)
{
    const int kw = kwc ? kwc : a->kw;
    switch (npx) {
    case PX: dw_group(a, oy, ox, PX, ky0, ky1, 0, kw, kwc); break;
    case 4: dw_group(a, oy, ox, 4, ky0, ky1, 0, kw, kwc); break;
    case 2: dw_group(a, oy, ox, 2, ky0, ky1, 0, kw, kwc); break;
    default:
        if (kx0 == 0 && kx1 == kw) dw_group(a, oy, ox, 1, ky0, ky1, 0, kw, kwc);
        else dw_group(a, oy, ox, 1, ky0, ky1, kx0, kx1, 0);
    }
}

static void group_k3(const void *a, int oy, int ox, int npx, int ky0, int ky1, int kx0, int kx1)
{
    dw_any(a, oy, ox, npx, ky0, ky1, kx0, kx1, 3);
}

static void group_k5(const void *a, int oy, int ox, int npx, int ky0, int ky1, int kx0, int kx1)
{
    dw_any(a, oy, ox, npx, ky0, ky1, kx0, kx1, 5);
}

static void group_kn(const void *a, int oy, int ox, int npx, int ky0, int ky1, int kx0, int kx1)
{
    dw_any(a, oy, ox, npx, ky0, ky1, kx0, kx1, 0);
}

static void dwconv_neon(const emoc_dwconv_args *a, int oy0, int oy1)
{
    const emoc_conv_geom g = EMOC_CONV_GEOM(a);
    static const int widths[] = {PX, 4, 2, 1};
    if (a->kw == 3) emoc__conv_rows(&g, oy0, oy1, widths, 4, group_k3, a);
    else if (a->kw == 5) emoc__conv_rows(&g, oy0, oy1, widths, 4, group_k5, a);
    else emoc__conv_rows(&g, oy0, oy1, widths, 4, group_kn, a);
}

const emoc_dwconv_kernel emoc_f32_dwconv_c4__neon = {"emoc_f32_dwconv_c4__neon", dwconv_neon};
