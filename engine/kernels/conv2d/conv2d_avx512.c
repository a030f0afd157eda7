/*
 * conv2d_avx512.c — AVX-512 full / grouped convolution, NHWC (semantics: kernels.h, reference:
 * conv2d_ref.c). Aimed at the 3×3 stride-2 stems (cin = 3) and MobileFaceNet's grouped 3×3
 * (2 channels per group), correct for any shape.
 *
 * Packing: output channels in blocks of 16 (last block zero-padded), each block stored as
 * [ky][kx][ci][16] with lane j = output channel 16·b + j, ci over that channel's group.
 * Vectorised across output channels; per lane the input channel is g(o)·cin_g + ci:
 *   groups == 1      one broadcast of x[ci] feeds every lane;
 *   span ≤ 16        (the input channels a block's lanes use fit in one vector) one masked load
 *                    per tap, then a lane permutation per ci;
 *   otherwise        a masked gather per tap and ci;
 *   channel pairs    (cin_g = cout_g = 2, cin = cout, k 3/5, stride 1/2: MobileFaceNet's grouped
 *                    3×3) interior groups of 8 or 4 pixels slide along the kernel row, splitting
 *                    each input pixel once with vmovsldup / vmovshdup (pair_slide).
 * The lane → group tables of the grouped paths are built once per call.
 *   pixel pairs      (dense, cin 3, 3×3, cout ≤ 8: RetinaFace's stem) two pixels per vector,
 *                    taps by lane permutation of one load per kernel row (pair_tile).
 * Dense convs other than pixel pairs, on rows at least one group wide (RetinaFace's FPN/SSH 3×3
 * convs): whole rows in groups of 8 pixels (cout ≤ 32) or 4, the last group overlapping the one
 * before, the groups over the padding taking per pixel only the valid taps (dense_rows); 3×3
 * stride 1 with cout ≤ 32 (the SSH convs) slides each input column's broadcast over the up to 3
 * pixels that use it, FMAs in (ky, ci, kx) order (slide_tile).
 * Otherwise the shared row scheduler (rows.h) splits each row into interior pixels (all taps valid; 16 at a
 * time for pixel pairs, 8 when grouped or cout ≤ 32, else 4) and
 * border pixels (one at a time over their valid taps). Every element is the FMA chain over valid taps in (ky, kx, ci)
 * order (slide_tile's convs: (ky, ci, kx), every pixel), then + bias and the activation, whichever
 * path and grouping computed it, so results do not depend on the row split.
 */
#include "engine/kernels/simd_avx512.h"

#include "engine/kernels/rows.h"

#include <stddef.h>

enum { OB = 16, PXG = 4, GPX = 8, WPX = 16, MAX_GBLOCKS = 64 };

static inline int imin(int a, int b) { return a < b ? a : b; }

static size_t packed_size_avx512(int cout, int kh, int kw, int cin_g, int groups)
{
    (void)groups;
    size_t blocks = ((size_t)cout + OB - 1) / OB;
    return blocks * OB * (size_t)kh * (size_t)kw * (size_t)cin_g;
}

/* Dense with cout ≤ 8: lanes 8-15 repeat lanes 0-7 (pair_tile puts a second pixel there; the
 * other tiles compute those lanes too but never store them). */
static void pack_avx512(const float *w, int cout, int kh, int kw, int cin_g, int groups, float *packed)
{
    const size_t taps = (size_t)kh * (size_t)kw * (size_t)cin_g;
    const int blocks = (cout + OB - 1) / OB, dup = groups == 1 && cout <= OB / 2;
    for (int b = 0; b < blocks; b++)
        for (size_t t = 0; t < taps; t++)
            for (int j = 0; j < OB; j++) {
                int o = b * OB + (dup ? j % (OB / 2) : j);
                packed[((size_t)b * taps + t) * OB + (size_t)j] = o < cout ? w[(size_t)o * taps + t] : 0.0f;
            }
}

typedef struct conv_ctx {
    const emoc_conv2d_args *a;
    int cin_g, cout_g;
    size_t taps; /* kh·kw·cin_g: floats per lane per block */
    int pairs;   /* interior groups go through pair_tile (pairs_eligible) */
    int slide;   /* dense_rows' groups go through slide_tile (slide_eligible) */
} conv_ctx;

