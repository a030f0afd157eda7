/*
 * tflite_read.c — flatbuffer reader for the TFLite subset emoc needs (API: tflite.h; the schema
 * facts it relies on: weights/TFLITE.md §1).
 *
 * Flatbuffer layout in brief: the file starts with a uoffset (u32) to the root table and the
 * identifier "TFL3". A table starts with an soffset (i32) to its vtable (vtable = table − soffset);
 * the vtable holds u16 vtable size, u16 table size, then one u16 per field: the field's offset
 * inside the table, 0 = absent (default value). Reference fields (tables, vectors, strings) hold
 * a u32 relative to the field's own position. A vector is a u32 length then the elements.
 * Every one of these is checked below before it is followed, so no value in the file can make
 * the reader touch a byte outside the buffer.
 */
#include "engine/core/error.h"
#include "weights/emw.h"
#include "weights/tflite.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation list ------------------------------------------------------------------- */

typedef struct mem_block {
    struct mem_block *next;
    _Alignas(16) unsigned char data[];
} mem_block;

typedef struct parser {
    const uint8_t *buf;
    size_t size;
    mem_block *mem;
    emoc_error *err;
    emoc_status st;
} parser;

static __attribute__((format(printf, 4, 5))) emoc_status fail(parser *p, emoc_status st,
                                                               size_t at, const char *fmt, ...)
{
    if (p->st == EMOC_OK) {
        p->st = st;
        char prefix[48];
        snprintf(prefix, sizeof prefix, "tflite: byte %zu: ", at);
        va_list ap;
        va_start(ap, fmt);
        emoc__vset_err_prefixed(p->err, prefix, fmt, ap);
        va_end(ap);
    }
    return p->st;
}

static void *palloc(parser *p, size_t count, size_t elem)
{
    if (p->st) return NULL;
    if (count == 0) count = 1;
    if (elem && count > (SIZE_MAX - sizeof(mem_block)) / elem) {
        fail(p, EMOC_E_LIMIT, 0, "allocation of %zu × %zu bytes overflows", count, elem);
        return NULL;
    }
    mem_block *b = malloc(sizeof(mem_block) + count * elem);
    if (!b) {
        fail(p, EMOC_E_NOMEM, 0, "out of memory (%zu bytes)", count * elem);
        return NULL;
    }
    memset(b->data, 0, count * elem);
    b->next = p->mem;
    p->mem = b;
    return b->data;
}

static void mem_free(mem_block *b)
{
    while (b) {
        mem_block *n = b->next;
        free(b);
        b = n;
    }
}

/* ---- primitive reads ------------------------------------------------------------------- */

static uint16_t ld16(const uint8_t *q) { return (uint16_t)(q[0] | q[1] << 8); }
static uint32_t ld32(const uint8_t *q)
{
    return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}
static uint64_t ld64(const uint8_t *q) { return ld32(q) | (uint64_t)ld32(q + 4) << 32; }

/* A validated table: its position, vtable position and sizes. */
typedef struct table {
    size_t pos, vt;
    unsigned vt_size, size;
    const char *what;           /* schema type, for errors ("Tensor[3]") */
} table;

/* Validates the table at `pos` (its soffset, vtable bounds and sizes). */
static int table_at(parser *p, size_t pos, const char *what, table *t)
{
    if (p->st) return -1;
    if (pos > p->size || p->size - pos < 4) {
        fail(p, EMOC_E_TRUNCATED, pos, "%s table starts past the end of the file (%zu bytes)",
             what, p->size);
        return -1;
    }
    int32_t soff = (int32_t)ld32(p->buf + pos);
    int64_t vt = (int64_t)pos - (int64_t)soff;
    if (vt < 0 || (uint64_t)vt > p->size - 4) {
        fail(p, EMOC_E_FORMAT, pos,
             "%s vtable offset %d points to byte %lld, outside the file (%zu bytes)", what,
             (int)soff, (long long)vt, p->size);
        return -1;
    }
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vt_size = ld16(p->buf + t->vt);
    t->size = ld16(p->buf + t->vt + 2);
    t->what = what;
    if (t->vt_size < 4 || (t->vt_size & 1) || t->vt + t->vt_size > p->size) {
        fail(p, EMOC_E_FORMAT, t->vt,
             "%s vtable size %u: expected an even size ≥ 4 that fits in the file (%zu bytes)",
             what, t->vt_size, p->size);
        return -1;
    }
    if (t->size < 4 || t->pos + t->size > p->size) {
        fail(p, EMOC_E_FORMAT, t->vt + 2,
             "%s table size %u: expected ≥ 4 and within the file (table at byte %zu, file %zu "
             "bytes)",
             what, t->size, t->pos, p->size);
        return -1;
    }
    return 0;
}

/* Position of field `id` holding `bytes` bytes, 0 if absent, (size_t)-1 on error. */
static size_t field(parser *p, const table *t, int id, unsigned bytes, const char *name)
{
    if (p->st) return (size_t)-1;
    unsigned slot = 4 + 2 * (unsigned)id;
    if (slot + 2 > t->vt_size) return 0;
    unsigned off = ld16(p->buf + t->vt + slot);
    if (off == 0) return 0;
    if (off < 4 || off + bytes > t->size) {
        fail(p, EMOC_E_FORMAT, t->vt + slot,
             "%s.%s at table offset %u (+%u bytes) lies outside its table of %u bytes", t->what,
             name, off, bytes, t->size);
        return (size_t)-1;
    }
    return t->pos + off;
}

