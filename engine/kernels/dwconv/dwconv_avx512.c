/*
 * dwconv_avx512.c — AVX-512 depthwise convolution, NHWC, any kernel size / stride / asymmetric
 * padding (semantics: kernels.h, reference: dwconv_ref.c).
 *
 * Vectorised across channels, 16 per zmm; a channel tail (c mod 16) uses masked loads and
 * stores, so no byte outside [0, c) of any pixel is touched.
 * k3/k5/k7/k9 with stride 1/2 (every EfficientNet / MobileFaceNet depthwise, DDAMFN's mixed
 * 3/5/7/9 kernels): each output row is cut
 * into groups of 16 pixels (8 for a last short group, which may hang over the row end and then
 * stores only its valid pixels); a group slides along each kernel row, loading every input
 * pixel once, skipping input columns in the left/right padding (dw_slide). Border pixels thus
 * run at the interior's speed.
 * Whole tensors of 8 channels, kernel width 3, stride 1 (RetinaFace's first depthwise): two
 * pixels per vector (dw8_pairs), 16 pixels at a time.
 * Other kernels: the shared row scheduler (rows.h) splits each output row into left border,
 * interior and right border pixels; interior pixels see every kx tap and are done 8 at a time
 * (8 accumulators, one weight load shared by the 8), border pixels one at a time over their
 * valid kx range (dw_tile).
 * Every element is the FMA chain over valid taps in (ky, kx) order, as the reference skips
 * out-of-range taps, then + bias and the activation; the grouping of pixels only decides which
 * element shares a weight load, so the result does not depend on [oy0, oy1).
 */
#include "engine/kernels/simd_avx512.h"

#include "engine/kernels/rows.h"

#include <stddef.h>

enum { CV = 16, PX = 8, SPX = 16 };

static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }

/* npx output pixels (ox .. ox+npx−1 of row oy) × nvb channel blocks starting at c0, sharing the
 * tap ranges [ky0,ky1)×[kx0,kx1); with nvb = 1 the block may be partial (mask m, full = 0).
 * npx, nvb, kwc (0 = use a->kw) and full are compile-time. Addresses are stepped with
 * precomputed pixel offsets (no multiply per load). */
static inline __attribute__((always_inline)) void
dw_tile(const emoc_dwconv_args *a, int oy, int ox, const int npx, const int nvb, int ky0, int ky1,
        int kx0, int kx1, const int kwc, int c0, const int full, __mmask16 m)
{
    const int kw = kwc ? kwc : a->kw;
    const size_t ps = a->x_pstride, c = (size_t)a->c, step = (size_t)a->sw * ps;
    const size_t row_stride = (size_t)a->iw * ps;
    size_t off[PX];
#pragma GCC unroll 8
    for (int j = 0; j < PX; j++) off[j] = (size_t)j * step;
    __m512 acc[PX][4];
#pragma GCC unroll 8
    for (int j = 0; j < PX; j++)
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++) acc[j][v] = _mm512_setzero_ps();
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    const float *xrow = a->x + (size_t)c0 + (ptrdiff_t)(iy0 + ky0) * (ptrdiff_t)row_stride +
                        (ptrdiff_t)(ix0 + kx0) * (ptrdiff_t)ps;
    const float *wrow = a->w + (size_t)c0 + ((size_t)ky0 * (size_t)kw + (size_t)kx0) * c;
    for (int ky = ky0; ky < ky1; ky++, xrow += row_stride, wrow += (size_t)kw * c) {
        const float *xp = xrow, *wp = wrow;
#pragma GCC unroll 9
        for (int kx = kx0; kx < kx1; kx++, xp += ps, wp += c) {
            __m512 w[4];
#pragma GCC unroll 4
            for (int v = 0; v < nvb; v++)
                w[v] = full ? _mm512_loadu_ps(wp + 16 * v) : _mm512_maskz_loadu_ps(m, wp);
#pragma GCC unroll 8
            for (int j = 0; j < npx; j++)
#pragma GCC unroll 4
                for (int v = 0; v < nvb; v++) {
                    const float *q = xp + off[j] + 16 * v;
                    __m512 xv = full ? _mm512_loadu_ps(q) : _mm512_maskz_loadu_ps(m, q);
                    acc[j][v] = _mm512_fmadd_ps(xv, w[v], acc[j][v]);
                }
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < nvb; v++) {
        const int cv = c0 + 16 * v;
        __m512 bias = _mm512_setzero_ps(), slope = _mm512_setzero_ps();
        if (a->bias) bias = full ? _mm512_loadu_ps(a->bias + cv) : _mm512_maskz_loadu_ps(m, a->bias + cv);
        if (a->act == EMOC_ACT_PRELU && a->slope)
            slope = full ? _mm512_loadu_ps(a->slope + cv) : _mm512_maskz_loadu_ps(m, a->slope + cv);
        float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * a->y_pstride + (size_t)cv;
#pragma GCC unroll 8
        for (int j = 0; j < npx; j++, yp += a->y_pstride) {
            __m512 r = acc[j][v];
            if (a->bias) r = _mm512_add_ps(r, bias);
            r = emoc__act512(r, a->act, slope);
            if (full) _mm512_storeu_ps(yp, r);
            else _mm512_mask_storeu_ps(yp, m, r);
        }
    }
}

