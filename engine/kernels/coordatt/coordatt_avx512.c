/*
 * coordatt_avx512.c — AVX-512 versions of the coordinate-attention compute functions
 * (coordatt.h), 16 channels per zmm, channel tails with lane masks. They perform exactly the
 * scalar operations of coordatt_ref.c in the same order (separate multiply and add, no FMA), so
 * outputs are bitwise identical to the reference whatever ISA is bound.
 *
 * Pooling runs channel block by channel block: for one block the row sum of image row h stays in
 * a register while w goes 0..W−1 (the reference's order), and the W column sums of the block
 * (at most a few KiB) stay in L1, so each input vector is loaded once and the strip is written
 * once per row instead of read-modified-written per pixel. Column w still receives its terms in
 * increasing h, so every sum is the reference's chain.
 */
#include "engine/kernels/coordatt/coordatt.h"
#include "engine/kernels/simd_avx512.h"

/* Channels [c, c+16) (lanes m) of the strip for every h and w. */
static inline __attribute__((always_inline)) void
pool_block(const float *x, int H, int W, int C, const float *kh, const float *kw, float *rows,
           float *cols, int c, __mmask16 m, const int weighted)
{
    for (int h = 0; h < H; h++) {
        __m512 r = _mm512_setzero_ps(); /* the reference starts each sum from a cleared 0 */
        const __m512 b = weighted ? _mm512_maskz_loadu_ps(m, kw + (size_t)h * C + c) : r;
        const float *px = x + (size_t)h * W * C + c;
        for (int w = 0; w < W; w++, px += C) {
            const __m512 v = _mm512_maskz_loadu_ps(m, px);
            float *col = cols + (size_t)w * C + c;
            const __m512 cv = h ? _mm512_maskz_loadu_ps(m, col) : _mm512_setzero_ps();
            if (weighted) {
                r = _mm512_add_ps(r, _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, kh + (size_t)w * C + c)));
                _mm512_mask_storeu_ps(col, m, _mm512_add_ps(cv, _mm512_mul_ps(v, b)));
            } else {
                r = _mm512_add_ps(r, v);
                _mm512_mask_storeu_ps(col, m, _mm512_add_ps(cv, v));
            }
        }
        _mm512_mask_storeu_ps(rows + (size_t)h * C + c, m, r);
    }
}

static void coord_pool_avx512(const float *x, int H, int W, int C, const float *kh, const float *bh,
                              const float *kw, const float *bw, float *strip, int c0, int c1)
{
    float *rows = strip, *cols = strip + (size_t)H * (size_t)C;
    for (int c = c0; c < c1; c += 16) {
        const __mmask16 m = emoc__m512_tail(c1 - c < 16 ? c1 - c : 16);
        if (kh) pool_block(x, H, W, C, kh, kw, rows, cols, c, m, 1);
        else pool_block(x, H, W, C, kh, kw, rows, cols, c, m, 0);
    }
    emoc__coord_strip_finish(strip, H, W, C, kh != NULL, bh, bw, c0, c1);
}

static void coord_apply_avx512(const float *x, const float *g, int H, int W, int C, float *y,
                               int h0, int h1)
{
    const __mmask16 tail = emoc__m512_tail(C % 16);
    for (int h = h0; h < h1; h++) {
        const float *gh = g + (size_t)h * C;
        for (int w = 0; w < W; w++) {
            const float *gw = g + (size_t)(H + w) * C;
            const float *px = x + ((size_t)h * W + w) * C;
            float *py = y + ((size_t)h * W + w) * C;
            int c = 0;
            for (; c + 16 <= C; c += 16)
                _mm512_storeu_ps(py + c, _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(px + c),
                                                                     _mm512_loadu_ps(gw + c)),
                                                       _mm512_loadu_ps(gh + c)));
            if (c < C)
                _mm512_mask_storeu_ps(py + c, tail,
                                      _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(tail, px + c),
                                                                  _mm512_maskz_loadu_ps(tail, gw + c)),
                                                    _mm512_maskz_loadu_ps(tail, gh + c)));
        }
    }
}

/* y = x · max(m0, m1) with m1 > m0 ? m1 : m0, as the scalar code (NaN-compatible order). */
static inline __m512 ddam_one(__m512 x, __m512 aw, __m512 ah, __m512 bw, __m512 bh)
{
    __m512 m0 = _mm512_mul_ps(aw, ah), m1 = _mm512_mul_ps(bw, bh);
    __m512 m = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(m1, m0, _CMP_GT_OQ), m0, m1);
    return _mm512_mul_ps(x, m);
}

static void ddam_apply_avx512(const float *x, const float *g0, const float *g1, int H, int W, int C,
                              float *y, int h0, int h1)
{
    const __mmask16 tail = emoc__m512_tail(C % 16);
    for (int h = h0; h < h1; h++) {
        const float *a_h = g0 + (size_t)h * C, *b_h = g1 + (size_t)h * C;
        for (int w = 0; w < W; w++) {
            const float *a_w = g0 + (size_t)(H + w) * C, *b_w = g1 + (size_t)(H + w) * C;
            const float *px = x + ((size_t)h * W + w) * C;
            float *py = y + ((size_t)h * W + w) * C;
            int c = 0;
            for (; c + 16 <= C; c += 16)
                _mm512_storeu_ps(py + c, ddam_one(_mm512_loadu_ps(px + c), _mm512_loadu_ps(a_w + c),
                                                  _mm512_loadu_ps(a_h + c), _mm512_loadu_ps(b_w + c),
                                                  _mm512_loadu_ps(b_h + c)));
            if (c < C)
                _mm512_mask_storeu_ps(py + c, tail,
                                      ddam_one(_mm512_maskz_loadu_ps(tail, px + c),
                                               _mm512_maskz_loadu_ps(tail, a_w + c),
                                               _mm512_maskz_loadu_ps(tail, a_h + c),
                                               _mm512_maskz_loadu_ps(tail, b_w + c),
                                               _mm512_maskz_loadu_ps(tail, b_h + c)));
        }
    }
}

const emoc_coordatt_kernel emoc_f32_coordatt_c16__avx512 = {
    .pool_mean_name = "emoc_f32_coord_pool_mean_c16__avx512",
    .pool_dw_name = "emoc_f32_coord_pool_dw_c16__avx512",
    .apply_name = "emoc_f32_coord_apply_c16__avx512",
    .ddam_apply_name = "emoc_f32_ddam_apply_c16__avx512",
    .pool = coord_pool_avx512,
    .apply = coord_apply_avx512,
    .ddam_apply = ddam_apply_avx512,
};
