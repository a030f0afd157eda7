/*
 * coordatt.h — the compute kernels of coordinate attention (engine/ops/coordatt.c binds them
 * through the kernel table's coordatt slot, engine/kernels/kernels.h). NHWC, batch 1; a strip
 * holds H row values then W column values per channel.
 */
#ifndef EMOC_KERNELS_COORDATT_H
#define EMOC_KERNELS_COORDATT_H

#include "engine/kernels/kernels.h"

/* Shared by every ISA's coord_pool: clearing the strip and its last step (bias of the weighted
 * variant, or the division of the mean) are scalar and identical everywhere. */
void emoc__coord_strip_clear(float *strip, int H, int W, int C, int c0, int c1);
void emoc__coord_strip_finish(float *strip, int H, int W, int C, int weighted, const float *bh,
                              const float *bw, int c0, int c1);

/* Reference kernels (coordatt_ref.c). kh = [W][C] weights of the (1×W) conv, kw = [H][C] of the
 * (H×1) conv (NULL: mean); bh/bw biases [C] (may be NULL). Channels [c0,c1). */
void emoc__coord_pool(const float *x, int H, int W, int C, const float *kh, const float *bh,
                      const float *kw, const float *bw, float *strip, int c0, int c1);
/* Rows [h0,h1) of y = x · g[H+w] · g[h]. */
void emoc__coord_apply(const float *x, const float *g, int H, int W, int C, float *y, int h0,
                       int h1);
/* Rows [h0,h1) of y = x · max(g0[H+w]·g0[h], g1[H+w]·g1[h]). */
void emoc__ddam_apply(const float *x, const float *g0, const float *g1, int H, int W, int C,
                      float *y, int h0, int h1);

#if defined(__x86_64__) && !defined(EMOC_ISA_REF_ONLY)
/* coordatt_avx2.c: same results bit for bit, 8 channels per vector. */
void emoc__coord_pool_avx2(const float *x, int H, int W, int C, const float *kh, const float *bh,
                           const float *kw, const float *bw, float *strip, int c0, int c1);
void emoc__coord_apply_avx2(const float *x, const float *g, int H, int W, int C, float *y,
                            int h0, int h1);
void emoc__ddam_apply_avx2(const float *x, const float *g0, const float *g1, int H, int W, int C,
                           float *y, int h0, int h1);
#endif

#endif