static int64_t get_int(parser *p, const table *t, int id, unsigned bytes, int64_t dflt,
                       const char *name)
{
    size_t f = field(p, t, id, bytes, name);
    if (f == 0 || f == (size_t)-1) return dflt;
    const uint8_t *q = p->buf + f;
    switch (bytes) {
    case 1: return (int8_t)q[0];
    case 2: return (int16_t)ld16(q);
    case 4: return (int32_t)ld32(q);
    default: return (int64_t)ld64(q);
    }
}

static uint32_t get_u32(parser *p, const table *t, int id, uint32_t dflt, const char *name)
{
    size_t f = field(p, t, id, 4, name);
    return f == 0 || f == (size_t)-1 ? dflt : ld32(p->buf + f);
}

/* Follows the uoffset in field `id`; returns the target position, 0 if absent, -1 on error. */
static size_t get_ref(parser *p, const table *t, int id, const char *name)
{
    size_t f = field(p, t, id, 4, name);
    if (f == 0 || f == (size_t)-1) return f;
    uint32_t rel = ld32(p->buf + f);
    if (rel == 0 || rel > p->size - f || p->size - f - rel < 4) {
        fail(p, EMOC_E_FORMAT, f,
             "%s.%s offset %u points to byte %llu: expected a target inside the file (%zu "
             "bytes)",
             t->what, name, rel, (unsigned long long)f + rel, p->size);
        return (size_t)-1;
    }
    return f + rel;
}

/* A vector: element count and position of the first element. */
typedef struct vec {
    size_t n, at;
} vec;

/* Field `id` as a vector of `elem`-byte elements, at most `cap`; absent = empty. */
static int get_vec(parser *p, const table *t, int id, unsigned elem, size_t cap, const char *name,
                   vec *v)
{
    v->n = v->at = 0;
    size_t r = get_ref(p, t, id, name);
    if (r == (size_t)-1) return -1;
    if (r == 0) return 0;
    uint32_t n = ld32(p->buf + r);
    if (n > cap) {
        fail(p, EMOC_E_LIMIT, r, "%s.%s has %u elements; the cap is %zu", t->what, name, n, cap);
        return -1;
    }
    if ((uint64_t)n * elem > p->size - r - 4) {
        fail(p, EMOC_E_TRUNCATED, r,
             "%s.%s claims %u elements of %u bytes: %llu bytes, but only %zu remain in the file",
             t->what, name, n, elem, (unsigned long long)n * elem, p->size - r - 4);
        return -1;
    }
    v->n = n;
    v->at = r + 4;
    return 0;
}

/* Element i of a vector of tables, validated. */
static int vec_table(parser *p, const vec *v, size_t i, const char *what, table *t)
{
    size_t f = v->at + 4 * i;
    uint32_t rel = ld32(p->buf + f);
    if (rel == 0 || rel > p->size - f) {
        fail(p, EMOC_E_FORMAT, f, "%s: element offset %u points outside the file (%zu bytes)",
             what, rel, p->size);
        return -1;
    }
    return table_at(p, f + rel, what, t);
}

/* Field as a string copy (NUL-terminated; "" when absent). */
static const char *get_str(parser *p, const table *t, int id, const char *name)
{
    vec v;
    if (get_vec(p, t, id, 1, EMOC_TFL_MAX_NAME, name, &v)) return NULL;
    char *s = palloc(p, v.n + 1, 1);
    if (!s) return NULL;
    if (v.n) memcpy(s, p->buf + v.at, v.n);
    if (memchr(s, 0, v.n)) {
        fail(p, EMOC_E_FORMAT, v.at, "%s.%s contains a NUL byte", t->what, name);
        return NULL;
    }
    return s;
}

/* Vector of int32 into a fresh array. */
static int32_t *get_i32s(parser *p, const table *t, int id, size_t cap, const char *name,
                         size_t *n)
{
    vec v;
    if (get_vec(p, t, id, 4, cap, name, &v)) return NULL;
    int32_t *a = palloc(p, v.n, sizeof(int32_t));
    if (!a) return NULL;
    for (size_t i = 0; i < v.n; i++) a[i] = (int32_t)ld32(p->buf + v.at + 4 * i);
    *n = v.n;
    return a;
}

/* ---- names ------------------------------------------------------------------------------ */

static const char *const OP_NAMES[EMOC_TFL_OP_COUNT] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC",
    "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE",
    "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
    "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND",
    "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
    "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT", "LOG_SOFTMAX",
    "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM",
    "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
    "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG",
    "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD",
    "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK",
    "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD",
    "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
    "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK",
    "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND",
    "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES"};

const char *emoc_tfl_op_name(int code)
{
    if (code >= 0 && code < EMOC_TFL_OP_COUNT) return OP_NAMES[code];
    return "(unknown op code)";
}

