/*
 * gemm_neon.c — AArch64 NEON packed, register-blocked GEMM / pointwise convolution
 * (semantics: kernels.h, reference: gemm_ref.c).
 *
 * Weights in the layout all GEMM kernels share (engine/base/gemm_panels.h): panels of 32
 * output channels, [K][32] each (the last 16 wide when at most 16 channels remain); this kernel's 8-channel tiles
 * read their columns of a panel with the panel width as row stride.
 *
 * Micro-kernel: 8 pixels × 8 channels = 16 q-register accumulators (2 per pixel), one
 * broadcast of x[p][k] per pixel and k. With an SE gate the weight vectors are scaled (w·s[k])
 * instead of the 8 broadcasts. Epilogue: + bias, activation, + residual, stored with lane masks.
 *
 * Tails: a pixel tail (< 8 rows) reuses the 8-row kernel with the missing rows pointing at the
 * last valid row of [p0,p1) (computed, never stored), so no read leaves the caller's range; a
 * channel tail goes through a 4-float stack buffer. Every output element is the same FMA chain over
 * k = 0..K−1 whatever the tile it falls in, so results do not depend on the split.
 */
#include "engine/base/gemm_panels.h"
#include "engine/kernels/simd_neon.h"

enum { MR = 8, NR = 8 };

/* One 8-pixel × (4·nv)-channel tile at pixel p (rows p..p+mr−1 valid, mr ≤ 8), channel n;
 * nw valid channels. nv and scaled are compile-time constants at each call site. */
static inline __attribute__((always_inline)) void
tile(const emoc_gemm_args *a, size_t p, int mr, size_t p_last, int n, int nw, const int nv,
     const int scaled)
{
    const int K = a->K;
    int ws; /* row stride of the 32-channel panel holding columns n .. n+7 */
    const float *wp = emoc__gemm_panel_at(a->w_packed, K, a->N, n, &ws);
    const float *xr[MR];
    float32x4_t acc[MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
        size_t row = p + (size_t)i <= p_last ? p + (size_t)i : p_last;
        xr[i] = a->x + row * a->x_stride;
        acc[i][0] = vdupq_n_f32(0.0f);
        acc[i][1] = vdupq_n_f32(0.0f);
    }
    for (int k = 0; k < K; k++) {
        const float *wk = wp + (size_t)k * (size_t)ws;
        float32x4_t w0 = vld1q_f32(wk);
        float32x4_t w1 = nv == 2 ? vld1q_f32(wk + 4) : vdupq_n_f32(0.0f);
        if (scaled) {
            float32x4_t s = vdupq_n_f32(a->scale[k]);
            w0 = vmulq_f32(w0, s);
            if (nv == 2) w1 = vmulq_f32(w1, s);
        }
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            float32x4_t xb = vdupq_n_f32(xr[i][k]);
            acc[i][0] = vfmaq_f32(acc[i][0], xb, w0);
            if (nv == 2) acc[i][1] = vfmaq_f32(acc[i][1], xb, w1);
        }
    }
    const int m[2] = {nw < 4 ? nw : 4, nw - 4};
    float32x4_t bias[2], slope[2];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
        bias[v] = a->bias ? emoc__ld_part(a->bias + n + 4 * v, m[v]) : vdupq_n_f32(0.0f);
        slope[v] = a->act == EMOC_ACT_PRELU && a->slope ? emoc__ld_part(a->slope + n + 4 * v, m[v])
                                                        : vdupq_n_f32(0.0f);
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
        if (i >= mr) break;
        float *yr = a->y + (p + (size_t)i) * a->y_stride + n;
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            float32x4_t r = acc[i][v];
            if (a->bias) r = vaddq_f32(r, bias[v]);
            r = emoc__act_neon(r, a->act, slope[v]);
            if (a->residual)
                r = vaddq_f32(r, emoc__ld_part(a->residual + (p + (size_t)i) * a->r_stride + n + 4 * v, m[v]));
            if (m[v] == 4) vst1q_f32(yr + 4 * v, r);
            else emoc__st_part(yr + 4 * v, r, m[v]);
        }
    }
}

static void gemm_neon(const emoc_gemm_args *a, size_t p0, size_t p1, int n0, int n1)
{
    if (p1 <= p0 || n1 <= n0) return;
    for (size_t p = p0; p < p1; p += MR) {
        int mr = p1 - p < MR ? (int)(p1 - p) : MR;
        for (int n = n0; n < n1; n += NR) {
            int nw = n1 - n < NR ? n1 - n : NR;
            if (nw > 4) {
                if (a->scale) tile(a, p, mr, p1 - 1, n, nw, 2, 1);
                else tile(a, p, mr, p1 - 1, n, nw, 2, 0);
            } else {
                if (a->scale) tile(a, p, mr, p1 - 1, n, nw, 1, 1);
                else tile(a, p, mr, p1 - 1, n, nw, 1, 0);
            }
        }
    }
}

const emoc_gemm_kernel emoc_f32_gemm_8x8__neon = {"emoc_f32_gemm_8x8__neon", gemm_neon,
                                                     emoc__gemm_packed_floats,
                                                     emoc__gemm_pack_panels, NR};
