/*
 * onnx_graph.c — graph utilities over a parsed ONNX model (API: onnx.h): node-order check,
 * producer/consumer lookups, constants behind Identity chains, and tensor payload decoding
 * (raw_data or the typed repeated fields, each bounded by the tensor message).
 */
#include "weights/onnx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- dataflow lookups ----------------------------------------------------------------------- */

const emoc_onnx_node *emoc__onnx_producer(const emoc_onnx_graph *g, const char *value)
{
    if (!value || !*value) return NULL;
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_outputs; j++)
            if (!strcmp(g->nodes[i].outputs[j], value)) return &g->nodes[i];
    return NULL;
}

int emoc__onnx_consumers(const emoc_onnx_graph *g, const char *value, const emoc_onnx_node **out,
                        int max)
{
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const emoc_onnx_node *nd = &g->nodes[i];
        for (int j = 0; j < nd->n_inputs; j++) {
            if (*nd->inputs[j] && !strcmp(nd->inputs[j], value)) {
                if (n < max) out[n] = nd;
                n++;
                break;
            }
        }
    }
    return n;
}

const emoc_onnx_tensor *emoc__onnx_initializer(const emoc_onnx_graph *g, const char *name)
{
    for (int i = 0; i < g->n_inits; i++)
        if (!strcmp(g->inits[i].name, name)) return &g->inits[i];
    return NULL;
}

const emoc_onnx_tensor *emoc__onnx_const(const emoc_onnx_graph *g, const char *value)
{
    /* Identity chains are short in practice; the hop cap only guards against cycles. */
    for (int hop = 0; hop < 64 && value && *value; hop++) {
        const emoc_onnx_node *n = emoc__onnx_producer(g, value);
        if (!n) return emoc__onnx_initializer(g, value);
        if (!strcmp(n->op_type, "Identity") && n->n_inputs == 1) {
            value = n->inputs[0];
            continue;
        }
        if (!strcmp(n->op_type, "Constant")) {
            const emoc_onnx_attr *a = emoc__onnx_attr_find(n, "value");
            return a && a->t ? a->t : NULL;
        }
        return NULL;
    }
    return NULL;
}

/* ---- node order ----------------------------------------------------------------------------- */

static int defined_before(const emoc_onnx_graph *g, const char *v, int node_index)
{
    for (int i = 0; i < g->n_inputs; i++)
        if (!strcmp(g->inputs[i].name, v)) return 1;
    for (int i = 0; i < g->n_inits; i++)
        if (!strcmp(g->inits[i].name, v)) return 1;
    for (int i = 0; i < node_index; i++)
        for (int j = 0; j < g->nodes[i].n_outputs; j++)
            if (!strcmp(g->nodes[i].outputs[j], v)) return 1;
    return 0;
}

emoc_status emoc__onnx_check_order(const emoc_onnx_graph *g, emoc_error *err)
{
    /* Quadratic in the node count, which is a few thousand at most for our nets (~1 ms). */
    for (int i = 0; i < g->n_nodes; i++) {
        const emoc_onnx_node *n = &g->nodes[i];
        for (int j = 0; j < n->n_inputs; j++) {
            const char *v = n->inputs[j];
            if (!*v || defined_before(g, v, i)) continue;
            const emoc_onnx_node *later = emoc__onnx_producer(g, v);
            if (err) {
                if (later)
                    snprintf(err->msg, sizeof err->msg,
                             "onnx: node %d '%s' (%s) at byte %zu reads '%s', which node %d '%s' "
                             "(%s) produces only later: nodes are not in topological order",
                             i, n->name, n->op_type, n->offset, v, later->index, later->name,
                             later->op_type);
                else
                    snprintf(err->msg, sizeof err->msg,
                             "onnx: node %d '%s' (%s) at byte %zu reads '%s', which is no graph "
                             "input, initializer or node output (missing initializer?)",
                             i, n->name, n->op_type, n->offset, v);
            }
            return EMOC_E_FORMAT;
        }
    }
    return EMOC_OK;
}

/* ---- payload decoding ----------------------------------------------------------------------- */

typedef struct span {
    const uint8_t *p, *end;
} span;

