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
 * The compute kernels are the kernel table's coordatt slot (engine/kernels/coordatt/coordatt.h);
 * each computes a sub-range (channels or rows) so the exec functions split work
 * deterministically.
 */
#ifndef EMOC_OPS_COORDATT_H
#define EMOC_OPS_COORDATT_H

#include "engine/core/plan.h"
#include "engine/kernels/coordatt/coordatt.h"

/* Builders: return the output buffer id or -1 (error recorded in the builder). */
int emoc__op_coord_pool_mean(emoc_pb *b, const char *node, int in);
int emoc__op_coord_pool_dw(emoc_pb *b, const char *node, int in, const char *w_h,
                          const char *bias_h, const char *w_w, const char *bias_w);
int emoc__op_coord_gates(emoc_pb *b, const char *node, int strip, int h, int C, const char *w2,
                        const char *b2, const char *w3, const char *b3);
int emoc__op_coord_apply(emoc_pb *b, const char *node, int x, int gates);
int emoc__op_ddam_apply(emoc_pb *b, const char *node, int x, int gates0, int gates1);


#endif