/* Sliding path for a compile-time kernel width K (3, 5, 7, 9) and stride S (1, 2): NP consecutive
 * output pixels from ox (the first nvalid of them stored, so a row's last group may hang over
 * its end) × one channel block. Per kernel row the K weights stay in registers and each input
 * pixel is loaded once and fed to every (pixel, tap) pair that uses it; input pixels outside
 * [0, iw) (the left/right padding) are skipped, which skips exactly the taps the reference
 * skips. For pixel j the taps still arrive in kx order (input t = S·j + kx grows with kx), so
 * each element is the same FMA chain as in the reference. Border pixels thus run at the
 * interior's speed instead of one at a time. */
static inline __attribute__((always_inline)) void
dw_slide(const emoc_dwconv_args *a, int oy, int ox, const int NP, int nvalid, const int K,
         const int S, int ky0, int ky1, int c0, const int full, __mmask16 m)
{
    const size_t ps = a->x_pstride, c = (size_t)a->c, row_stride = (size_t)a->iw * ps;
    const int T = (NP - 1) * S + K;
    const int ix0 = ox * S - a->pad_l;                       /* input column of t = 0 */
    const int t_lo = imax(0, -ix0), t_hi = imin(T, a->iw - ix0); /* valid t: [t_lo, t_hi) */
    __m512 acc[SPX];
#pragma GCC unroll 16
    for (int j = 0; j < NP; j++) acc[j] = _mm512_setzero_ps();
    const int iy0 = oy * a->sh - a->pad_t;
    const float *xrow = a->x + (size_t)c0 + (size_t)(iy0 + ky0) * row_stride;
    const float *wrow = a->w + (size_t)c0 + (size_t)ky0 * (size_t)K * c;
    /* The S input rows the next output row adds (kh rows below the first S rows of this one)
     * are prefetched into L2 while this row is computed: large depthwise inputs (4.8 MB for
     * B0's stage 1) come from L3/DRAM and the loads would otherwise wait on every line. */
    const size_t pf_bytes = (size_t)a->kh * row_stride * sizeof(float);
    for (int ky = ky0; ky < ky1; ky++, xrow += row_stride, wrow += (size_t)K * c) {
        __m512 w[9]; /* 16 accumulators + 9 weights + the input: 26 of the 32 zmm */
#pragma GCC unroll 9
        for (int kx = 0; kx < K; kx++) w[kx] = full ? _mm512_loadu_ps(wrow + (size_t)kx * c) : _mm512_maskz_loadu_ps(m, wrow + (size_t)kx * c);
        const int pf = ky < S && iy0 + ky + a->kh < a->ih;
        size_t off = (size_t)(ix0 + t_lo) * ps;
#pragma GCC unroll 40
        for (int t = 0; t < T; t++) {
            if (t < t_lo || t >= t_hi) continue;
            /* Opaque to the optimiser: keeps one offset bumped per pixel instead of ~20
             * precomputed t·ps offsets that spill to the stack (one reload per input load). */
            __asm__("" : "+r"(off));
            const float *q = xrow + off;
            off += ps;
            if (pf) _mm_prefetch((const char *)q + pf_bytes, _MM_HINT_T1);
            __m512 xv = full ? _mm512_loadu_ps(q) : _mm512_maskz_loadu_ps(m, q);
#pragma GCC unroll 9
            for (int kx = 0; kx < K; kx++) {
                const int u = t - kx;
                if (u >= 0 && u % S == 0 && u / S < NP) acc[u / S] = _mm512_fmadd_ps(xv, w[kx], acc[u / S]);
            }
        }
    }
    __m512 bias = _mm512_setzero_ps(), slope = _mm512_setzero_ps();
    if (a->bias) bias = full ? _mm512_loadu_ps(a->bias + c0) : _mm512_maskz_loadu_ps(m, a->bias + c0);
    if (a->act == EMOC_ACT_PRELU && a->slope)
        slope = full ? _mm512_loadu_ps(a->slope + c0) : _mm512_maskz_loadu_ps(m, a->slope + c0);
    float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * a->y_pstride + (size_t)c0;
#pragma GCC unroll 16
    for (int j = 0; j < NP; j++, yp += a->y_pstride) {
        if (j >= nvalid) break;
        __m512 r = acc[j];
        if (a->bias) r = _mm512_add_ps(r, bias);
        r = emoc__act512(r, a->act, slope);
        if (full) _mm512_storeu_ps(yp, r);
        else _mm512_mask_storeu_ps(yp, m, r);
    }
}

