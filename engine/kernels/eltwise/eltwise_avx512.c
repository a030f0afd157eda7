/*
 * eltwise_avx512.c — AVX-512 elementwise kernels (semantics: kernels.h, reference:
 * eltwise_ref.c). 16 floats per vector, masked tails. max_ps(v, m) is `v > m ? v : m`, the
 * reference's comparison, so NaNs and signed zeros come out as there (bitwise equal); the
 * add is one rounding as in the reference, the activation that of act_avx512.c.
 */
#include "engine/kernels/simd_avx512.h"

static void add_act_avx512(const float *a, const float *b, float *y, size_t n, emoc_act act)
{
    const __m512 zero = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_add_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        _mm512_storeu_ps(y + i, emoc__act512(v, act, zero));
    }
    if (i < n) {
        __mmask16 m = emoc__m512_tail((int)(n - i));
        __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        _mm512_mask_storeu_ps(y + i, m, emoc__act512(v, act, zero));
    }
}

static inline __m512 max4(__mmask16 m, const float *p, const float *q, int C)
{
    __m512 r = _mm512_maskz_loadu_ps(m, p);
    r = _mm512_max_ps(_mm512_maskz_loadu_ps(m, p + C), r);
    r = _mm512_max_ps(_mm512_maskz_loadu_ps(m, q), r);
    return _mm512_max_ps(_mm512_maskz_loadu_ps(m, q + C), r);
}

static void max2x2_avx512(const float *x, int W, int C, float *y, int oy0, int oy1)
{
    int OW = W / 2;
    for (int oy = oy0; oy < oy1; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const float *p = x + ((size_t)(2 * oy) * (size_t)W + (size_t)(2 * ox)) * (size_t)C;
            const float *q = p + (size_t)W * (size_t)C;
            float *o = y + ((size_t)oy * (size_t)OW + (size_t)ox) * (size_t)C;
            int c = 0;
            for (; c + 16 <= C; c += 16) _mm512_storeu_ps(o + c, max4(0xffff, p + c, q + c, C));
            if (c < C) {
                __mmask16 m = emoc__m512_tail(C - c);
                _mm512_mask_storeu_ps(o + c, m, max4(m, p + c, q + c, C));
            }
        }
}

const emoc_eltwise_kernel emoc_f32_eltwise_c16__avx512 = {"emoc_f32_eltwise_c16__avx512",
                                                          add_act_avx512, max2x2_avx512};
