/*
 * maxpool.h — ops of the MTCNN sub-networks (nets/mtcnn.c) that the emotion nets do not use:
 *
 *   maxpool       k×k window, stride s, no padding, PyTorch ceil_mode=True: output size
 *                 ceil((H − k)/s) + 1, minus one if the last window would start past the input;
 *                 windows hanging over the bottom/right edge take the max of what is inside.
 *   flatten_wh    x[H,W,C] → 1×1×(W·H·C) in the order of PyTorch's x.permute(0, 3, 2, 1)
 *                 .flatten() on NCHW (width-major: index (w·H + h)·C + c), which the MTCNN linear
 *                 layers' weights assume.
 *
 * Scalar code only: both are memory-bound copies/compares, a few percent of MTCNN's time.
 */
#ifndef EMOC_OPS_MAXPOOL_H
#define EMOC_OPS_MAXPOOL_H

#include "engine/core/plan.h"

/* Output size of one dimension (ceil mode), 0 if the input is smaller than the window. */
int emoc__maxpool_out_ceil(int in, int k, int s);
int emoc_op_maxpool_ceil(emoc_pb *b, const char *node, int in, int k, int s);
int emoc_op_flatten_wh(emoc_pb *b, const char *node, int in);

/* Compute functions (exported for tests): output rows [oy0, oy1). */
void emoc__maxpool_rows(const float *x, int ih, int iw, int c, int k, int s, float *y, int oh,
                        int ow, int oy0, int oy1);
void emoc__flatten_wh(const float *x, int h, int w, int c, float *y);

#endif
