/*
 * onnx_pending.h — the weights an ONNX graph matcher has found, written once the whole graph
 * has matched (nothing is written for a graph refused half-way): one initializer (or zeros),
 * the shape it is stored with, transposed and scaled as a Gemm's transB / alpha / beta say.
 * Shared by the EfficientNet / MobileFaceNet matcher (convert_onnx_enet.c) and the MobileViT one
 * (convert_onnx_mvit.c).
 */
#ifndef EMOC_WEIGHTS_ONNX_PENDING_H
#define EMOC_WEIGHTS_ONNX_PENDING_H

#include "weights/convert.h"
#include "weights/onnx.h"

typedef struct emoc__onnx_pending {
    char name[128];
    const emoc_onnx_tensor *t; /* NULL: zeros */
    int rank;
    int64_t dims[4];
    int transpose;             /* a Gemm weight given as [D][N] (transB = 0): store [N][D] */
    float scale;               /* a Gemm's alpha / beta */
} emoc__onnx_pending;

void emoc__onnx_pending_set(emoc__onnx_pending *p, const char *name, const emoc_onnx_tensor *t,
                            int rank, const int64_t *dims, int transpose, float scale);

/* Decodes, lays out and adds the n tensors to w in order. On failure err says which tensor,
 * after `net` ("efficientnet", "mobilevit"). */
emoc_status emoc__onnx_pending_write(const emoc__onnx_pending *t, int n,
                                     const emoc_convert_opts *opts, emw_writer *w,
                                     const char *net, emoc_error *err);

#endif
