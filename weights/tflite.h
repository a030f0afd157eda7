/*
 * tflite.h — a hardened reader for the TFLite flatbuffer subset emoc's converters need (the
 * MediaPipe BlazeFace files: weights/TFLITE.md). Schema facts are in weights/TFLITE.md §1.
 *
 * emoc_tfl_parse() reads Model → OperatorCode / SubGraph[0] → Tensor / Operator / Buffer from a
 * buffer held in memory. Nothing is trusted: every uoffset, soffset, vtable and vector length is
 * checked against the buffer before it is followed; counts are capped (EMOC_TFL_MAX_*); op codes
 * and tensor types are closed enums (anything else is refused with its value); every op input is
 * a constant, a graph input or the output of an EARLIER op (no cycles, no forward reads), and
 * every index is in range. Errors start with "tflite: byte N:" and say what was expected there.
 * Tensor payloads are not copied: `data` points into the caller's buffer (which must outlive the
 * model) and may be unaligned (read with memcpy).
 */
#ifndef EMOC_WEIGHTS_TFLITE_H
#define EMOC_WEIGHTS_TFLITE_H

#include "emoc.h"
#include <stddef.h>
#include <stdint.h>

#define EMOC_TFL_MAX_FILE ((size_t)1 << 28) /* 256 MiB */
#define EMOC_TFL_MAX_RANK 6
#define EMOC_TFL_MAX_TENSORS 16384
#define EMOC_TFL_MAX_OPS 8192
#define EMOC_TFL_MAX_OPCODES 512
#define EMOC_TFL_MAX_BUFFERS 16384
#define EMOC_TFL_MAX_OP_IO 16          /* inputs or outputs of one operator */
#define EMOC_TFL_MAX_GRAPH_IO 16
#define EMOC_TFL_MAX_NAME 512          /* bytes of a tensor name */

/* TensorType (closed: values outside 0..17 are refused). */
typedef enum emoc_tfl_type {
    EMOC_TFL_FLOAT32 = 0, EMOC_TFL_FLOAT16 = 1, EMOC_TFL_INT32 = 2, EMOC_TFL_UINT8 = 3,
    EMOC_TFL_INT64 = 4, EMOC_TFL_STRING = 5, EMOC_TFL_BOOL = 6, EMOC_TFL_INT16 = 7,
    EMOC_TFL_COMPLEX64 = 8, EMOC_TFL_INT8 = 9, EMOC_TFL_FLOAT64 = 10, EMOC_TFL_COMPLEX128 = 11,
    EMOC_TFL_UINT64 = 12, EMOC_TFL_RESOURCE = 13, EMOC_TFL_VARIANT = 14, EMOC_TFL_UINT32 = 15,
    EMOC_TFL_UINT16 = 16, EMOC_TFL_INT4 = 17
} emoc_tfl_type;
#define EMOC_TFL_TYPE_COUNT 18

/* BuiltinOperator codes the converters handle (the reader knows the names of 0..127). */
enum {
    EMOC_TFL_ADD = 0, EMOC_TFL_CONCATENATION = 2, EMOC_TFL_CONV_2D = 3,
    EMOC_TFL_DEPTHWISE_CONV_2D = 4, EMOC_TFL_DEPTH_TO_SPACE = 5, EMOC_TFL_DEQUANTIZE = 6,
    EMOC_TFL_MAX_POOL_2D = 17, EMOC_TFL_RELU = 19, EMOC_TFL_RESHAPE = 22,
    EMOC_TFL_RESIZE_BILINEAR = 23, EMOC_TFL_PAD = 34, EMOC_TFL_DENSIFY = 124
};
#define EMOC_TFL_OP_COUNT 128

/* ActivationFunctionType and Padding values. */
enum { EMOC_TFL_ACT_NONE = 0, EMOC_TFL_ACT_RELU = 1, EMOC_TFL_ACT_RELU_N1_TO_1 = 2,
       EMOC_TFL_ACT_RELU6 = 3, EMOC_TFL_ACT_TANH = 4, EMOC_TFL_ACT_SIGN_BIT = 5 };
enum { EMOC_TFL_PAD_SAME = 0, EMOC_TFL_PAD_VALID = 1 };

