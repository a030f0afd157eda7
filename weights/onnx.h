/*
 * onnx.h — a hardened reader for the subset of ONNX (protobuf) that emoc's converters need, and
 * small graph utilities. Shared by every ONNX architecture matcher (weights/convert_onnx_*.c).
 *
 * Reading (weights/onnx_read.c)
 *   emoc__onnx_parse() decodes ModelProto → GraphProto → NodeProto / AttributeProto / TensorProto /
 *   ValueInfoProto and opset_import from a buffer held in memory. Nothing in the buffer is
 *   trusted: every varint and length is bounded by what remains of its enclosing message,
 *   message nesting is capped (EMOC_ONNX_MAX_DEPTH), and the reader's total allocation is capped
 *   by a bound derived from the file size. Errors name the field and its byte offset.
 *   Strings are NUL-terminated copies. Tensor payloads are NOT copied: a tensor records where
 *   its data lies in the buffer (which must outlive the model) and emoc__onnx_tensor_f32() decodes
 *   it (raw_data or the typed float_data/double_data/int32_data/int64_data fields).
 *
 * Graph utilities (weights/onnx_graph.c)
 *   - emoc__onnx_check_order(): the node list must be topologically sorted (as ONNX requires);
 *     the error names the first node reading a value nothing earlier produced.
 *   - emoc__onnx_const(): the constant behind a value name — an initializer, a Constant node's
 *     `value`, or either of those re-emitted through a chain of Identity nodes (the exporter
 *     de-duplicates identical initializers that way).
 *   - emoc__onnx_producer() / emoc__onnx_consumers(): dataflow lookups by value name.
 *
 * Typical matcher use:
 *     emoc_onnx_model m;
 *     if (emoc__onnx_parse(buf, size, &m, err) != EMOC_OK) return ...;
 *     const emoc_onnx_graph *g = &m.graph;
 *     for (int i = 0; i < g->n_nodes; i++) { const emoc_onnx_node *n = &g->nodes[i]; ... }
 *     const emoc_onnx_tensor *w = emoc__onnx_const(g, n->inputs[1]);
 *     float *data = malloc(w->count * sizeof(float)); emoc__onnx_tensor_f32(w, data, err);
 *     emoc__onnx_free(&m);
 */
#ifndef EMOC_WEIGHTS_ONNX_H
#define EMOC_WEIGHTS_ONNX_H

#include "emoc.h"
#include <stddef.h>
#include <stdint.h>

#define EMOC_ONNX_MAX_RANK 8
#define EMOC_ONNX_MAX_DEPTH 16        /* nested messages (graph in attribute in node in ...) */

/* TensorProto.DataType values used here. */
enum {
    EMOC_ONNX_FLOAT = 1,
    EMOC_ONNX_INT32 = 6,
    EMOC_ONNX_INT64 = 7,
    EMOC_ONNX_FLOAT16 = 10,
    EMOC_ONNX_DOUBLE = 11
};

/* AttributeProto.AttributeType values. */
enum {
    EMOC_ONNX_ATTR_FLOAT = 1,
    EMOC_ONNX_ATTR_INT = 2,
    EMOC_ONNX_ATTR_STRING = 3,
    EMOC_ONNX_ATTR_TENSOR = 4,
    EMOC_ONNX_ATTR_GRAPH = 5,
    EMOC_ONNX_ATTR_FLOATS = 6,
    EMOC_ONNX_ATTR_INTS = 7,
    EMOC_ONNX_ATTR_STRINGS = 8
};

typedef struct emoc_onnx_graph emoc_onnx_graph;

typedef struct emoc_onnx_tensor {
    const char *name;
    int32_t data_type;
    int rank;
    int64_t dims[EMOC_ONNX_MAX_RANK];
    uint64_t count;             /* prod(dims), checked against the data present */
    const uint8_t *msg;         /* the TensorProto bytes (typed fields are re-read from here) */
    size_t msg_len;
    const uint8_t *raw;         /* raw_data, or NULL */
    size_t raw_len;
    size_t offset;              /* byte offset of the TensorProto in the file */
} emoc_onnx_tensor;

