/* gemm_ref.c — scalar reference GEMM / pointwise convolution (the semantics every SIMD variant
 * must match; see kernels.h). Reads the shared panel layout (engine/base/gemm_panels.h) like
 * every kernel.
 * Accumulates over k in increasing order in float, then bias, activation, residual. */
#include "engine/base/gemm_panels.h"
#include "engine/kernels/kernels.h"

static void gemm_ref(const emoc_gemm_args *a, size_t p0, size_t p1, int n0, int n1)
{
    const int K = a->K;
    for (size_t p = p0; p < p1; p++) {
        const float *xr = a->x + p * a->x_stride;
        float *yr = a->y + p * a->y_stride;
        for (int n = n0; n < n1; n++) {
            int ws;
            const float *wr = emoc__gemm_panel_at(a->w_packed, K, a->N, n, &ws);
            float acc = 0.0f;
            if (a->scale)
                for (int k = 0; k < K; k++) acc += (xr[k] * a->scale[k]) * wr[(size_t)k * (size_t)ws];
            else
                for (int k = 0; k < K; k++) acc += xr[k] * wr[(size_t)k * (size_t)ws];
            if (a->bias) acc += a->bias[n];
            acc = emoc__act_scalar(acc, a->act, a->slope ? a->slope[n] : 0.0f);
            if (a->residual) acc += a->residual[p * a->r_stride + (size_t)n];
            yr[n] = acc;
        }
    }
}

const emoc_gemm_kernel emoc_f32_gemm_ref = {"emoc_f32_gemm_1x1__ref", gemm_ref,
                                             emoc__gemm_packed_floats, emoc__gemm_pack_panels, 1};
