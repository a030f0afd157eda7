/*
 * gap_avx512.c — AVX-512 global average pool (semantics: kernels.h, reference: gap_ref.c).
 * 64 channels (4 zmm accumulators) per pass over the pixels, then 16 at a time, then a masked
 * tail. Each channel is still one sum in increasing pixel order followed by ·(1/P), so the
 * result is bitwise the reference's whatever the channel range.
 */
#include "engine/kernels/simd_avx512.h"

static void gap_avx512(const float *x, size_t P, size_t C, float *y, size_t c0, size_t c1)
{
    const __m512 inv = _mm512_set1_ps(1.0f / (float)P);
    size_t c = c0;
    for (; c + 64 <= c1; c += 64) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t p = 0; p < P; p++) {
            const float *q = x + p * C + c;
            a0 = _mm512_add_ps(a0, _mm512_loadu_ps(q));
            a1 = _mm512_add_ps(a1, _mm512_loadu_ps(q + 16));
            a2 = _mm512_add_ps(a2, _mm512_loadu_ps(q + 32));
            a3 = _mm512_add_ps(a3, _mm512_loadu_ps(q + 48));
        }
        _mm512_storeu_ps(y + c, _mm512_mul_ps(a0, inv));
        _mm512_storeu_ps(y + c + 16, _mm512_mul_ps(a1, inv));
        _mm512_storeu_ps(y + c + 32, _mm512_mul_ps(a2, inv));
        _mm512_storeu_ps(y + c + 48, _mm512_mul_ps(a3, inv));
    }
    for (; c < c1; c += 16) {
        __mmask16 m = emoc__m512_tail((int)(c1 - c));
        __m512 a = _mm512_setzero_ps();
        for (size_t p = 0; p < P; p++) a = _mm512_add_ps(a, _mm512_maskz_loadu_ps(m, x + p * C + c));
        _mm512_mask_storeu_ps(y + c, m, _mm512_mul_ps(a, inv));
    }
}

const emoc_gap_kernel emoc_f32_gap_c16__avx512 = {"emoc_f32_gap_c16__avx512", gap_avx512};
