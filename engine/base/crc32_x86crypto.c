/*
 * crc32_x86crypto.c — CRC-32/IEEE by carry-less-multiply folding with PCLMULQDQ (compiled with
 * -msse4.1 -mpclmul; called only when the CPU has both: engine/base/hash_dispatch.c).
 *
 * Four 128-bit accumulators fold 64 bytes per step (constants x^(512±32) mod P, bit-reflected),
 * then fold into one 128-bit value, 16 bytes at a time, and a Barrett reduction gives the
 * 32-bit register (the method of Intel's "Fast CRC Computation for Generic Polynomials Using
 * PCLMULQDQ"; constants derived in docs/startup.md). The caller handles the bytes past the last
 * multiple of 16 with the table version, so the result equals the table version everywhere.
 */
#include "engine/base/hash_accel.h"

#include <immintrin.h>
#include <string.h>

static const uint64_t k1k2[2] __attribute__((aligned(16))) = {0x154442bd4, 0x1c6e41596}; /* 512 */
static const uint64_t k3k4[2] __attribute__((aligned(16))) = {0x1751997d0, 0x0ccaa009e}; /* 128 */
static const uint64_t k5k0[2] __attribute__((aligned(16))) = {0x163cd6124, 0};
static const uint64_t poly[2] __attribute__((aligned(16))) = {0x1db710641, 0x1f7011641};

static inline __m128i fold(__m128i x, __m128i k, __m128i data)
{
    __m128i lo = _mm_clmulepi64_si128(x, k, 0x00), hi = _mm_clmulepi64_si128(x, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(hi, lo), data);
}

/* Continues from four accumulators (64 bytes at state) over n bytes at p (a multiple of 16). */
uint32_t emoc__crc32_fold_pclmul_from(const uint8_t state[64], const uint8_t *p, size_t n);
uint32_t emoc__crc32_fold_pclmul_from(const uint8_t state[64], const uint8_t *p, size_t n)
{
    __m128i x1 = _mm_loadu_si128((const __m128i *)(state + 0x00));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(state + 0x10));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(state + 0x20));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(state + 0x30));
    __m128i k = _mm_load_si128((const __m128i *)k1k2);
    for (; n >= 64; p += 64, n -= 64) {
        x1 = fold(x1, k, _mm_loadu_si128((const __m128i *)(p + 0x00)));
        x2 = fold(x2, k, _mm_loadu_si128((const __m128i *)(p + 0x10)));
        x3 = fold(x3, k, _mm_loadu_si128((const __m128i *)(p + 0x20)));
        x4 = fold(x4, k, _mm_loadu_si128((const __m128i *)(p + 0x30)));
    }
    k = _mm_load_si128((const __m128i *)k3k4);
    x1 = fold(x1, k, x2);
    x1 = fold(x1, k, x3);
    x1 = fold(x1, k, x4);
    for (; n >= 16; p += 16, n -= 16) x1 = fold(x1, k, _mm_loadu_si128((const __m128i *)p));

    /* 128 → 64 bits */
    __m128i x2b = _mm_clmulepi64_si128(x1, k, 0x10);
    __m128i mask32 = _mm_setr_epi32(~0, 0, ~0, 0);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2b);
    k = _mm_loadl_epi64((const __m128i *)k5k0);
    x2b = _mm_srli_si128(x1, 4);
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k, 0x00), x2b);
    /* Barrett reduction 64 → 32 bits */
    k = _mm_load_si128((const __m128i *)poly);
    x2b = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k, 0x10);
    x2b = _mm_clmulepi64_si128(_mm_and_si128(x2b, mask32), k, 0x00);
    x1 = _mm_xor_si128(x1, x2b);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

uint32_t emoc__crc32_fold_pclmul(uint32_t reg, const uint8_t *p, size_t n)
{
    uint8_t state[64];
    memcpy(state, p, 64);
    for (int i = 0; i < 4; i++) state[i] ^= (uint8_t)(reg >> (8 * i));
    return emoc__crc32_fold_pclmul_from(state, p + 64, n - 64);
}
