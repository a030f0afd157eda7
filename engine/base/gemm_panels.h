/*
 * gemm_panels.h — the one GEMM weight layout every GEMM kernel reads (reference, AVX2, AVX-512,
 * NEON), also the layout EMW 1.1 files store GEMM weights in (weights/FORMAT.md §4.1), so that
 * loading such a file packs nothing. It lives in engine/base because both the kernels and the
 * EMW reader/writer (engine/emw, below the kernels) need it.
 *
 * Layout ("panels of 32"): W [N][K] (row-major, as kernels.h hands it to pack()) becomes panels
 * of 32 output channels, panel j at packed + 32·j·K holding [K][w] (k-major, channels
 * contiguous), w = 32, except that the last panel is 16 wide when at most 16 channels remain;
 * missing channels are zero. A kernel whose tile is narrower (AVX2 16, NEON 8, reference 1)
 * reads its columns inside a panel with the panel's width as row stride (emoc__gemm_panel_at);
 * tile starts are multiples of the kernel's nr, which divides 16, so a tile never straddles
 * two panels.
 *
 * Plain C and static inline (docs/architecture.md R2): included by the ISA files, which get their own copy
 * compiled with their own flags, and by the EMW reader/writer, which convert.
 */
#ifndef EMOC_BASE_GEMM_PANELS_H
#define EMOC_BASE_GEMM_PANELS_H

#include <stddef.h>

enum { EMOC_GEMM_PANEL = 32 };

/* Width of the panel that starts at channel n0 (a multiple of 32) of N. */
static inline int emoc__gemm_panel_width(int N, int n0)
{
    return N - n0 > EMOC_GEMM_PANEL / 2 ? EMOC_GEMM_PANEL : EMOC_GEMM_PANEL / 2;
}

/* Floats the packed form of a [N][K] weight takes. */
static inline size_t emoc__gemm_packed_size(int K, int N)
{
    int rem = N % EMOC_GEMM_PANEL;
    size_t cols = (size_t)(N - rem) +
                  (rem == 0 ? 0u : rem <= EMOC_GEMM_PANEL / 2 ? (size_t)EMOC_GEMM_PANEL / 2
                                                              : (size_t)EMOC_GEMM_PANEL);
    return cols * (size_t)K;
}

/* Index in the packed form of W[n][k]. */
static inline size_t emoc__gemm_packed_index(int K, int N, int n, int k)
{
    int n0 = n - n % EMOC_GEMM_PANEL;
    return (size_t)n0 * (size_t)K + (size_t)k * (size_t)emoc__gemm_panel_width(N, n0) +
           (size_t)(n - n0);
}

/* Column n of the packed form (k = 0), and in *stride the distance between consecutive k. */
static inline const float *emoc__gemm_panel_at(const float *packed, int K, int N, int n,
                                               int *stride)
{
    int n0 = n - n % EMOC_GEMM_PANEL;
    *stride = emoc__gemm_panel_width(N, n0);
    return packed + (size_t)n0 * (size_t)K + (size_t)(n - n0);
}

/* Writes emoc__gemm_packed_size(K, N) floats to packed. */
static inline void emoc__gemm_pack(const float *w, int K, int N, float *packed)
{
    for (int n0 = 0; n0 < N; n0 += EMOC_GEMM_PANEL) {
        int nw = N - n0 < EMOC_GEMM_PANEL ? N - n0 : EMOC_GEMM_PANEL;
        int width = emoc__gemm_panel_width(N, n0);
        float *dst = packed + (size_t)n0 * (size_t)K;
        for (int k = 0; k < K; k++)
            for (int j = 0; j < width; j++)
                dst[(size_t)k * (size_t)width + (size_t)j] =
                    j < nw ? w[(size_t)(n0 + j) * (size_t)K + (size_t)k] : 0.0f;
    }
}

#endif
