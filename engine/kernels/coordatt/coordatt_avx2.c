/*
 * coordatt_avx2.c — AVX2 versions of the coordinate-attention compute functions (coordatt.h),
 * 8 channels per vector with a scalar tail. They perform exactly the scalar operations of
 * coordatt_ref.c in the same order (separate multiply and add, no FMA), so outputs are bitwise
 * identical to the reference whatever ISA is bound.
 */
#if defined(__x86_64__) && !defined(EMOC_ISA_REF_ONLY)
#include "engine/kernels/coordatt/coordatt.h"

#include <immintrin.h>

void emoc__coord_pool_avx2(const float *x, int H, int W, int C, const float *kh, const float *bh,
                           const float *kw, const float *bw, float *strip, int c0, int c1)
{
    float *rows = strip, *cols = strip + (size_t)H * (size_t)C;
    const int cv = c0 + (c1 - c0) / 8 * 8;
    emoc__coord_strip_clear(strip, H, W, C, c0, c1);
    for (int h = 0; h < H; h++) {
        float *r = rows + (size_t)h * C;
        for (int w = 0; w < W; w++) {
            const float *px = x + ((size_t)h * W + w) * C;
            float *col = cols + (size_t)w * C;
            if (kh) {
                const float *a = kh + (size_t)w * C, *b = kw + (size_t)h * C;
                int c = c0;
                for (; c < cv; c += 8) {
                    __m256 v = _mm256_loadu_ps(px + c);
                    _mm256_storeu_ps(r + c, _mm256_add_ps(_mm256_loadu_ps(r + c),
                                                          _mm256_mul_ps(v, _mm256_loadu_ps(a + c))));
                    _mm256_storeu_ps(col + c, _mm256_add_ps(_mm256_loadu_ps(col + c),
                                                            _mm256_mul_ps(v, _mm256_loadu_ps(b + c))));
                }
                for (; c < c1; c++) {
                    r[c] += px[c] * a[c];
                    col[c] += px[c] * b[c];
                }
            } else {
                int c = c0;
                for (; c < cv; c += 8) {
                    __m256 v = _mm256_loadu_ps(px + c);
                    _mm256_storeu_ps(r + c, _mm256_add_ps(_mm256_loadu_ps(r + c), v));
                    _mm256_storeu_ps(col + c, _mm256_add_ps(_mm256_loadu_ps(col + c), v));
                }
                for (; c < c1; c++) {
                    r[c] += px[c];
                    col[c] += px[c];
                }
            }
        }
    }
    emoc__coord_strip_finish(strip, H, W, C, kh != NULL, bh, bw, c0, c1);
}

void emoc__coord_apply_avx2(const float *x, const float *g, int H, int W, int C, float *y,
                            int h0, int h1)
{
    const int cv = C / 8 * 8;
    for (int h = h0; h < h1; h++) {
        const float *gh = g + (size_t)h * C;
        for (int w = 0; w < W; w++) {
            const float *gw = g + (size_t)(H + w) * C;
            const float *px = x + ((size_t)h * W + w) * C;
            float *py = y + ((size_t)h * W + w) * C;
            int c = 0;
            for (; c < cv; c += 8)
                _mm256_storeu_ps(py + c, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(px + c),
                                                                     _mm256_loadu_ps(gw + c)),
                                                       _mm256_loadu_ps(gh + c)));
            for (; c < C; c++) py[c] = px[c] * gw[c] * gh[c];
        }
    }
}

void emoc__ddam_apply_avx2(const float *x, const float *g0, const float *g1, int H, int W, int C,
                           float *y, int h0, int h1)
{
    const int cv = C / 8 * 8;
    for (int h = h0; h < h1; h++) {
        const float *a_h = g0 + (size_t)h * C, *b_h = g1 + (size_t)h * C;
        for (int w = 0; w < W; w++) {
            const float *a_w = g0 + (size_t)(H + w) * C, *b_w = g1 + (size_t)(H + w) * C;
            const float *px = x + ((size_t)h * W + w) * C;
            float *py = y + ((size_t)h * W + w) * C;
            int c = 0;
            for (; c < cv; c += 8) {
                __m256 m0 = _mm256_mul_ps(_mm256_loadu_ps(a_w + c), _mm256_loadu_ps(a_h + c));
                __m256 m1 = _mm256_mul_ps(_mm256_loadu_ps(b_w + c), _mm256_loadu_ps(b_h + c));
                /* m1 > m0 ? m1 : m0, as the scalar code (NaN-compatible order) */
                __m256 m = _mm256_blendv_ps(m0, m1, _mm256_cmp_ps(m1, m0, _CMP_GT_OQ));
                _mm256_storeu_ps(py + c, _mm256_mul_ps(_mm256_loadu_ps(px + c), m));
            }
            for (; c < C; c++) {
                float m0 = a_w[c] * a_h[c], m1 = b_w[c] * b_h[c];
                py[c] = px[c] * (m1 > m0 ? m1 : m0);
            }
        }
    }
}

const emoc_coordatt_kernel emoc_f32_coordatt_c8__avx2 = {
    .pool_mean_name = "emoc_f32_coord_pool_mean_c8__avx2",
    .pool_dw_name = "emoc_f32_coord_pool_dw_c8__avx2",
    .apply_name = "emoc_f32_coord_apply_c8__avx2",
    .ddam_apply_name = "emoc_f32_ddam_apply_c8__avx2",
    .pool = emoc__coord_pool_avx2,
    .apply = emoc__coord_apply_avx2,
    .ddam_apply = emoc__ddam_apply_avx2,
};
#else
typedef int emoc__coordatt_avx2_empty; /* ISO C forbids an empty translation unit */
#endif
