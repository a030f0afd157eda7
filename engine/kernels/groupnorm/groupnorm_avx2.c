/* groupnorm_avx2.c — AVX2+FMA one-group GroupNorm kernels (kernels.h; reference
 * groupnorm_ref.c): chunk sums in four 8-lane float accumulators, lanes added in double in a
 * fixed order; the affine as one FMA. Tails through masked loads/stores. */
#include "engine/kernels/simd_avx2.h"

static double lanes_sum(__m256 a)
{
    float t[8];
    _mm256_storeu_ps(t, a);
    double s = 0.0;
    for (int i = 0; i < 8; i++) s += t[i];
    return s;
}

static double gn_sum_avx2(const float *x, size_t n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i < n; i += 8)
        a0 = _mm256_add_ps(a0, _mm256_maskload_ps(x + i, emoc__m256_tail((int)(n - i))));
    return lanes_sum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

static double gn_sqdev_avx2(const float *x, size_t n, float mean)
{
    const __m256 m = _mm256_set1_ps(mean);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), m);
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), m);
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 16), m);
        __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 24), m);
        a0 = _mm256_fmadd_ps(d0, d0, a0);
        a1 = _mm256_fmadd_ps(d1, d1, a1);
        a2 = _mm256_fmadd_ps(d2, d2, a2);
        a3 = _mm256_fmadd_ps(d3, d3, a3);
    }
    for (; i < n; i += 8) {
        __m256i k = emoc__m256_tail((int)(n - i));
        __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, k), m),
                                 _mm256_castsi256_ps(k));
        a0 = _mm256_fmadd_ps(d, d, a0);
    }
    return lanes_sum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

static void gn_apply_avx2(const float *x, size_t C, float mean, const float *a, const float *beta,
                          float *y, size_t p0, size_t p1)
{
    const __m256 m = _mm256_set1_ps(mean);
    for (size_t p = p0; p < p1; p++) {
        const float *px = x + p * C;
        float *py = y + p * C;
        size_t c = 0;
        for (; c + 8 <= C; c += 8)
            _mm256_storeu_ps(py + c, _mm256_fmadd_ps(_mm256_sub_ps(_mm256_loadu_ps(px + c), m),
                                                     _mm256_loadu_ps(a + c),
                                                     _mm256_loadu_ps(beta + c)));
        if (c < C) {
            __m256i k = emoc__m256_tail((int)(C - c));
            __m256 v = _mm256_fmadd_ps(_mm256_sub_ps(_mm256_maskload_ps(px + c, k), m),
                                       _mm256_maskload_ps(a + c, k),
                                       _mm256_maskload_ps(beta + c, k));
            _mm256_maskstore_ps(py + c, k, v);
        }
    }
}

const emoc_groupnorm_kernel emoc_f32_groupnorm_c8__avx2 = {
    "emoc_f32_groupnorm_c8__avx2", gn_sum_avx2, gn_sqdev_avx2, gn_apply_avx2};
