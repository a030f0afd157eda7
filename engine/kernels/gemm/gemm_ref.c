/* gemm_ref.c — scalar reference GEMM / pointwise convolution (the semantics every SIMD variant
 * must match; see kernels.h). Packed layout = unpacked row-major W[N][K]. Accumulates over k in
 * increasing order in float, then bias, activation, residual. */
#include "engine/kernels/kernels.h"

#include <string.h>

static size_t packed_size_ref(int K, int N) { return (size_t)K * (size_t)N; }

static void pack_ref(const float *w, int K, int N, float *packed)
{
    memcpy(packed, w, sizeof(float) * (size_t)K * (size_t)N);
}

static void gemm_ref(const emoc_gemm_args *a, size_t p0, size_t p1, int n0, int n1)
{
    const int K = a->K;
    for (size_t p = p0; p < p1; p++) {
        const float *xr = a->x + p * a->x_stride;
        float *yr = a->y + p * a->y_stride;
        for (int n = n0; n < n1; n++) {
            const float *wr = a->w_packed + (size_t)n * (size_t)K;
            float acc = 0.0f;
            if (a->scale)
                for (int k = 0; k < K; k++) acc += (xr[k] * a->scale[k]) * wr[k];
            else
                for (int k = 0; k < K; k++) acc += xr[k] * wr[k];
            if (a->bias) acc += a->bias[n];
            acc = emoc__act_scalar(acc, a->act, a->slope ? a->slope[n] : 0.0f);
            if (a->residual) acc += a->residual[p * a->r_stride + (size_t)n];
            yr[n] = acc;
        }
    }
}

const emoc_gemm_kernel emoc_f32_gemm_ref = {"emoc_f32_gemm_1x1__ref", gemm_ref, packed_size_ref,
                                             pack_ref, 1};