static const char *const TYPE_NAMES[EMOC_TFL_TYPE_COUNT] = {
    "FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16", "COMPLEX64",
    "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4"};

const char *emoc_tfl_type_name(int type)
{
    return type >= 0 && type < EMOC_TFL_TYPE_COUNT ? TYPE_NAMES[type] : "(unknown type)";
}

static size_t type_bytes(int type)
{
    switch (type) {
    case EMOC_TFL_FLOAT16: case EMOC_TFL_INT16: case EMOC_TFL_UINT16: return 2;
    case EMOC_TFL_FLOAT32: case EMOC_TFL_INT32: case EMOC_TFL_UINT32: return 4;
    case EMOC_TFL_INT64: case EMOC_TFL_FLOAT64: case EMOC_TFL_UINT64: case EMOC_TFL_COMPLEX64:
        return 8;
    case EMOC_TFL_COMPLEX128: return 16;
    case EMOC_TFL_UINT8: case EMOC_TFL_INT8: case EMOC_TFL_BOOL: return 1;
    default: return 0;          /* STRING, RESOURCE, VARIANT, INT4: not fixed-size here */
    }
}

/* ---- the schema tables (field ids: weights/TFLITE.md §1) ------------------------------- */

typedef struct buffer_ref {
    const uint8_t *data;
    size_t len;
} buffer_ref;

static int read_buffers(parser *p, const table *model, buffer_ref **out, size_t *n_out)
{
    vec v;
    if (get_vec(p, model, 4, 4, EMOC_TFL_MAX_BUFFERS, "buffers", &v)) return -1;
    buffer_ref *b = palloc(p, v.n, sizeof *b);
    if (!b) return -1;
    for (size_t i = 0; i < v.n; i++) {
        char what[48];
        snprintf(what, sizeof what, "Buffer[%zu]", i);
        table t;
        if (vec_table(p, &v, i, what, &t)) return -1;
        vec d;
        if (get_vec(p, &t, 0, 1, EMOC_TFL_MAX_FILE, "data", &d)) return -1;
        if (d.n) {
            b[i].data = p->buf + d.at;
            b[i].len = d.n;
            continue;
        }
        /* Large models keep data outside the flatbuffer: offset (u64) and size (u64). */
        size_t fo = field(p, &t, 1, 8, "offset"), fs = field(p, &t, 2, 8, "size");
        if (fo == (size_t)-1 || fs == (size_t)-1) return -1;
        uint64_t off = fo ? ld64(p->buf + fo) : 0, len = fs ? ld64(p->buf + fs) : 0;
        if (off > 1 || len) {
            if (off > p->size || len > p->size - off) {
                fail(p, EMOC_E_TRUNCATED, fo ? fo : t.pos,
                     "Buffer[%zu] claims %llu bytes at byte %llu; the file has %zu bytes", i,
                     (unsigned long long)len, (unsigned long long)off, p->size);
                return -1;
            }
            b[i].data = len ? p->buf + off : NULL;
            b[i].len = (size_t)len;
        }
    }
    *out = b;
    *n_out = v.n;
    return 0;
}

static int read_index_vec(parser *p, const table *dm, int type_id, int val_id, const char *name,
                          emoc_tfl_index_vec *iv)
{
    int type = (int)get_int(p, dm, type_id, 1, 0, name) & 0xff;
    size_t r = get_ref(p, dm, val_id, name);
    if (r == (size_t)-1) return -1;
    if (type == 0 && r == 0) return 0;
    if (type < 1 || type > 3 || r == 0) {
        fail(p, EMOC_E_FORMAT, dm->pos,
             "%s.%s: union type %d with%s a value; expected Int32Vector (1), Uint16Vector (2) "
             "or Uint8Vector (3) with a value",
             dm->what, name, type, r ? "" : "out");
        return -1;
    }
    table t;
    if (table_at(p, r, "SparseIndexVector", &t)) return -1;
    unsigned elem = type == 1 ? 4 : type == 2 ? 2 : 1;
    vec v;
    if (get_vec(p, &t, 0, elem, EMOC_TFL_MAX_FILE, "values", &v)) return -1;
    iv->type = type;
    iv->count = v.n;
    iv->data = p->buf + v.at;
    return 0;
}

