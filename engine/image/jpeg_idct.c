/*
 * jpeg_idct.c — the "islow" 8×8 inverse DCT of libjpeg-turbo (jidctint.c: Loeffler-Ligtenberg-
 * Moschytz with 12 multiplies, CONST_BITS 13, PASS1_BITS 2), the default of Pillow and OpenCV.
 * Written from the algorithm description so that outputs are bit-identical on valid data,
 * including the output range-limit table's wrap-around (x & 1023, see idct_clamp()).
 * Arithmetic is in int64 so that hostile coefficients cannot overflow (libjpeg's JLONG is
 * 64-bit on LP64 too); shifts of negative values are written as multiplications.
 */
#include "engine/image/jpeg_internal.h"

#define CONST_BITS 13
#define PASS1_BITS 2

#define FIX_0_298631336 2446
#define FIX_0_390180644 3196
#define FIX_0_541196100 4433
#define FIX_0_765366865 6270
#define FIX_0_899976223 7373
#define FIX_1_175875602 9633
#define FIX_1_501321110 12299
#define FIX_1_847759065 15137
#define FIX_1_961570560 16069
#define FIX_2_053119869 16819
#define FIX_2_562915447 20995
#define FIX_3_072711026 25172

/* Arithmetic right shift with rounding, as libjpeg's DESCALE. */
static inline int64_t descale(int64_t x, int n)
{
    x += (int64_t)1 << (n - 1);
    return x >= 0 ? x >> n : -((-x + ((int64_t)1 << n) - 1) >> n);
}

/* libjpeg's IDCT range limit: index = value & 1023, read as a signed 10-bit offset from 128,
 * then clamped to 0..255 (so wildly out-of-range values wrap like in libjpeg). */
static inline uint8_t idct_clamp(int64_t x)
{
    int i = (int)(x & 1023);
    if (i >= 512) i -= 1024;
    i += 128;
    return (uint8_t)(i < 0 ? 0 : i > 255 ? 255 : i);
}

/* One 1-D pass on 8 values v[0..7] (dequantised coefficients or the workspace); results in
 * r[0..7], scaled by 2^CONST_BITS, before descaling. */
static inline void idct_1d(const int64_t v[8], int64_t r[8])
{
    int64_t z1, z2, z3, z4, z5, tmp0, tmp1, tmp2, tmp3, tmp10, tmp11, tmp12, tmp13;

    z2 = v[2];
    z3 = v[6];
    z1 = (z2 + z3) * FIX_0_541196100;
    tmp2 = z1 + z3 * -FIX_1_847759065;
    tmp3 = z1 + z2 * FIX_0_765366865;
    tmp0 = (v[0] + v[4]) * ((int64_t)1 << CONST_BITS);
    tmp1 = (v[0] - v[4]) * ((int64_t)1 << CONST_BITS);
    tmp10 = tmp0 + tmp3;
    tmp13 = tmp0 - tmp3;
    tmp11 = tmp1 + tmp2;
    tmp12 = tmp1 - tmp2;

    tmp0 = v[7];
    tmp1 = v[5];
    tmp2 = v[3];
    tmp3 = v[1];
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    z4 = tmp1 + tmp3;
    z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 *= FIX_0_298631336;
    tmp1 *= FIX_2_053119869;
    tmp2 *= FIX_3_072711026;
    tmp3 *= FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;

    r[0] = tmp10 + tmp3;
    r[7] = tmp10 - tmp3;
    r[1] = tmp11 + tmp2;
    r[6] = tmp11 - tmp2;
    r[2] = tmp12 + tmp1;
    r[5] = tmp12 - tmp1;
    r[3] = tmp13 + tmp0;
    r[4] = tmp13 - tmp0;
}

void jpeg__idct_islow(const int16_t coef[64], const uint16_t quant[64], uint8_t *out,
                      size_t stride)
{
    int64_t ws[64]; /* libjpeg keeps int here; the values fit for any 16-bit input */
    int64_t v[8], r[8];

    /* Pass 1: columns. An all-zero AC column gives dc << PASS1_BITS, same as the full path. */
    for (int c = 0; c < 8; c++) {
        int ac_zero = 1;
        for (int k = 1; k < 8; k++)
            if (coef[k * 8 + c] != 0) { ac_zero = 0; break; }
        if (ac_zero) {
            int64_t dc = (int32_t)((int64_t)coef[c] * quant[c] * (1 << PASS1_BITS));
            for (int k = 0; k < 8; k++) ws[k * 8 + c] = dc;
            continue;
        }
        for (int k = 0; k < 8; k++) v[k] = (int64_t)coef[k * 8 + c] * quant[k * 8 + c];
        idct_1d(v, r);
        for (int k = 0; k < 8; k++) ws[k * 8 + c] = (int32_t)descale(r[k], CONST_BITS - PASS1_BITS);
    }

    /* Pass 2: rows, descaled by 8 and PASS1_BITS, then range-limited. */
    for (int row = 0; row < 8; row++) {
        const int64_t *w = ws + row * 8;
        uint8_t *o = out + (size_t)row * stride;
        if (!w[1] && !w[2] && !w[3] && !w[4] && !w[5] && !w[6] && !w[7]) {
            uint8_t dc = idct_clamp(descale(w[0], PASS1_BITS + 3));
            for (int k = 0; k < 8; k++) o[k] = dc;
            continue;
        }
        idct_1d(w, r);
        for (int k = 0; k < 8; k++) o[k] = idct_clamp(descale(r[k], CONST_BITS + PASS1_BITS + 3));
    }
}