/* SparseIndexVector: Int32Vector (1), Uint16Vector (2), Uint8Vector (3). */
typedef struct emoc_tfl_index_vec {
    int type;                   /* 0 = absent */
    size_t count;
    const uint8_t *data;        /* little-endian, unaligned */
} emoc_tfl_index_vec;

typedef struct emoc_tfl_dim_meta {
    int format;                 /* 0 DENSE, 1 SPARSE_CSR */
    int32_t dense_size;
    emoc_tfl_index_vec segments, indices;
} emoc_tfl_dim_meta;

typedef struct emoc_tfl_sparsity {
    int n_order;                /* = n_dims ≤ 2·EMOC_TFL_MAX_RANK */
    int32_t order[2 * EMOC_TFL_MAX_RANK];
    int n_block_map;
    int32_t block_map[EMOC_TFL_MAX_RANK];
    int n_dims;
    emoc_tfl_dim_meta dims[2 * EMOC_TFL_MAX_RANK];
    size_t offset;              /* byte offset of the SparsityParameters table */
} emoc_tfl_sparsity;

typedef struct emoc_tfl_tensor {
    const char *name;           /* NUL-terminated copy ("" if absent) */
    emoc_tfl_type type;
    int rank;
    int32_t shape[EMOC_TFL_MAX_RANK];
    uint64_t count;             /* product of shape (1 for rank 0) */
    uint32_t buffer;
    const uint8_t *data;        /* NULL when the buffer is empty */
    size_t data_len;
    int n_quant_scales;         /* QuantizationParameters.scale length (0 = not quantized) */
    const emoc_tfl_sparsity *sparsity;  /* NULL when dense */
    size_t offset;              /* byte offset of the Tensor table */
} emoc_tfl_tensor;

typedef struct emoc_tfl_options {
    int padding, stride_w, stride_h, dilation_w, dilation_h, act;
    int depth_multiplier, filter_w, filter_h;
    int axis;
    int align_corners, half_pixel_centers;
    int block_size;
    int n_new_shape;            /* -1 when absent */
    int32_t new_shape[EMOC_TFL_MAX_RANK];
} emoc_tfl_options;

typedef struct emoc_tfl_op {
    int index;
    int code;                   /* BuiltinOperator, < EMOC_TFL_OP_COUNT */
    int version;
    int options_type;           /* BuiltinOptions union tag (0 = none) */
    int n_in, n_out;
    const int32_t *in;          /* tensor indices; -1 = optional input left out */
    const int32_t *out;
    emoc_tfl_options opt;
    size_t offset;              /* byte offset of the Operator table */
} emoc_tfl_op;

typedef struct emoc_tfl_model {
    uint32_t version;           /* schema version (3) */
    int n_tensors, n_ops, n_inputs, n_outputs;
    const emoc_tfl_tensor *tensors;
    const emoc_tfl_op *ops;     /* subgraph 0, in execution order */
    const int32_t *inputs, *outputs;
    int n_subgraphs;
    void *_mem;                 /* private: one allocation list */
} emoc_tfl_model;

/* Parses `buf` (which must outlive `m`). On failure `m` holds nothing to free. */
emoc_status emoc_tfl_parse(const uint8_t *buf, size_t size, emoc_tfl_model *m, emoc_error *err);
void emoc_tfl_free(emoc_tfl_model *m);

/* "CONV_2D", ..., or "op code N" in a static buffer for codes outside the name table. */
const char *emoc_tfl_op_name(int code);
const char *emoc_tfl_type_name(int type);

/* Element of an index vector (callers have checked i < v->count). */
int64_t emoc_tfl_index_at(const emoc_tfl_index_vec *v, size_t i);

/* Decodes a FLOAT32 or FLOAT16 dense tensor of t->count values into dst. */
emoc_status emoc_tfl_tensor_f32(const emoc_tfl_tensor *t, float *dst, emoc_error *err);
/* Decodes an INT32 or INT64 dense tensor of t->count values into dst. */
emoc_status emoc_tfl_tensor_i64(const emoc_tfl_tensor *t, int64_t *dst, emoc_error *err);
/* Expands a sparse FLOAT16/FLOAT32 tensor (CSR per the TACO-style metadata, no blocks) into
 * t->count dense floats; every segment and index is checked. */
emoc_status emoc_tfl_densify_f32(const emoc_tfl_tensor *t, float *dst, emoc_error *err);

#endif /* EMOC_WEIGHTS_TFLITE_H */