static const emoc_tfl_sparsity *read_sparsity(parser *p, size_t pos, const char *tname)
{
    table t;
    char what[64];
    snprintf(what, sizeof what, "%s.sparsity", tname);
    if (table_at(p, pos, what, &t)) return NULL;
    emoc_tfl_sparsity *s = palloc(p, 1, sizeof *s);
    if (!s) return NULL;
    s->offset = pos;
    size_t n = 0;
    int32_t *order = get_i32s(p, &t, 0, 2 * EMOC_TFL_MAX_RANK, "traversal_order", &n);
    if (!order) return NULL;
    s->n_order = (int)n;
    memcpy(s->order, order, n * sizeof(int32_t));
    int32_t *bm = get_i32s(p, &t, 1, EMOC_TFL_MAX_RANK, "block_map", &n);
    if (!bm) return NULL;
    s->n_block_map = (int)n;
    memcpy(s->block_map, bm, n * sizeof(int32_t));
    vec dv;
    if (get_vec(p, &t, 2, 4, 2 * EMOC_TFL_MAX_RANK, "dim_metadata", &dv)) return NULL;
    s->n_dims = (int)dv.n;
    for (size_t i = 0; i < dv.n; i++) {
        table dm;
        snprintf(what, sizeof what, "%s.dim_metadata[%zu]", tname, i);
        if (vec_table(p, &dv, i, what, &dm)) return NULL;
        emoc_tfl_dim_meta *d = &s->dims[i];
        d->format = (int)get_int(p, &dm, 0, 1, 0, "format");
        d->dense_size = (int32_t)get_int(p, &dm, 1, 4, 0, "dense_size");
        if (d->format != 0 && d->format != 1) {
            fail(p, EMOC_E_FORMAT, dm.pos, "%s.format = %d: expected DENSE (0) or SPARSE_CSR (1)",
                 what, d->format);
            return NULL;
        }
        if (read_index_vec(p, &dm, 2, 3, "array_segments", &d->segments) ||
            read_index_vec(p, &dm, 4, 5, "array_indices", &d->indices))
            return NULL;
    }
    return p->st ? NULL : s;
}

static int read_tensor(parser *p, const table *t, int idx, const buffer_ref *bufs, size_t n_bufs,
                       emoc_tfl_tensor *x)
{
    x->offset = t->pos;
    size_t rank = 0;
    int32_t *shape = get_i32s(p, t, 0, EMOC_TFL_MAX_RANK, "shape", &rank);
    if (!shape) return -1;
    x->rank = (int)rank;
    x->count = 1;
    for (size_t d = 0; d < rank; d++) {
        if (shape[d] < 0 || shape[d] > (1 << 24)) {
            return fail(p, EMOC_E_FORMAT, t->pos, "Tensor[%d] dim %zu = %d: expected 0..%d", idx,
                        d, (int)shape[d], 1 << 24);
        }
        x->shape[d] = shape[d];
        x->count *= (uint64_t)shape[d];
        if (x->count > ((uint64_t)1 << 32))
            return fail(p, EMOC_E_LIMIT, t->pos, "Tensor[%d] has more than 2^32 elements", idx);
    }
    int type = (int)get_int(p, t, 1, 1, 0, "type");
    if (type < 0 || type >= EMOC_TFL_TYPE_COUNT)
        return fail(p, EMOC_E_UNSUPPORTED, t->pos, "Tensor[%d] type %d: not a TFLite TensorType",
                    idx, type);
    x->type = (emoc_tfl_type)type;
    x->buffer = get_u32(p, t, 2, 0, "buffer");
    if (x->buffer >= n_bufs && !(x->buffer == 0 && n_bufs == 0))
        return fail(p, EMOC_E_FORMAT, t->pos,
                    "Tensor[%d] buffer index %u: the model has %zu buffers", idx, x->buffer,
                    n_bufs);
    if (n_bufs) {
        x->data = bufs[x->buffer].data;
        x->data_len = bufs[x->buffer].len;
    }
    x->name = get_str(p, t, 3, "name");
    if (!x->name) return -1;
    size_t q = get_ref(p, t, 4, "quantization");
    if (q == (size_t)-1) return -1;
    if (q) {
        table qt;
        if (table_at(p, q, "QuantizationParameters", &qt)) return -1;
        vec sv;
        if (get_vec(p, &qt, 2, 4, EMOC_TFL_MAX_FILE, "scale", &sv)) return -1;
        x->n_quant_scales = (int)(sv.n > 1000000 ? 1000000 : sv.n);
    }
    size_t sp = get_ref(p, t, 6, "sparsity");
    if (sp == (size_t)-1) return -1;
    if (sp && !(x->sparsity = read_sparsity(p, sp, x->name))) return -1;
    /* A dense constant must hold exactly count elements; sparse data is checked when expanded. */
    size_t eb = type_bytes(type);
    if (x->data && !x->sparsity && eb && x->data_len != x->count * eb)
        return fail(p, EMOC_E_FORMAT, t->pos,
                    "Tensor[%d] '%s' (%s, %llu elements) has a %zu-byte buffer; expected %llu",
                    idx, x->name, TYPE_NAMES[type], (unsigned long long)x->count, x->data_len,
                    (unsigned long long)(x->count * eb));
    return p->st ? -1 : 0;
}

