/*
 * gemm_bf16_avx512.c — AVX-512 bf16 GEMM / pointwise convolution (semantics: kernels.h,
 * "Reduced-precision GEMM"; reference: gemm_lp_ref.c), two kernels:
 *   emoc_bf16_gemm_8x32__avx512      vdpbf16ps (AVX512_BF16): per 32-bit lane, the two products
 *                                    of a bf16 pair added to the fp32 accumulator; the pair
 *                                    order inside the instruction may differ from the reference
 *                                    (within the bound of docs/precision.md).
 *   emoc_bf16_gemm_f32fma_8x32__avx512  the fallback for AVX-512 CPUs without AVX512_BF16: bf16
 *                                    widened to fp32 (a shift) and two FMAs per pair, k
 *                                    increasing; the products are exact in fp32, so this equals
 *                                    the reference bit for bit.
 * The vdpbf16ps kernel converts its activations with vcvtne2ps2bf16 (same bits as the integer
 * rounding the fallback uses).
 * Packing (gemm_lp/lp_scalar.h): panels of 32 channels × bf16 pairs, [K/2][32][2]. Activation
 * rows: bf16 of x·scale, K rounded up to a pair (the odd tail is 0).
 */
#include "engine/kernels/gemm_lp/lp_scalar.h"
#include "engine/kernels/simd_avx512.h"

static size_t row_bytes_avx512(int K) { return 4u * (size_t)((K + 1) / 2); }

static size_t packed_size_avx512(int K, int N)
{
    return emoc__lp_cols(N, 32) * (size_t)((K + 1) / 2) * 4u;
}

static void pack_avx512(const void *w, int K, int N, void *packed)
{
    emoc__lp_pack_panels(w, K, N, 32, 2, 2, packed);
}

/* x·scale → bf16 with the rounding of emoc__bf16_from_f32, 16 at a time in integer lanes. */
static void quant_avx512(const float *x, size_t x_stride, const float *scale, float inv_sx,
                         float *row_sx, int K, void *xq, size_t xq_stride, size_t p0, size_t p1)
{
    (void)row_sx;
    (void)inv_sx;
    const __m512i expo = _mm512_set1_epi32(0x7F800000), absm = _mm512_set1_epi32(0x7FFFFFFF);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u), one = _mm512_set1_epi32(1);
    const __m512i half = _mm512_set1_epi32(0x7FFF), qnan = _mm512_set1_epi32(0x00400000);
    for (size_t p = p0; p < p1; p++) {
        const float *xr = x + p * x_stride;
        uint16_t *q = (uint16_t *)((unsigned char *)xq + p * xq_stride);
        for (int k = 0; k < K; k += 16) {
            __mmask16 m = emoc__m512_tail(K - k);
            __m512 v = _mm512_maskz_loadu_ps(m, xr + k);
            if (scale) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, scale + k));
            __m512i u = _mm512_castps_si512(v);
            __mmask16 denorm = _mm512_cmpeq_epi32_mask(_mm512_and_si512(u, expo), _mm512_setzero_si512());
            __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, absm), expo);
            __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(half, _mm512_and_si512(_mm512_srli_epi32(u, 16), one)));
            r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(u, qnan));
            r = _mm512_mask_mov_epi32(r, denorm, _mm512_and_si512(u, sign));
            r = _mm512_srli_epi32(r, 16);
            _mm256_mask_storeu_epi16(q + k, m, _mm512_cvtepi32_epi16(r));
        }
        if (K & 1) q[K] = 0;
    }
}

/* The same rounding by the AVX512_BF16 conversion: vcvtne2ps2bf16 rounds to nearest even,
 * flushes denormal inputs to signed zero and quiets NaNs, which is emoc__bf16_from_f32 bit for
 * bit (tests/kernels/test_gemm_lp.c checks it over denormals, infinities and NaNs), in one
 * instruction per 32 values instead of ~10 integer ops per 16: the pass over the activations
 * costs about half as much (B0: docs/precision.md §4.3). */
__attribute__((target("avx512bf16"))) static void
quant_cvt_avx512(const float *x, size_t x_stride, const float *scale, float inv_sx, float *row_sx,
                 int K, void *xq, size_t xq_stride, size_t p0, size_t p1)
{
    (void)row_sx;
    (void)inv_sx;
    for (size_t p = p0; p < p1; p++) {
        const float *xr = x + p * x_stride;
        uint16_t *q = (uint16_t *)((unsigned char *)xq + p * xq_stride);
        int k = 0;
        for (; k + 32 <= K; k += 32) {
            __m512 lo = _mm512_loadu_ps(xr + k), hi = _mm512_loadu_ps(xr + k + 16);
            if (scale) {
                lo = _mm512_mul_ps(lo, _mm512_loadu_ps(scale + k));
                hi = _mm512_mul_ps(hi, _mm512_loadu_ps(scale + k + 16));
            }
            _mm512_storeu_si512(q + k, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
        }
        for (; k < K; k += 16) {
            __mmask16 m = emoc__m512_tail(K - k);
            __m512 v = _mm512_maskz_loadu_ps(m, xr + k);
            if (scale) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, scale + k));
            _mm256_mask_storeu_epi16(q + k, m, (__m256i)_mm512_cvtneps_pbh(v));
        }
        if (K & 1) q[K] = 0;
    }
}

#define LP_G 2
#define LP_ESIZE 2
#define LP_WOFF 0
#define LP_ACC_T __m512
#define LP_ZERO _mm512_setzero_ps()
#define LP_INIT(n, m) LP_ZERO
#define LP_FINISH(acc, p, n, v) (acc)

/* vdpbf16ps */
#define LP_ATTR __attribute__((target("avx512bf16")))
#define LP_PREFIX dp_
#define LP_STEP(acc, xb, w) ((acc) = _mm512_dpbf16_ps((acc), (__m512bh)(w), (__m512bh)(xb)))
#include "engine/kernels/gemm_lp/gemm_lp_body_avx512.h"
#undef LP_ATTR
#undef LP_PREFIX
#undef LP_STEP

/* widen + FMA: even k (low half of the 32-bit group) first, then odd k */
#define LP_ATTR
#define LP_PREFIX fma_
#define LP_STEP(acc, xb, w)                                                                  \
    do {                                                                                     \
        const __m512i hi_ = _mm512_set1_epi32((int)0xFFFF0000u);                             \
        (acc) = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_slli_epi32((xb), 16)),            \
                                _mm512_castsi512_ps(_mm512_slli_epi32((w), 16)), (acc));     \
        (acc) = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_and_si512((xb), hi_)),            \
                                _mm512_castsi512_ps(_mm512_and_si512((w), hi_)), (acc));     \
    } while (0)
#include "engine/kernels/gemm_lp/gemm_lp_body_avx512.h"

const emoc_gemm_lp_kernel emoc_bf16_gemm_8x32__avx512 = {
    "emoc_bf16_gemm_8x32__avx512", dp_gemm, quant_cvt_avx512, row_bytes_avx512,
    packed_size_avx512, pack_avx512, 32};
const emoc_gemm_lp_kernel emoc_bf16_gemm_f32fma_8x32__avx512 = {
    "emoc_bf16_gemm_f32fma_8x32__avx512", fma_gemm, quant_avx512, row_bytes_avx512,
    packed_size_avx512, pack_avx512, 32};
