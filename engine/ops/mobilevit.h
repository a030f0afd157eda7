/*
 * mobilevit.h — the ops MobileViTv2 adds to the built-ins (spec: docs/mobilevit.md), appended to
 * plans with emoc_pb_append and computed by the kernel table's groupnorm / linattn / resize
 * slots. Activations stay NHWC: the 2×2 unfold/fold of the MobileViTv2 block is an index
 * mapping the attention kernel does itself, so no op moves data for it.
 *
 *   groupnorm1   y = GroupNorm(1 group, eps)(x)·γ + β: mean and variance over the whole tensor
 *                (two passes over fixed chunks, chunk sums added in chunk order in double:
 *                the same bits for any thread count), then the per-channel affine.
 *   linattn      qkv [H,W,1+2d] → [H,W,d]: softmax of q over the patches of each in-patch
 *                position, context vector per position, ReLU(v)·context (no out projection:
 *                that is the next 1×1 conv). H and W must be even.
 *   resize_ac    bilinear, align_corners, to oh×ow.
 */
#ifndef EMOC_OPS_MOBILEVIT_H
#define EMOC_OPS_MOBILEVIT_H

#include "engine/core/plan.h"

/* Builders: return the output buffer id or -1 (error recorded in the builder). */
int emoc_op_groupnorm1(emoc_pb *b, const char *node, int in, const char *gamma,
                       const char *beta, float eps);
int emoc_op_linattn(emoc_pb *b, const char *node, int qkv);
int emoc_op_resize_ac(emoc_pb *b, const char *node, int in, int oh, int ow);

#endif