/* Options of one op: fields by union tag (weights/TFLITE.md §1). */
static int read_options(parser *p, const table *op, int idx, emoc_tfl_op *o)
{
    emoc_tfl_options *x = &o->opt;
    x->stride_w = x->stride_h = x->dilation_w = x->dilation_h = 1;
    x->n_new_shape = -1;
    o->options_type = (int)get_int(p, op, 3, 1, 0, "builtin_options_type") & 0xff;
    size_t r = get_ref(p, op, 4, "builtin_options");
    if (r == (size_t)-1) return -1;
    if (!r) return 0;
    table t;
    char what[48];
    snprintf(what, sizeof what, "Operator[%d].builtin_options", idx);
    if (table_at(p, r, what, &t)) return -1;
    switch (o->options_type) {
    case 1: /* Conv2DOptions */
    case 2: /* DepthwiseConv2DOptions */
        x->padding = (int)get_int(p, &t, 0, 1, 0, "padding");
        x->stride_w = (int)get_int(p, &t, 1, 4, 0, "stride_w");
        x->stride_h = (int)get_int(p, &t, 2, 4, 0, "stride_h");
        if (o->options_type == 1) {
            x->act = (int)get_int(p, &t, 3, 1, 0, "fused_activation_function");
            x->dilation_w = (int)get_int(p, &t, 4, 4, 1, "dilation_w_factor");
            x->dilation_h = (int)get_int(p, &t, 5, 4, 1, "dilation_h_factor");
        } else {
            x->depth_multiplier = (int)get_int(p, &t, 3, 4, 0, "depth_multiplier");
            x->act = (int)get_int(p, &t, 4, 1, 0, "fused_activation_function");
            x->dilation_w = (int)get_int(p, &t, 5, 4, 1, "dilation_w_factor");
            x->dilation_h = (int)get_int(p, &t, 6, 4, 1, "dilation_h_factor");
        }
        break;
    case 5: /* Pool2DOptions */
        x->padding = (int)get_int(p, &t, 0, 1, 0, "padding");
        x->stride_w = (int)get_int(p, &t, 1, 4, 0, "stride_w");
        x->stride_h = (int)get_int(p, &t, 2, 4, 0, "stride_h");
        x->filter_w = (int)get_int(p, &t, 3, 4, 0, "filter_width");
        x->filter_h = (int)get_int(p, &t, 4, 4, 0, "filter_height");
        x->act = (int)get_int(p, &t, 5, 1, 0, "fused_activation_function");
        break;
    case 10: /* ConcatenationOptions */
        x->axis = (int)get_int(p, &t, 0, 4, 0, "axis");
        x->act = (int)get_int(p, &t, 1, 1, 0, "fused_activation_function");
        break;
    case 11: /* AddOptions */
        x->act = (int)get_int(p, &t, 0, 1, 0, "fused_activation_function");
        break;
    case 15: /* ResizeBilinearOptions */
        x->align_corners = (int)get_int(p, &t, 2, 1, 0, "align_corners");
        x->half_pixel_centers = (int)get_int(p, &t, 3, 1, 0, "half_pixel_centers");
        break;
    case 17: { /* ReshapeOptions */
        size_t n = 0;
        int32_t *s = get_i32s(p, &t, 0, EMOC_TFL_MAX_RANK, "new_shape", &n);
        if (!s) return -1;
        x->n_new_shape = (int)n;
        memcpy(x->new_shape, s, n * sizeof(int32_t));
        break;
    }
    case 94: /* DepthToSpaceOptions */
        x->block_size = (int)get_int(p, &t, 0, 4, 0, "block_size");
        break;
    default: /* option tables without fields we read (Pad, Dequantize, Densify) or unknown */
        break;
    }
    return p->st ? -1 : 0;
}

static int read_io(parser *p, const table *t, int id, const char *name, int n_tensors,
                   int allow_absent, const int32_t **out, int *n_out, size_t cap)
{
    size_t n = 0;
    int32_t *v = get_i32s(p, t, id, cap, name, &n);
    if (!v) return -1;
    for (size_t i = 0; i < n; i++)
        if (v[i] >= n_tensors || v[i] < (allow_absent ? -1 : 0)) {
            fail(p, EMOC_E_FORMAT, t->pos, "%s.%s[%zu] = %d: expected a tensor index in 0..%d%s",
                 t->what, name, i, (int)v[i], n_tensors - 1, allow_absent ? " or -1" : "");
            return -1;
        }
    *out = v;
    *n_out = (int)n;
    return 0;
}

static int read_opcodes(parser *p, const table *model, int **codes, int **versions, size_t *n)
{
    vec v;
    if (get_vec(p, model, 1, 4, EMOC_TFL_MAX_OPCODES, "operator_codes", &v)) return -1;
    *codes = palloc(p, v.n, sizeof(int));
    *versions = palloc(p, v.n, sizeof(int));
    if (!*codes || !*versions) return -1;
    for (size_t i = 0; i < v.n; i++) {
        char what[48];
        snprintf(what, sizeof what, "OperatorCode[%zu]", i);
        table t;
        if (vec_table(p, &v, i, what, &t)) return -1;
        int dep = (int)get_int(p, &t, 0, 1, 0, "deprecated_builtin_code");
        int code = (int)get_int(p, &t, 3, 4, 0, "builtin_code");
        /* Files from before the int32 field carry the code only in the byte field; the code
         * is the larger of the two (as TFLite reads it), but neither may be negative. */
        if (code < 0 || dep < 0)
            return fail(p, EMOC_E_UNSUPPORTED, t.pos,
                        "%s: builtin op code %d (byte field %d) is not one this reader knows "
                        "(0..%d)", what, code, dep, EMOC_TFL_OP_COUNT - 1);
        if (dep > code) code = dep;
        if (code < 0 || code >= EMOC_TFL_OP_COUNT)
            return fail(p, EMOC_E_UNSUPPORTED, t.pos,
                        "%s: builtin op code %d is not one this reader knows (0..%d)", what, code,
                        EMOC_TFL_OP_COUNT - 1);
        (*codes)[i] = code;
        (*versions)[i] = (int)get_int(p, &t, 2, 4, 1, "version");
    }
    *n = v.n;
    return p->st ? -1 : 0;
}

