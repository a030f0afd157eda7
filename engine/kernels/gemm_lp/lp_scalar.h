/*
 * lp_scalar.h — the scalar conversions of the reduced-precision GEMMs (kernels.h, "Reduced-
 * precision GEMM"), shared by the references, the SIMD quantizers' tails, the tests and the
 * converter (weights/), plus the panel packing of the SIMD kernels.
 *
 * Plain C and static inline (docs/architecture.md R2): every includer gets its own copy with its own flags.
 */
#ifndef EMOC_KERNELS_GEMM_LP_SCALAR_H
#define EMOC_KERNELS_GEMM_LP_SCALAR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* fp32 → bf16 bits, round to nearest even; denormals become ±0 (as the engine's flush-to-zero
 * mode and AVX512_BF16 treat them); NaN stays a quiet NaN. */
static inline uint16_t emoc__bf16_from_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7F800000u) == 0) return (uint16_t)((u >> 16) & 0x8000u);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static inline float emoc__f32_from_bf16(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* v (already x·scale·inv_sx) → s8: clamp to [−127, 127] first (NaN → −127: the comparisons are
 * written as the SIMD max/min compute them), then round to nearest even. */
static inline int8_t emoc__i8_quant(float v)
{
    v = v > -127.0f ? v : -127.0f;
    v = v < 127.0f ? v : 127.0f;
    return (int8_t)nearbyintf(v);
}

/* The int8 activation scale of one row under the per-row rule (kernels.h, "Reduced-precision
 * GEMM"; docs/precision.md §1): max_k|x[k]·scale[k]| / 127, 1 when that max is 0. A NaN term is
 * skipped (the comparison is written as the SIMD max computes it); a maximum does not depend on
 * the order it is taken in, so every ISA and split gets the same value. */
static inline float emoc__i8_row_sx(const float *xr, const float *scale, int K)
{
    float m = 0.0f;
    for (int k = 0; k < K; k++) {
        float v = fabsf(scale ? xr[k] * scale[k] : xr[k]);
        m = v > m ? v : m;
    }
    return m > 0.0f ? m / 127.0f : 1.0f;
}

/* One int8 activation row, s8 in q[0..K): static (inv_sx > 0: that scale, row scale 1) or per
 * row (inv_sx == 0); returns the row scale the epilogue multiplies by. */
static inline float emoc__i8_quant_row(const float *xr, const float *scale, float inv_sx, int K,
                                       int8_t *q)
{
    float rs = 1.0f, inv = inv_sx;
    if (!(inv_sx > 0.0f)) {
        rs = emoc__i8_row_sx(xr, scale, K);
        inv = 1.0f / rs;
    }
    for (int k = 0; k < K; k++) q[k] = emoc__i8_quant((scale ? xr[k] * scale[k] : xr[k]) * inv);
    return rs;
}

/* Panel packing of a row-major [N][K] weight of `esize`-byte elements for SIMD kernels that
 * consume `g` consecutive k at a time per channel (bf16 pairs: g = 2; int8 quads: g = 4):
 * Kg = ceil(K/g) groups; panels of nr channels, panel of channel n0 at byte
 * n0·Kg·g·esize, holding [Kg][width][g] elements; width = nr/2 for a last panel of at most nr/2
 * channels, else nr; missing channels and k ≥ K are zero. */
static inline size_t emoc__lp_cols(int N, int nr)
{
    int half = nr / 2, rem = N % nr;
    return (size_t)(N - rem) + (rem == 0 ? 0u : rem <= half ? (size_t)half : (size_t)nr);
}

static inline void emoc__lp_pack_panels(const void *w, int K, int N, int nr, int g, int esize,
                                        void *packed)
{
    const unsigned char *src = w;
    unsigned char *out = packed;
    size_t Kg = (size_t)(K + g - 1) / (size_t)g;
    for (int n0 = 0; n0 < N; n0 += nr) {
        int nw = N - n0 < nr ? N - n0 : nr;
        int width = nw <= nr / 2 ? nr / 2 : nr;
        unsigned char *dst = out + (size_t)n0 * Kg * (size_t)g * (size_t)esize;
        for (size_t kg = 0; kg < Kg; kg++)
            for (int j = 0; j < width; j++)
                for (int e = 0; e < g; e++) {
                    size_t k = kg * (size_t)g + (size_t)e;
                    unsigned char *d = dst + ((kg * (size_t)width + (size_t)j) * (size_t)g + (size_t)e) * (size_t)esize;
                    if (j < nw && k < (size_t)K)
                        memcpy(d, src + ((size_t)(n0 + j) * (size_t)K + k) * (size_t)esize, (size_t)esize);
                    else
                        memset(d, 0, (size_t)esize);
                }
    }
}

#endif
