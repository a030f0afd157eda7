/*
 * eltwise_avx2.c — AVX2 elementwise kernels (semantics: kernels.h, reference: eltwise_ref.c).
 * 8 floats per vector, masked tails. max_ps(v, m) is `v > m ? v : m`, the reference's
 * comparison (bitwise equal, NaNs and signed zeros included); the activation is that of
 * act_avx2.c.
 */
#include "engine/kernels/simd_avx2.h"

static void add_act_avx2(const float *a, const float *b, float *y, size_t n, emoc_act act)
{
    const __m256 zero = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        _mm256_storeu_ps(y + i, emoc__act256(v, act, zero));
    }
    if (i < n) {
        __m256i m = emoc__m256_tail((int)(n - i));
        __m256 v = _mm256_add_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));
        _mm256_maskstore_ps(y + i, m, emoc__act256(v, act, zero));
    }
}

static inline __m256 max4(__m256i m, const float *p, const float *q, int C)
{
    __m256 r = _mm256_maskload_ps(p, m);
    r = _mm256_max_ps(_mm256_maskload_ps(p + C, m), r);
    r = _mm256_max_ps(_mm256_maskload_ps(q, m), r);
    return _mm256_max_ps(_mm256_maskload_ps(q + C, m), r);
}

static void max2x2_avx2(const float *x, int W, int C, float *y, int oy0, int oy1)
{
    int OW = W / 2;
    const __m256i all = _mm256_set1_epi32(-1);
    for (int oy = oy0; oy < oy1; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const float *p = x + ((size_t)(2 * oy) * (size_t)W + (size_t)(2 * ox)) * (size_t)C;
            const float *q = p + (size_t)W * (size_t)C;
            float *o = y + ((size_t)oy * (size_t)OW + (size_t)ox) * (size_t)C;
            int c = 0;
            for (; c + 8 <= C; c += 8) _mm256_storeu_ps(o + c, max4(all, p + c, q + c, C));
            if (c < C) {
                __m256i m = emoc__m256_tail(C - c);
                _mm256_maskstore_ps(o + c, m, max4(m, p + c, q + c, C));
            }
        }
}

const emoc_eltwise_kernel emoc_f32_eltwise_c8__avx2 = {"emoc_f32_eltwise_c8__avx2", add_act_avx2,
                                                       max2x2_avx2};
