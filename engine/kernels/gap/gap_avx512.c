/*
 * gap_avx512.c — AVX-512 global-average-pool sum (semantics: kernels.h, reference: gap_ref.c).
 * Up to 128 channels (8 zmm accumulators, the last one masked) per pass over the pixels: each
 * sum is a chain of dependent adds, so a pass is bound by add latency and the more channels it
 * carries the fewer passes there are (SE squeezes over 112×112×32 took two latency-bound passes
 * of 16 channels). Each channel is still one sum in increasing pixel order, so the result is bitwise the reference's whatever the channel range.
 */
#include "engine/kernels/simd_avx512.h"

enum { GV = 8 }; /* vectors per pass */

/* nv (compile-time, 1..8) vectors of channels from c; the last has mask m. */
static inline __attribute__((always_inline)) void
gap_pass(const float *x, size_t P, size_t C, float *y, size_t c, const int nv, __mmask16 m)
{
    __m512 acc[GV];
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++) acc[v] = _mm512_setzero_ps();
    const float *q = x + c;
    for (size_t p = 0; p < P; p++, q += C) {
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[v] = _mm512_add_ps(acc[v], v == nv - 1 ? _mm512_maskz_loadu_ps(m, q + 16 * v)
                                                       : _mm512_loadu_ps(q + 16 * v));
    }
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
        _mm512_mask_storeu_ps(y + c + 16 * (size_t)v, v == nv - 1 ? m : (__mmask16)0xFFFF,
                              acc[v]);
}

static void gap_avx512(const float *x, size_t P, size_t C, float *y, size_t c0, size_t c1)
{
    for (size_t c = c0; c < c1;) {
        size_t left = c1 - c;
        int nv = left >= 16 * GV ? GV : (int)((left + 15) / 16);
        __mmask16 m = emoc__m512_tail((int)(left - 16 * (size_t)(nv - 1)));
        switch (nv) {
        case 8: gap_pass(x, P, C, y, c, 8, m); break;
        case 7: gap_pass(x, P, C, y, c, 7, m); break;
        case 6: gap_pass(x, P, C, y, c, 6, m); break;
        case 5: gap_pass(x, P, C, y, c, 5, m); break;
        case 4: gap_pass(x, P, C, y, c, 4, m); break;
        case 3: gap_pass(x, P, C, y, c, 3, m); break;
        case 2: gap_pass(x, P, C, y, c, 2, m); break;
        default: gap_pass(x, P, C, y, c, 1, m); break;
        }
        c += 16 * (size_t)nv < left ? 16 * (size_t)nv : left;
    }
}

const emoc_gap_kernel emoc_f32_gap_c16__avx512 = {"emoc_f32_gap_c16__avx512", gap_avx512};
