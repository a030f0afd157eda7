/*
 * gemm_avx512.c — AVX-512 packed, register-blocked GEMM / pointwise convolution
 * (semantics: kernels.h, reference: gemm_ref.c).
 *
 * Weights in the layout all GEMM kernels share (engine/base/gemm_panels.h): panels of 32
 * output channels, [K][32] each, the last 16 wide when at most 16 channels remain (half the work for N = 16, 80,
 * 112, ...); one panel is exactly this kernel's 32-channel tile.
 *
 * Micro-kernel: 8 pixels × 32 channels = 16 zmm accumulators (2 per pixel), one broadcast of
 * x[p][k] per pixel and k. With an SE gate the weight vectors are scaled (w·s[k]) instead of the
 * 8 broadcasts. Epilogue: + bias, activation, + residual, stored with lane masks (bias + SiLU
 * of a full tile without residual, the expand layers' case, as one straight-line pass).
 *
 * Loop order: pixels in chunks of ~256 KiB of x (a multiple of 8 rows); inside a chunk, panel by
 * panel, and inside a panel the 8-row tiles, so a weight panel is reused by all tiles of the
 * chunk and the next panel is prefetched into L2 meanwhile (weights arrive from DRAM in a forward
 * pass: each layer's are used once). When the whole weight slice is small (≤ 24 KiB: small-K
 * layers at high resolution, where the per-tile work is short) the order is tile by tile, all
 * panels of each tile: its x rows stay in L1 and each y row is written contiguously.
 *
 * Tails: a pixel tail (< 8 rows) reuses the 8-row kernel with the missing rows pointing at the
 * last valid row of [p0,p1) (computed, never stored), so no read leaves the caller's range; a
 * single pixel (linear layers, SE) takes a 1-row variant instead of computing 8 copies; a
 * channel tail loads/stores with masks. Every output element is the same FMA chain over
 * k = 0..K−1 whatever the tile it falls in, so results do not depend on the split.
 */
#include "engine/base/gemm_panels.h"
#include "engine/kernels/simd_avx512.h"

enum { MR = 8, NR = 32 };
#define X_CHUNK_BYTES (256u * 1024u)
#define W_SMALL_BYTES (24u * 1024u)

/* One 8-pixel × (16·nv)-channel tile at pixel p (rows p..p+mr−1 valid, mr ≤ 8), channel n;
 * nw valid channels. nv, scaled, rows and silu (a->act is SiLU and a->bias is set) are
 * compile-time constants at each call site.
 * pf/pf_lines: cache lines of the next weight panel this tile prefetches (two per k step). */
static inline __attribute__((always_inline)) void
tile(const emoc_gemm_args *a, size_t p, int mr, size_t p_last, int n, int nw, const int nv,
     const int scaled, const int rows, const int silu, const char *pf, int pf_lines)
{
    const int K = a->K;
    int ws; /* 32, or 16 for a last panel of at most 16 channels (then nv == 1) */
    const float *wp = emoc__gemm_panel_at(a->w_packed, K, a->N, n, &ws);
    const float *xr[MR];
    __m512 acc[MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
        size_t row = p + (size_t)i <= p_last ? p + (size_t)i : p_last;
        xr[i] = a->x + row * a->x_stride;
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
    for (int k = 0; k < K; k++) {
        if (2 * k < pf_lines) {
            _mm_prefetch(pf + 128 * (size_t)k, _MM_HINT_T1);
            _mm_prefetch(pf + 128 * (size_t)k + 64, _MM_HINT_T1);
        }
        const float *wk = wp + (size_t)k * (size_t)ws;
        __m512 w0 = _mm512_loadu_ps(wk);
        __m512 w1 = nv == 2 ? _mm512_loadu_ps(wk + 16) : _mm512_setzero_ps();
        if (scaled) {
            __m512 s = _mm512_set1_ps(a->scale[k]);
            w0 = _mm512_mul_ps(w0, s);
            if (nv == 2) w1 = _mm512_mul_ps(w1, s);
        }
#pragma GCC unroll 8
        for (int i = 0; i < rows; i++) {
            __m512 xb = _mm512_set1_ps(xr[i][k]);
            acc[i][0] = _mm512_fmadd_ps(xb, w0, acc[i][0]);
            if (nv == 2) acc[i][1] = _mm512_fmadd_ps(xb, w1, acc[i][1]);
        }
    }
    __mmask16 m[2] = {emoc__m512_tail(nw), emoc__m512_tail(nw - 16)};
    __m512 bias[2], slope[2];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
        bias[v] = a->bias ? _mm512_maskz_loadu_ps(m[v], a->bias + n + 16 * v) : _mm512_setzero_ps();
        slope[v] = a->act == EMOC_ACT_PRELU && a->slope
                       ? _mm512_maskz_loadu_ps(m[v], a->slope + n + 16 * v)
                       : _mm512_setzero_ps();
    }
    if (silu && mr == MR && !a->residual) {
        /* The expand layers' epilogue (bias + SiLU) as straight-line code over the whole tile:
         * the 16 independent exp/divide chains interleave instead of waiting behind the
         * per-vector activation switch; with K = 16..40 this epilogue is a third of the tile's
         * time. Same operations in the same order as the general path below: same bits. */
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++)
#pragma GCC unroll 2
            for (int v = 0; v < nv; v++) acc[i][v] = emoc__silu512(_mm512_add_ps(acc[i][v], bias[v]));
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++)
#pragma GCC unroll 2
            for (int v = 0; v < nv; v++)
                _mm512_mask_storeu_ps(a->y + (p + (size_t)i) * a->y_stride + n + 16 * v, m[v], acc[i][v]);
        return;
    }
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
        if (i >= mr || i >= rows) break;
        float *yr = a->y + (p + (size_t)i) * a->y_stride + n;
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) {
            __m512 r = acc[i][v];
            if (a->bias) r = _mm512_add_ps(r, bias[v]);
            r = emoc__act512(r, a->act, slope[v]);
            if (a->residual)
                r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(
                                         m[v], a->residual + (p + (size_t)i) * a->r_stride + n + 16 * v));
            _mm512_mask_storeu_ps(yr + 16 * v, m[v], r);
        }
    }
}