/* Each op input must be a constant, a graph input or an earlier op's output; each tensor is
 * produced once. This rejects cycles and reads of values not yet computed. */
static int check_dataflow(parser *p, emoc_tfl_model *m)
{
    unsigned char *ready = palloc(p, (size_t)m->n_tensors, 1);
    if (!ready) return -1;
    for (int i = 0; i < m->n_tensors; i++) ready[i] = m->tensors[i].data != NULL;
    for (int i = 0; i < m->n_inputs; i++) ready[m->inputs[i]] = 1;
    for (int k = 0; k < m->n_ops; k++) {
        const emoc_tfl_op *o = &m->ops[k];
        for (int i = 0; i < o->n_in; i++)
            if (o->in[i] >= 0 && !ready[o->in[i]])
                return fail(p, EMOC_E_FORMAT, o->offset,
                            "Operator[%d] (%s) input %d reads tensor %d '%s', which no earlier "
                            "operator produces (cycle or wrong order)",
                            k, OP_NAMES[o->code], i, (int)o->in[i], m->tensors[o->in[i]].name);
        for (int i = 0; i < o->n_out; i++) {
            if (o->out[i] < 0 || ready[o->out[i]])
                return fail(p, EMOC_E_FORMAT, o->offset,
                            "Operator[%d] (%s) output %d writes tensor %d, which is a constant, "
                            "an input or already produced",
                            k, OP_NAMES[o->code], i, (int)o->out[i]);
            ready[o->out[i]] = 1;
        }
    }
    for (int i = 0; i < m->n_outputs; i++)
        if (!ready[m->outputs[i]])
            return fail(p, EMOC_E_FORMAT, 0, "graph output %d (tensor %d) is never produced", i,
                        (int)m->outputs[i]);
    return 0;
}

static int read_subgraph(parser *p, const table *sg, const buffer_ref *bufs, size_t n_bufs,
                         const int *codes, const int *versions, size_t n_codes, emoc_tfl_model *m)
{
    vec tv, ov;
    if (get_vec(p, sg, 0, 4, EMOC_TFL_MAX_TENSORS, "tensors", &tv) ||
        get_vec(p, sg, 3, 4, EMOC_TFL_MAX_OPS, "operators", &ov))
        return -1;
    emoc_tfl_tensor *ts = palloc(p, tv.n, sizeof *ts);
    emoc_tfl_op *ops = palloc(p, ov.n, sizeof *ops);
    if (!ts || !ops) return -1;
    m->tensors = ts;
    m->ops = ops;
    m->n_tensors = (int)tv.n;
    m->n_ops = (int)ov.n;
    for (size_t i = 0; i < tv.n; i++) {
        char what[48];
        snprintf(what, sizeof what, "Tensor[%zu]", i);
        table t;
        if (vec_table(p, &tv, i, what, &t) || read_tensor(p, &t, (int)i, bufs, n_bufs, &ts[i]))
            return -1;
    }
    if (read_io(p, sg, 1, "inputs", m->n_tensors, 0, &m->inputs, &m->n_inputs,
                EMOC_TFL_MAX_GRAPH_IO) ||
        read_io(p, sg, 2, "outputs", m->n_tensors, 0, &m->outputs, &m->n_outputs,
                EMOC_TFL_MAX_GRAPH_IO))
        return -1;
    for (size_t k = 0; k < ov.n; k++) {
        char what[48];
        snprintf(what, sizeof what, "Operator[%zu]", k);
        table t;
        if (vec_table(p, &ov, k, what, &t)) return -1;
        emoc_tfl_op *o = &ops[k];
        o->index = (int)k;
        o->offset = t.pos;
        uint32_t oc = get_u32(p, &t, 0, 0, "opcode_index");
        if (oc >= n_codes)
            return fail(p, EMOC_E_FORMAT, t.pos,
                        "%s opcode_index %u: the model has %zu operator codes", what, oc, n_codes);
        o->code = codes[oc];
        o->version = versions[oc];
        if (read_io(p, &t, 1, "inputs", m->n_tensors, 1, &o->in, &o->n_in, EMOC_TFL_MAX_OP_IO) ||
            read_io(p, &t, 2, "outputs", m->n_tensors, 0, &o->out, &o->n_out,
                    EMOC_TFL_MAX_OP_IO) ||
            read_options(p, &t, (int)k, o))
            return -1;
    }
    return check_dataflow(p, m);
}