/* Every channel block of NP pixels from ox (nvalid stored). */
static inline __attribute__((always_inline)) void
dw_slide_group(const emoc_dwconv_args *a, int oy, int ox, const int NP, int nvalid, const int K,
               const int S, int ky0, int ky1)
{
    int c0 = 0;
    for (; c0 + CV <= a->c; c0 += CV) dw_slide(a, oy, ox, NP, nvalid, K, S, ky0, ky1, c0, 1, 0xFFFF);
    if (c0 < a->c) dw_slide(a, oy, ox, NP, nvalid, K, S, ky0, ky1, c0, 0, emoc__m512_tail(a->c - c0));
}

/* Rows [oy0, oy1) by sliding groups of 16 pixels (8 for the last ≤ 8 of a row). */
static inline __attribute__((always_inline)) void
dw_rows_slide(const emoc_dwconv_args *a, int oy0, int oy1, const int K, const int S)
{
    for (int oy = oy0; oy < oy1; oy++) {
        int ky0, ky1;
        emoc__tap_range(oy, a->sh, a->pad_t, a->kh, a->ih, &ky0, &ky1);
        for (int ox = 0; ox < a->ow;) {
            int left = a->ow - ox;
            if (left > PX) {
                dw_slide_group(a, oy, ox, SPX, imin(left, SPX), K, S, ky0, ky1);
                ox += SPX;
            } else {
                dw_slide_group(a, oy, ox, PX, left, K, S, ky0, ky1);
                ox += PX;
            }
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
    if (npx < PX)
        for (; c0 + 4 * CV <= a->c; c0 += 4 * CV)
            dw_tile(a, oy, ox, npx, 4, ky0, ky1, kx0, kx1, kwc, c0, 1, 0xFFFF);
    for (; c0 + CV <= a->c; c0 += CV) dw_tile(a, oy, ox, npx, 1, ky0, ky1, kx0, kx1, kwc, c0, 1, 0xFFFF);
    if (c0 < a->c)
        dw_tile(a, oy, ox, npx, 1, ky0, ky1, kx0, kx1, kwc, c0, 0, emoc__m512_tail(a->c - c0));
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

/* Whole tensors of 8 channels (pixel strides 8), kernel width 3, stride 1 (RetinaFace's first
 * depthwise): two pixels per vector, pixel ox + 2p in lanes 0-7 and ox + 2p + 1 in lanes 8-15,
 * so no lane idles; tap kx of a pair is one 16-float load at input column ox + 2p − pad_l + kx,
 * its weights the 8 of the tap in both halves. D8P pairs of a row at a time. In an edge group
 * (taps over the left/right padding, or pixels past the row's end) a half whose pixel is missing
 * or whose input column is outside [0, iw) is neither loaded nor added (a masked FMA keeps its
 * lanes), so each lane takes exactly the reference's taps: every element is the FMA chain over
 * valid taps in (ky, kx) order, then + bias and the activation, as in the other paths. */
enum { D8P = 8 };

static inline __attribute__((always_inline)) void
dw8_pairs(const emoc_dwconv_args *a, int oy, int ox, int ky0, int ky1, int lo, int hi, const int edge)
{
    const size_t row = (size_t)a->iw * 8;
    const int ix0 = ox - a->pad_l, iy0 = oy * a->sh - a->pad_t;
    unsigned inner = 0; /* bit p: both pixels of pair p are interior (every tap valid) */
#pragma GCC unroll 8
    for (int p = 0; p < D8P; p++)
        if (ox + 2 * p >= lo && ox + 2 * p + 2 <= hi) inner |= 1u << p;
    __m512 acc[D8P];
#pragma GCC unroll 8
    for (int p = 0; p < D8P; p++) acc[p] = _mm512_setzero_ps();
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xr = a->x + (size_t)(iy0 + ky) * row;
        __m512 w[3];
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; kx++)
            w[kx] = _mm512_broadcast_f32x8(_mm256_loadu_ps(a->w + ((size_t)ky * 3 + (size_t)kx) * 8));
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; kx++)
#pragma GCC unroll 8
            for (int p = 0; p < D8P; p++) {
                const int c0 = ix0 + 2 * p + kx; /* input column of the pair's first pixel */
                if (!edge || (inner >> p & 1u)) {
                    acc[p] = _mm512_fmadd_ps(_mm512_loadu_ps(xr + (size_t)c0 * 8), w[kx], acc[p]);
                    continue;
                }
                const int v0 = ox + 2 * p < a->ow && c0 >= 0 && c0 < a->iw;
                const int v1 = ox + 2 * p + 1 < a->ow && c0 + 1 >= 0 && c0 + 1 < a->iw;
                if (v0 && v1) {
                    acc[p] = _mm512_fmadd_ps(_mm512_loadu_ps(xr + (size_t)c0 * 8), w[kx], acc[p]);
                } else if (v0) {
                    __m512 xv = _mm512_castps256_ps512(_mm256_loadu_ps(xr + (size_t)c0 * 8));
                    acc[p] = _mm512_mask3_fmadd_ps(xv, w[kx], acc[p], (__mmask16)0x00FF);
                } else if (v1) {
                    __m512 xv = _mm512_insertf32x8(_mm512_setzero_ps(), _mm256_loadu_ps(xr + (size_t)(c0 + 1) * 8), 1);
                    acc[p] = _mm512_mask3_fmadd_ps(xv, w[kx], acc[p], (__mmask16)0xFF00);
                }
            }
    }
    __m512 bias = _mm512_setzero_ps(), slope = _mm512_setzero_ps();
    if (a->bias) bias = _mm512_broadcast_f32x8(_mm256_loadu_ps(a->bias));
    if (a->act == EMOC_ACT_PRELU && a->slope) slope = _mm512_broadcast_f32x8(_mm256_loadu_ps(a->slope));
    float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * 8;
#pragma GCC unroll 8
    for (int p = 0; p < D8P; p++, yp += 16) {
        if (edge && ox + 2 * p >= a->ow) break;
        __m512 r = acc[p];
        if (a->bias) r = _mm512_add_ps(r, bias);
        r = emoc__act512(r, a->act, slope);
        if (!edge || ox + 2 * p + 1 < a->ow) _mm512_storeu_ps(yp, r);
        else _mm256_storeu_ps(yp, _mm512_castps512_ps256(r));
    }
}

