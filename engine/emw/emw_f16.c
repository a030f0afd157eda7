/*
 * emw_f16.c — IEEE 754 binary16 <-> binary32 conversion for EMW f16 tensors.
 * f32 -> f16 rounds to nearest, ties to even (the rounding numpy's astype(float16) and PyTorch's
 * .half() use), including subnormal results; overflow gives ±Inf (the writer rejects that).
 * f16 -> f32 is exact. Pure bit manipulation: no libm, no FPU rounding-mode dependence.
 */
#include "engine/emw/emw.h"

#include <string.h>

uint16_t emw_f32_to_f16(float value)
{
    uint32_t x;
    memcpy(&x, &value, sizeof x);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t exp = (x >> 23) & 0xffu;
    uint32_t mant = x & 0x7fffffu;

    if (exp == 0xffu) /* Inf stays Inf; NaN stays a quiet NaN */
        return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0u));
    int32_t e = (int32_t)exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00u);
    if (e <= 0) {
        /* Subnormal half: value = m * 2^-24 with m = full >> (14 - e). */
        if (e < -10) /* below half the smallest subnormal (or f32 zero/subnormal) */
            return (uint16_t)sign;
        uint32_t full = mant | 0x800000u;
        uint32_t shift = (uint32_t)(14 - e); /* 14..24 */
        uint32_t m = full >> shift;
        uint32_t rem = full & ((1u << shift) - 1u);
        uint32_t half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (m & 1u)))
            m++; /* may carry into the smallest normal: still correct */
        return (uint16_t)(sign | m);
    }
    uint32_t h = ((uint32_t)e << 10) | (mant >> 13);
    uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
        h++; /* a carry into the exponent is right, up to 0x7c00 = Inf */
    return (uint16_t)(sign | h);
}

float emw_f16_to_f32(uint16_t h)
{
    uint32_t sign = ((uint32_t)h & 0x8000u) << 16;
    uint32_t exp = ((uint32_t)h >> 10) & 0x1fu;
    uint32_t mant = (uint32_t)h & 0x3ffu;
    uint32_t x;
    if (exp == 0) {
        /* zero or subnormal: mant * 2^-24 is exact in f32 */
        float v = (float)mant * (1.0f / 16777216.0f);
        memcpy(&x, &v, sizeof x);
        x |= sign;
    } else if (exp == 31) {
        x = sign | 0x7f800000u | (mant << 13);
    } else {
        x = sign | ((exp + 112u) << 23) | (mant << 13);
    }
    float out;
    memcpy(&out, &x, sizeof out);
    return out;
}
