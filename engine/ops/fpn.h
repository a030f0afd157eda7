/*
 * fpn.h — the feature-pyramid data-movement ops of RetinaFace (docs/detectors.md §2), appended
 * to plans with emoc__pb_append. Activations are NHWC (batch 1).
 *
 *   upsample_add  out = a + nearest(b, size of a): PyTorch F.interpolate(mode="nearest") with an
 *                 explicit size: source index = dst when the sizes are equal, dst >> 1 when the
 *                 output is exactly twice the input, else min(floorf(dst · (float)in/out), in−1)
 *                 in float (upsample nearest of ATen), per axis.
 *   concat        out = channels of a, then b, then c (torch.cat(dim=1) on NCHW).
 *
 * Both are memory-bound single passes; the add is one float add per element in the order
 * a + b, the same in every split. Rows are split over the pool.
 */
#ifndef EMOC_OPS_FPN_H
#define EMOC_OPS_FPN_H

#include "engine/core/plan.h"

/* Builders: return the output buffer id or -1 (error recorded in the builder). */
int emoc__op_upsample_add(emoc_pb *b, const char *node, int a, int small);
int emoc__op_concat(emoc_pb *b, const char *node, const int *ins, int n_in);

/* Source index of output index `dst` for nearest resizing from `in` to `out` elements. */
int emoc__nearest_index(int dst, int in, int out);
/* Rows [y0,y1) of out[H,W,C] = a[H,W,C] + b[nearest rows/cols of the h×w×C input]. */
void emoc__upsample_add_rows(const float *a, const float *b, int H, int W, int C, int h, int w,
                             float *out, int y0, int y1);
/* The same through the table's eltwise kernel: the nearest source pixels of a run of a row
 * copied into a stack row, then add_act with no activation (a + b, the same float add per
 * element, so bitwise the reference's result at every ISA); more than 4096 channels take the
 * reference. */
void emoc__upsample_add_rows_kt(const emoc_kernel_table *kt, const float *a, const float *b, int H,
                                int W, int C, int h, int w, float *out, int y0, int y1);

#endif
