/*
 * dwconv_avx512.c — AVX-512 depthwise convolution, NHWC, any kernel size / stride / asymmetric
 * padding (semantics: kernels.h, reference: dwconv_ref.c).
 *
 * Vectorised across channels, 16 per zmm; a channel tail (c mod 16) uses masked loads and
 * stores, so no byte outside [0, c) of any pixel is touched. Each output row splits into left
 * border, interior and right border pixels: interior pixels see every kx tap and are done 8 at
 * a time (8 accumulators, one weight load shared by the 8); border pixels one at a time over
 * their valid kx range. Every element is the FMA chain over valid taps in (ky, kx) order, as the
 * reference skips out-of-range taps, then + bias and the activation; the grouping of pixels
 * only decides which element shares a weight load, so the result does not depend on [oy0, oy1).
 * The k3/k5 paths are the same code with the kernel width a compile-time constant.
 */
#include "engine/kernels/simd_avx512.h"

enum { CV = 16, PX = 8 };

static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }

/* npx output pixels (ox .. ox+npx−1 of row oy) that share the tap ranges [ky0,ky1)×[kx0,kx1),
 * channels [c0, c0+16) masked by m. npx, kwc (0 = use a->kw) and full are compile-time. */
static inline __attribute__((always_inline)) void
dw_pixels(const emoc_dwconv_args *a, int oy, int ox, const int npx, int ky0, int ky1, int kx0,
          int kx1, const int kwc, int c0, const int full, __mmask16 m)
{
    const int kw = kwc ? kwc : a->kw;
    const size_t ps = a->x_pstride;
    __m512 acc[PX];
#pragma GCC unroll 8
    for (int j = 0; j < PX; j++) acc[j] = _mm512_setzero_ps();
    for (int ky = ky0; ky < ky1; ky++) {
        const int iy = oy * a->sh + ky - a->pad_t;
        const float *xrow = a->x + (size_t)iy * (size_t)a->iw * ps + (size_t)c0;
        const float *wrow = a->w + (size_t)ky * (size_t)kw * (size_t)a->c + (size_t)c0;
#pragma GCC unroll 9
        for (int kx = kx0; kx < kx1; kx++) {
            const float *wp = wrow + (size_t)kx * (size_t)a->c;
            __m512 w = full ? _mm512_loadu_ps(wp) : _mm512_maskz_loadu_ps(m, wp);
#pragma GCC unroll 8
            for (int j = 0; j < npx; j++) {
                const int ix = (ox + j) * a->sw + kx - a->pad_l;
                const float *xp = xrow + (size_t)ix * ps;
                __m512 xv = full ? _mm512_loadu_ps(xp) : _mm512_maskz_loadu_ps(m, xp);
                acc[j] = _mm512_fmadd_ps(xv, w, acc[j]);
            }
        }
    }
    __m512 bias = _mm512_setzero_ps(), slope = _mm512_setzero_ps();
    if (a->bias) bias = full ? _mm512_loadu_ps(a->bias + c0) : _mm512_maskz_loadu_ps(m, a->bias + c0);
    if (a->act == EMOC_ACT_PRELU && a->slope)
        slope = full ? _mm512_loadu_ps(a->slope + c0) : _mm512_maskz_loadu_ps(m, a->slope + c0);
#pragma GCC unroll 8
    for (int j = 0; j < npx; j++) {
        __m512 r = acc[j];
        if (a->bias) r = _mm512_add_ps(r, bias);
        r = emoc__act512(r, a->act, slope);
        float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)(ox + j)) * a->y_pstride + (size_t)c0;
        if (full) _mm512_storeu_ps(yp, r);
        else _mm512_mask_storeu_ps(yp, m, r);
    }
}

/* All channel blocks of npx pixels. */
static inline __attribute__((always_inline)) void
dw_group(const emoc_dwconv_args *a, int oy, int ox, const int npx, int ky0, int ky1, int kx0,
         int kx1, const int kwc)
{
    int c0 = 0;
    for (; c0 + CV <= a->c; c0 += CV) dw_pixels(a, oy, ox, npx, ky0, ky1, kx0, kx1, kwc, c0, 1, 0xFFFF);
    if (c0 < a->c)
        dw_pixels(a, oy, ox, npx, ky0, ky1, kx0, kx1, kwc, c0, 0, emoc__m512_tail(a->c - c0));
}

static inline __attribute__((always_inline)) void dw_rows(const emoc_dwconv_args *a, int oy0,
                                                          int oy1, const int kwc)
{
    const int kw = kwc ? kwc : a->kw, sw = a->sw, pl = a->pad_l;
    /* interior: ox·sw − pl ≥ 0 and ox·sw − pl + kw ≤ iw */
    int ox_lo = imin((pl + sw - 1) / sw, a->ow);
    int ox_hi = a->iw - kw + pl < 0 ? 0 : imin((a->iw - kw + pl) / sw + 1, a->ow);
    if (ox_hi < ox_lo) ox_hi = ox_lo;
    for (int oy = oy0; oy < oy1; oy++) {
        const int ky0 = imax(0, a->pad_t - oy * a->sh), ky1 = imin(a->kh, a->ih + a->pad_t - oy * a->sh);
        for (int ox = 0; ox < a->ow; ox++) {
            if (ox == ox_lo) {
                for (; ox + PX <= ox_hi; ox += PX) dw_group(a, oy, ox, PX, ky0, ky1, 0, kw, kwc);
                for (; ox < ox_hi; ox++) dw_group(a, oy, ox, 1, ky0, ky1, 0, kw, kwc);
                if (ox >= a->ow) break;
            }
            const int kx0 = imax(0, pl - ox * sw), kx1 = imin(kw, a->iw + pl - ox * sw);
            dw_group(a, oy, ox, 1, ky0, ky1, kx0, kx1, 0);
        }
    }
}

static void dwconv_avx512(const emoc_dwconv_args *a, int oy0, int oy1)
{
    if (a->kw == 3) dw_rows(a, oy0, oy1, 3);
    else if (a->kw == 5) dw_rows(a, oy0, oy1, 5);
    else dw_rows(a, oy0, oy1, 0);
}

const emoc_dwconv_kernel emoc_f32_dwconv_c16__avx512 = {"emoc_f32_dwconv_c16__avx512", dwconv_avx512};
