/* gemm_lp_ref.c — scalar references of the reduced-precision GEMMs (semantics: kernels.h,
 * "Reduced-precision GEMM"; docs/precision.md). Packed layout = unpacked row-major [N][K];
 * activation rows are K elements (bf16 bits or s8). bf16: the products of two bf16 values are
 * exact in fp32 and are added in increasing k. int8: an exact int32 sum, then
 * ((float)acc·row_sx[p])·dq[n] + bias[n], activation, residual. */
#include "engine/kernels/gemm_lp/lp_scalar.h"
#include "engine/kernels/kernels.h"

static size_t bf16_row_bytes(int K) { return 2u * (size_t)K; }
static size_t i8_row_bytes(int K) { return (size_t)K; }
static size_t bf16_packed_size(int K, int N) { return 2u * (size_t)K * (size_t)N; }
static size_t i8_packed_size(int K, int N) { return (size_t)K * (size_t)N; }

static void bf16_pack(const void *w, int K, int N, void *packed)
{
    memcpy(packed, w, bf16_packed_size(K, N));
}

static void i8_pack(const void *w, int K, int N, void *packed)
{
    memcpy(packed, w, i8_packed_size(K, N));
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
    }
}

static void i8_quant(const float *x, size_t x_stride, const float *scale, float inv_sx,
                     float *row_sx, int K, void *xq, size_t xq_stride, size_t p0, size_t p1)
{
    for (size_t p = p0; p < p1; p++)
        row_sx[p] = emoc__i8_quant_row(x + p * x_stride, scale, inv_sx, K,
                                       (int8_t *)((unsigned char *)xq + p * xq_stride));
}

static float epilogue(const emoc_gemm_lp_args *a, float acc, size_t p, int n)
{
    if (a->bias) acc += a->bias[n];
    acc = emoc__act_scalar(acc, a->act, a->slope ? a->slope[n] : 0.0f);
    if (a->residual) acc += a->residual[p * a->r_stride + (size_t)n];
    return acc;
}

static void bf16_gemm(const emoc_gemm_lp_args *a, size_t p0, size_t p1, int n0, int n1)
{
    const int K = a->K;
    const uint16_t *W = a->w_packed;
    for (size_t p = p0; p < p1; p++) {
        const uint16_t *xr = (const uint16_t *)((const unsigned char *)a->xq + p * a->xq_stride);
        for (int n = n0; n < n1; n++) {
            const uint16_t *wr = W + (size_t)n * (size_t)K;
            float acc = 0.0f;
            for (int k = 0; k < K; k++) acc += emoc__f32_from_bf16(xr[k]) * emoc__f32_from_bf16(wr[k]);
            a->y[p * a->y_stride + (size_t)n] = epilogue(a, acc, p, n);
        }
    }
}

static void i8_gemm(const emoc_gemm_lp_args *a, size_t p0, size_t p1, int n0, int n1)
{
    const int K = a->K;
    const int8_t *W = a->w_packed;
    for (size_t p = p0; p < p1; p++) {
        const int8_t *xr = (const int8_t *)((const unsigned char *)a->xq + p * a->xq_stride);
        for (int n = n0; n < n1; n++) {
            const int8_t *wr = W + (size_t)n * (size_t)K;
            int32_t acc = 0;
            for (int k = 0; k < K; k++) acc += (int32_t)xr[k] * (int32_t)wr[k];
            float v = ((float)acc * a->row_sx[p]) * a->dq[n];
            a->y[p * a->y_stride + (size_t)n] = epilogue(a, v, p, n);
        }
    }
}

const emoc_gemm_lp_kernel emoc_bf16_gemm_ref = {"emoc_bf16_gemm_1x1__ref", bf16_gemm, bf16_quant,
                                                bf16_row_bytes, bf16_packed_size, bf16_pack, 1};
const emoc_gemm_lp_kernel emoc_i8_gemm_ref = {"emoc_i8_gemm_1x1__ref", i8_gemm, i8_quant,
                                              i8_row_bytes, i8_packed_size, i8_pack, 1};
