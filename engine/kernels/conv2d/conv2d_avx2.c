/*
 * conv2d_avx2.c — AVX2+FMA full / grouped convolution, NHWC (semantics: kernels.h, reference:
 * conv2d_ref.c). Aimed at the 3×3 stride-2 stems (cin = 3) and MobileFaceNet's grouped 3×3
 * (2 channels per group), correct for any shape.
 *
 * Packing: output channels in blocks of 8 (last block zero-padded), each block stored as
 * [ky][kx][ci][8] with lane j = output channel 8·b + j, ci over that channel's group.
 * Vectorised across output channels; per lane the input channel is g(o)·cin_g + ci:
 *   groups == 1      one broadcast of x[ci] feeds every lane;
 *   span ≤ 8         (the input channels a block's lanes use fit in one vector) one masked load
 *                    per tap, then a lane permutation per ci;
 *   otherwise        a masked gather per tap and ci.
 * The shared row scheduler (rows.h) splits each row into interior pixels (all taps valid, 4 at a time) and border pixels (one at a
 * time over their valid taps). Every element is the FMA chain over valid taps in (ky, kx, ci)
 * order, then + bias and the activation, whichever path and grouping computed it, so results do
 * not depend on the row split.
 */
#include "engine/kernels/simd_avx2.h"

#include "engine/kernels/rows.h"

#include <stddef.h>

enum { OB = 8, PXG = 4 };

static inline int imin(int a, int b) { return a < b ? a : b; }

static size_t packed_size_avx2(int cout, int kh, int kw, int cin_g, int groups)
{
    (void)groups;
    size_t blocks = ((size_t)cout + OB - 1) / OB;
    return blocks * OB * (size_t)kh * (size_t)kw * (size_t)cin_g;
}