/* Rows [oy0, oy1) of a dw8_pairs conv: groups of 2·D8P pixels, interior ones without tests. */
static void dw8_rows(const emoc_dwconv_args *a, int oy0, int oy1)
{
    const emoc_conv_geom g = EMOC_CONV_GEOM(a);
    int lo, hi;
    emoc__row_interior(&g, &lo, &hi);
    for (int oy = oy0; oy < oy1; oy++) {
        int ky0, ky1;
        emoc__tap_range(oy, a->sh, a->pad_t, a->kh, a->ih, &ky0, &ky1);
        for (int ox = 0; ox < a->ow; ox += 2 * D8P) {
            if (ox >= lo && ox + 2 * D8P <= hi) dw8_pairs(a, oy, ox, ky0, ky1, lo, hi, 0);
            else dw8_pairs(a, oy, ox, ky0, ky1, lo, hi, 1);
        }
    }
}

static void dwconv_avx512(const emoc_dwconv_args *a, int oy0, int oy1)
{
    if (a->c == 8 && a->x_pstride == 8 && a->y_pstride == 8 && a->kw == 3 && a->sw == 1) {
        dw8_rows(a, oy0, oy1);
        return;
    }
    /* Rows narrower than 4 pixels (the 7×7 → 1×1 "linear" depthwise of MobileFaceNet and
     * DDAMFN) would compute a whole 8-pixel group for each: they take the tiled path. */
    const int slide = a->ow >= 4 && (a->sw == 1 || a->sw == 2);
    if (slide && a->kw == 3 && a->sw == 1) dw_rows_slide(a, oy0, oy1, 3, 1);
    else if (slide && a->kw == 3) dw_rows_slide(a, oy0, oy1, 3, 2);
    else if (slide && a->kw == 5 && a->sw == 1) dw_rows_slide(a, oy0, oy1, 5, 1);
    else if (slide && a->kw == 5) dw_rows_slide(a, oy0, oy1, 5, 2);
    else if (slide && a->kw == 7 && a->sw == 1) dw_rows_slide(a, oy0, oy1, 7, 1);
    else if (slide && a->kw == 7) dw_rows_slide(a, oy0, oy1, 7, 2);
    else if (slide && a->kw == 9 && a->sw == 1) dw_rows_slide(a, oy0, oy1, 9, 1);
    else if (slide && a->kw == 9) dw_rows_slide(a, oy0, oy1, 9, 2);
    else {
        const emoc_conv_geom g = EMOC_CONV_GEOM(a);
        static const int widths[] = {PX, 4, 2, 1};
        if (a->kw == 3) emoc__conv_rows(&g, oy0, oy1, widths, 4, group_k3, a);
        else if (a->kw == 5) emoc__conv_rows(&g, oy0, oy1, widths, 4, group_k5, a);
        else emoc__conv_rows(&g, oy0, oy1, widths, 4, group_kn, a);
    }
}

const emoc_dwconv_kernel emoc_f32_dwconv_c16__avx512 = {"emoc_f32_dwconv_c16__avx512", dwconv_avx512};
