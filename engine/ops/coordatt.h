/*
 * coordatt.h — coordinate-attention ops of DDAMFN (spec §3.1, §3.3), appended to plans with
 * emoc__pb_append. Activations are NHWC (batch 1); a "strip" buffer of H+W pixels holds the
 * per-row values (pixels [0,H)) followed by the per-column values (pixels [H,H+W)), which is
 * PyTorch's cat([x_h, x_w.permute], dim=2) laid out the same way.
 *
 *   coord_pool   x[H,W,C] → strip[H+W,C]: row h = mean over W, column w = mean over H
 *                (CoordAtt), or learned depthwise (1×W) / (H×1) valid convs + bias (DDAM heads'
 *                Linear_h / Linear_w with their BN folded).
 *   coord_gates  strip[H+W,mip] → gates[H+W,C]: rows [0,H) sigmoid(conv2), rows [H,H+W)
 *                sigmoid(conv3) (1×1 convs with bias, through the GEMM kernel).
 *   coord_apply  out = x · g_w · g_h          (CoordAtt output; PyTorch order identity·x_w·x_h)
 *   ddam_apply   out = x · max(g0_w·g0_h, g1_w·g1_h)   (two DDAM heads, elementwise max)
 *
 * The pure compute functions (emoc__coord_*) are exported for the unit tests; each computes a
 * sub-range (channels or rows) so the exec functions split work deterministically.
 */
#ifndef EMOC_OPS_COORDATT_H
#define EMOC_OPS_COORDATT_H

#include "engine/core/plan.h"

/* Builders: return the output buffer id or -1 (error recorded in the builder). */
int emoc__op_coord_pool_mean(emoc_pb *b, const char *node, int in);
int emoc__op_coord_pool_dw(emoc_pb *b, const char *node, int in, const char *w_h,
                          const char *bias_h, const char *w_w, const char *bias_w);
int emoc__op_coord_gates(emoc_pb *b, const char *node, int strip, int h, int C, const char *w2,
                        const char *b2, const char *w3, const char *b3);
int emoc__op_coord_apply(emoc_pb *b, const char *node, int x, int gates);
int emoc__op_ddam_apply(emoc_pb *b, const char *node, int x, int gates0, int gates1);

/* Compute kernels. kh = [W][C] weights of the (1×W) conv, kw = [H][C] of the (H×1) conv (NULL:
 * mean); bh/bw biases [C] (may be NULL). Channels [c0,c1). */
void emoc__coord_strip_clear(float *strip, int H, int W, int C, int c0, int c1);
void emoc__coord_strip_finish(float *strip, int H, int W, int C, int weighted, const float *bh,
                              const float *bw, int c0, int c1);
void emoc__coord_pool(const float *x, int H, int W, int C, const float *kh, const float *bh,
                      const float *kw, const float *bw, float *strip, int c0, int c1);
/* Rows [h0,h1) of y = x · g[H+w] · g[h]. */
void emoc__coord_apply(const float *x, const float *g, int H, int W, int C, float *y, int h0,
                       int h1);
/* Rows [h0,h1) of y = x · max(g0[H+w]·g0[h], g1[H+w]·g1[h]). */
void emoc__ddam_apply(const float *x, const float *g0, const float *g1, int H, int W, int C,
                      float *y, int h0, int h1);

typedef void (*emoc__coord_pool_fn)(const float *, int, int, int, const float *, const float *,
                                    const float *, const float *, float *, int, int);
typedef void (*emoc__coord_apply_fn)(const float *, const float *, int, int, int, float *, int,
                                     int);
typedef void (*emoc__ddam_apply_fn)(const float *, const float *, const float *, int, int, int,
                                    float *, int, int);

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
