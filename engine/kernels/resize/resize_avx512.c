/* resize_avx512.c — AVX-512 bilinear resize with align_corners (kernels.h; reference
 * resize_ref.c): coefficients from the shared scalar rule, 16 channels per vector, the
 * reference's operation order without FMA (bit-identical to it). Masked channel tails. */
#include "engine/kernels/simd_avx512.h"

static inline __m512 lerp4(__m512 h0, __m512 h1, __m512 w0, __m512 w1, __m512 a, __m512 b,
                           __m512 c, __m512 d)
{
    __m512 top = _mm512_add_ps(_mm512_mul_ps(w0, a), _mm512_mul_ps(w1, b));
    __m512 bot = _mm512_add_ps(_mm512_mul_ps(w0, c), _mm512_mul_ps(w1, d));
    return _mm512_add_ps(_mm512_mul_ps(h0, top), _mm512_mul_ps(h1, bot));
}

static void resize_avx512(const float *x, int ih, int iw, int C, float *y, int oh, int ow,
                          int oy0, int oy1)
{
    for (int oy = oy0; oy < oy1; oy++) {
        int y0, y1;
        float fh0, fh1;
        emoc_resize_ac_coeff(ih, oh, oy, &y0, &y1, &fh0, &fh1);
        __m512 h0 = _mm512_set1_ps(fh0), h1 = _mm512_set1_ps(fh1);
        for (int ox = 0; ox < ow; ox++) {
            int x0, x1;
            float fw0, fw1;
            emoc_resize_ac_coeff(iw, ow, ox, &x0, &x1, &fw0, &fw1);
            __m512 w0 = _mm512_set1_ps(fw0), w1 = _mm512_set1_ps(fw1);
            const float *a = x + ((size_t)y0 * iw + x0) * C, *b = x + ((size_t)y0 * iw + x1) * C;
            const float *c = x + ((size_t)y1 * iw + x0) * C, *d = x + ((size_t)y1 * iw + x1) * C;
            float *py = y + ((size_t)oy * ow + ox) * C;
            int k = 0;
            for (; k + 16 <= C; k += 16)
                _mm512_storeu_ps(py + k, lerp4(h0, h1, w0, w1, _mm512_loadu_ps(a + k),
                                               _mm512_loadu_ps(b + k), _mm512_loadu_ps(c + k),
                                               _mm512_loadu_ps(d + k)));
            if (k < C) {
                __mmask16 m = emoc__m512_tail(C - k);
                _mm512_mask_storeu_ps(py + k, m,
                                      lerp4(h0, h1, w0, w1, _mm512_maskz_loadu_ps(m, a + k),
                                            _mm512_maskz_loadu_ps(m, b + k),
                                            _mm512_maskz_loadu_ps(m, c + k),
                                            _mm512_maskz_loadu_ps(m, d + k)));
            }
        }
    }
}

const emoc_resize_kernel emoc_f32_resize_c16__avx512 = {"emoc_f32_resize_c16__avx512",
                                                        resize_avx512};
