/*
 * blazeops.h — data-movement and resampling ops of the BlazeFace networks (nets/blazeface.c),
 * appended to plans with emoc__pb_append. Activations are NHWC, batch 1.
 *
 *   pad            zero padding: rows t/b, columns l/r, channels front/back
 *   maxpool2       2×2 window, stride 2, no padding (floor): the kernel table's eltwise.max2x2
 *   resize         bilinear, TFLite semantics (align_corners false; half_pixel_centers flag):
 *                  src = (dst + 0.5)·in/out − 0.5 (half pixel) or dst·in/out; lo = max(floor,
 *                  0), hi = min(ceil, in − 1); y = lerp with weights src − lo
 *   depth2space    TF DepthToSpace (DCR): y[h][w][c] = x[h/b][w/b][((h%b)·b + w%b)·C' + c]
 *   add_act        a + b then the activation (ReLU): the kernel table's eltwise.add_act
 *   act            activation in place of a copy
 *   concat_flat    [a flat][b flat] as 1×(Na+Nb)×k (TFLite RESHAPE + CONCATENATION on anchors)
 *   blaze_output   [a flat (N×16)][b flat (N)] as 1×1×17N (the plan's single output)
 * The compute functions (emoc__blaze_*) work on row ranges so the exec functions split work
 * deterministically; they are exported for the unit tests.
 */
#ifndef EMOC_OPS_BLAZEOPS_H
#define EMOC_OPS_BLAZEOPS_H

#include "engine/core/plan.h"

int emoc__op_pad(emoc_pb *b, const char *node, int in, int t, int l, int bo, int r, int c_front,
                int c_back);
int emoc__op_maxpool2(emoc_pb *b, const char *node, int in);
int emoc__op_resize_bilinear(emoc_pb *b, const char *node, int in, int oh, int ow, int half_pixel);
int emoc__op_depth2space(emoc_pb *b, const char *node, int in, int block);
int emoc__op_add_act(emoc_pb *b, const char *node, int a, int bb, emoc_act act);
int emoc__op_act(emoc_pb *b, const char *node, int in, emoc_act act);
int emoc__op_concat_flat(emoc_pb *b, const char *node, int a, int bb, int k);
int emoc__op_blaze_output(emoc_pb *b, const char *node, int reg, int cls);

/* Output rows [y0, y1). */
void emoc__blaze_pad(const float *x, int H, int W, int C, int t, int l, int c_front, float *y,
                     int OH, int OW, int OC, int y0, int y1);
void emoc__blaze_resize(const float *x, int H, int W, int C, float *y, int OH, int OW,
                        int half_pixel, int y0, int y1);
void emoc__blaze_depth2space(const float *x, int H, int W, int C, int block, float *y, int y0,
                             int y1);

#endif
