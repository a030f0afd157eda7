/*
 * crc32_armcrypto.c — CRC-32/IEEE by carry-less-multiply folding with ARMv8 PMULL (compiled with
 * -march=armv8-a+crypto; called only when the CPU reports PMULL: hash_dispatch.c). The same
 * method and constants as the PCLMULQDQ version (crc32_x86crypto.c): four 128-bit accumulators
 * folding 64 bytes per step, a fold to 128 bits, then a Barrett reduction.
 */
#include "engine/base/hash_accel.h"

#include <arm_neon.h>

static inline uint64x2_t clmul(uint64_t a, uint64_t b)
{
    return vreinterpretq_u64_p128(vmull_p64((poly64_t)a, (poly64_t)b));
}

/* x·x^D folded onto data: lo(x)·k.lo ^ hi(x)·k.hi ^ data */
static inline uint64x2_t fold(uint64x2_t x, uint64x2_t k, uint64x2_t data)
{
    uint64x2_t lo = clmul(vgetq_lane_u64(x, 0), vgetq_lane_u64(k, 0));
    uint64x2_t hi = clmul(vgetq_lane_u64(x, 1), vgetq_lane_u64(k, 1));
    return veorq_u64(veorq_u64(lo, hi), data);
}

static inline uint64x2_t ld(const uint8_t *p) { return vreinterpretq_u64_u8(vld1q_u8(p)); }

uint32_t emoc__crc32_fold_pmull(uint32_t reg, const uint8_t *p, size_t n)
{
    const uint64x2_t k1k2 = {0x154442bd4, 0x1c6e41596}, k3k4 = {0x1751997d0, 0x0ccaa009e};
    const uint64_t k5 = 0x163cd6124, poly = 0x1db710641, mu = 0x1f7011641;
    uint64x2_t x1 = veorq_u64(ld(p), (uint64x2_t){reg, 0});
    uint64x2_t x2 = ld(p + 16), x3 = ld(p + 32), x4 = ld(p + 48);
    for (p += 64, n -= 64; n >= 64; p += 64, n -= 64) {
        x1 = fold(x1, k1k2, ld(p));
        x2 = fold(x2, k1k2, ld(p + 16));
        x3 = fold(x3, k1k2, ld(p + 32));
        x4 = fold(x4, k1k2, ld(p + 48));
    }
    x1 = fold(x1, k3k4, x2);
    x1 = fold(x1, k3k4, x3);
    x1 = fold(x1, k3k4, x4);
    for (; n >= 16; p += 16, n -= 16) x1 = fold(x1, k3k4, ld(p));

    const uint64x2_t zero = vdupq_n_u64(0);
    const uint64x2_t mask32 = vreinterpretq_u64_u32((uint32x4_t){~0u, 0, ~0u, 0});
    /* 128 → 64 bits */
    uint64x2_t t = clmul(vgetq_lane_u64(x1, 0), vgetq_lane_u64(k3k4, 1));
    x1 = veorq_u64(vextq_u64(x1, zero, 1), t);
    t = vreinterpretq_u64_u8(vextq_u8(vreinterpretq_u8_u64(x1), vreinterpretq_u8_u64(zero), 4));
    x1 = veorq_u64(clmul(vgetq_lane_u64(vandq_u64(x1, mask32), 0), k5), t);
    /* Barrett reduction 64 → 32 bits */
    t = clmul(vgetq_lane_u64(vandq_u64(x1, mask32), 0), mu);
    t = clmul(vgetq_lane_u64(vandq_u64(t, mask32), 0), poly);
    x1 = veorq_u64(x1, t);
    return vgetq_lane_u32(vreinterpretq_u32_u64(x1), 1);
}
