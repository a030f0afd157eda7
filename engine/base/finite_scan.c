/*
 * finite_scan.c — the loader's NaN/Inf scan of weight data (weights/FORMAT.md §9): is any
 * element's exponent all ones? Portable version and the dispatch to the AVX-512 one
 * (finite_scan_avx512.c), chosen once per process like the hash code (hash_dispatch.c).
 */
#include "engine/base/hash_accel.h"

#include <string.h>

/* Eight bytes at a time on little-endian hosts: per 32-bit (f32) or 16-bit (f16) lane, exponent
 * bits XOR the exponent mask is zero exactly for Inf/NaN; lanes are below the sign bit after the
 * mask, so the has-zero-lane test has no false negatives, and a false positive needs a true zero
 * lane below it. Either way the caller locates the element with the exact scalar test. */
int emoc__nonfinite_any_portable(const uint8_t *p, size_t n, int f16)
{
    size_t i = 0;
    uint64_t hit = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t m = f16 ? 0x7c007c007c007c00ull : 0x7f8000007f800000ull;
    const uint64_t one = f16 ? 0x0001000100010001ull : 0x0000000100000001ull;
    const uint64_t top = f16 ? 0x8000800080008000ull : 0x8000000080000000ull;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t t = (x & m) ^ m;
        hit |= (t - one) & ~t & top;
    }
#endif
    for (; i + (f16 ? 2 : 4) <= n; i += f16 ? 2 : 4) {
        uint32_t bits = f16 ? (uint32_t)p[i] | (uint32_t)p[i + 1] << 8
                            : (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                                  (uint32_t)p[i + 3] << 24;
        uint32_t em = f16 ? 0x7c00u : 0x7f800000u;
        hit |= (bits & em) == em;
    }
    return hit != 0;
}

int emoc__nonfinite_any(const uint8_t *p, size_t n, int f16)
{
#if defined(__x86_64__) && !defined(EMOC_ISA_REF_ONLY)
    if (emoc__scan_level() == EMOC_SCAN_AVX512) return emoc__nonfinite_any_avx512(p, n, f16);
#endif
    return emoc__nonfinite_any_portable(p, n, f16);
}
