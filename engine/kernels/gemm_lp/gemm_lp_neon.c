/*
 * gemm_lp_neon.c — NEON reduced-precision GEMMs (semantics: kernels.h, "Reduced-precision
 * GEMM"; reference: gemm_lp_ref.c):
 *   emoc_bf16_gemm_8x8__neon  bf16 widened to fp32 (a shift / a mask of each 32-bit pair) and
 *                             two FMAs per pair, k increasing: the products are exact in fp32,
 *                             so this equals the reference bit for bit (AArch64 and ARMv7).
 *   emoc_i8_gemm_8x8__neon    SDOT (ARMv8.2 dot product, AArch64 only; used when AT_HWCAP has
 *                             ASIMDDP): s8 × s8 quads into int32, exact as the reference.
 * Packed (gemm_lp/lp_scalar.h): panels of 8 channels × 4-byte groups (bf16 pairs / int8
 * quads). Activations are quantized by the scalar code of lp_scalar.h (the same arithmetic as
 * the reference by construction, the int8 row scale included), rows padded to a whole group with zeros.
 */
#include "engine/kernels/gemm_lp/lp_scalar.h"
#include "engine/kernels/simd_neon.h"

static size_t bf16_row_bytes(int K) { return 4u * (size_t)((K + 1) / 2); }
static size_t bf16_packed_size(int K, int N) { return emoc__lp_cols(N, 8) * bf16_row_bytes(K); }
static void bf16_pack(const void *w, int K, int N, void *packed)
{
    emoc__lp_pack_panels(w, K, N, 8, 2, 2, packed);
}

static void bf16_quant(const float *x, size_t x_stride, const float *scale, float inv_sx,
                       float *row_sx, int K, void *xq, size_t xq_stride, size_t p0, size_t p1)
{
    (void)inv_sx;
    (void)row_sx;
    for (size_t p = p0; p < p1; p++) {
        const float *xr = x + p * x_stride;
        uint16_t *q = (uint16_t *)((unsigned char *)xq + p * xq_stride);
        for (int k = 0; k < K; k++) q[k] = emoc__bf16_from_f32(scale ? xr[k] * scale[k] : xr[k]);
        if (K & 1) q[K] = 0;
    }
}

/* bf16: the even k of a pair is the low 16 bits of its 32-bit group (little-endian). */
#define LP_KPG 2
#define LP_ATTR
#define LP_PREFIX bf16_
#define LP_ACC_T float32x4_t
#define LP_ZERO vdupq_n_f32(0.0f)
#define LP_FINISH(acc, p, n, m) (acc)
#define LP_STEP(acc, g, w)                                                                   \
    do {                                                                                     \
        uint32x4_t w_ = vreinterpretq_u32_u8(w);                                             \
        float32x4_t we_ = vreinterpretq_f32_u32(vshlq_n_u32(w_, 16));                        \
        float32x4_t wo_ = vreinterpretq_f32_u32(vandq_u32(w_, vdupq_n_u32(0xFFFF0000u)));    \
        uint32_t ge_ = (g) << 16, go_ = (g) & 0xFFFF0000u;                                   \
        float xe_, xo_;                                                                      \
        memcpy(&xe_, &ge_, 4);                                                               \
        memcpy(&xo_, &go_, 4);                                                               \
        (acc) = vfmaq_f32((acc), vdupq_n_f32(xe_), we_);                                     \
        (acc) = vfmaq_f32((acc), vdupq_n_f32(xo_), wo_);                                     \
    } while (0)
#include "engine/kernels/gemm_lp/gemm_lp_body_neon.h"
#undef LP_KPG
#undef LP_ATTR
#undef LP_PREFIX
#undef LP_ACC_T
#undef LP_ZERO
#undef LP_FINISH
#undef LP_STEP

const emoc_gemm_lp_kernel emoc_bf16_gemm_8x8__neon = {"emoc_bf16_gemm_8x8__neon", bf16_gemm,
                                                      bf16_quant, bf16_row_bytes,
                                                      bf16_packed_size, bf16_pack, 8};

#if defined(__aarch64__)
static size_t i8_row_bytes(int K) { return 4u * (size_t)((K + 3) / 4); }
static size_t i8_packed_size(int K, int N) { return emoc__lp_cols(N, 8) * i8_row_bytes(K); }
static void i8_pack(const void *w, int K, int N, void *packed)
{
    emoc__lp_pack_panels(w, K, N, 8, 4, 1, packed);
}

static void i8_quant(const float *x, size_t x_stride, const float *scale, float inv_sx,
                     float *row_sx, int K, void *xq, size_t xq_stride, size_t p0, size_t p1)
{
    int Kp = (K + 3) & ~3;
    for (size_t p = p0; p < p1; p++) {
        int8_t *q = (int8_t *)((unsigned char *)xq + p * xq_stride);
        row_sx[p] = emoc__i8_quant_row(x + p * x_stride, scale, inv_sx, K, q);
        for (int k = K; k < Kp; k++) q[k] = 0;
    }
}

/* ((float)acc·row_sx[p])·dq[n], the reference's two roundings in its order */
static inline float32x4_t i8_finish(const emoc_gemm_lp_args *a, int32x4_t acc, size_t p, int n,
                                    int m)
{
    float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc), vdupq_n_f32(a->row_sx[p]));
    return vmulq_f32(v, emoc__ld_part(a->dq + n, m));
}

#define LP_KPG 4
#define LP_ATTR __attribute__((target("arch=armv8.2-a+dotprod")))
#define LP_PREFIX i8_
#define LP_ACC_T int32x4_t
#define LP_ZERO vdupq_n_s32(0)
#define LP_FINISH(acc, p, n, m) i8_finish(a, (acc), (p), (n), (m))
#define LP_STEP(acc, g, w)                                                                   \
    ((acc) = vdotq_s32((acc), vreinterpretq_s8_u8(w), vreinterpretq_s8_u32(vdupq_n_u32(g))))
#include "engine/kernels/gemm_lp/gemm_lp_body_neon.h"

const emoc_gemm_lp_kernel emoc_i8_gemm_8x8__neon = {"emoc_i8_gemm_8x8__neon", i8_gemm, i8_quant,
                                                    i8_row_bytes, i8_packed_size, i8_pack, 8};
#endif