/* The RGB stems with cout ≤ 8 (RetinaFace's 3→8, 3×3, stride 2): dense, 3 input channels, 3×3,
 * stride 1 or 2, so two neighbouring pixels' kernel rows fit in one vector. */
static int pairs_eligible(const emoc_conv2d_args *a)
{
    return a->groups == 1 && a->cout <= OB / 2 && a->cin == 3 && a->kw == 3 && (a->sw == 1 || a->sw == 2);
}

/* Epilogue of one block for npx pixels. */
static inline __attribute__((always_inline)) void
store_block(const conv_ctx *cx, int oy, int ox, const int npx, int b, const __m512 *acc, int stride)
{
    const emoc_conv2d_args *a = cx->a;
    const int o0 = b * OB;
    const __mmask16 m = emoc__m512_tail(a->cout - o0);
    __m512 bias = a->bias ? _mm512_maskz_loadu_ps(m, a->bias + o0) : _mm512_setzero_ps();
    __m512 slope = a->act == EMOC_ACT_PRELU && a->slope ? _mm512_maskz_loadu_ps(m, a->slope + o0)
                                                        : _mm512_setzero_ps();
    float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * (size_t)a->cout + (size_t)o0;
#pragma GCC unroll 8
    for (int j = 0; j < npx; j++, yp += a->cout) {
        __m512 r = acc[j * stride];
        if (a->bias) r = _mm512_add_ps(r, bias);
        r = emoc__act512(r, a->act, slope);
        if (m == 0xFF) _mm256_storeu_ps(yp, _mm512_castps512_ps256(r)); /* cout 8: no masked store */
        else _mm512_mask_storeu_ps(yp, m, r);
    }
}

/* The npx × nvb accumulators of a dense tile, zeroed (dense_edge_tile, dense_tile). */
static inline __attribute__((always_inline)) void
zero_tile(__m512 acc[GPX][4], const int npx, const int nvb)
{
#pragma GCC unroll 8
    for (int j = 0; j < npx; j++)
#pragma GCC unroll 4
        for (int v = 0; v < nvb; v++) acc[j][v] = _mm512_setzero_ps();
}

/* groups == 1, a group of npx pixels of which some hang over the left or right padding (the
 * first / last group of a row in dense_rows): pixel j takes tap kx only when its input column
 * ox·sw − pad_l + j·sw + kx is inside [0, iw), exactly the taps the reference takes, in the same
 * (ky, kx, ci) order; the validity of (kx, j) is one bit test per FMA, hoisted out of ci. */
