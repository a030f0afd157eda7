/*
 * crc32_vpclmul.c — CRC-32/IEEE folding with VPCLMULQDQ on 512-bit vectors (compiled with
 * AVX-512 + VPCLMULQDQ flags; called only when the CPU and OS have them: hash_dispatch.c).
 *
 * Four zmm accumulators fold 256 bytes per step (constants x^(2048±32) mod P, bit-reflected),
 * are folded into one zmm (x^(512±32), the 128-bit path's constants), and the 64 bytes of that
 * zmm continue in the PCLMULQDQ path (crc32_x86crypto.c) as its four 128-bit accumulators.
 */
#include "engine/base/hash_accel.h"

#include <immintrin.h>

uint32_t emoc__crc32_fold_pclmul_from(const uint8_t state[64], const uint8_t *p, size_t n);

static inline __m512i fold512(__m512i x, __m512i k, __m512i data)
{
    __m512i lo = _mm512_clmulepi64_epi128(x, k, 0x00), hi = _mm512_clmulepi64_epi128(x, k, 0x11);
    return _mm512_ternarylogic_epi64(lo, hi, data, 0x96); /* lo ^ hi ^ data */
}

uint32_t emoc__crc32_fold_vpclmul(uint32_t reg, const uint8_t *p, size_t n)
{
    if (n < 256) return emoc__crc32_fold_pclmul(reg, p, n);
    __m512i z0 = _mm512_loadu_si512((const void *)(p + 0x00));
    __m512i z1 = _mm512_loadu_si512((const void *)(p + 0x40));
    __m512i z2 = _mm512_loadu_si512((const void *)(p + 0x80));
    __m512i z3 = _mm512_loadu_si512((const void *)(p + 0xc0));
    z0 = _mm512_xor_si512(z0, _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)reg)));
    p += 256;
    n -= 256;
    const __m512i k2048 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x1322d1430, 0x11542778a));
    for (; n >= 256; p += 256, n -= 256) {
        z0 = fold512(z0, k2048, _mm512_loadu_si512((const void *)(p + 0x00)));
        z1 = fold512(z1, k2048, _mm512_loadu_si512((const void *)(p + 0x40)));
        z2 = fold512(z2, k2048, _mm512_loadu_si512((const void *)(p + 0x80)));
        z3 = fold512(z3, k2048, _mm512_loadu_si512((const void *)(p + 0xc0)));
    }
    const __m512i k512 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x1c6e41596, 0x154442bd4));
    z1 = fold512(z0, k512, z1);
    z2 = fold512(z1, k512, z2);
    z3 = fold512(z2, k512, z3);
    uint8_t state[64] __attribute__((aligned(64)));
    _mm512_store_si512((void *)state, z3);
    return emoc__crc32_fold_pclmul_from(state, p, n);
}
