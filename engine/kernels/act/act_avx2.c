/*
 * act_avx2.c — AVX2+FMA in-place activation (semantics: kernels.h, reference: act_ref.c).
 * 8 floats per vector, masked tail; PReLU walks rows of c channels so slope[i mod c] is a
 * plain vector load. Each element is computed alone, so any split of the array gives the same
 * bits. The expf inside SiLU/sigmoid: simd_avx2.h (≤ 2 ulp).
 */
#include "engine/kernels/simd_avx2.h"

static inline void act_span(float *x, size_t n, const float *slope, emoc_act act)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 s = slope ? _mm256_loadu_ps(slope + i) : _mm256_setzero_ps();
        _mm256_storeu_ps(x + i, emoc__act256(_mm256_loadu_ps(x + i), act, s));
    }
    if (i < n) {
        __m256i m = emoc__m256_tail((int)(n - i));
        __m256 s = slope ? _mm256_maskload_ps(slope + i, m) : _mm256_setzero_ps();
        _mm256_maskstore_ps(x + i, m, emoc__act256(_mm256_maskload_ps(x + i, m), act, s));
    }
}

static void act_avx2(float *x, size_t n, int c, const float *slope, emoc_act act)
{
    if (act == EMOC_ACT_NONE) return;
    if (act == EMOC_ACT_PRELU && slope && c > 0) {
        for (size_t i = 0; i < n; i += (size_t)c)
            act_span(x + i, n - i < (size_t)c ? n - i : (size_t)c, slope, act);
        return;
    }
    act_span(x, n, NULL, act);
}

const emoc_act_kernel emoc_f32_act_c8__avx2 = {"emoc_f32_act_c8__avx2", act_avx2};
