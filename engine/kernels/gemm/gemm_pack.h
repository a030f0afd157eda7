/*
 * gemm_pack.h — the weight packing shared by the SIMD GEMM kernels (gemm_avx2.c, gemm_avx512.c,
 * gemm_neon.c); only the panel width NR differs between them.
 *
 * Layout: W [N][K] (row-major, as kernels.h hands it to pack()) becomes panels of NR output
 * channels, panel j at packed + NR·j·K holding [K][NR] (k-major, channels contiguous). The last
 * panel is NR/2 wide when at most NR/2 channels remain, else NR wide; missing channels are zero.
 *
 * Plain C and static inline (docs/architecture.md R2): each ISA file includes it and gets its own copy compiled
 * with its own flags, so nothing ISA-specific reaches the generic objects.
 */
#ifndef EMOC_KERNELS_GEMM_PACK_H
#define EMOC_KERNELS_GEMM_PACK_H

#include <stddef.h>

/* Floats the packed form of a [N][K] weight takes with panels of nr channels. */
static inline size_t emoc__gemm_packed_size(int K, int N, int nr)
{
    int half = nr / 2, rem = N % nr;
    size_t cols = (size_t)(N - rem) + (rem == 0 ? 0u : rem <= half ? (size_t)half : (size_t)nr);
    return cols * (size_t)K;
}

/* Writes emoc__gemm_packed_size(K, N, nr) floats to packed. */
static inline void emoc__gemm_pack(const float *w, int K, int N, int nr, float *packed)
{
    for (int n0 = 0; n0 < N; n0 += nr) {
        int nw = N - n0 < nr ? N - n0 : nr;
        int width = nw <= nr / 2 ? nr / 2 : nr;
        float *dst = packed + (size_t)n0 * (size_t)K;
        for (int k = 0; k < K; k++)
            for (int j = 0; j < width; j++)
                dst[(size_t)k * (size_t)width + (size_t)j] =
                    j < nw ? w[(size_t)(n0 + j) * (size_t)K + (size_t)k] : 0.0f;
    }
}

#endif
