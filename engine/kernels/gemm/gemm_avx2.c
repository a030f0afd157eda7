/*
 * gemm_avx2.c — AVX2+FMA packed, register-blocked GEMM / pointwise convolution
 * (semantics: kernels.h, reference: gemm_ref.c).
 *
 * Weights in the layout all GEMM kernels share (engine/base/gemm_panels.h): panels of 32
 * output channels, [K][32] each (the last 16 wide when at most 16 channels remain); this kernel's 16-channel tiles
 * read their columns of a panel with the panel width as row stride.
 *
 * Micro-kernel: 6 pixels × 16 channels = 12 ymm accumulators (2 per pixel), one broadcast of
 * x[p][k] per pixel and k. With an SE gate the weight vectors are scaled (w·s[k]) instead of the
 * 6 broadcasts. Epilogue: + bias, activation, + residual, stored with lane masks.
 *
 * Tails: a pixel tail (< 6 rows) reuses the 6-row kernel with the missing rows pointing at the
 * last valid row of [p0,p1) (computed, never stored), so no read leaves the caller's range; a
 * channel tail loads/stores with masks. Every output element is the same FMA chain over
 * k = 0..K−1 whatever the tile it falls in, so results do not depend on the split.
 */
#include "engine/base/gemm_panels.h"
#include "engine/kernels/simd_avx2.h"

enum { MR = 6, NR = 16 };

/* One 6-pixel × (8·nv)-channel tile at pixel p (rows p..p+mr−1 valid, mr ≤ 6), channel n;
 * nw valid channels. nv and scaled are compile-time constants at each call site. */
static inline __attribute__((always_inline)) void
tile(const emoc_gemm_args *a, size_t p, int mr, size_t p_last, int n, int nw, const int nv,
     const int scaled)
{
    const int K = a->K;
    int ws; /* row stride of the 32-channel panel holding columns n .. n+15 */
    const float *wp = emoc__gemm_panel_at(a->w_packed, K, a->N, n, &ws);
    const float *xr[MR];
    __m256 acc[MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
        size_t row = p + (size_t)i <= p_last ? p + (size_t)i : p_last;
        xr[i] = a->x + row * a->x_stride;
        acc[i][0] = _mm256_setzero_ps();
        acc[i][1] = _mm256_setzero_ps();
    }
    for (int k = 0; k < K; k++) {
        const float *wk = wp + (size_t)k * (size_t)ws;
        __m256 w0 = _mm256_loadu_ps(wk);
        __m256 w1 = nv == 2 ? _mm256_loadu_ps(wk + 8) : _mm256_setzero_ps();
        if (scaled) {
            __m256 s = _mm256_set1_ps(a->scale[k]);
            w0 = _mm256_mul_ps(w0, s);
            if (nv == 2) w1 = _mm256_mul_ps(w1, s);
        }
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            __m256 xb = _mm256_broadcast_ss(xr[i] + k);
            acc[i][0] = _mm256_fmadd_ps(xb, w0, acc[i][0]);
            if (nv == 2) acc[i][1] = _mm256_fmadd_ps(xb, w1, acc[i][1]);
        }
    }
    __m256i m[2] = {emoc__m256_tail(nw), emoc__m256_tail(nw - 8)};
    __m256 bias[2], slope[2];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
        bias[v] = a->bias ? _mm256_maskload_ps(a->bias + n + 8 * v, m[v]) : _mm256_setzero_ps();
        slope[v] = a->act == EMOC_ACT_PRELU && a->slope ? _mm256_maskload_ps(a->slope + n + 8 * v, m[v])
                                                        : _mm256_setzero_ps();
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
        if (i >= mr) break;
        float *yr = a->y + (p + (size_t)i) * a->y_stride + n;
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            __m256 r = acc[i][v];
            if (a->bias) r = _mm256_add_ps(r, bias[v]);
            r = emoc__act256(r, a->act, slope[v]);
            if (a->residual)
                r = _mm256_add_ps(r, _mm256_maskload_ps(
                                         a->residual + (p + (size_t)i) * a->r_stride + n + 8 * v, m[v]));
            _mm256_maskstore_ps(yr + 8 * v, m[v], r);
        }
    }
}

static void gemm_avx2(const emoc_gemm_args *a, size_t p0, size_t p1, int n0, int n1)
{
    if (p1 <= p0 || n1 <= n0) return;
    for (size_t p = p0; p < p1; p += MR) {
        int mr = p1 - p < MR ? (int)(p1 - p) : MR;
        for (int n = n0; n < n1; n += NR) {
            int nw = n1 - n < NR ? n1 - n : NR;
            if (nw > 8) {
                if (a->scale) tile(a, p, mr, p1 - 1, n, nw, 2, 1);
                else tile(a, p, mr, p1 - 1, n, nw, 2, 0);
            } else {
                if (a->scale) tile(a, p, mr, p1 - 1, n, nw, 1, 1);
                else tile(a, p, mr, p1 - 1, n, nw, 1, 0);
            }
        }
    }
}

const emoc_gemm_kernel emoc_f32_gemm_6x16__avx2 = {"emoc_f32_gemm_6x16__avx2", gemm_avx2,
                                                     emoc__gemm_packed_floats,
                                                     emoc__gemm_pack_panels, NR};