static void pack_avx2(const float *w, int cout, int kh, int kw, int cin_g, int groups, float *packed)
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
store_block(const conv_ctx *cx, int oy, int ox, const int npx, int b, const __m256 *acc, int stride)
{
    const emoc_conv2d_args *a = cx->a;
    const int o0 = b * OB;
    const __m256i m = emoc__m256_tail(a->cout - o0);
    __m256 bias = a->bias ? _mm256_maskload_ps(a->bias + o0, m) : _mm256_setzero_ps();
    __m256 slope = a->act == EMOC_ACT_PRELU && a->slope ? _mm256_maskload_ps(a->slope + o0, m)
                                                        : _mm256_setzero_ps();
    float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * (size_t)a->cout + (size_t)o0;
#pragma GCC unroll 4
    for (int j = 0; j < npx; j++, yp += a->cout) {
        __m256 r = acc[j * stride];
        if (a->bias) r = _mm256_add_ps(r, bias);
        _mm256_maskstore_ps(yp, m, emoc__act256(r, a->act, slope));
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
    __m256 acc[PXG][4];
#pragma GCC unroll 4
    for (int j = 0; j < PXG; j++)
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++) acc[j][v] = _mm256_setzero_ps();
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xrow = a->x + (ptrdiff_t)(iy0 + ky) * (ptrdiff_t)row + (ptrdiff_t)(ix0 + kx0) * (ptrdiff_t)ps;
        const float *wrow = a->w_packed + (size_t)b * bstride + ((size_t)ky * (size_t)a->kw + (size_t)kx0) * (size_t)cin * OB;
        for (int kx = kx0; kx < kx1; kx++, xrow += ps) {
            for (int ci = 0; ci < cin; ci++, wrow += OB) {
                __m256 w[4];
#pragma GCC unroll 4
                for (int v = 0; v < nvb; v++) w[v] = _mm256_loadu_ps(wrow + (size_t)v * bstride);
#pragma GCC unroll 4
                for (int j = 0; j < npx; j++) {
                    __m256 xb = _mm256_broadcast_ss(&xrow[(size_t)j * step + (size_t)ci]);
#pragma GCC unroll 4
                    for (int v = 0; v < nvb; v++) acc[j][v] = _mm256_fmadd_ps(xb, w[v], acc[j][v]);
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < nvb; v++) store_block(cx, oy, ox, npx, b + v, &acc[0][v], 4);
}

/* groups > 1: npx pixels × block b; gather = 0 uses the in-register permutation (span ≤ 16). */
static inline __attribute__((always_inline)) void
grouped_tile(const conv_ctx *cx, int oy, int ox, const int npx, int b, int ky0, int ky1, int kx0,
             int kx1, const int gather)
{
    const emoc_conv2d_args *a = cx->a;
    const int cin_g = cx->cin_g, o0 = b * OB, last = imin(o0 + OB, a->cout) - 1;
    const int base = (o0 / cx->cout_g) * cin_g;
    const int span = (last / cx->cout_g) * cin_g + cin_g - base;
    const __m256i valid = emoc__m256_tail(last - o0 + 1), spanm = emoc__m256_tail(span);
    /* gidx[j] = first input channel of lane j's group, relative to base (0 past cout) */
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i o = _mm256_add_epi32(lane, _mm256_set1_epi32(o0));
    o = _mm256_min_epi32(o, _mm256_set1_epi32(last));
    __m256i g;
    /* integer division by cout_g without a vector divide: done lane by lane once per block */
    {
        int tmp[OB];
        _mm256_storeu_si256((__m256i *)tmp, o);
        for (int j = 0; j < OB; j++) tmp[j] = (tmp[j] / cx->cout_g) * cin_g - base;
        g = _mm256_loadu_si256((const __m256i *)tmp);
    }
    const size_t ps = (size_t)a->cin, step = (size_t)a->sw * ps, row = (size_t)a->iw * ps;
    __m256 acc[PXG];
#pragma GCC unroll 4
    for (int j = 0; j < PXG; j++) acc[j] = _mm256_setzero_ps();
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xrow = a->x + (ptrdiff_t)(iy0 + ky) * (ptrdiff_t)row +
                            (ptrdiff_t)(ix0 + kx0) * (ptrdiff_t)ps + base;
        const float *wp = a->w_packed + (size_t)b * cx->taps * OB +
                          ((size_t)ky * (size_t)a->kw + (size_t)kx0) * (size_t)cin_g * OB;
        for (int kx = kx0; kx < kx1; kx++, xrow += ps) {
            __m256 xv[PXG];
            if (!gather) {
#pragma GCC unroll 4
                for (int j = 0; j < npx; j++) xv[j] = _mm256_maskload_ps(xrow + (size_t)j * step, spanm);
            }
            __m256i idx = g;
            for (int ci = 0; ci < cin_g; ci++, wp += OB, idx = _mm256_add_epi32(idx, _mm256_set1_epi32(1))) {
                __m256 w = _mm256_loadu_ps(wp);
#pragma GCC unroll 4
                for (int j = 0; j < npx; j++) {
                    __m256 xs = gather ? _mm256_mask_i32gather_ps(_mm256_setzero_ps(), xrow + (size_t)j * step,
                                                                  idx, _mm256_castsi256_ps(valid), 4)
                                       : _mm256_permutevar8x32_ps(xv[j], idx);
                    acc[j] = _mm256_fmadd_ps(xs, w, acc[j]);
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
    for (; b < blocks; b++) {
        const int o0 = b * OB, last = imin(o0 + OB, a->cout) - 1;
        const int span = (last / cx->cout_g) * cx->cin_g + cx->cin_g - (o0 / cx->cout_g) * cx->cin_g;
        if (span <= OB) grouped_tile(cx, oy, ox, npx, b, ky0, ky1, kx0, kx1, 0);
        else grouped_tile(cx, oy, ox, npx, b, ky0, ky1, kx0, kx1, 1);
    }
}

/* One group of the shared row scheduler (rows.h), dispatched to a compile-time pixel count. */
static void group(const void *cx, int oy, int ox, int npx, int ky0, int ky1, int kx0, int kx1)
{
    if (npx == PXG) pixel_group(cx, oy, ox, PXG, ky0, ky1, kx0, kx1);
    else pixel_group(cx, oy, ox, 1, ky0, ky1, kx0, kx1);
}

static void conv2d_avx2(const emoc_conv2d_args *a, int oy0, int oy1)
{
    conv_ctx cx = {a, a->cin / a->groups, a->cout / a->groups, 0};
    cx.taps = (size_t)a->kh * (size_t)a->kw * (size_t)cx.cin_g;
    const emoc_conv_geom g = EMOC_CONV_GEOM(a);
    static const int widths[] = {PXG, 1};
    emoc__conv_rows(&g, oy0, oy1, widths, 2, group, &cx);
}

const emoc_conv2d_kernel emoc_f32_conv2d_4x8__avx2 = {"emoc_f32_conv2d_4x8__avx2", conv2d_avx2,
                                                         packed_size_avx2, pack_avx2};
