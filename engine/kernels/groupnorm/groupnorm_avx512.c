/* groupnorm_avx512.c — AVX-512 one-group GroupNorm kernels (kernels.h; reference
 * groupnorm_ref.c): chunk sums in four 16-lane float accumulators, lanes added in double in a
 * fixed order (so a chunk's sum never depends on who computes it); the affine as one FMA. */
#include "engine/kernels/simd_avx512.h"

static double lanes_sum(__m512 a)
{
    float t[16];
    _mm512_storeu_ps(t, a);
    double s = 0.0;
    for (int i = 0; i < 16; i++) s += t[i];
    return s;
}

static double gn_sum_avx512(const float *x, size_t n)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
        a1 = _mm512_add_ps(a1, _mm512_loadu_ps(x + i + 16));
        a2 = _mm512_add_ps(a2, _mm512_loadu_ps(x + i + 32));
        a3 = _mm512_add_ps(a3, _mm512_loadu_ps(x + i + 48));
    }
    for (; i < n; i += 16)
        a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(emoc__m512_tail((int)(n - i)), x + i));
    return lanes_sum(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

static double gn_sqdev_avx512(const float *x, size_t n, float mean)
{
    const __m512 m = _mm512_set1_ps(mean);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), m);
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), m);
        __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 32), m);
        __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 48), m);
        a0 = _mm512_fmadd_ps(d0, d0, a0);
        a1 = _mm512_fmadd_ps(d1, d1, a1);
        a2 = _mm512_fmadd_ps(d2, d2, a2);
        a3 = _mm512_fmadd_ps(d3, d3, a3);
    }
    for (; i < n; i += 16) {
        __mmask16 k = emoc__m512_tail((int)(n - i));
        __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), m);
        a0 = _mm512_fmadd_ps(d, d, a0);
    }
    return lanes_sum(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

static void gn_apply_avx512(const float *x, size_t C, float mean, const float *a,
                            const float *beta, float *y, size_t p0, size_t p1)
{
    const __m512 m = _mm512_set1_ps(mean);
    for (size_t p = p0; p < p1; p++) {
        const float *px = x + p * C;
        float *py = y + p * C;
        size_t c = 0;
        for (; c + 16 <= C; c += 16)
            _mm512_storeu_ps(py + c, _mm512_fmadd_ps(_mm512_sub_ps(_mm512_loadu_ps(px + c), m),
                                                     _mm512_loadu_ps(a + c),
                                                     _mm512_loadu_ps(beta + c)));
        if (c < C) {
            __mmask16 k = emoc__m512_tail((int)(C - c));
            __m512 v = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, px + c), m),
                                       _mm512_maskz_loadu_ps(k, a + c),
                                       _mm512_maskz_loadu_ps(k, beta + c));
            _mm512_mask_storeu_ps(py + c, k, v);
        }
    }
}

const emoc_groupnorm_kernel emoc_f32_groupnorm_c16__avx512 = {
    "emoc_f32_groupnorm_c16__avx512", gn_sum_avx512, gn_sqdev_avx512, gn_apply_avx512};
