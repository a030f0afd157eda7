/*
 * act_avx512.c — AVX-512 in-place activation (semantics: kernels.h, reference: act_ref.c).
 * 16 floats per vector, masked tail; PReLU walks rows of c channels so slope[i mod c] is a
 * plain vector load. Each element is computed alone, so any split of the array gives the same
 * bits. The expf inside SiLU/sigmoid: simd_avx512.h (≤ 2 ulp).
 */
#include "engine/kernels/simd_avx512.h"

static inline void act_span(float *x, size_t n, const float *slope, emoc_act act)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 s = slope ? _mm512_loadu_ps(slope + i) : _mm512_setzero_ps();
        _mm512_storeu_ps(x + i, emoc__act512(_mm512_loadu_ps(x + i), act, s));
    }
    if (i < n) {
        __mmask16 m = emoc__m512_tail((int)(n - i));
        __m512 s = slope ? _mm512_maskz_loadu_ps(m, slope + i) : _mm512_setzero_ps();
        _mm512_mask_storeu_ps(x + i, m, emoc__act512(_mm512_maskz_loadu_ps(m, x + i), act, s));
    }
}

static void act_avx512(float *x, size_t n, int c, const float *slope, emoc_act act)
{
    if (act == EMOC_ACT_NONE) return;
    if (act == EMOC_ACT_PRELU && slope && c > 0) {
        for (size_t i = 0; i < n; i += (size_t)c)
            act_span(x + i, n - i < (size_t)c ? n - i : (size_t)c, slope, act);
        return;
    }
    act_span(x, n, NULL, act);
}

const emoc_act_kernel emoc_f32_act_c16__avx512 = {"emoc_f32_act_c16__avx512", act_avx512};
