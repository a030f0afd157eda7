/* resize_avx2.c — AVX2 bilinear resize with align_corners (kernels.h; reference resize_ref.c):
 * coefficients from the shared scalar rule, 8 channels per vector, the reference's operation
 * order without FMA (bit-identical to it). Masked channel tails. */
#include "engine/kernels/simd_avx2.h"

static inline __m256 lerp4(__m256 h0, __m256 h1, __m256 w0, __m256 w1, __m256 a, __m256 b,
                           __m256 c, __m256 d)
{
    __m256 top = _mm256_add_ps(_mm256_mul_ps(w0, a), _mm256_mul_ps(w1, b));
    __m256 bot = _mm256_add_ps(_mm256_mul_ps(w0, c), _mm256_mul_ps(w1, d));
    return _mm256_add_ps(_mm256_mul_ps(h0, top), _mm256_mul_ps(h1, bot));
}

static void resize_avx2(const float *x, int ih, int iw, int C, float *y, int oh, int ow, int oy0,
                        int oy1)
{
    for (int oy = oy0; oy < oy1; oy++) {
        int y0, y1;
        float fh0, fh1;
        emoc_resize_ac_coeff(ih, oh, oy, &y0, &y1, &fh0, &fh1);
        __m256 h0 = _mm256_set1_ps(fh0), h1 = _mm256_set1_ps(fh1);
        for (int ox = 0; ox < ow; ox++) {
            int x0, x1;
            float fw0, fw1;
            emoc_resize_ac_coeff(iw, ow, ox, &x0, &x1, &fw0, &fw1);
            __m256 w0 = _mm256_set1_ps(fw0), w1 = _mm256_set1_ps(fw1);
            const float *a = x + ((size_t)y0 * iw + x0) * C, *b = x + ((size_t)y0 * iw + x1) * C;
            const float *c = x + ((size_t)y1 * iw + x0) * C, *d = x + ((size_t)y1 * iw + x1) * C;
            float *py = y + ((size_t)oy * ow + ox) * C;
            int k = 0;
            for (; k + 8 <= C; k += 8)
                _mm256_storeu_ps(py + k, lerp4(h0, h1, w0, w1, _mm256_loadu_ps(a + k),
                                               _mm256_loadu_ps(b + k), _mm256_loadu_ps(c + k),
                                               _mm256_loadu_ps(d + k)));
            if (k < C) {
                __m256i m = emoc__m256_tail(C - k);
                _mm256_maskstore_ps(py + k, m,
                                    lerp4(h0, h1, w0, w1, _mm256_maskload_ps(a + k, m),
                                          _mm256_maskload_ps(b + k, m),
                                          _mm256_maskload_ps(c + k, m),
                                          _mm256_maskload_ps(d + k, m)));
            }
        }
    }
}

const emoc_resize_kernel emoc_f32_resize_c8__avx2 = {"emoc_f32_resize_c8__avx2", resize_avx2};