/* One tile of the chunk [.., pc1): picks the compiled variant of tile() for its shape. */
static inline __attribute__((always_inline)) void
tile_any(const emoc_gemm_args *a, size_t p, size_t pc1, int n, int nw, int silu, const char *pf,
         int pf_lines)
{
    int mr = pc1 - p < MR ? (int)(pc1 - p) : MR;
    if (mr == 1) { /* a single pixel (linear, SE): one row, not 8 copies of it */
        if (nw > 16) {
            if (a->scale) tile(a, p, 1, p, n, nw, 2, 1, 1, 0, pf, pf_lines);
            else tile(a, p, 1, p, n, nw, 2, 0, 1, 0, pf, pf_lines);
        } else {
            if (a->scale) tile(a, p, 1, p, n, nw, 1, 1, 1, 0, pf, pf_lines);
            else tile(a, p, 1, p, n, nw, 1, 0, 1, 0, pf, pf_lines);
        }
    } else if (nw > 16) {
        if (a->scale) tile(a, p, mr, pc1 - 1, n, nw, 2, 1, MR, 0, pf, pf_lines);
        else if (silu) tile(a, p, mr, pc1 - 1, n, nw, 2, 0, MR, 1, pf, pf_lines);
        else tile(a, p, mr, pc1 - 1, n, nw, 2, 0, MR, 0, pf, pf_lines);
    } else {
        if (a->scale) tile(a, p, mr, pc1 - 1, n, nw, 1, 1, MR, 0, pf, pf_lines);
        else if (silu) tile(a, p, mr, pc1 - 1, n, nw, 1, 0, MR, 1, pf, pf_lines);
        else tile(a, p, mr, pc1 - 1, n, nw, 1, 0, MR, 0, pf, pf_lines);
    }
}

static void gemm_avx512(const emoc_gemm_args *a, size_t p0, size_t p1, int n0, int n1)
{
    if (p1 <= p0 || n1 <= n0) return;
    const int silu = a->act == EMOC_ACT_SILU && a->bias != NULL; /* the expand layers' epilogue */
    if ((size_t)a->K * (size_t)(n1 - n0) * sizeof(float) <= W_SMALL_BYTES) {
        /* The whole weight slice fits in L1 (small K, the high-resolution layers): 8-row tile
         * by tile, all panels of it, so the tile's x rows are read from L1 by every panel and
         * each y row is written as one contiguous run. */
        for (size_t p = p0; p < p1; p += MR)
            for (int n = n0; n < n1; n += NR)
                tile_any(a, p, p1, n, n1 - n < NR ? n1 - n : NR, silu, NULL, 0);
        return;
    }
    /* Pixel chunks of MC rows (a multiple of 8, about X_CHUNK_BYTES of x): inside a chunk every
     * weight panel is loaded once and reused by all its 8-row tiles from L1/L2, and the chunk of
     * x stays in L2 across the panels. Without chunking each 8-row tile streamed the whole of W,
     * which for the 7×7 layers (W up to 1.5 MB) meant re-reading it from L3 per tile. */
    size_t mc = X_CHUNK_BYTES / (sizeof(float) * (size_t)a->K);
    mc = mc < MR ? MR : mc - mc % MR;
    for (size_t pc = p0; pc < p1; pc += mc) {
        size_t pc1 = p1 - pc < mc ? p1 : pc + mc;
        for (int n = n0; n < n1; n += NR) {
            int nw = n1 - n < NR ? n1 - n : NR;
            /* Prefetch the next panel into L2 while this one is used, spread over the tiles:
             * the 7×7 layers' weights arrive from DRAM (each is used once per forward pass). */
            const char *pf = (const char *)(a->w_packed + (size_t)(n + NR) * (size_t)a->K);
            int next_w = n + NR >= n1 ? 0 : n1 - n - NR <= 16 ? 16 : NR;
            int tiles = (int)((pc1 - pc + MR - 1) / MR);
            int pf_total = next_w * a->K / 16;
            const int pf_share = (pf_total + tiles - 1) / tiles;
            for (size_t p = pc; p < pc1; p += MR, pf += 64 * (size_t)pf_share, pf_total -= pf_share) {
                int pf_lines = pf_total < pf_share ? (pf_total > 0 ? pf_total : 0) : pf_share;
                tile_any(a, p, pc1, n, nw, silu, pf, pf_lines);
            }
        }
    }
}

const emoc_gemm_kernel emoc_f32_gemm_8x32__avx512 = {"emoc_f32_gemm_8x32__avx512", gemm_avx512,
                                                     emoc__gemm_packed_floats,
                                                     emoc__gemm_pack_panels, NR};
