/*
 * gemm_i8_avx512.c — AVX-512 VNNI int8 GEMM / pointwise convolution (semantics: kernels.h,
 * "Reduced-precision GEMM"; reference: gemm_lp_ref.c): emoc_i8_gemm_8x32__avx512.
 *
 * vpdpbusd multiplies unsigned by signed bytes, so the activations are stored as
 * u = s8 + 128 (x ^ 0x80) and the packed weights carry per channel comp[n] = 128·Σ_k w[n][k]:
 * Σ u·w − comp = Σ s8·w exactly (int32, no saturation in vpdpbusd), the reference's integer.
 * Packed: comp[] as int32 for emoc__lp_cols(N, 32) channels (rounded to 64 bytes), then panels
 * of 32 channels × int8 quads, [K/4][32][4]. Activation rows: K rounded up to a quad (tail:
 * 0x80, i.e. s8 zero).
 */
#include "engine/kernels/gemm_lp/lp_scalar.h"
#include "engine/kernels/simd_avx512.h"

static size_t comp_bytes(int N) { return (emoc__lp_cols(N, 32) * 4u + 63u) & ~(size_t)63u; }

static size_t row_bytes_avx512(int K) { return 4u * (size_t)((K + 3) / 4); }

static size_t packed_size_avx512(int K, int N)
{
    return comp_bytes(N) + emoc__lp_cols(N, 32) * (size_t)((K + 3) / 4) * 4u;
}

static void pack_avx512(const void *w, int K, int N, void *packed)
{
    const int8_t *src = w;
    unsigned char *out = packed;
    memset(out, 0, comp_bytes(N));
    for (int n = 0; n < N; n++) {
        int32_t s = 0;
        for (int k = 0; k < K; k++) s += src[(size_t)n * (size_t)K + (size_t)k];
        s *= 128;
        memcpy(out + 4u * (size_t)n, &s, 4);
    }
    emoc__lp_pack_panels(w, K, N, 32, 4, 1, out + comp_bytes(N));
}

/* The row scale (kernels.h: inv_sx > 0 static, row scale 1; else max|x·scale|/127 of the row,
 * emoc__i8_row_sx: maxps returns its second operand on NaN, so a NaN term is skipped as there),
 * then (x·scale)·inv, clamped as emoc__i8_quant (maxps/minps return the second operand on NaN),
 * rounded to nearest even by vcvtps2dq; s8 + 128 is stored as s8 ^ 0x80.
 * Speed (docs/precision.md §4.3): under the row rule the products x·scale of the max pass are
 * kept in a stack row (K ≤ TMP_K) for the quantizing pass instead of being loaded and
 * multiplied again; full vectors use unmasked loads and stores, only the K tail a mask. */
enum { TMP_K = 1024 };

static inline __m128i q8_vec(__m512 v, __m512 inv)
{
    v = _mm512_mul_ps(v, inv);
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-127.0f)), _mm512_set1_ps(127.0f));
    return _mm_xor_si128(_mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v)), _mm_set1_epi8((char)0x80));
}

static void quant_avx512(const float *x, size_t x_stride, const float *scale, float inv_sx,
                         float *row_sx, int K, void *xq, size_t xq_stride, size_t p0, size_t p1)
{
    const __m512 absmask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
    float tmp[TMP_K] __attribute__((aligned(64)));
    const int Kf = K & ~15, Kp = (K + 3) & ~3;
    const __mmask16 mt = emoc__m512_tail(K - Kf);
    const int row_rule = !(inv_sx > 0.0f), keep = row_rule && scale && K <= TMP_K;
    for (size_t p = p0; p < p1; p++) {
        const float *xr = x + p * x_stride;
        uint8_t *q = (uint8_t *)xq + p * xq_stride;
        float rs = 1.0f, inv_s = inv_sx;
        if (row_rule) {
            __m512 mx = _mm512_setzero_ps();
            for (int k = 0; k < K; k += 16) {
                __m512 v = k < Kf ? _mm512_loadu_ps(xr + k) : _mm512_maskz_loadu_ps(mt, xr + k);
                if (scale)
                    v = _mm512_mul_ps(v, k < Kf ? _mm512_loadu_ps(scale + k)
                                                : _mm512_maskz_loadu_ps(mt, scale + k));
                if (keep) _mm512_store_ps(tmp + k, v);
                mx = _mm512_max_ps(_mm512_and_ps(v, absmask), mx);
            }
            float amax = _mm512_reduce_max_ps(mx);
            rs = amax > 0.0f ? amax / 127.0f : 1.0f;
            inv_s = 1.0f / rs;
        }
        row_sx[p] = rs;
        const __m512 inv = _mm512_set1_ps(inv_s);
        const float *src = keep ? tmp : xr, *sc = keep ? NULL : scale;
        int k = 0;
        for (; k < Kf; k += 16) {
            __m512 v = _mm512_loadu_ps(src + k);
            if (sc) v = _mm512_mul_ps(v, _mm512_loadu_ps(sc + k));
            _mm_storeu_si128((__m128i *)(q + k), q8_vec(v, inv));
        }
        if (k < K) {
            __m512 v = _mm512_maskz_loadu_ps(mt, src + k);
            if (sc) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(mt, sc + k));
            _mm_mask_storeu_epi8(q + k, mt, q8_vec(v, inv));
        }
        for (k = K; k < Kp; k++) q[k] = 0x80;
    }
}

/* The accumulators start at −comp[n] (LP_INIT), so after the k loop they hold Σ u·w − comp =
 * Σ s8·w exactly (int32 wrap-around arithmetic: the order of the additions does not matter). */
static inline __m512i neg_comp(const emoc_gemm_lp_args *a, int n, __mmask16 m)
{
    return _mm512_sub_epi32(_mm512_setzero_si512(),
                            _mm512_maskz_loadu_epi32(m, (const int32_t *)a->w_packed + n));
}

/* ((float)acc·row_sx[p])·dq[n], the reference's two roundings in its order */
static inline __m512 finish(const emoc_gemm_lp_args *a, __m512i acc, size_t p, int n, __mmask16 m)
{
    __m512 v = _mm512_cvtepi32_ps(acc);
    v = _mm512_mul_ps(v, _mm512_set1_ps(a->row_sx[p]));
    return _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, a->dq + n));
}

#define LP_G 4
#define LP_ESIZE 1
#define LP_WOFF comp_bytes(a->N)
#define LP_ACC_T __m512i
#define LP_ZERO _mm512_setzero_si512()
#define LP_INIT(n, m) neg_comp(a, (n), (m))
#define LP_FINISH(acc, p, n, v) finish(a, (acc), (p), (n) + 16 * (v), m[v])
#define LP_ATTR __attribute__((target("avx512vnni")))
#define LP_PREFIX vnni_
#define LP_STEP(acc, xb, w) ((acc) = _mm512_dpbusd_epi32((acc), (xb), (w)))
#include "engine/kernels/gemm_lp/gemm_lp_body_avx512.h"

const emoc_gemm_lp_kernel emoc_i8_gemm_8x32__avx512 = {
    "emoc_i8_gemm_8x32__avx512", vnni_gemm, quant_avx512, row_bytes_avx512, packed_size_avx512,
    pack_avx512, 32};