emoc_status emoc_tfl_parse(const uint8_t *buf, size_t size, emoc_tfl_model *m, emoc_error *err)
{
    parser p = {.buf = buf, .size = size, .err = err};
    if (!m) return emoc__fail(err, EMOC_E_ARG, "tflite: model is NULL");
    memset(m, 0, sizeof *m);
    if (!buf) return emoc__fail(err, EMOC_E_ARG, "tflite: buffer is NULL");
    if (size > EMOC_TFL_MAX_FILE)
        return emoc__fail(err, EMOC_E_LIMIT, "tflite: file of %zu bytes exceeds the %zu-byte cap",
                          size, EMOC_TFL_MAX_FILE);
    if (size < 8)
        return emoc__fail(err, EMOC_E_TRUNCATED,
                          "tflite: byte 0: file of %zu bytes is shorter than the 8-byte header "
                          "(root offset + \"TFL3\")",
                          size);
    if (memcmp(buf + 4, "TFL3", 4) != 0)
        return emoc__fail(err, EMOC_E_FORMAT,
                          "tflite: byte 4: file identifier is not \"TFL3\" (not a TFLite model)");
    table model;
    buffer_ref *bufs = NULL;
    size_t n_bufs = 0, n_codes = 0;
    int *codes = NULL, *versions = NULL;
    if (table_at(&p, ld32(buf), "Model", &model) == 0) {
        m->version = get_u32(&p, &model, 0, 0, "version");
        if (!p.st && m->version != 3)
            fail(&p, EMOC_E_VERSION, model.pos, "Model.version = %u: expected schema version 3",
                 m->version);
    }
    if (!p.st && read_buffers(&p, &model, &bufs, &n_bufs) == 0 &&
        read_opcodes(&p, &model, &codes, &versions, &n_codes) == 0) {
        vec sv;
        table sg;
        if (get_vec(&p, &model, 2, 4, 64, "subgraphs", &sv) == 0) {
            if (sv.n < 1)
                fail(&p, EMOC_E_FORMAT, model.pos, "Model has no subgraph");
            else if (vec_table(&p, &sv, 0, "SubGraph[0]", &sg) == 0)
                read_subgraph(&p, &sg, bufs, n_bufs, codes, versions, n_codes, m);
            m->n_subgraphs = (int)sv.n;
        }
    }
    if (p.st) {
        mem_free(p.mem);
        memset(m, 0, sizeof *m);
        return p.st;
    }
    m->_mem = p.mem;
    return EMOC_OK;
}

void emoc_tfl_free(emoc_tfl_model *m)
{
    if (!m) return;
    mem_free(m->_mem);
    memset(m, 0, sizeof *m);
}

/* ---- payload decoding ------------------------------------------------------------------ */

int64_t emoc_tfl_index_at(const emoc_tfl_index_vec *v, size_t i)
{
    const uint8_t *q = v->data;
    switch (v->type) {
    case 1: return (int32_t)ld32(q + 4 * i);
    case 2: return ld16(q + 2 * i);
    default: return q[i];
    }
}

static float value_at(const emoc_tfl_tensor *t, size_t i)
{
    return t->type == EMOC_TFL_FLOAT16 ? emw_f16_to_f32(ld16(t->data + 2 * i))
                                       : (union { uint32_t u; float f; }){ld32(t->data + 4 * i)}.f;
}

emoc_status emoc_tfl_tensor_f32(const emoc_tfl_tensor *t, float *dst, emoc_error *err)
{
    if (t->type != EMOC_TFL_FLOAT32 && t->type != EMOC_TFL_FLOAT16)
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "tflite: tensor '%s' is %s, expected FLOAT32 "
                          "or FLOAT16", t->name, emoc_tfl_type_name(t->type));
    if (t->sparsity) return emoc_tfl_densify_f32(t, dst, err);
    if (!t->data || t->data_len != t->count * type_bytes(t->type))
        return emoc__fail(err, EMOC_E_FORMAT, "tflite: byte %zu: tensor '%s' has no constant data "
                          "of %llu values", t->offset, t->name, (unsigned long long)t->count);
    for (size_t i = 0; i < t->count; i++) dst[i] = value_at(t, i);
    return EMOC_OK;
}

emoc_status emoc_tfl_tensor_i64(const emoc_tfl_tensor *t, int64_t *dst, emoc_error *err)
{
    size_t eb = t->type == EMOC_TFL_INT32 ? 4 : t->type == EMOC_TFL_INT64 ? 8 : 0;
    if (!eb || t->sparsity || !t->data || t->data_len != t->count * eb)
        return emoc__fail(err, EMOC_E_FORMAT, "tflite: byte %zu: tensor '%s' (%s) is not a dense "
                          "INT32/INT64 constant of %llu values", t->offset, t->name,
                          emoc_tfl_type_name(t->type), (unsigned long long)t->count);
    for (size_t i = 0; i < t->count; i++)
        dst[i] = eb == 4 ? (int32_t)ld32(t->data + 4 * i) : (int64_t)ld64(t->data + 8 * i);
    return EMOC_OK;
}

/* ---- sparse tensors (DENSIFY) ----------------------------------------------------------- */

typedef struct densify_ctx {
    const emoc_tfl_tensor *t;
    const emoc_tfl_sparsity *s;
    float *dst;
    size_t n_values;            /* values stored in the buffer */
    int64_t coord[EMOC_TFL_MAX_RANK];
    emoc_error *err;
} densify_ctx;