static inline __attribute__((always_inline)) void
dense_edge_tile(const conv_ctx *cx, int oy, int ox, const int npx, const int nvb, int b, int ky0,
                int ky1)
{
    const emoc_conv2d_args *a = cx->a;
    const size_t ps = (size_t)a->cin, row = (size_t)a->iw * ps;
    const size_t bstride = cx->taps * OB;
    __m512 acc[GPX][4];
    zero_tile(acc, npx, nvb);
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xrow = a->x + (size_t)(iy0 + ky) * row;
        for (int kx = 0; kx < a->kw; kx++) {
            unsigned valid = 0; /* bit j: pixel j takes this tap */
            int col[GPX];
#pragma GCC unroll 8
            for (int j = 0; j < npx; j++) {
                col[j] = ix0 + j * a->sw + kx;
                if (col[j] >= 0 && col[j] < a->iw) valid |= 1u << j;
                else col[j] = 0;
            }
            const float *wrow = a->w_packed + (size_t)b * bstride +
                                ((size_t)ky * (size_t)a->kw + (size_t)kx) * ps * OB;
            for (int ci = 0; ci < a->cin; ci++, wrow += OB) {
                __m512 w[4];
#pragma GCC unroll 4
                for (int v = 0; v < nvb; v++) w[v] = _mm512_loadu_ps(wrow + (size_t)v * bstride);
#pragma GCC unroll 8
                for (int j = 0; j < npx; j++) {
                    if (!(valid >> j & 1u)) continue;
                    __m512 xb = _mm512_set1_ps(xrow[(size_t)col[j] * ps + (size_t)ci]);
#pragma GCC unroll 4
                    for (int v = 0; v < nvb; v++) acc[j][v] = _mm512_fmadd_ps(xb, w[v], acc[j][v]);
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < nvb; v++) store_block(cx, oy, ox, npx, b + v, &acc[0][v], 4);
}

/* groups == 1: npx pixels × nvb blocks starting at block b (npx ≤ 4, or 8 with nvb ≤ 2: at most
 * 16 accumulators). */
static inline __attribute__((always_inline)) void
dense_tile_k(const conv_ctx *cx, int oy, int ox, const int npx, const int nvb, int b, int ky0, int ky1,
             int kx0, int kx1, const int CIN, const int KW)
{
    const emoc_conv2d_args *a = cx->a;
    const int cin = CIN ? CIN : a->cin;
    if (KW) kx0 = 0, kx1 = KW;
    const size_t ps = (size_t)cin, step = (size_t)a->sw * ps, row = (size_t)a->iw * ps;
    const size_t bstride = cx->taps * OB;
    __m512 acc[GPX][4];
    zero_tile(acc, npx, nvb);
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xrow = a->x + (ptrdiff_t)(iy0 + ky) * (ptrdiff_t)row + (ptrdiff_t)(ix0 + kx0) * (ptrdiff_t)ps;
        const float *wrow = a->w_packed + (size_t)b * bstride + ((size_t)ky * (size_t)a->kw + (size_t)kx0) * (size_t)cin * OB;
#pragma GCC unroll 3
        for (int kx = kx0; kx < kx1; kx++, xrow += ps) {
#pragma GCC unroll 3
            for (int ci = 0; ci < cin; ci++, wrow += OB) {
                __m512 w[4];
#pragma GCC unroll 4
                for (int v = 0; v < nvb; v++) w[v] = _mm512_loadu_ps(wrow + (size_t)v * bstride);
#pragma GCC unroll 8
                for (int j = 0; j < npx; j++) {
                    __m512 xb = _mm512_set1_ps(xrow[(size_t)j * step + (size_t)ci]);
#pragma GCC unroll 4
                    for (int v = 0; v < nvb; v++) acc[j][v] = _mm512_fmadd_ps(xb, w[v], acc[j][v]);
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < nvb; v++) store_block(cx, oy, ox, npx, b + v, &acc[0][v], 4);
}

static inline __attribute__((always_inline)) void
dense_tile(const conv_ctx *cx, int oy, int ox, const int npx, const int nvb, int b, int ky0, int ky1,
           int kx0, int kx1)
{
    /* the RGB stems (cin 3, 3×3, all kx taps): a straight-line tap loop, no 3-trip inner loops */
    if (cx->a->cin == 3 && cx->a->kw == 3 && kx0 == 0 && kx1 == 3)
        dense_tile_k(cx, oy, ox, npx, nvb, b, ky0, ky1, 0, 3, 3, 3);
    else dense_tile_k(cx, oy, ox, npx, nvb, b, ky0, ky1, kx0, kx1, 0, 0);
}

/* NP (≤ 8) pairs of interior pixels for pairs_eligible convs, stride S: one vector holds pixel
 * ox + 2p in lanes 0-7 and ox + 2p + 1 in lanes 8-15 (pack_avx512 repeats the weights there), so
 * no lane idles and no tap needs a broadcast load. Per kernel row, one load of the two pixels'
 * input segment (9 floats each, 3·S apart) feeds all 9 taps; tap t's operand, x_j[t] in lanes
 * 0-7 and x_j+1[t] in lanes 8-15, is a lane permutation of it. Each element is the same FMA chain
 * over taps in (ky, kx, ci) order as dense_tile, then + bias and the activation. */
static inline __attribute__((always_inline)) void
pair_tile(const conv_ctx *cx, int oy, int ox, const int NP, int ky0, int ky1, const int S)
{
    enum { T = 9 }; /* kw · cin */
    const emoc_conv2d_args *a = cx->a;
    const size_t row = (size_t)a->iw * 3;
    const __mmask16 lm = emoc__m512_tail(3 * S + T);
    const __m512i hi = _mm512_set_epi32(3 * S, 3 * S, 3 * S, 3 * S, 3 * S, 3 * S, 3 * S, 3 * S, 0, 0, 0, 0,
                                        0, 0, 0, 0);
    __m512i idx[T];
#pragma GCC unroll 9
    for (int t = 0; t < T; t++) idx[t] = _mm512_add_epi32(hi, _mm512_set1_epi32(t));
    __m512 acc[GPX];
#pragma GCC unroll 8
    for (int p = 0; p < NP; p++) acc[p] = _mm512_setzero_ps();
    const float *xrow = a->x + (ptrdiff_t)(oy * a->sh - a->pad_t + ky0) * (ptrdiff_t)row +
                        (ptrdiff_t)(ox * S - a->pad_l) * 3;
    const float *wrow = a->w_packed + (size_t)ky0 * T * OB;
    for (int ky = ky0; ky < ky1; ky++, xrow += row, wrow += T * OB) {
        __m512 w[T];
#pragma GCC unroll 9
        for (int t = 0; t < T; t++) w[t] = _mm512_loadu_ps(wrow + (size_t)t * OB);
#pragma GCC unroll 8
        for (int p = 0; p < NP; p++) {
            const __m512 v = _mm512_maskz_loadu_ps(lm, xrow + (size_t)p * 6 * S);
#pragma GCC unroll 9
            for (int t = 0; t < T; t++) acc[p] = _mm512_fmadd_ps(_mm512_permutexvar_ps(idx[t], v), w[t], acc[p]);
        }
    }
    const int cout = a->cout;
    const __mmask16 m = emoc__m512_tail(cout);
    __m512 bias = a->bias ? _mm512_maskz_loadu_ps(m, a->bias) : _mm512_setzero_ps();
    __m512 slope = a->act == EMOC_ACT_PRELU && a->slope ? _mm512_maskz_loadu_ps(m, a->slope)
                                                        : _mm512_setzero_ps();
    bias = _mm512_shuffle_f32x4(bias, bias, 0x44);
    slope = _mm512_shuffle_f32x4(slope, slope, 0x44);
    float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * (size_t)cout;
#pragma GCC unroll 8
    for (int p = 0; p < NP; p++, yp += 2 * cout) {
        __m512 r = acc[p];
        if (a->bias) r = _mm512_add_ps(r, bias);
        r = emoc__act512(r, a->act, slope);
        if (cout == OB / 2) _mm512_storeu_ps(yp, r);
        else {
            _mm512_mask_storeu_ps(yp, m, r);
            _mm512_mask_storeu_ps(yp + cout - OB / 2, (__mmask16)(m << (OB / 2)), r);
        }
    }
}

/* gidx for block b: lane j holds the first input channel of output channel 16·b + j's group,
 * relative to the block's first input channel (lanes past cout repeat the last channel). */
static __m512i group_index(const conv_ctx *cx, int b)
{
    const int o0 = b * OB, last = imin(o0 + OB, cx->a->cout) - 1;
    const int base = (o0 / cx->cout_g) * cx->cin_g;
    int tmp[OB];
    for (int j = 0; j < OB; j++) tmp[j] = (imin(o0 + j, last) / cx->cout_g) * cx->cin_g - base;
    return _mm512_loadu_si512(tmp);
}

/* groups > 1: npx (≤ 8) pixels × block b; gather = 0 uses the in-register permutation
 * (span ≤ 16). g = group_index(cx, b), computed once per call of the kernel, not per tile. */
static inline __attribute__((always_inline)) void
grouped_tile(const conv_ctx *cx, int oy, int ox, const int npx, int b, __m512i g, int ky0, int ky1,
             int kx0, int kx1, const int gather)
{
    const emoc_conv2d_args *a = cx->a;
    const int cin_g = cx->cin_g, o0 = b * OB, last = imin(o0 + OB, a->cout) - 1;
    const int base = (o0 / cx->cout_g) * cin_g;
    const int span = (last / cx->cout_g) * cin_g + cin_g - base;
    const __mmask16 valid = emoc__m512_tail(last - o0 + 1), spanm = emoc__m512_tail(span);
    const size_t ps = (size_t)a->cin, step = (size_t)a->sw * ps, row = (size_t)a->iw * ps;
    __m512 acc[GPX];
#pragma GCC unroll 8
    for (int j = 0; j < GPX; j++) acc[j] = _mm512_setzero_ps();
    const int iy0 = oy * a->sh - a->pad_t, ix0 = ox * a->sw - a->pad_l;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xrow = a->x + (ptrdiff_t)(iy0 + ky) * (ptrdiff_t)row +
                            (ptrdiff_t)(ix0 + kx0) * (ptrdiff_t)ps + base;
        const float *wp = a->w_packed + (size_t)b * cx->taps * OB +
                          ((size_t)ky * (size_t)a->kw + (size_t)kx0) * (size_t)cin_g * OB;
        for (int kx = kx0; kx < kx1; kx++, xrow += ps) {
            __m512 xv[GPX];
            if (!gather) {
#pragma GCC unroll 8
                for (int j = 0; j < npx; j++) xv[j] = _mm512_maskz_loadu_ps(spanm, xrow + (size_t)j * step);
            }
            __m512i idx = g;
            for (int ci = 0; ci < cin_g; ci++, wp += OB, idx = _mm512_add_epi32(idx, _mm512_set1_epi32(1))) {
                __m512 w = _mm512_loadu_ps(wp);
#pragma GCC unroll 8
                for (int j = 0; j < npx; j++) {
                    __m512 xs = gather ? _mm512_mask_i32gather_ps(_mm512_setzero_ps(), valid, idx,
                                                                  xrow + (size_t)j * step, 4)
                                       : _mm512_permutexvar_ps(idx, xv[j]);
                    acc[j] = _mm512_fmadd_ps(xs, w, acc[j]);
                }
            }
        }
    }
    store_block(cx, oy, ox, npx, b, acc, 1);
}

/* Groups of 2 input → 2 output channels (MobileFaceNet's 64-group 3×3), kernel width K and
 * stride S compile-time, NP (4 or 8) interior pixels × block b. A block's 16 lanes are 8 groups whose 16
 * input channels are the same 16 channels of x, so for input pixel X: lane l's ci = 0 operand
 * is X[l & ~1] (vmovsldup) and its ci = 1 operand X[l | 1] (vmovshdup). Each input pixel of a
 * kernel row is loaded and split once and fed to every (pixel, tap) that uses it; for pixel j
 * the taps still arrive in (ky, kx, ci) order, the same FMA chain as grouped_tile. */
static inline __attribute__((always_inline)) void
pair_slide(const conv_ctx *cx, int oy, int ox, const int NP, int b, int ky0, int ky1, const int K,
           const int S)
{
    const emoc_conv2d_args *a = cx->a;
    const int o0 = b * OB;
    const __mmask16 m = emoc__m512_tail(a->cout - o0);
    const size_t ps = (size_t)a->cin, row = (size_t)a->iw * ps;
    __m512 acc[GPX];
#pragma GCC unroll 8
    for (int j = 0; j < GPX; j++) acc[j] = _mm512_setzero_ps();
    const float *xrow = a->x + (ptrdiff_t)(oy * a->sh - a->pad_t + ky0) * (ptrdiff_t)row +
                        (ptrdiff_t)(ox * S - a->pad_l) * (ptrdiff_t)ps + o0;
    const float *wrow = a->w_packed + (size_t)b * cx->taps * OB + (size_t)ky0 * (size_t)K * 2 * OB;
    for (int ky = ky0; ky < ky1; ky++, xrow += row, wrow += (size_t)K * 2 * OB) {
        __m512 w0[5], w1[5];
#pragma GCC unroll 5
        for (int kx = 0; kx < K; kx++) {
            w0[kx] = _mm512_loadu_ps(wrow + (size_t)kx * 2 * OB);
            w1[kx] = _mm512_loadu_ps(wrow + (size_t)kx * 2 * OB + OB);
        }
        const float *q = xrow;
#pragma GCC unroll 24
        for (int t = 0; t < (NP - 1) * S + K; t++, q += ps) {
            __asm__("" : "+r"(q)); /* one bumped pointer, not a spilled offset table */
            __m512 xv = _mm512_maskz_loadu_ps(m, q);
            __m512 lo = _mm512_moveldup_ps(xv), hi = _mm512_movehdup_ps(xv);
#pragma GCC unroll 5
            for (int kx = 0; kx < K; kx++) {
                const int u = t - kx;
                if (u >= 0 && u % S == 0 && u / S < NP) {
                    acc[u / S] = _mm512_fmadd_ps(lo, w0[kx], acc[u / S]);
                    acc[u / S] = _mm512_fmadd_ps(hi, w1[kx], acc[u / S]);
                }
            }
        }
    }
    store_block(cx, oy, ox, NP, b, acc, 1);
}

/* npx ≤ 4 pixels (dense) or ≤ 8 (grouped); gidx: group_index of every block (grouped only). */
static inline __attribute__((always_inline)) void
pixel_group(const conv_ctx *cx, const __m512i *gidx, int oy, int ox, const int npx, int ky0, int ky1,
            int kx0, int kx1)
{
    const emoc_conv2d_args *a = cx->a;
    const int blocks = (a->cout + OB - 1) / OB;
    int b = 0;
    if (a->groups == 1) {
        if (cx->pairs && npx >= PXG) { /* widths16: 8 or 4 pixels */
            if (a->sw == 1) pair_tile(cx, oy, ox, npx / 2, ky0, ky1, 1);
            else pair_tile(cx, oy, ox, npx / 2, ky0, ky1, 2);
            return;
        }
        if (npx > PXG) { /* GPX pixels: given only when blocks ≤ 2 (conv2d_avx512) */
            if (blocks == 2) dense_tile(cx, oy, ox, GPX, 2, 0, ky0, ky1, kx0, kx1);
            else if (blocks == 1) dense_tile(cx, oy, ox, GPX, 1, 0, ky0, ky1, kx0, kx1);
            else {
                pixel_group(cx, gidx, oy, ox, PXG, ky0, ky1, kx0, kx1);
                pixel_group(cx, gidx, oy, ox + PXG, npx - PXG, ky0, ky1, kx0, kx1);
            }
            return;
        }
        for (; b + 4 <= blocks; b += 4) dense_tile(cx, oy, ox, npx, 4, b, ky0, ky1, kx0, kx1);
        for (; b + 2 <= blocks; b += 2) dense_tile(cx, oy, ox, npx, 2, b, ky0, ky1, kx0, kx1);
        for (; b < blocks; b++) dense_tile(cx, oy, ox, npx, 1, b, ky0, ky1, kx0, kx1);
        return;
    }
    if (npx >= PXG && kx0 == 0 && kx1 == a->kw && cx->cin_g == 2 && cx->cout_g == 2 &&
        a->cin == a->cout && (a->kw == 3 || a->kw == 5) && (a->sw == 1 || a->sw == 2)) {
        for (; b < blocks; b++) {
            if (a->kw == 3 && a->sw == 1) pair_slide(cx, oy, ox, npx, b, ky0, ky1, 3, 1);
            else if (a->kw == 3) pair_slide(cx, oy, ox, npx, b, ky0, ky1, 3, 2);
            else if (a->sw == 1) pair_slide(cx, oy, ox, npx, b, ky0, ky1, 5, 1);
            else pair_slide(cx, oy, ox, npx, b, ky0, ky1, 5, 2);
        }
        return;
    }
    for (; b < blocks; b++) {
        const int o0 = b * OB, last = imin(o0 + OB, a->cout) - 1;
        const int span = (last / cx->cout_g) * cx->cin_g + cx->cin_g - (o0 / cx->cout_g) * cx->cin_g;
        const __m512i g = gidx ? gidx[b] : group_index(cx, b);
        if (span <= OB) grouped_tile(cx, oy, ox, npx, b, g, ky0, ky1, kx0, kx1, 0);
        else grouped_tile(cx, oy, ox, npx, b, g, ky0, ky1, kx0, kx1, 1);
    }
}

typedef struct {
    const conv_ctx *cx;
    const __m512i *gidx;
} row_ctx;

/* One group of the shared row scheduler (rows.h), dispatched to a compile-time pixel count. */
static void group(const void *ctx, int oy, int ox, int npx, int ky0, int ky1, int kx0, int kx1)
{
    const row_ctx *r = ctx;
    if (npx == WPX) { /* pairs_eligible convs only */
        if (r->cx->a->sw == 1) pair_tile(r->cx, oy, ox, GPX, ky0, ky1, 1);
        else pair_tile(r->cx, oy, ox, GPX, ky0, ky1, 2);
    } else if (npx == GPX) pixel_group(r->cx, r->gidx, oy, ox, GPX, ky0, ky1, kx0, kx1);
    else if (npx == PXG) pixel_group(r->cx, r->gidx, oy, ox, PXG, ky0, ky1, kx0, kx1);
    else pixel_group(r->cx, r->gidx, oy, ox, 1, ky0, ky1, kx0, kx1);
}

/* groups == 1, stride 1, 3×3, nvb (≤ 2) blocks, GPX pixels (dense_rows): each input column's
 * broadcast of x[ci] feeds the up to 3 pixels whose kernel row covers it (tap kx of pixel
 * t − kx), so a kernel row costs 10 broadcasts and 3·nvb weight loads per ci for 24·nvb FMAs
 * instead of one broadcast per FMA (the 16-output SSH convs were bound by those loads;
 * docs/detectors.md "speed"). Per pixel the FMA chain runs over the valid taps in (ky, ci, kx)
 * order, then + bias and the activation; an edge group (EDGE) skips the input columns outside
 * [0, iw), exactly the taps the reference skips. Every pixel of a conv that takes this path is
 * computed by it, so results do not depend on the row split. */
static inline __attribute__((always_inline)) void
slide_tile(const conv_ctx *cx, int oy, int ox, const int nvb, int b, int ky0, int ky1, const int EDGE)
{
    enum { K = 3, T = GPX + K - 1 };
    const emoc_conv2d_args *a = cx->a;
    const size_t ps = (size_t)a->cin, row = (size_t)a->iw * ps, bstride = cx->taps * OB;
    __m512 acc[GPX][2];
#pragma GCC unroll 8
    for (int j = 0; j < GPX; j++)
#pragma GCC unroll 2
        for (int v = 0; v < nvb; v++) acc[j][v] = _mm512_setzero_ps();
    const int ix0 = ox - a->pad_l;
    const int t0 = EDGE && ix0 < 0 ? -ix0 : 0, t1 = EDGE && a->iw - ix0 < T ? a->iw - ix0 : T;
    for (int ky = ky0; ky < ky1; ky++) {
        const float *xrow = a->x + (size_t)(oy - a->pad_t + ky) * row;
        const float *wrow = a->w_packed + (size_t)b * bstride + (size_t)ky * K * ps * OB;
        for (int ci = 0; ci < a->cin; ci++) {
            __m512 w[K][2];
#pragma GCC unroll 3
            for (int kx = 0; kx < K; kx++)
#pragma GCC unroll 2
                for (int v = 0; v < nvb; v++)
                    w[kx][v] = _mm512_loadu_ps(wrow + ((size_t)kx * ps + (size_t)ci) * OB + (size_t)v * bstride);
#pragma GCC unroll 10
            for (int t = 0; t < T; t++) {
                if (EDGE && (t < t0 || t >= t1)) continue;
                const __m512 xb = _mm512_set1_ps(xrow[(size_t)(ix0 + t) * ps + (size_t)ci]);
#pragma GCC unroll 3
                for (int kx = 0; kx < K; kx++) {
                    const int j = t - kx;
                    if (j < 0 || j >= GPX) continue;
#pragma GCC unroll 2
                    for (int v = 0; v < nvb; v++) acc[j][v] = _mm512_fmadd_ps(xb, w[kx][v], acc[j][v]);
                }
            }
        }
    }
#pragma GCC unroll 2
    for (int v = 0; v < nvb; v++) store_block(cx, oy, ox, GPX, b + v, &acc[0][v], 2);
}

/* The convs slide_tile takes: dense, 3×3, stride 1, ≤ 32 outputs (dense_rows' 8-pixel groups). */
static int slide_eligible(const emoc_conv2d_args *a)
{
    return a->groups == 1 && a->kw == 3 && a->sw == 1 && a->cout <= 2 * OB;
}

/* Every block of NPX pixels (8 when blocks ≤ 2, else 4), interior (all taps) or edge. */
static inline __attribute__((always_inline)) void
dense_group(const conv_ctx *cx, int oy, int ox, const int NPX, int blocks, int ky0, int ky1,
            const int edge)
{
    const int nvb_max = NPX == GPX ? 2 : 4;
    int b = 0;
    if (NPX == GPX && cx->slide) {
        if (blocks == 2) slide_tile(cx, oy, ox, 2, 0, ky0, ky1, edge);
        else slide_tile(cx, oy, ox, 1, 0, ky0, ky1, edge);
        return;
    }
#define DENSE_TILE(NVB)                                                                          \
    (edge ? dense_edge_tile(cx, oy, ox, NPX, NVB, b, ky0, ky1)                                   \
          : dense_tile(cx, oy, ox, NPX, NVB, b, ky0, ky1, 0, cx->a->kw))
    if (nvb_max == 4)
        for (; b + 4 <= blocks; b += 4) DENSE_TILE(4);
    for (; b + 2 <= blocks; b += 2) DENSE_TILE(2);
    for (; b < blocks; b++) DENSE_TILE(1);
#undef DENSE_TILE
}

/* Dense convs (groups == 1, not pixel pairs) on rows at least NPX wide: each row in groups of
 * NPX pixels from ox = 0, the last group moved back to end at ow (it recomputes pixels of the
 * group before with the same FMA chains, so the stored values are the same); groups that hang
 * over the left/right padding take dense_edge_tile. No pixel goes alone: a lone pixel has only
 * nvb FMA chains (1 or 2 for cout ≤ 32: a quarter of the FMA throughput or less), and the shared
 * walker (rows.h) gives every border pixel and row tail that treatment. */
static inline __attribute__((always_inline)) void
dense_rows(const conv_ctx *cx, int oy0, int oy1, const int NPX)
{
    const emoc_conv2d_args *a = cx->a;
    const emoc_conv_geom g = EMOC_CONV_GEOM(a);
    const int blocks = (a->cout + OB - 1) / OB;
    int lo, hi;
    emoc__row_interior(&g, &lo, &hi);
    for (int oy = oy0; oy < oy1; oy++) {
        int ky0, ky1;
        emoc__tap_range(oy, a->sh, a->pad_t, a->kh, a->ih, &ky0, &ky1);
        for (int x = 0; x < a->ow; x += NPX) {
            const int ox = x + NPX <= a->ow ? x : a->ow - NPX;
            if (ox >= lo && ox + NPX <= hi) dense_group(cx, oy, ox, NPX, blocks, ky0, ky1, 0);
            else dense_group(cx, oy, ox, NPX, blocks, ky0, ky1, 1);
        }
    }
}

static void conv2d_avx512(const emoc_conv2d_args *a, int oy0, int oy1)
{
    conv_ctx cx = {a, a->cin / a->groups, a->cout / a->groups, 0, pairs_eligible(a), 0};
    cx.taps = (size_t)a->kh * (size_t)a->kw * (size_t)cx.cin_g;
    /* Grouped: the per-block lane → group tables once per call (they cost 16 integer divisions
     * each, which per tile dominated MobileFaceNet's grouped 3×3). */
    __m512i gidx_buf[MAX_GBLOCKS];
    const __m512i *gidx = NULL;
    const int blocks = (a->cout + OB - 1) / OB;
    if (a->groups == 1 && !cx.pairs && a->ow >= (blocks <= 2 ? GPX : PXG)) {
        cx.slide = slide_eligible(a);
        if (blocks <= 2) dense_rows(&cx, oy0, oy1, GPX);
        else dense_rows(&cx, oy0, oy1, PXG);
        return;
    }
    if (a->groups > 1 && blocks <= MAX_GBLOCKS) {
        for (int b = 0; b < blocks; b++) gidx_buf[b] = group_index(&cx, b);
        gidx = gidx_buf;
    }
    const row_ctx r = {&cx, gidx};
    const emoc_conv_geom g = EMOC_CONV_GEOM(a);
    /* grouped tiles keep 1 accumulator per pixel, dense ones of ≤ 32 output channels 2: take 8
     * pixels (each weight load then feeds 8 FMAs instead of 4) */
    static const int widths16[] = {WPX, GPX, PXG, 1}, widths8[] = {GPX, PXG, 1}, widths[] = {PXG, 1};
    if (cx.pairs) emoc__conv_rows(&g, oy0, oy1, widths16, 4, group, &r);
    else if (a->groups > 1 || blocks <= 2) emoc__conv_rows(&g, oy0, oy1, widths8, 3, group, &r);
    else emoc__conv_rows(&g, oy0, oy1, widths, 2, group, &r);
}

const emoc_conv2d_kernel emoc_f32_conv2d_4x16__avx512 = {"emoc_f32_conv2d_4x16__avx512", conv2d_avx512,
                                                         packed_size_avx512, pack_avx512};