static int sp_varint(span *s, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && s->p < s->end; shift += 7) {
        uint8_t b = *s->p++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

static float half_to_float(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v = e == 0 ? ldexpf((float)m, -24)
            : e == 31 ? (m ? NAN : INFINITY)
            : ldexpf((float)(m | 0x400), e - 25);
    return (h & 0x8000) ? -v : v;
}

static uint64_t le(const uint8_t *b, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* Walks the typed field `want` (packed or not) of a TensorProto, storing up to `cap` values as
 * double (floats) or int64; returns the number of values found, -1 on malformed bytes. */
static long long typed_values(const emoc_onnx_tensor *t, uint32_t want, int kind, double *fd,
                              int64_t *id, uint64_t cap)
{
    span s = {t->msg, t->msg + t->msg_len};
    uint64_t n = 0, tag, len, v;
    while (s.p < s.end) {
        if (sp_varint(&s, &tag)) return -1;
        uint32_t f = (uint32_t)(tag >> 3);
        int wt = (int)(tag & 7);
        span sub = s;
        int is_want = f == want;
        switch (wt) {
        case 0:
            if (sp_varint(&s, &v)) return -1;
            if (is_want) {
                if (n < cap) id ? (void)(id[n] = (int64_t)v) : (void)(fd[n] = (double)(int64_t)v);
                n++;
            }
            break;
        case 1:
        case 5: {
            int w = wt == 1 ? 8 : 4;
            if (s.end - s.p < w) return -1;
            if (is_want) {
                uint64_t u = le(s.p, w);
                double d;
                if (w == 4) {
                    float f32;
                    uint32_t u32 = (uint32_t)u;
                    memcpy(&f32, &u32, 4);
                    d = f32;
                } else {
                    memcpy(&d, &u, 8);
                }
                if (n < cap && fd) fd[n] = d;
                n++;
            }
            s.p += w;
            break;
        }
        case 2:
            if (sp_varint(&s, &len) || len > (uint64_t)(s.end - s.p)) return -1;
            sub.p = s.p;
            sub.end = s.p + len;
            s.p += len;
            if (!is_want) break;
            while (sub.p < sub.end) {
                if (kind == 0) { /* varints */
                    if (sp_varint(&sub, &v)) return -1;
                    if (n < cap) id ? (void)(id[n] = (int64_t)v) : (void)(fd[n] = (double)(int64_t)v);
                } else {
                    int w = kind == 4 ? 4 : 8;
                    if (sub.end - sub.p < w) return -1;
                    uint64_t u = le(sub.p, w);
                    double d;
                    if (w == 4) {
                        float f32;
                        uint32_t u32 = (uint32_t)u;
                        memcpy(&f32, &u32, 4);
                        d = f32;
                    } else {
                        memcpy(&d, &u, 8);
                    }
                    if (n < cap && fd) fd[n] = d;
                    sub.p += w;
                }
                n++;
            }
            break;
        default: return -1;
        }
    }
    return (long long)n;
}

static emoc_status count_error(const emoc_onnx_tensor *t, long long got, emoc_error *err)
{
    if (err)
        snprintf(err->msg, sizeof err->msg,
                 "onnx: tensor '%s' at byte %zu: %s (dims need %llu values, found %lld)", t->name,
                 t->offset, got < 0 ? "malformed typed data" : "element count mismatch",
                 (unsigned long long)t->count, got);
    return EMOC_E_FORMAT;
}

emoc_status emoc__onnx_tensor_f32(const emoc_onnx_tensor *t, float *dst, emoc_error *err)
{
    uint64_t n = t->count;
    if (t->raw) {
        for (uint64_t i = 0; i < n; i++) {
            if (t->data_type == EMOC_ONNX_FLOAT) {
                uint32_t u = (uint32_t)le(t->raw + 4 * i, 4);
                memcpy(&dst[i], &u, 4);
            } else if (t->data_type == EMOC_ONNX_FLOAT16) {
                dst[i] = half_to_float((uint16_t)le(t->raw + 2 * i, 2));
            } else if (t->data_type == EMOC_ONNX_DOUBLE) {
                uint64_t u = le(t->raw + 8 * i, 8);
                double d;
                memcpy(&d, &u, 8);
                dst[i] = (float)d;
            } else {
                goto bad_type;
            }
        }
        return EMOC_OK;
    }
    /* Typed fields: float_data (4, fixed32), double_data (10, fixed64), float16 in int32_data
     * (5, varints holding the bit patterns). Decoded value by value to keep memory flat. */
    if (t->data_type != EMOC_ONNX_FLOAT && t->data_type != EMOC_ONNX_DOUBLE &&
        t->data_type != EMOC_ONNX_FLOAT16)
        goto bad_type;
    {
        uint32_t field = t->data_type == EMOC_ONNX_FLOAT ? 4 : t->data_type == EMOC_ONNX_DOUBLE ? 10 : 5;
        int kind = t->data_type == EMOC_ONNX_FLOAT ? 4 : t->data_type == EMOC_ONNX_DOUBLE ? 8 : 0;
        long long got = typed_values(t, field, kind, NULL, NULL, 0);
        if (got < 0 || (uint64_t)got != n) return count_error(t, got, err);
        /* Second pass: decode into dst (the first pass proved the count). */
        span s = {t->msg, t->msg + t->msg_len};
        uint64_t k = 0, tag, len, v;
        while (s.p < s.end) {
            if (sp_varint(&s, &tag)) return count_error(t, -1, err);
            uint32_t f = (uint32_t)(tag >> 3);
            int wt = (int)(tag & 7);
            if (wt == 0) {
                if (sp_varint(&s, &v)) return count_error(t, -1, err);
                if (f == field && k < n) dst[k++] = half_to_float((uint16_t)v);
            } else if (wt == 1 || wt == 5) {
                int w = wt == 1 ? 8 : 4;
                if (s.end - s.p < w) return count_error(t, -1, err);
                if (f == field && k < n) {
                    uint64_t u = le(s.p, w);
                    if (w == 4) {
                        uint32_t u32 = (uint32_t)u;
                        memcpy(&dst[k++], &u32, 4);
                    } else {
                        double d;
                        memcpy(&d, &u, 8);
                        dst[k++] = (float)d;
                    }
                }
                s.p += w;
            } else if (wt == 2) {
                if (sp_varint(&s, &len) || len > (uint64_t)(s.end - s.p))
                    return count_error(t, -1, err);
                span sub = {s.p, s.p + len};
                s.p += len;
                if (f != field) continue;
                while (sub.p < sub.end && k < n) {
                    if (kind == 0) {
                        if (sp_varint(&sub, &v)) return count_error(t, -1, err);
                        dst[k++] = half_to_float((uint16_t)v);
                    } else if (kind == 4) {
                        uint32_t u32 = (uint32_t)le(sub.p, 4);
                        memcpy(&dst[k++], &u32, 4);
                        sub.p += 4;
                    } else {
                        uint64_t u = le(sub.p, 8);
                        double d;
                        memcpy(&d, &u, 8);
                        dst[k++] = (float)d;
                        sub.p += 8;
                    }
                }
            } else {
                return count_error(t, -1, err);
            }
        }
        return EMOC_OK;
    }
bad_type:
    if (err)
        snprintf(err->msg, sizeof err->msg,
                 "onnx: tensor '%s' at byte %zu has data type %d; expected float32, float16 or "
                 "float64 weights", t->name, t->offset, (int)t->data_type);
    return EMOC_E_UNSUPPORTED;
}

emoc_status emoc__onnx_tensor_i64(const emoc_onnx_tensor *t, int64_t *dst, emoc_error *err)
{
    uint64_t n = t->count;
    if (t->data_type != EMOC_ONNX_INT64 && t->data_type != EMOC_ONNX_INT32) {
        if (err)
            snprintf(err->msg, sizeof err->msg,
                     "onnx: tensor '%s' at byte %zu has data type %d; expected int64 or int32",
                     t->name, t->offset, (int)t->data_type);
        return EMOC_E_UNSUPPORTED;
    }
    if (t->raw) {
        int w = t->data_type == EMOC_ONNX_INT64 ? 8 : 4;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t u = le(t->raw + (size_t)w * i, w);
            dst[i] = w == 8 ? (int64_t)u : (int64_t)(int32_t)(uint32_t)u;
        }
        return EMOC_OK;
    }
    uint32_t field = t->data_type == EMOC_ONNX_INT64 ? 7 : 5;
    long long got = typed_values(t, field, 0, NULL, NULL, 0);
    if (got < 0 || (uint64_t)got != n) return count_error(t, got, err);
    typed_values(t, field, 0, NULL, dst, n);
    if (t->data_type == EMOC_ONNX_INT32)
        for (uint64_t i = 0; i < n; i++) dst[i] = (int64_t)(int32_t)dst[i];
    return EMOC_OK;
}