static emoc_status densify_level(densify_ctx *c, int level, int64_t parent)
{
    const emoc_tfl_tensor *t = c->t;
    if (level == c->s->n_dims) {
        if (parent < 0 || (uint64_t)parent >= c->n_values)
            return emoc__fail(c->err, EMOC_E_FORMAT, "tflite: byte %zu: sparse tensor '%s': value "
                              "position %lld beyond the %zu values stored", c->s->offset, t->name,
                              (long long)parent, c->n_values);
        uint64_t at = 0;
        for (int d = 0; d < t->rank; d++) at = at * (uint64_t)t->shape[d] + (uint64_t)c->coord[d];
        c->dst[at] = value_at(t, (size_t)parent);
        return EMOC_OK;
    }
    const emoc_tfl_dim_meta *dm = &c->s->dims[level];
    int dim = c->s->order[level];
    if (dm->format == 0) {
        for (int32_t i = 0; i < dm->dense_size; i++) {
            c->coord[dim] = i;
            emoc_status st = densify_level(c, level + 1, parent * dm->dense_size + i);
            if (st) return st;
        }
        return EMOC_OK;
    }
    if (parent < 0 || (uint64_t)parent + 1 >= dm->segments.count)
        return emoc__fail(c->err, EMOC_E_FORMAT, "tflite: byte %zu: sparse tensor '%s' level %d: "
                          "segment %lld needs %lld segment entries, the file has %zu",
                          c->s->offset, t->name, level, (long long)parent, (long long)parent + 2,
                          dm->segments.count);
    int64_t lo = emoc_tfl_index_at(&dm->segments, (size_t)parent);
    int64_t hi = emoc_tfl_index_at(&dm->segments, (size_t)parent + 1);
    if (lo < 0 || hi < lo || (uint64_t)hi > dm->indices.count)
        return emoc__fail(c->err, EMOC_E_FORMAT, "tflite: byte %zu: sparse tensor '%s' level %d: "
                          "segment [%lld, %lld) is not inside the %zu indices", c->s->offset,
                          t->name, level, (long long)lo, (long long)hi, dm->indices.count);
    for (int64_t k = lo; k < hi; k++) {
        int64_t ix = emoc_tfl_index_at(&dm->indices, (size_t)k);
        if (ix < 0 || ix >= t->shape[dim])
            return emoc__fail(c->err, EMOC_E_FORMAT, "tflite: byte %zu: sparse tensor '%s' level "
                              "%d: index %lld outside dimension %d of size %d", c->s->offset,
                              t->name, level, (long long)ix, dim, (int)t->shape[dim]);
        c->coord[dim] = ix;
        emoc_status st = densify_level(c, level + 1, k);
        if (st) return st;
    }
    return EMOC_OK;
}

emoc_status emoc_tfl_densify_f32(const emoc_tfl_tensor *t, float *dst, emoc_error *err)
{
    const emoc_tfl_sparsity *s = t->sparsity;
    size_t eb = type_bytes(t->type);
    if (!s || (t->type != EMOC_TFL_FLOAT16 && t->type != EMOC_TFL_FLOAT32) || !t->data)
        return emoc__fail(err, EMOC_E_FORMAT, "tflite: byte %zu: tensor '%s' is not a sparse "
                          "FLOAT16/FLOAT32 constant", t->offset, t->name);
    if (t->count > ((uint64_t)1 << 26))
        return emoc__fail(err, EMOC_E_LIMIT, "tflite: byte %zu: sparse tensor '%s' expands to "
                          "%llu values; the cap is 2^26", t->offset, t->name,
                          (unsigned long long)t->count);
    if (s->n_block_map != 0 || s->n_order != t->rank || s->n_dims != t->rank)
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "tflite: byte %zu: sparse tensor '%s': only "
                          "non-blocked sparsity is supported (rank %d, traversal order %d, "
                          "block map %d, dim metadata %d)", s->offset, t->name, t->rank,
                          s->n_order, s->n_block_map, s->n_dims);
    unsigned seen = 0;
    for (int l = 0; l < s->n_dims; l++) {
        int d = s->order[l];
        if (d < 0 || d >= t->rank || (seen >> d & 1))
            return emoc__fail(err, EMOC_E_FORMAT, "tflite: byte %zu: sparse tensor '%s': "
                              "traversal order is not a permutation of 0..%d", s->offset,
                              t->name, t->rank - 1);
        seen |= 1u << d;
        if (s->dims[l].format == 0 && s->dims[l].dense_size != t->shape[d])
            return emoc__fail(err, EMOC_E_FORMAT, "tflite: byte %zu: sparse tensor '%s' level %d: "
                              "dense size %d, dimension %d is %d", s->offset, t->name, l,
                              (int)s->dims[l].dense_size, d, (int)t->shape[d]);
    }
    if (t->data_len % eb)
        return emoc__fail(err, EMOC_E_FORMAT, "tflite: byte %zu: sparse tensor '%s': %zu bytes "
                          "is not a whole number of %s values", t->offset, t->name, t->data_len,
                          emoc_tfl_type_name(t->type));
    memset(dst, 0, t->count * sizeof(float));
    densify_ctx c = {.t = t, .s = s, .dst = dst, .n_values = t->data_len / eb, .err = err};
    return densify_level(&c, 0, 0);
}
