/*
 * finite_scan_avx512.c — the NaN/Inf scan of finite_scan.c on 512-bit vectors (compiled with
 * the AVX-512 flags; called only when the CPU and OS have AVX-512F/BW: hash_dispatch.c). Same
 * answer as emoc__nonfinite_any_portable, which tests/base/test_hash_accel.c compares it with.
 * Exact per lane (no false positives): a lane hits when (bits & exponent mask) == mask.
 */
#include "engine/base/hash_accel.h"

#include <immintrin.h>

int emoc__nonfinite_any_avx512(const uint8_t *p, size_t n, int f16)
{
    size_t i = 0;
    size_t es = f16 ? 2 : 4;
    n -= n % es; /* whole elements only, like the portable scan */
    if (f16) {
        const __m512i m = _mm512_set1_epi16(0x7c00);
        __mmask32 hit = 0;
        for (; i + 64 <= n; i += 64)
            hit |= _mm512_cmpeq_epi16_mask(_mm512_and_si512(_mm512_loadu_si512(p + i), m), m);
        if (i < n) {
            __mmask32 live = (__mmask32)((1ull << ((n - i) / 2)) - 1);
            __m512i x = _mm512_maskz_loadu_epi16(live, p + i);
            hit |= _mm512_mask_cmpeq_epi16_mask(live, _mm512_and_si512(x, m), m);
        }
        return hit != 0;
    }
    const __m512i m = _mm512_set1_epi32(0x7f800000);
    __mmask16 hit = 0;
    for (; i + 256 <= n; i += 256) { /* four independent compares per step */
        __mmask16 a = _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_loadu_si512(p + i), m), m);
        __mmask16 b = _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_loadu_si512(p + i + 64), m), m);
        __mmask16 c = _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_loadu_si512(p + i + 128), m), m);
        __mmask16 d = _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_loadu_si512(p + i + 192), m), m);
        hit |= (__mmask16)(a | b | c | d);
    }
    for (; i + 64 <= n; i += 64)
        hit |= _mm512_cmpeq_epi32_mask(_mm512_and_si512(_mm512_loadu_si512(p + i), m), m);
    if (i < n) {
        __mmask16 live = (__mmask16)((1u << ((n - i) / 4)) - 1);
        __m512i x = _mm512_maskz_loadu_epi32(live, p + i);
        hit |= _mm512_mask_cmpeq_epi32_mask(live, _mm512_and_si512(x, m), m);
    }
    return hit != 0;
}
