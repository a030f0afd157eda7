/*
 * onnx_read.c — protobuf wire-format reader for the ONNX subset emoc needs (API: onnx.h).
 *
 * Every message is parsed in two passes over its bytes: the first validates the wire structure
 * of that level and counts the repeated fields, the second fills exactly-sized arrays. Every
 * varint and length is bounded by what remains of the enclosing message, nesting is capped,
 * and all memory comes from one arena whose total is capped by a bound derived from the file
 * size, so a hostile file can neither read out of bounds nor make us allocate without limit.
 */
#include "engine/base/error.h"
#include "weights/arena.h"
#include "weights/onnx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cursor and errors ------------------------------------------------------------------ */

typedef struct parser {
    const uint8_t *buf;
    size_t size;
    emoc__arena *ar;
    emoc_error *err;
    emoc_status st;     /* first error */
} parser;

typedef struct cursor {
    size_t pos, end;    /* absolute byte offsets in the file */
    int depth;
    const char *msg;    /* message type being read, for errors */
} cursor;

static __attribute__((format(printf, 3, 4))) emoc_status fail(parser *p, emoc_status st,
                                                               const char *fmt, ...)
{
    if (p->st == EMOC_OK) {
        p->st = st;
        va_list ap;
        va_start(ap, fmt);
        emoc__vset_err_prefixed(p->err, "onnx: ", fmt, ap);
        va_end(ap);
    }
    return p->st;
}

static void *palloc(parser *p, size_t count, size_t elem)
{
    if (elem && count > SIZE_MAX / elem) {
        fail(p, EMOC_E_LIMIT, "allocation of %zu × %zu bytes overflows", count, elem);
        return NULL;
    }
    void *r;
    if (emoc__arena_alloc(p->ar, count * elem, &r) != EMOC_OK)
        fail(p, EMOC_E_LIMIT,
             "reader memory cap exceeded (%zu more bytes asked for; the cap is derived from the "
             "file size %zu)",
             count * elem, p->size);
    return r;
}