typedef struct emoc_onnx_attr {
    const char *name;
    int type;                   /* EMOC_ONNX_ATTR_* (inferred from the fields if absent) */
    float f;
    int64_t i;
    const char *s;              /* bytes as a NUL-terminated copy */
    const emoc_onnx_tensor *t;
    const emoc_onnx_graph *g;
    size_t n_floats, n_ints;
    const float *floats;
    const int64_t *ints;
    size_t offset;
} emoc_onnx_attr;

typedef struct emoc_onnx_node {
    int index;                  /* position in the graph's node list */
    const char *name;           /* "" when the file has none */
    const char *op_type;
    const char *domain;         /* "" = the default ONNX domain */
    int n_inputs, n_outputs;    /* optional inputs left empty appear as "" */
    const char **inputs;
    const char **outputs;
    int n_attrs;
    const emoc_onnx_attr *attrs;
    size_t offset;
} emoc_onnx_node;

typedef struct emoc_onnx_value_info {
    const char *name;
    int32_t elem_type;          /* 0 if absent */
    int rank;                   /* -1 if no shape */
    int64_t dims[EMOC_ONNX_MAX_RANK]; /* -1 for symbolic (dim_param) or unknown */
} emoc_onnx_value_info;

struct emoc_onnx_graph {
    const char *name;
    int n_nodes, n_inits, n_inputs, n_outputs;
    const emoc_onnx_node *nodes;
    const emoc_onnx_tensor *inits;
    const emoc_onnx_value_info *inputs;
    const emoc_onnx_value_info *outputs;
};

typedef struct emoc_onnx_model {
    int64_t ir_version;
    int64_t opset;              /* version of the default domain ("" or "ai.onnx"), 0 if absent */
    const char *producer;
    emoc_onnx_graph graph;
    void *_arena;               /* private: every allocation of the parse */
} emoc_onnx_model;

/* Parses `buf` (which must outlive `m`). On failure `m` holds nothing to free. */
emoc_status emoc__onnx_parse(const uint8_t *buf, size_t size, emoc_onnx_model *m, emoc_error *err);
void emoc__onnx_free(emoc_onnx_model *m);

/* Attribute lookup; NULL when absent. The _int/_float helpers return `dflt` when absent. */
const emoc_onnx_attr *emoc__onnx_attr_find(const emoc_onnx_node *n, const char *name);
int64_t emoc__onnx_attr_int(const emoc_onnx_node *n, const char *name, int64_t dflt);
float emoc__onnx_attr_float(const emoc_onnx_node *n, const char *name, float dflt);

/* Decodes a FLOAT, FLOAT16 or DOUBLE tensor into t->count floats at dst. */
emoc_status emoc__onnx_tensor_f32(const emoc_onnx_tensor *t, float *dst, emoc_error *err);
/* Decodes an INT64 or INT32 tensor into t->count int64 at dst. */
emoc_status emoc__onnx_tensor_i64(const emoc_onnx_tensor *t, int64_t *dst, emoc_error *err);

/* ---- graph utilities (onnx_graph.c) ---- */

/* EMOC_OK if every node input is a graph input, an initializer, or an output of an earlier node;
 * else EMOC_E_FORMAT naming the first offending node and value. */
emoc_status emoc__onnx_check_order(const emoc_onnx_graph *g, emoc_error *err);
/* Node producing `value`, or NULL (graph input, initializer, unknown). */
const emoc_onnx_node *emoc__onnx_producer(const emoc_onnx_graph *g, const char *value);
/* Fills up to `max` nodes reading `value`, in node order; returns the total count. */
int emoc__onnx_consumers(const emoc_onnx_graph *g, const char *value, const emoc_onnx_node **out,
                        int max);
/* Initializer or Constant tensor behind `value`, following Identity chains; NULL if not
 * constant. */
const emoc_onnx_tensor *emoc__onnx_const(const emoc_onnx_graph *g, const char *value);
/* Initializer named `name` (no Identity following), or NULL. */
const emoc_onnx_tensor *emoc__onnx_initializer(const emoc_onnx_graph *g, const char *name);

#endif /* EMOC_WEIGHTS_ONNX_H */