static int rd_varint(parser *p, cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    size_t start = c->pos;
    for (int shift = 0; shift < 70; shift += 7) {
        if (c->pos >= c->end) {
            fail(p, c->end < p->size ? EMOC_E_FORMAT : EMOC_E_TRUNCATED,
                 "varint at byte %zu in %s runs past the end of its %s (byte %zu)", start, c->msg,
                 c->end < p->size ? "message" : "file", c->end);
            return -1;
        }
        uint8_t b = p->buf[c->pos++];
        if (shift == 63 && (b & 0x7e)) break;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    fail(p, EMOC_E_FORMAT, "varint at byte %zu in %s is longer than 10 bytes or overflows 64 bits",
         start, c->msg);
    return -1;
}

/* Reads a tag; returns 1 on a tag, 0 at the end of the message, -1 on error. */
static int rd_tag(parser *p, cursor *c, uint32_t *field, int *wt, size_t *tag_pos)
{
    if (c->pos >= c->end) return 0;
    *tag_pos = c->pos;
    uint64_t t;
    if (rd_varint(p, c, &t)) return -1;
    if ((t >> 3) == 0 || (t >> 3) > 0x1fffffff) {
        fail(p, EMOC_E_FORMAT, "invalid field number %llu at byte %zu in %s",
             (unsigned long long)(t >> 3), *tag_pos, c->msg);
        return -1;
    }
    *field = (uint32_t)(t >> 3);
    *wt = (int)(t & 7);
    return 1;
}

/* Length-delimited payload: returns a sub-cursor [pos, pos+len). */
static int rd_len(parser *p, cursor *c, cursor *sub, const char *what)
{
    size_t at = c->pos;
    uint64_t len;
    if (rd_varint(p, c, &len)) return -1;
    if (len > c->end - c->pos) {
        fail(p, c->end < p->size ? EMOC_E_FORMAT : EMOC_E_TRUNCATED,
             "length %llu of %s at byte %zu in %s runs past the end of its %s (%zu bytes remain)",
             (unsigned long long)len, what, at, c->msg, c->end < p->size ? "message" : "file",
             c->end - c->pos);
        return -1;
    }
    sub->pos = c->pos;
    sub->end = c->pos + (size_t)len;
    sub->depth = c->depth + 1;
    sub->msg = what;
    c->pos += (size_t)len;
    if (sub->depth > EMOC_ONNX_MAX_DEPTH) {
        fail(p, EMOC_E_LIMIT, "%s at byte %zu is nested %d messages deep (limit %d)", what, at,
             sub->depth, EMOC_ONNX_MAX_DEPTH);
        return -1;
    }
    return 0;
}

static int skip_field(parser *p, cursor *c, int wt, uint32_t field, size_t tag_pos)
{
    uint64_t v;
    cursor sub;
    switch (wt) {
    case 0: return rd_varint(p, c, &v);
    case 1:
    case 5: {
        size_t n = wt == 1 ? 8 : 4;
        if (c->end - c->pos < n) {
            fail(p, EMOC_E_TRUNCATED, "fixed%zu field %u at byte %zu in %s runs past its end",
                 n * 8, field, tag_pos, c->msg);
            return -1;
        }
        c->pos += n;
        return 0;
    }
    case 2: return rd_len(p, c, &sub, "field");
    default:
        fail(p, EMOC_E_FORMAT, "unsupported wire type %d (field %u) at byte %zu in %s", wt, field,
             tag_pos, c->msg);
        return -1;
    }
}

static int expect_wt(parser *p, cursor *c, int wt, int want, uint32_t field, size_t tag_pos)
{
    if (wt == want) return 0;
    fail(p, EMOC_E_FORMAT, "field %u of %s at byte %zu has wire type %d, expected %d", field,
         c->msg, tag_pos, wt, want);
    return -1;
}

static const char *rd_string(parser *p, cursor *c, const char *what)
{
    cursor s;
    if (rd_len(p, c, &s, what)) return NULL;
    char *r = palloc(p, s.end - s.pos + 1, 1);
    if (!r) return NULL;
    memcpy(r, p->buf + s.pos, s.end - s.pos);
    return r;
}

/* Counts occurrences of fields 1..31 of one message level (validating its wire structure).
 * For packed-capable integer/float fields, `packed_elems` adds the elements of packed spans. */
static int count_fields(parser *p, cursor c, size_t counts[32], uint32_t packed_varint_field,
                        uint32_t packed_f32_field)
{
    memset(counts, 0, 32 * sizeof counts[0]);
    uint32_t f;
    int wt, r;
    size_t tp;
    while ((r = rd_tag(p, &c, &f, &wt, &tp)) == 1) {
        if (wt == 2 && (f == packed_varint_field || f == packed_f32_field)) {
            cursor s;
            if (rd_len(p, &c, &s, "packed array")) return -1;
            if (f == packed_f32_field) {
                if ((s.end - s.pos) % 4) {
                    fail(p, EMOC_E_FORMAT, "packed float array at byte %zu in %s has %zu bytes, "
                         "not a multiple of 4", tp, c.msg, s.end - s.pos);
                    return -1;
                }
                counts[f] += (s.end - s.pos) / 4;
            } else {
                uint64_t v;
                while (s.pos < s.end) {
                    if (rd_varint(p, &s, &v)) return -1;
                    counts[f]++;
                }
            }
            continue;
        }
        if (skip_field(p, &c, wt, f, tp)) return -1;
        if (f < 32) counts[f]++;
    }
    return r;
}

/* Reads a repeated int64 field occurrence (packed or not) into arr[*n...]. */
static int rd_ints(parser *p, cursor *c, int wt, uint32_t f, size_t tp, int64_t *arr, size_t *n,
                   size_t cap)
{
    uint64_t v;
    if (wt == 0) {
        if (rd_varint(p, c, &v)) return -1;
        if (*n < cap) arr[(*n)++] = (int64_t)v;
        return 0;
    }
    if (expect_wt(p, c, wt, 2, f, tp)) return -1;
    cursor s;
    if (rd_len(p, c, &s, "packed ints")) return -1;
    while (s.pos < s.end) {
        if (rd_varint(p, &s, &v)) return -1;
        if (*n < cap) arr[(*n)++] = (int64_t)v;
    }
    return 0;
}

static float f32_at(const uint8_t *b)
{
    uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- messages ---------------------------------------------------------------------------- */

static int parse_graph(parser *p, cursor c, emoc_onnx_graph *g);

static int parse_tensor(parser *p, cursor c, emoc_onnx_tensor *t)
{
    size_t counts[32];
    t->offset = c.pos;
    t->msg = p->buf + c.pos;
    t->msg_len = c.end - c.pos;
    t->name = "";
    if (count_fields(p, c, counts, 1, 0)) return -1;
    if (counts[1] > EMOC_ONNX_MAX_RANK) {
        fail(p, EMOC_E_LIMIT, "tensor at byte %zu has rank %zu (limit %d)", c.pos, counts[1],
             EMOC_ONNX_MAX_RANK);
        return -1;
    }
    size_t nd = 0;
    int has_external = 0;
    uint32_t f;
    int wt, r;
    size_t tp;
    uint64_t v;
    while ((r = rd_tag(p, &c, &f, &wt, &tp)) == 1) {
        switch (f) {
        case 1:
            if (rd_ints(p, &c, wt, f, tp, t->dims, &nd, EMOC_ONNX_MAX_RANK)) return -1;
            break;
        case 2:
            if (expect_wt(p, &c, wt, 0, f, tp) || rd_varint(p, &c, &v)) return -1;
            t->data_type = (int32_t)v;
            break;
        case 8:
            if (expect_wt(p, &c, wt, 2, f, tp) || !(t->name = rd_string(p, &c, "tensor name")))
                return -1;
            break;
        case 9: {
            cursor s;
            if (expect_wt(p, &c, wt, 2, f, tp) || rd_len(p, &c, &s, "raw_data")) return -1;
            t->raw = p->buf + s.pos;
            t->raw_len = s.end - s.pos;
            break;
        }
        case 14:
            if (expect_wt(p, &c, wt, 0, f, tp) || rd_varint(p, &c, &v)) return -1;
            has_external = v == 1;
            break;
        default:
            if (skip_field(p, &c, wt, f, tp)) return -1;
        }
    }
    if (r < 0) return -1;
    if (has_external) {
        fail(p, EMOC_E_UNSUPPORTED, "tensor '%s' at byte %zu keeps its data in an external file; "
             "re-export with the weights inside the .onnx", t->name, t->offset);
        return -1;
    }
    t->rank = (int)nd;
    uint64_t count = 1;
    for (size_t i = 0; i < nd; i++) {
        if (t->dims[i] < 0 || (t->dims[i] > 0 && count > UINT64_MAX / (uint64_t)t->dims[i])) {
            fail(p, EMOC_E_FORMAT, "tensor '%s' at byte %zu has invalid dimension %lld", t->name,
                 t->offset, (long long)t->dims[i]);
            return -1;
        }
        count *= (uint64_t)t->dims[i];
    }
    t->count = count;
    /* The data present must match the element count (typed fields are counted on decode). */
    if (t->raw) {
        size_t esz = t->data_type == EMOC_ONNX_FLOAT || t->data_type == EMOC_ONNX_INT32 ? 4
                   : t->data_type == EMOC_ONNX_INT64 || t->data_type == EMOC_ONNX_DOUBLE ? 8
                   : t->data_type == EMOC_ONNX_FLOAT16 ? 2 : 0;
        if (esz && (count > t->raw_len / esz || count * esz != t->raw_len)) {
            fail(p, EMOC_E_FORMAT, "tensor '%s' at byte %zu: raw_data has %zu bytes, dims need "
                 "%llu × %zu", t->name, t->offset, t->raw_len, (unsigned long long)count, esz);
            return -1;
        }
    }
    return 0;
}

static int parse_attr(parser *p, cursor c, emoc_onnx_attr *a)
{
    size_t counts[32];
    a->offset = c.pos;
    a->name = "";
    if (count_fields(p, c, counts, 8, 7)) return -1;
    int64_t *ints = counts[8] ? palloc(p, counts[8], sizeof *ints) : NULL;
    float *floats = counts[7] ? palloc(p, counts[7], sizeof *floats) : NULL;
    if ((counts[8] && !ints) || (counts[7] && !floats)) return -1;
    a->ints = ints;
    a->floats = floats;
    uint32_t f;
    int wt, r;
    size_t tp;
    uint64_t v;
    cursor s;
    while ((r = rd_tag(p, &c, &f, &wt, &tp)) == 1) {
        switch (f) {
        case 1:
            if (expect_wt(p, &c, wt, 2, f, tp) || !(a->name = rd_string(p, &c, "attribute name")))
                return -1;
            break;
        case 2:
            if (expect_wt(p, &c, wt, 5, f, tp) || c.end - c.pos < 4) {
                if (p->st == EMOC_OK) fail(p, EMOC_E_TRUNCATED, "float at byte %zu truncated", tp);
                return -1;
            }
            a->f = f32_at(p->buf + c.pos);
            c.pos += 4;
            if (!a->type) a->type = EMOC_ONNX_ATTR_FLOAT;
            break;
        case 3:
            if (expect_wt(p, &c, wt, 0, f, tp) || rd_varint(p, &c, &v)) return -1;
            a->i = (int64_t)v;
            if (!a->type) a->type = EMOC_ONNX_ATTR_INT;
            break;
        case 4:
            if (expect_wt(p, &c, wt, 2, f, tp) || !(a->s = rd_string(p, &c, "attribute string")))
                return -1;
            if (!a->type) a->type = EMOC_ONNX_ATTR_STRING;
            break;
        case 5: {
            emoc_onnx_tensor *t = palloc(p, 1, sizeof *t);
            if (!t || expect_wt(p, &c, wt, 2, f, tp) || rd_len(p, &c, &s, "TensorProto") ||
                parse_tensor(p, s, t))
                return -1;
            a->t = t;
            if (!a->type) a->type = EMOC_ONNX_ATTR_TENSOR;
            break;
        }
        case 6: {
            emoc_onnx_graph *g = palloc(p, 1, sizeof *g);
            if (!g || expect_wt(p, &c, wt, 2, f, tp) || rd_len(p, &c, &s, "GraphProto") ||
                parse_graph(p, s, g))
                return -1;
            a->g = g;
            if (!a->type) a->type = EMOC_ONNX_ATTR_GRAPH;
            break;
        }
        case 7:
            if (wt == 5) {
                if (c.end - c.pos < 4) return fail(p, EMOC_E_TRUNCATED, "float at %zu", tp), -1;
                floats[a->n_floats++] = f32_at(p->buf + c.pos);
                c.pos += 4;
            } else {
                if (expect_wt(p, &c, wt, 2, f, tp) || rd_len(p, &c, &s, "packed floats")) return -1;
                for (; s.pos < s.end; s.pos += 4) floats[a->n_floats++] = f32_at(p->buf + s.pos);
            }
            break;
        case 8:
            if (rd_ints(p, &c, wt, f, tp, ints, &a->n_ints, counts[8])) return -1;
            break;
        case 20:
            if (expect_wt(p, &c, wt, 0, f, tp) || rd_varint(p, &c, &v)) return -1;
            a->type = (int)v;
            break;
        default:
            if (skip_field(p, &c, wt, f, tp)) return -1;
        }
    }
    if (r < 0) return -1;
    if (!a->type && a->n_ints) a->type = EMOC_ONNX_ATTR_INTS;
    if (!a->type && a->n_floats) a->type = EMOC_ONNX_ATTR_FLOATS;
    return 0;
}

static int parse_node(parser *p, cursor c, emoc_onnx_node *n)
{
    size_t counts[32];
    n->offset = c.pos;
    n->name = n->op_type = n->domain = "";
    if (count_fields(p, c, counts, 0, 0)) return -1;
    if (counts[1] > 65536 || counts[2] > 65536 || counts[5] > 65536) {
        fail(p, EMOC_E_LIMIT, "node at byte %zu has too many inputs/outputs/attributes", c.pos);
        return -1;
    }
    const char **in = palloc(p, counts[1] + 1, sizeof *in);
    const char **out = palloc(p, counts[2] + 1, sizeof *out);
    emoc_onnx_attr *at = palloc(p, counts[5] + 1, sizeof *at);
    if (!in || !out || !at) return -1;
    n->inputs = in;
    n->outputs = out;
    n->attrs = at;
    uint32_t f;
    int wt, r;
    size_t tp;
    cursor s;
    while ((r = rd_tag(p, &c, &f, &wt, &tp)) == 1) {
        if ((f >= 1 && f <= 5) || f == 7) {
            if (expect_wt(p, &c, wt, 2, f, tp)) return -1;
        }
        switch (f) {
        case 1:
            if (!(in[n->n_inputs++] = rd_string(p, &c, "node input"))) return -1;
            break;
        case 2:
            if (!(out[n->n_outputs++] = rd_string(p, &c, "node output"))) return -1;
            break;
        case 3:
            if (!(n->name = rd_string(p, &c, "node name"))) return -1;
            break;
        case 4:
            if (!(n->op_type = rd_string(p, &c, "op_type"))) return -1;
            break;
        case 7:
            if (!(n->domain = rd_string(p, &c, "domain"))) return -1;
            break;
        case 5:
            if (rd_len(p, &c, &s, "AttributeProto") || parse_attr(p, s, &at[n->n_attrs++]))
                return -1;
            break;
        default:
            if (skip_field(p, &c, wt, f, tp)) return -1;
        }
    }
    if (r < 0) return -1;
    if (!*n->op_type) {
        fail(p, EMOC_E_FORMAT, "node at byte %zu ('%s') has no op_type", n->offset, n->name);
        return -1;
    }
    return 0;
}

static int parse_shape(parser *p, cursor c, emoc_onnx_value_info *vi)
{
    uint32_t f;
    int wt, r;
    size_t tp;
    cursor s, d;
    uint64_t v;
    vi->rank = 0;
    while ((r = rd_tag(p, &c, &f, &wt, &tp)) == 1) {
        if (f != 1) {
            if (skip_field(p, &c, wt, f, tp)) return -1;
            continue;
        }
        if (expect_wt(p, &c, wt, 2, f, tp) || rd_len(p, &c, &s, "TensorShapeProto.Dimension"))
            return -1;
        int64_t dim = -1;
        while ((r = rd_tag(p, &s, &f, &wt, &tp)) == 1) {
            if (f == 1 && wt == 0) {
                if (rd_varint(p, &s, &v)) return -1;
                dim = (int64_t)v;
            } else if (skip_field(p, &s, wt, f, tp)) {
                return -1;
            }
        }
        if (r < 0) return -1;
        if (vi->rank >= EMOC_ONNX_MAX_RANK) {
            fail(p, EMOC_E_LIMIT, "value '%s' has rank above %d", vi->name, EMOC_ONNX_MAX_RANK);
            return -1;
        }
        vi->dims[vi->rank++] = dim;
        (void)d;
    }
    return r < 0 ? -1 : 0;
}

/* ValueInfoProto { name = 1; type = 2 { tensor_type = 1 { elem_type = 1; shape = 2 } } } */
static int parse_value_info(parser *p, cursor c, emoc_onnx_value_info *vi)
{
    uint32_t f;
    int wt, r;
    size_t tp;
    cursor s, tt;
    uint64_t v;
    vi->name = "";
    vi->rank = -1;
    while ((r = rd_tag(p, &c, &f, &wt, &tp)) == 1) {
        if (f == 1) {
            if (expect_wt(p, &c, wt, 2, f, tp) || !(vi->name = rd_string(p, &c, "value name")))
                return -1;
        } else if (f == 2) {
            if (expect_wt(p, &c, wt, 2, f, tp) || rd_len(p, &c, &s, "TypeProto")) return -1;
            while ((r = rd_tag(p, &s, &f, &wt, &tp)) == 1) {
                if (f != 1 || wt != 2) {
                    if (skip_field(p, &s, wt, f, tp)) return -1;
                    continue;
                }
                if (rd_len(p, &s, &tt, "TypeProto.Tensor")) return -1;
                while ((r = rd_tag(p, &tt, &f, &wt, &tp)) == 1) {
                    if (f == 1 && wt == 0) {
                        if (rd_varint(p, &tt, &v)) return -1;
                        vi->elem_type = (int32_t)v;
                    } else if (f == 2 && wt == 2) {
                        cursor sh;
                        if (rd_len(p, &tt, &sh, "TensorShapeProto") || parse_shape(p, sh, vi))
                            return -1;
                    } else if (skip_field(p, &tt, wt, f, tp)) {
                        return -1;
                    }
                }
                if (r < 0) return -1;
            }
            if (r < 0) return -1;
        } else if (skip_field(p, &c, wt, f, tp)) {
            return -1;
        }
    }
    return r < 0 ? -1 : 0;
}

static int parse_graph(parser *p, cursor c, emoc_onnx_graph *g)
{
    size_t counts[32];
    g->name = "";
    if (count_fields(p, c, counts, 0, 0)) return -1;
    if (counts[1] > INT32_MAX / 2 || counts[5] > INT32_MAX / 2) {
        fail(p, EMOC_E_LIMIT, "graph at byte %zu has too many nodes", c.pos);
        return -1;
    }
    emoc_onnx_node *nodes = palloc(p, counts[1] + 1, sizeof *nodes);
    emoc_onnx_tensor *inits = palloc(p, counts[5] + 1, sizeof *inits);
    emoc_onnx_value_info *ins = palloc(p, counts[11] + 1, sizeof *ins);
    emoc_onnx_value_info *outs = palloc(p, counts[12] + 1, sizeof *outs);
    if (!nodes || !inits || !ins || !outs) return -1;
    g->nodes = nodes;
    g->inits = inits;
    g->inputs = ins;
    g->outputs = outs;
    uint32_t f;
    int wt, r;
    size_t tp;
    cursor s;
    while ((r = rd_tag(p, &c, &f, &wt, &tp)) == 1) {
        if (f == 1 || f == 2 || f == 5 || f == 11 || f == 12) {
            if (expect_wt(p, &c, wt, 2, f, tp)) return -1;
        }
        switch (f) {
        case 1:
            if (rd_len(p, &c, &s, "NodeProto")) return -1;
            nodes[g->n_nodes].index = g->n_nodes;
            if (parse_node(p, s, &nodes[g->n_nodes])) return -1;
            g->n_nodes++;
            break;
        case 2:
            if (!(g->name = rd_string(p, &c, "graph name"))) return -1;
            break;
        case 5:
            if (rd_len(p, &c, &s, "initializer TensorProto") ||
                parse_tensor(p, s, &inits[g->n_inits++]))
                return -1;
            break;
        case 11:
            if (rd_len(p, &c, &s, "graph input") || parse_value_info(p, s, &ins[g->n_inputs++]))
                return -1;
            break;
        case 12:
            if (rd_len(p, &c, &s, "graph output") || parse_value_info(p, s, &outs[g->n_outputs++]))
                return -1;
            break;
        default:
            if (skip_field(p, &c, wt, f, tp)) return -1;
        }
    }
    return r < 0 ? -1 : 0;
}

static int parse_model(parser *p, cursor c, emoc_onnx_model *m)
{
    uint32_t f;
    int wt, r, have_graph = 0;
    size_t tp;
    uint64_t v;
    cursor s;
    m->producer = "";
    while ((r = rd_tag(p, &c, &f, &wt, &tp)) == 1) {
        switch (f) {
        case 1:
            if (expect_wt(p, &c, wt, 0, f, tp) || rd_varint(p, &c, &v)) return -1;
            m->ir_version = (int64_t)v;
            break;
        case 2:
            if (expect_wt(p, &c, wt, 2, f, tp) || !(m->producer = rd_string(p, &c, "producer")))
                return -1;
            break;
        case 7:
            /* parse_graph sizes its tables from one message; a second graph field would append
             * to tables sized for the first (protobuf would merge them; no exporter writes two). */
            if (have_graph) {
                fail(p, EMOC_E_FORMAT, "second graph (field 7 of ModelProto) at byte %zu; a model "
                     "has exactly one", tp);
                return -1;
            }
            if (expect_wt(p, &c, wt, 2, f, tp) || rd_len(p, &c, &s, "GraphProto") ||
                parse_graph(p, s, &m->graph))
                return -1;
            have_graph = 1;
            break;
        case 8: {
            const char *domain = "";
            int64_t version = 0;
            if (expect_wt(p, &c, wt, 2, f, tp) || rd_len(p, &c, &s, "OperatorSetIdProto"))
                return -1;
            while ((r = rd_tag(p, &s, &f, &wt, &tp)) == 1) {
                if (f == 1 && wt == 2) {
                    if (!(domain = rd_string(p, &s, "opset domain"))) return -1;
                } else if (f == 2 && wt == 0) {
                    if (rd_varint(p, &s, &v)) return -1;
                    version = (int64_t)v;
                } else if (skip_field(p, &s, wt, f, tp)) {
                    return -1;
                }
            }
            if (r < 0) return -1;
            if (!*domain || !strcmp(domain, "ai.onnx")) m->opset = version;
            break;
        }
        default:
            if (skip_field(p, &c, wt, f, tp)) return -1;
        }
    }
    if (r < 0) return -1;
    if (!have_graph) {
        fail(p, EMOC_E_FORMAT, "no graph in the model (field 7 of ModelProto absent; %zu bytes "
             "read)", p->size);
        return -1;
    }
    return 0;
}

emoc_status emoc__onnx_parse(const uint8_t *buf, size_t size, emoc_onnx_model *m, emoc_error *err)
{
    if (!m || (!buf && size)) return EMOC_E_ARG;
    memset(m, 0, sizeof *m);
    parser p = {buf, size, NULL, err, EMOC_OK};
    if (size == 0) return fail(&p, EMOC_E_TRUNCATED, "empty file");
    p.ar = calloc(1, sizeof *p.ar);
    if (!p.ar) return fail(&p, EMOC_E_NOMEM, "out of memory");
    /* Every element the reader stores consumes at least 2 file bytes and costs under 200 bytes
     * of tables, so 128 × size (+1 MiB for small files) bounds any well-formed file. */
    emoc__arena_init(p.ar, size > SIZE_MAX / 256 ? SIZE_MAX / 2 : size * 128 + ((size_t)1 << 20));
    cursor c = {0, size, 0, "ModelProto"};
    if (parse_model(&p, c, m)) {
        emoc__arena_release(p.ar);
        free(p.ar);
        memset(m, 0, sizeof *m);
        return p.st;
    }
    m->_arena = p.ar;
    return EMOC_OK;
}

void emoc__onnx_free(emoc_onnx_model *m)
{
    if (!m) return;
    emoc__arena_release(m->_arena);
    free(m->_arena);
    memset(m, 0, sizeof *m);
}

/* ---- attribute helpers --------------------------------------------------------------------- */

const emoc_onnx_attr *emoc__onnx_attr_find(const emoc_onnx_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (!strcmp(n->attrs[i].name, name)) return &n->attrs[i];
    return NULL;
}

int64_t emoc__onnx_attr_int(const emoc_onnx_node *n, const char *name, int64_t dflt)
{
    const emoc_onnx_attr *a = emoc__onnx_attr_find(n, name);
    return a && a->type == EMOC_ONNX_ATTR_INT ? a->i : dflt;
}

float emoc__onnx_attr_float(const emoc_onnx_node *n, const char *name, float dflt)
{
    const emoc_onnx_attr *a = emoc__onnx_attr_find(n, name);
    return a && a->type == EMOC_ONNX_ATTR_FLOAT ? a->f : dflt;
}
