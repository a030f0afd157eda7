/*
 * convert_onnx_mvit.c — recognises EmotiEffLib's mobilevit_va_mtl ONNX export (timm
 * mobilevitv2_150 + head.fc, docs/mobilevit.md) and writes it as EMW.
 *
 * The matcher follows the data flow from the graph input: each step names the op it expects
 * to read the current value (Conv, Sigmoid, ...), takes that reader and moves on. Shape
 * nodes and the Gather/Unsqueeze/Concat/Slice arithmetic behind them are bookkeeping: they are
 * read only to check the constants of the unfold/fold reshapes and of the Resize. At the end
 * every node that reads an activation must have been taken, so nothing is silently dropped.
 * Patterns (opset 11 and the opset ≥ 13 forms with axes/split as inputs):
 *
 *   SiLU        Sigmoid(x), Mul(x, sigmoid)
 *   bottleneck  Conv 1×1 SiLU · Conv dw 3×3 (stride s, pad 1) SiLU · Conv 1×1 [Add(·, x)]
 *   GroupNorm   Reshape(x, [0,1,−1]) InstanceNormalization(scale 1, bias 0) Reshape(·, shape
 *               of x) Mul(·, γ[C,1,1]) Add(·, β[C,1,1])
 *   unfold      Reshape [B,C,H/2,2,W/2,2] Transpose(0,1,3,5,2,4) Reshape [B,C,−1,N]
 *   attention   Conv(qkv) Split(axis 1, [1,d,d]) Softmax(q, last axis) Mul(k, ·)
 *               ReduceSum(last axis, keepdims) Relu(v) [Expand] Mul Conv(out_proj) Add(x, ·)
 *   mlp         GroupNorm Conv(fc1) SiLU Conv(fc2) Add(x, ·)
 *   fold        Reshape [B,C,2,2,H/2,W/2] Transpose(0,1,4,2,5,3) Reshape [B,C,H,W]
 *   MobileViTv2 [Resize linear align_corners to even H, W] Conv dw 3×3 SiLU · Conv 1×1 (no
 *               bias) · unfold · L × (attention, mlp) · GroupNorm · fold · Conv 1×1
 *   head        GlobalAveragePool Flatten Gemm
 * The structure found is then compared with the mobilevitv2_150 table; the first difference is
 * reported with its node. Tensors get timm's module names (BN already folded into the convs).
 */
#include "engine/base/error.h"
#include "weights/convert.h"
#include "weights/onnx_pending.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TENSORS 320
#define MAX_READERS 16

typedef emoc__onnx_pending pending;

typedef struct matcher {
    const emoc_onnx_graph *g;
    unsigned char *used;        /* per node: taken by the matcher */
    int n_used;
    emoc_error *err;
    emoc_status st;
    pending *t;
    int nt;
    int h, w;                   /* spatial size of the current activation */
    float gn_eps;
    int n_scores;
} matcher;

static __attribute__((format(printf, 2, 3))) int failf(matcher *m, const char *fmt, ...)
{
    if (m->st != EMOC_OK) return -1;
    m->st = EMOC_E_UNSUPPORTED;
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err_prefixed(m->err, "mobilevit: ", fmt, ap);
    va_end(ap);
    return -1;
}

static int is_op(const emoc_onnx_node *n, const char *op)
{
    return n && !strcmp(n->op_type, op) && !*n->domain;
}

static int has_input(const emoc_onnx_node *n, const char *v)
{
    for (int i = 0; i < n->n_inputs; i++)
        if (!strcmp(n->inputs[i], v)) return 1;
    return 0;
}

/* Takes the reader of `v` that is an `op` (and, if `also` is set, also reads `also`). On a
 * mismatch the error names what does read `v`. */
static const emoc_onnx_node *take(matcher *m, const char *v, const char *op, const char *also,
                                  const char *what)
{
    if (m->st) return NULL;
    const emoc_onnx_node *r[MAX_READERS];
    int n = emoc__onnx_consumers(m->g, v, r, MAX_READERS);
    if (n > MAX_READERS) n = MAX_READERS;
    for (int i = 0; i < n; i++)
        if (!m->used[r[i]->index] && is_op(r[i], op) && (!also || has_input(r[i], also))) {
            m->used[r[i]->index] = 1;
            m->n_used++;
            return r[i];
        }
    for (int i = 0; i < n; i++)
        if (!m->used[r[i]->index] && !is_op(r[i], "Shape")) {
            failf(m, "node %d '%s' (%s) does not match: expected %s (%s) reading '%s'",
                  r[i]->index, r[i]->name, r[i]->op_type, op, what, v);
            return NULL;
        }
    failf(m, "nothing reads '%s' where %s (%s) was expected", v, op, what);
    return NULL;
}

static int add_pending(matcher *m, const char *name, const emoc_onnx_tensor *t, int rank,
                       const int64_t *dims, int transpose, float scale)
{
    if (m->nt >= MAX_TENSORS) return failf(m, "more than %d tensors", MAX_TENSORS);
    emoc__onnx_pending_set(&m->t[m->nt++], name, t, rank, dims, transpose, scale);
    return 0;
}

/* Integer constant behind `v` (initializer / Constant / Identity), up to `max` values; -1 if
 * not a constant. */
static int const_ints(matcher *m, const char *v, int64_t *out, int max)
{
    const emoc_onnx_tensor *t = emoc__onnx_const(m->g, v);
    if (!t || t->count > (uint64_t)max || emoc__onnx_tensor_i64(t, out, NULL) != EMOC_OK) return -1;
    return (int)t->count;
}

/* An axes list given as attribute `name` (opset 11) or as input `idx` (opset ≥ 13). */
static int axes_of(matcher *m, const emoc_onnx_node *n, const char *name, int idx, int64_t *out,
                   int max)
{
    const emoc_onnx_attr *a = emoc__onnx_attr_find(n, name);
    if (a) {
        if (a->n_ints > (size_t)max) return -1;
        memcpy(out, a->ints, a->n_ints * sizeof *out);
        return (int)a->n_ints;
    }
    return n->n_inputs > idx && *n->inputs[idx] ? const_ints(m, n->inputs[idx], out, max) : 0;
}

/* The last `k` entries of a Reshape's target shape: a constant, or a Concat whose trailing
 * inputs are constants (the leading ones come from Shape(x) at run time). */
static int reshape_tail(matcher *m, const emoc_onnx_node *r, int k, int64_t *out)
{
    int64_t vals[8];
    if (r->n_inputs < 2) return -1;
    int n = const_ints(m, r->inputs[1], vals, 8);
    if (n >= k) {
        memcpy(out, vals + n - k, (size_t)k * sizeof *out);
        return 0;
    }
    const emoc_onnx_node *c = emoc__onnx_producer(m->g, r->inputs[1]);
    if (!is_op(c, "Concat")) return -1;
    int got = 0;
    for (int i = c->n_inputs - 1; i >= 0 && got < k; i--) {
        int q = const_ints(m, c->inputs[i], vals, 8);
        if (q <= 0 || got + q > k) return -1;
        for (int j = q - 1; j >= 0; j--) out[k - 1 - got++] = vals[j];
    }
    return got == k ? 0 : -1;
}

static int expect_tail(matcher *m, const emoc_onnx_node *r, int k, const int64_t *want,
                       const char *what)
{
    int64_t got[8];
    if (reshape_tail(m, r, k, got) == 0 && !memcmp(got, want, (size_t)k * sizeof *got)) return 0;
    char w[96] = "";
    size_t n = 0;
    for (int i = 0; i < k && n < sizeof w; i++)
        n += (size_t)snprintf(w + n, sizeof w - n, i ? ",%lld" : "%lld", (long long)want[i]);
    return failf(m, "node %d '%s' (Reshape): expected the %s shape ending in [%s]", r->index,
                 r->name, what, w);
}

static int expect_perm(matcher *m, const emoc_onnx_node *t, const int64_t *perm,
                       const char *what)
{
    const emoc_onnx_attr *a = emoc__onnx_attr_find(t, "perm");
    if (a && a->n_ints == 6 && !memcmp(a->ints, perm, 6 * sizeof *perm)) return 0;
    return failf(m, "node %d '%s' (Transpose): expected perm %lld,%lld,%lld,%lld,%lld,%lld (%s)",
                 t->index, t->name, (long long)perm[0], (long long)perm[1], (long long)perm[2],
                 (long long)perm[3], (long long)perm[4], (long long)perm[5], what);
}

static int reads_op(matcher *m, const char *x, const char *op)
{
    const emoc_onnx_node *r[MAX_READERS];
    int n = emoc__onnx_consumers(m->g, x, r, MAX_READERS);
    for (int i = 0; i < n && i < MAX_READERS; i++)
        if (is_op(r[i], op)) return 1;
    return 0;
}

/* ---- convolutions, SiLU, GroupNorm -------------------------------------------------------- */

typedef struct conv {
    const emoc_onnx_node *n;
    const emoc_onnx_tensor *w, *b;
    int cout, cin_g, k, stride, group;
} conv;

static int ints_all(const emoc_onnx_attr *a, int64_t v)
{
    if (!a) return 1;
    for (size_t i = 0; i < a->n_ints; i++)
        if (a->ints[i] != v) return 0;
    return 1;
}

/* Conv reading x: square kernel, stride 1 or 2, PyTorch padding ((s − 1) + (k − 1))/2 on every
 * side (timm's symmetric default), no dilation. Updates the tracked spatial size. */
static const char *take_conv(matcher *m, const char *x, const char *what, conv *c)
{
    memset(c, 0, sizeof *c);
    const emoc_onnx_node *n = take(m, x, "Conv", NULL, what);
    if (!n) return NULL;
    c->n = n;
    if (strcmp(n->inputs[0], x) || n->n_inputs < 2 ||
        !(c->w = emoc__onnx_const(m->g, n->inputs[1])) || c->w->rank != 4) {
        failf(m, "node %d '%s' (Conv): the data must be input 0 and the weight a constant rank-4 "
              "tensor (%s)", n->index, n->name, what);
        return NULL;
    }
    if (n->n_inputs >= 3 && *n->inputs[2]) {
        c->b = emoc__onnx_const(m->g, n->inputs[2]);
        if (!c->b || c->b->count != (uint64_t)c->w->dims[0]) {
            failf(m, "node %d '%s' (Conv): bias '%s' is not a constant of %lld values", n->index,
                  n->name, n->inputs[2], (long long)c->w->dims[0]);
            return NULL;
        }
    }
    c->cout = (int)c->w->dims[0];
    c->cin_g = (int)c->w->dims[1];
    c->k = (int)c->w->dims[2];
    c->group = (int)emoc__onnx_attr_int(n, "group", 1);
    const emoc_onnx_attr *st = emoc__onnx_attr_find(n, "strides");
    c->stride = st && st->n_ints == 2 ? (int)st->ints[0] : 1;
    const emoc_onnx_attr *ap = emoc__onnx_attr_find(n, "auto_pad");
    int pad = ((c->stride - 1) + (c->k - 1)) / 2;
    const emoc_onnx_attr *pads = emoc__onnx_attr_find(n, "pads");
    if (c->w->dims[3] != c->k || (c->k != 1 && c->k != 3) || (c->stride != 1 && c->stride != 2) ||
        (st && (st->n_ints != 2 || st->ints[1] != c->stride)) ||
        !ints_all(emoc__onnx_attr_find(n, "dilations"), 1) ||
        (ap && ap->s && strcmp(ap->s, "NOTSET")) || (pad && (!pads || pads->n_ints != 4)) ||
        !ints_all(pads, pad)) {
        failf(m, "node %d '%s' (Conv): expected a 1x1 or 3x3 conv, stride 1 or 2, symmetric "
              "padding %d, no dilation (%s)", n->index, n->name, pad, what);
        return NULL;
    }
    if (c->stride == 2) {
        m->h = (m->h + 2 * pad - c->k) / 2 + 1;
        m->w = (m->w + 2 * pad - c->k) / 2 + 1;
    }
    return n->outputs[0];
}

static int store_conv(matcher *m, const char *prefix, const conv *c)
{
    char name[128];
    snprintf(name, sizeof name, "%s.weight", prefix);
    if (add_pending(m, name, c->w, 4, c->w->dims, 0, 1)) return -1;
    if (!c->b) return 0;
    snprintf(name, sizeof name, "%s.bias", prefix);
    int64_t d = c->cout;
    return add_pending(m, name, c->b, 1, &d, 0, 1);
}

static const char *take_silu(matcher *m, const char *x, const char *what)
{
    const emoc_onnx_node *s = take(m, x, "Sigmoid", NULL, what);
    const emoc_onnx_node *mul = s ? take(m, s->outputs[0], "Mul", x, what) : NULL;
    return mul ? mul->outputs[0] : NULL;
}

/* A [C,1,1] (or [C]) constant operand of an elementwise node, the other operand being x. */
static const emoc_onnx_tensor *channel_operand(matcher *m, const emoc_onnx_node *n,
                                               const char *x, int C, const char *what)
{
    if (n->n_inputs == 2) {
        const char *o = !strcmp(n->inputs[0], x) ? n->inputs[1] : n->inputs[0];
        const emoc_onnx_tensor *t = emoc__onnx_const(m->g, o);
        if (t && t->count == (uint64_t)C && (t->rank == 1 || (t->rank == 3 && t->dims[0] == C)))
            return t;
    }
    failf(m, "node %d '%s' (%s): expected x %s a constant of %d channels (GroupNorm %s)",
          n->index, n->name, n->op_type, is_op(n, "Mul") ? "times" : "plus", C, what);
    return NULL;
}

/* GroupNorm(1 group) on x of C channels; stores <prefix>.weight / .bias. */
static const char *take_groupnorm(matcher *m, const char *x, int C, const char *prefix)
{
    int64_t sh[4];
    const emoc_onnx_node *r1 = take(m, x, "Reshape", NULL, "GroupNorm: flatten to [N,1,-1]");
    if (!r1) return NULL;
    if (r1->n_inputs < 2 || const_ints(m, r1->inputs[1], sh, 4) != 3 || sh[0] != 0 || sh[1] != 1 ||
        sh[2] != -1) {
        failf(m, "node %d '%s' (Reshape): expected the GroupNorm reshape to [0,1,-1]", r1->index,
              r1->name);
        return NULL;
    }
    const emoc_onnx_node *in = take(m, r1->outputs[0], "InstanceNormalization", NULL,
                                    "GroupNorm with one group");
    if (!in) return NULL;
    float sc = 0, bi = 1;
    const emoc_onnx_tensor *ts = in->n_inputs == 3 ? emoc__onnx_const(m->g, in->inputs[1]) : NULL;
    const emoc_onnx_tensor *tb = in->n_inputs == 3 ? emoc__onnx_const(m->g, in->inputs[2]) : NULL;
    if (!ts || !tb || ts->count != 1 || tb->count != 1 || emoc__onnx_tensor_f32(ts, &sc, NULL) ||
        emoc__onnx_tensor_f32(tb, &bi, NULL) || sc != 1.0f || bi != 0.0f) {
        failf(m, "node %d '%s' (InstanceNormalization): expected scale 1 and bias 0 on one "
              "channel (GroupNorm's affine follows as Mul/Add)", in->index, in->name);
        return NULL;
    }
    float eps = emoc__onnx_attr_float(in, "epsilon", 1e-5f);
    if (m->gn_eps == 0) m->gn_eps = eps;
    if (eps != m->gn_eps || !(eps > 0 && eps < 1)) {
        failf(m, "node %d '%s' (InstanceNormalization): epsilon %g differs from the first "
              "GroupNorm's %g", in->index, in->name, eps, m->gn_eps);
        return NULL;
    }
    const emoc_onnx_node *r2 = take(m, in->outputs[0], "Reshape", NULL,
                                    "GroupNorm: back to the input shape");
    if (!r2) return NULL;
    const emoc_onnx_node *shp = r2->n_inputs >= 2 ? emoc__onnx_producer(m->g, r2->inputs[1]) : NULL;
    if (!is_op(shp, "Shape") || strcmp(shp->inputs[0], x)) {
        failf(m, "node %d '%s' (Reshape): expected the shape of '%s' (GroupNorm input)", r2->index,
              r2->name, x);
        return NULL;
    }
    const emoc_onnx_node *mul = take(m, r2->outputs[0], "Mul", NULL, "GroupNorm weight");
    const emoc_onnx_tensor *gw = mul ? channel_operand(m, mul, r2->outputs[0], C, "weight") : NULL;
    const emoc_onnx_node *add = gw ? take(m, mul->outputs[0], "Add", NULL, "GroupNorm bias") : NULL;
    const emoc_onnx_tensor *gb = add ? channel_operand(m, add, mul->outputs[0], C, "bias") : NULL;
    if (!gb) return NULL;
    char name[128];
    int64_t d = C;
    snprintf(name, sizeof name, "%s.weight", prefix);
    if (add_pending(m, name, gw, 1, &d, 0, 1)) return NULL;
    snprintf(name, sizeof name, "%s.bias", prefix);
    if (add_pending(m, name, gb, 1, &d, 0, 1)) return NULL;
    return add->outputs[0];
}

/* Add(a, b) reading both (the residual). */
static const char *take_residual(matcher *m, const char *y, const char *x, const char *what)
{
    const emoc_onnx_node *a = take(m, y, "Add", x, what);
    return a ? a->outputs[0] : NULL;
}

static const char *take_conv_store(matcher *m, const char *x, const char *what,
                                   const char *prefix, conv *c)
{
    const char *y = take_conv(m, x, what, c);
    return y && store_conv(m, prefix, c) == 0 ? y : NULL;
}

/* ---- blocks --------------------------------------------------------------------------------- */

/* What the matcher found, compared with the table afterwards. */
typedef struct found {
    int is_vit;           /* 0: bottleneck, 1: MobileViTv2 block */
    int cin, mid, cout, stride, skip;  /* bottleneck */
    int d, depth, resized;             /* MobileViTv2 block (cin = cout = C) */
    int node;             /* first node, for errors */
} found;

static const char *match_bottleneck(matcher *m, const char *x, int cin, const char *prefix,
                                    found *f)
{
    char p[128];
    conv c1, c2, c3;
    snprintf(p, sizeof p, "%s.conv1_1x1", prefix);
    const char *y = take_conv_store(m, x, "bottleneck 1x1 expansion", p, &c1);
    if (!y) return NULL;
    f->node = c1.n->index;
    f->cin = cin;
    f->mid = c1.cout;
    if (c1.k != 1 || c1.group != 1 || c1.cin_g != cin || !c1.b) {
        failf(m, "node %d '%s' (Conv): expected a 1x1 conv with bias over %d channels", c1.n->index,
              c1.n->name, cin);
        return NULL;
    }
    y = take_silu(m, y, "bottleneck SiLU");
    snprintf(p, sizeof p, "%s.conv2_kxk", prefix);
    y = y ? take_conv_store(m, y, "bottleneck depthwise 3x3", p, &c2) : NULL;
    if (!y) return NULL;
    if (c2.k != 3 || c2.group != f->mid || c2.cout != f->mid || c2.cin_g != 1 || !c2.b) {
        failf(m, "node %d '%s' (Conv): expected a depthwise 3x3 conv over %d channels",
              c2.n->index, c2.n->name, f->mid);
        return NULL;
    }
    f->stride = c2.stride;
    y = take_silu(m, y, "bottleneck SiLU");
    snprintf(p, sizeof p, "%s.conv3_1x1", prefix);
    y = y ? take_conv_store(m, y, "bottleneck 1x1 projection", p, &c3) : NULL;
    if (!y) return NULL;
    if (c3.k != 1 || c3.group != 1 || c3.cin_g != f->mid || !c3.b) {
        failf(m, "node %d '%s' (Conv): expected a 1x1 projection with bias over %d channels",
              c3.n->index, c3.n->name, f->mid);
        return NULL;
    }
    f->cout = c3.cout;
    const emoc_onnx_node *r[MAX_READERS];
    int n = emoc__onnx_consumers(m->g, y, r, MAX_READERS);
    for (int i = 0; i < n && i < MAX_READERS; i++)
        if (is_op(r[i], "Add") && has_input(r[i], x)) {
            f->skip = 1;
            return take_residual(m, y, x, "bottleneck shortcut");
        }
    return y;
}

static const char *match_attention(matcher *m, const char *x, int d, const char *layer)
{
    char p[128];
    conv qkv, out;
    const char *g = take_groupnorm(m, x, d, (snprintf(p, sizeof p, "%s.norm1", layer), p));
    snprintf(p, sizeof p, "%s.attn.qkv_proj", layer);
    const char *y = g ? take_conv_store(m, g, "attention qkv projection", p, &qkv) : NULL;
    if (!y) return NULL;
    if (qkv.k != 1 || qkv.group != 1 || qkv.cin_g != d || qkv.cout != 1 + 2 * d || !qkv.b) {
        failf(m, "node %d '%s' (Conv): expected the 1x1 qkv projection %d → %d with bias",
              qkv.n->index, qkv.n->name, d, 1 + 2 * d);
        return NULL;
    }
    const emoc_onnx_node *sp = take(m, y, "Split", NULL, "q, k, v");
    if (!sp) return NULL;
    int64_t sizes[4];
    int ns = axes_of(m, sp, "split", 1, sizes, 4);
    if (emoc__onnx_attr_int(sp, "axis", 0) != 1 || sp->n_outputs != 3 || ns != 3 || sizes[0] != 1 ||
        sizes[1] != d || sizes[2] != d) {
        failf(m, "node %d '%s' (Split): expected channels split into [1, %d, %d]", sp->index,
              sp->name, d, d);
        return NULL;
    }
    const emoc_onnx_node *sm = take(m, sp->outputs[0], "Softmax", NULL, "context scores");
    if (!sm) return NULL;
    int64_t ax = emoc__onnx_attr_int(sm, "axis", -1);
    if (ax != 3 && ax != -1) {
        failf(m, "node %d '%s' (Softmax): expected the softmax over patches (axis 3)", sm->index,
              sm->name);
        return NULL;
    }
    const emoc_onnx_node *kmul = take(m, sp->outputs[1], "Mul", sm->outputs[0], "key · scores");
    const emoc_onnx_node *rs = kmul ? take(m, kmul->outputs[0], "ReduceSum", NULL,
                                           "context vector") : NULL;
    if (!rs) return NULL;
    int64_t axes[4];
    int na = axes_of(m, rs, "axes", 1, axes, 4);
    if (na != 1 || (axes[0] != 3 && axes[0] != -1) || emoc__onnx_attr_int(rs, "keepdims", 1) != 1) {
        failf(m, "node %d '%s' (ReduceSum): expected the sum over patches (axis 3) with keepdims",
              rs->index, rs->name);
        return NULL;
    }
    const emoc_onnx_node *relu = take(m, sp->outputs[2], "Relu", NULL, "ReLU of the value");
    if (!relu) return NULL;
    const char *cv = rs->outputs[0];
    if (reads_op(m, cv, "Expand")) {
        const emoc_onnx_node *ex = take(m, cv, "Expand", NULL, "context broadcast");
        if (!ex) return NULL;
        cv = ex->outputs[0];
    }
    const emoc_onnx_node *om = take(m, relu->outputs[0], "Mul", cv, "ReLU(v) · context");
    snprintf(p, sizeof p, "%s.attn.out_proj", layer);
    y = om ? take_conv_store(m, om->outputs[0], "attention out projection", p, &out) : NULL;
    if (!y) return NULL;
    if (out.k != 1 || out.group != 1 || out.cin_g != d || out.cout != d || !out.b) {
        failf(m, "node %d '%s' (Conv): expected the 1x1 out projection %d → %d with bias",
              out.n->index, out.n->name, d, d);
        return NULL;
    }
    return take_residual(m, y, x, "attention residual");
}

static const char *match_mlp(matcher *m, const char *x, int d, const char *layer)
{
    char p[128];
    conv fc1, fc2;
    const char *g = take_groupnorm(m, x, d, (snprintf(p, sizeof p, "%s.norm2", layer), p));
    snprintf(p, sizeof p, "%s.mlp.fc1", layer);
    const char *y = g ? take_conv_store(m, g, "mlp fc1", p, &fc1) : NULL;
    y = y ? take_silu(m, y, "mlp SiLU") : NULL;
    snprintf(p, sizeof p, "%s.mlp.fc2", layer);
    y = y ? take_conv_store(m, y, "mlp fc2", p, &fc2) : NULL;
    if (!y) return NULL;
    if (fc1.k != 1 || fc1.group != 1 || fc1.cin_g != d || fc1.cout != 2 * d || !fc1.b ||
        fc2.k != 1 || fc2.group != 1 || fc2.cin_g != 2 * d || fc2.cout != d || !fc2.b) {
        failf(m, "node %d '%s' (Conv): expected mlp 1x1 convs %d → %d → %d with bias",
              fc1.n->index, fc1.n->name, d, 2 * d, d);
        return NULL;
    }
    return take_residual(m, y, x, "mlp residual");
}

/* Resize(linear, align_corners) up to even H, W; the sizes are checked when they are
 * constants (the engine computes the even size itself). */
static const char *match_resize(matcher *m, const char *x, int C)
{
    const emoc_onnx_node *rz = take(m, x, "Resize", NULL, "resize to even size");
    if (!rz) return NULL;
    const emoc_onnx_attr *mode = emoc__onnx_attr_find(rz, "mode");
    const emoc_onnx_attr *ct = emoc__onnx_attr_find(rz, "coordinate_transformation_mode");
    if (strcmp(rz->inputs[0], x) || !mode || !mode->s || strcmp(mode->s, "linear") || !ct ||
        !ct->s || strcmp(ct->s, "align_corners")) {
        failf(m, "node %d '%s' (Resize): expected mode linear with align_corners", rz->index,
              rz->name);
        return NULL;
    }
    int oh = m->h + m->h % 2, ow = m->w + m->w % 2;
    int64_t v[8];
    int n = rz->n_inputs >= 4 && *rz->inputs[3] ? const_ints(m, rz->inputs[3], v, 8) : -1;
    if (n < 0 && rz->n_inputs >= 4 && *rz->inputs[3]) {
        const emoc_onnx_node *c = emoc__onnx_producer(m->g, rz->inputs[3]);
        if (is_op(c, "Concat") && c->n_inputs >= 1)
            n = const_ints(m, c->inputs[c->n_inputs - 1], v, 8);
    }
    if (n >= 2 && (v[n - 2] != oh || v[n - 1] != ow || (n == 4 && v[1] != C))) {
        failf(m, "node %d '%s' (Resize): resizes %dx%d to %lldx%lld; MobileViTv2 resizes to the "
              "next even size %dx%d", rz->index, rz->name, m->h, m->w, (long long)v[n - 2],
              (long long)v[n - 1], oh, ow);
        return NULL;
    }
    m->h = oh;
    m->w = ow;
    return rz->outputs[0];
}

static const char *match_vit(matcher *m, const char *x, int C, const char *prefix, found *f)
{
    char p[128];
    conv kxk, c1, proj;
    f->is_vit = 1;
    f->cin = f->cout = C;
    const emoc_onnx_node *r[MAX_READERS];
    int n = emoc__onnx_consumers(m->g, x, r, MAX_READERS);
    f->node = -1;
    for (int i = 0; i < n && i < MAX_READERS && f->node < 0; i++)
        if (!is_op(r[i], "Shape")) f->node = r[i]->index;
    if (reads_op(m, x, "Resize")) {
        x = match_resize(m, x, C);
        if (!x) return NULL;
        f->resized = 1;
    }
    snprintf(p, sizeof p, "%s.conv_kxk", prefix);
    const char *y = take_conv_store(m, x, "MobileViTv2 conv_kxk", p, &kxk);
    y = y ? take_silu(m, y, "conv_kxk SiLU") : NULL;
    snprintf(p, sizeof p, "%s.conv_1x1", prefix);
    y = y ? take_conv_store(m, y, "MobileViTv2 conv_1x1", p, &c1) : NULL;
    if (!y) return NULL;
    if (kxk.k != 3 || kxk.stride != 1 || kxk.group != C || kxk.cout != C || !kxk.b ||
        c1.k != 1 || c1.group != 1 || c1.cin_g != C || c1.b) {
        failf(m, "node %d '%s' (Conv): expected a depthwise 3x3 (bias) then a bias-free 1x1 over "
              "%d channels", kxk.n->index, kxk.n->name, C);
        return NULL;
    }
    int d = f->d = c1.cout, H = m->h, W = m->w;
    if (H % 2 || W % 2)
        return failf(m, "the MobileViTv2 block at node %d unfolds an odd %dx%d map", c1.n->index,
                     H, W), NULL;
    /* unfold */
    const emoc_onnx_node *u1 = take(m, y, "Reshape", NULL, "unfold");
    if (!u1 || expect_tail(m, u1, 4, (int64_t[4]){H / 2, 2, W / 2, 2}, "unfold")) return NULL;
    const emoc_onnx_node *ut = take(m, u1->outputs[0], "Transpose", NULL, "unfold");
    if (!ut || expect_perm(m, ut, (int64_t[6]){0, 1, 3, 5, 2, 4}, "unfold")) return NULL;
    const emoc_onnx_node *u2 = take(m, ut->outputs[0], "Reshape", NULL, "unfold");
    if (!u2 || expect_tail(m, u2, 2, (int64_t[2]){-1, (H / 2) * (W / 2)}, "unfold")) return NULL;
    y = u2->outputs[0];
    /* transformer layers: each starts with a GroupNorm reshape reading y */
    for (f->depth = 0;; f->depth++) {
        const emoc_onnx_node *rd[MAX_READERS];
        int k = emoc__onnx_consumers(m->g, y, rd, MAX_READERS), adds = 0;
        for (int i = 0; i < k && i < MAX_READERS; i++) adds += is_op(rd[i], "Add");
        if (!adds) break; /* the final norm: no residual reads y */
        char layer[64];
        snprintf(layer, sizeof layer, "%s.transformer.%d", prefix, f->depth);
        y = match_attention(m, y, d, layer);
        y = y ? match_mlp(m, y, d, layer) : NULL;
        if (!y) return NULL;
    }
    snprintf(p, sizeof p, "%s.norm", prefix);
    y = take_groupnorm(m, y, d, p);
    if (!y) return NULL;
    /* fold */
    const emoc_onnx_node *f1 = take(m, y, "Reshape", NULL, "fold");
    if (!f1 || expect_tail(m, f1, 4, (int64_t[4]){2, 2, H / 2, W / 2}, "fold")) return NULL;
    const emoc_onnx_node *ft = take(m, f1->outputs[0], "Transpose", NULL, "fold");
    if (!ft || expect_perm(m, ft, (int64_t[6]){0, 1, 4, 2, 5, 3}, "fold")) return NULL;
    const emoc_onnx_node *f2 = take(m, ft->outputs[0], "Reshape", NULL, "fold");
    if (!f2 || expect_tail(m, f2, 2, (int64_t[2]){H, W}, "fold")) return NULL;
    snprintf(p, sizeof p, "%s.conv_proj", prefix);
    y = take_conv_store(m, f2->outputs[0], "MobileViTv2 conv_proj", p, &proj);
    if (!y) return NULL;
    if (proj.k != 1 || proj.group != 1 || proj.cin_g != d || proj.cout != C || !proj.b) {
        failf(m, "node %d '%s' (Conv): expected the 1x1 projection %d → %d with bias",
              proj.n->index, proj.n->name, d, C);
        return NULL;
    }
    return y;
}

/* ---- the mobilevitv2_150 table (docs/mobilevit.md) ------------------------------------------ */

typedef struct expect_block {
    const char *prefix;
    int is_vit, cin, mid, cout, stride, skip, d, depth;
} expect_block;

static const int STEM = 48;
static const expect_block TABLE[] = {
    {"stages.0.0", 0, 48, 96, 96, 1, 0, 0, 0},
    {"stages.1.0", 0, 96, 192, 192, 2, 0, 0, 0},
    {"stages.1.1", 0, 192, 384, 192, 1, 1, 0, 0},
    {"stages.2.0", 0, 192, 384, 384, 2, 0, 0, 0},
    {"stages.2.1", 1, 384, 0, 384, 1, 0, 192, 2},
    {"stages.3.0", 0, 384, 768, 576, 2, 0, 0, 0},
    {"stages.3.1", 1, 576, 0, 576, 1, 0, 288, 4},
    {"stages.4.0", 0, 576, 1152, 768, 2, 0, 0, 0},
    {"stages.4.1", 1, 768, 0, 768, 1, 0, 384, 3},
};
#define N_BLOCKS ((int)(sizeof TABLE / sizeof TABLE[0]))

static int compare_block(matcher *m, int i, const found *f)
{
    const expect_block *e = &TABLE[i];
    if (f->is_vit == e->is_vit && f->cin == e->cin && f->cout == e->cout &&
        (e->is_vit ? f->d == e->d && f->depth == e->depth
                   : f->mid == e->mid && f->stride == e->stride && f->skip == e->skip))
        return 0;
    if (e->is_vit)
        return failf(m, "block %s starting at node %d: found %s C %d d %d with %d layers; "
                     "mobilevitv2_150 has a MobileViTv2 block C %d d %d with %d layers there",
                     e->prefix, f->node, f->is_vit ? "a MobileViTv2 block" : "a bottleneck",
                     f->cin, f->d, f->depth, e->cin, e->d, e->depth);
    return failf(m, "block %s starting at node %d: found %s %d→%d→%d s%d%s; mobilevitv2_150 has "
                 "a bottleneck %d→%d→%d s%d%s there", e->prefix, f->node,
                 f->is_vit ? "a MobileViTv2 block" : "a bottleneck", f->cin, f->mid, f->cout,
                 f->stride, f->skip ? " +skip" : "", e->cin, e->mid, e->cout, e->stride,
                 e->skip ? " +skip" : "");
}

static int starts_vit(matcher *m, const char *x, int C)
{
    const emoc_onnx_node *r[MAX_READERS];
    int n = emoc__onnx_consumers(m->g, x, r, MAX_READERS);
    for (int i = 0; i < n && i < MAX_READERS; i++) {
        if (is_op(r[i], "Resize")) return 1;
        if (is_op(r[i], "Conv") && emoc__onnx_attr_int(r[i], "group", 1) == C && C > 1) return 1;
    }
    return 0;
}


static int match_head(matcher *m, const char *x, int C)
{
    const emoc_onnx_node *gap = take(m, x, "GlobalAveragePool", NULL, "global average pool");
    if (!gap) return -1;
    const char *e = gap->outputs[0];
    if (reads_op(m, e, "Flatten")) e = take(m, e, "Flatten", NULL, "flatten")->outputs[0];
    else if (reads_op(m, e, "Reshape")) e = take(m, e, "Reshape", NULL, "flatten")->outputs[0];
    const emoc_onnx_node *n = take(m, e, "Gemm", NULL, "head.fc");
    if (!n) return -1;
    const emoc_onnx_tensor *w = n->n_inputs >= 2 ? emoc__onnx_const(m->g, n->inputs[1]) : NULL;
    const emoc_onnx_tensor *b = n->n_inputs >= 3 && *n->inputs[2]
                                    ? emoc__onnx_const(m->g, n->inputs[2]) : NULL;
    int tb = (int)emoc__onnx_attr_int(n, "transB", 0);
    if (strcmp(n->inputs[0], e) || emoc__onnx_attr_int(n, "transA", 0) != 0 || !w || w->rank != 2 ||
        w->dims[tb ? 1 : 0] != C)
        return failf(m, "node %d '%s' (Gemm): expected the embedding times a constant weight "
                     "with %d inputs", n->index, n->name, C);
    int ns = (int)w->dims[tb ? 0 : 1];
    if (ns < 1 || (n->n_inputs >= 3 && *n->inputs[2] && (!b || b->count != (uint64_t)ns)))
        return failf(m, "node %d '%s' (Gemm): bias is not a constant of %d values", n->index,
                     n->name, ns);
    m->n_scores = ns;
    int64_t wd[2] = {ns, C}, bd = ns;
    return add_pending(m, "head.fc.weight", w, 2, wd, !tb, emoc__onnx_attr_float(n, "alpha", 1)) ||
           add_pending(m, "head.fc.bias", b, 1, &bd, 0, emoc__onnx_attr_float(n, "beta", 1));
}

/* Every node reading an activation must have been taken. */
static int check_all_taken(matcher *m, const char *input)
{
    const emoc_onnx_graph *g = m->g;
    unsigned char *data = calloc((size_t)g->n_nodes + 1, 1);
    if (!data) return failf(m, "out of memory");
    int rc = 0;
    for (int i = 0; i < g->n_nodes && !rc; i++) {
        const emoc_onnx_node *n = &g->nodes[i];
        if (is_op(n, "Shape")) continue;
        int reads = 0;
        for (int j = 0; j < n->n_inputs && !reads; j++) {
            if (!strcmp(n->inputs[j], input)) reads = 1;
            const emoc_onnx_node *p = *n->inputs[j] ? emoc__onnx_producer(g, n->inputs[j]) : NULL;
            if (p && data[p->index]) reads = 1;
        }
        if (!reads) continue;
        data[i] = 1;
        if (!m->used[i])
            rc = failf(m, "node %d '%s' (%s) reads an activation but is not part of "
                       "mobilevitv2_150", n->index, n->name, n->op_type);
    }
    free(data);
    return rc;
}

static int match_graph(matcher *m, const char *input)
{
    conv stem;
    const char *x = take_conv_store(m, input, "stem conv", "stem.conv", &stem);
    if (!x) return -1;
    if (stem.k != 3 || stem.stride != 2 || stem.group != 1 || stem.cin_g != 3 || !stem.b ||
        stem.cout != STEM)
        return failf(m, "node %d '%s' (Conv): expected the 3x3 stride-2 stem 3 → %d with bias",
                     stem.n->index, stem.n->name, STEM);
    x = take_silu(m, x, "stem SiLU");
    int C = STEM;
    for (int i = 0; x && !reads_op(m, x, "GlobalAveragePool"); i++) {
        if (i >= N_BLOCKS)
            return failf(m, "more than the %d blocks of mobilevitv2_150 before the head",
                         N_BLOCKS);
        found f;
        memset(&f, 0, sizeof f);
        x = starts_vit(m, x, C) ? match_vit(m, x, C, TABLE[i].prefix, &f)
                                : match_bottleneck(m, x, C, TABLE[i].prefix, &f);
        if (!x || compare_block(m, i, &f)) return -1;
        C = f.cout;
        if (i == N_BLOCKS - 1 && !reads_op(m, x, "GlobalAveragePool"))
            return failf(m, "expected the head (GlobalAveragePool) after the last block");
    }
    if (!x) return -1;
    if (C != TABLE[N_BLOCKS - 1].cout)
        return failf(m, "the head follows a %d-channel tensor; mobilevitv2_150 ends at %d", C,
                     TABLE[N_BLOCKS - 1].cout);
    if (match_head(m, x, C)) return -1;
    return check_all_taken(m, input);
}

/* ---- output -------------------------------------------------------------------------------- */

static const char *const LABELS8[8] = {"Anger", "Contempt", "Disgust", "Fear",
                                       "Happiness", "Neutral", "Sadness", "Surprise"};
static const char *const LABELS7[7] = {"Anger", "Disgust", "Fear", "Happiness",
                                       "Neutral", "Sadness", "Surprise"};
static const char *const KNOWN[] = {"mobilevit_va_mtl", NULL};

static emoc_status write_meta(matcher *m, int size, const emoc_convert_opts *opts, emw_writer *w)
{
    int n = m->n_scores, n_classes = n == 10 ? 8 : n;
    char nbuf[128], generic[64];
    const char *name = emoc__convert_known_name(opts ? opts->source_name : NULL, KNOWN, nbuf,
                                                sizeof nbuf);
    if (name && n != 10) name = NULL; /* the published file has 8 logits + V + A */
    if (!name) {
        snprintf(generic, sizeof generic, "mobilevitv2_150_%d%s", n_classes, n == 10 ? "_va" : "");
        name = generic;
    }
    static const double mean[3] = {0.485, 0.456, 0.406}, stdv[3] = {0.229, 0.224, 0.225};
    emoc_status st = emw_writer_meta_str(w, "emoc.arch", "mobilevit");
    if (!st) st = emw_writer_meta_str(w, "emoc.variant", "v2_150");
    if (!st) st = emw_writer_meta_str(w, "emoc.name", name);
    if (!st) st = emw_writer_meta_i64(w, "input.size", size);
    if (!st) st = emw_writer_meta_i64(w, "input.channels", 3);
    if (!st) st = emw_writer_meta_str(w, "input.color", "RGB");
    if (!st) st = emw_writer_meta_f64_array(w, "input.mean", mean, 3);
    if (!st) st = emw_writer_meta_f64_array(w, "input.std", stdv, 3);
    if (!st) st = emw_writer_meta_str(w, "input.resize", "cv2_linear");
    if (!st) st = emw_writer_meta_f64(w, "mobilevit.groupnorm_eps", m->gn_eps);
    if (!st) st = emw_writer_meta_i64(w, "output.n_scores", n);
    if (!st) st = emw_writer_meta_i64(w, "output.n_classes", n_classes);
    if (!st && n_classes <= 8)
        st = emw_writer_meta_str_array(w, "output.labels", n_classes == 7 ? LABELS7 : LABELS8,
                                       (size_t)n_classes);
    if (!st) st = emw_writer_meta_i64(w, "output.valence_index", n == 10 ? 8 : -1);
    if (!st) st = emw_writer_meta_i64(w, "output.arousal_index", n == 10 ? 9 : -1);
    if (!st) st = emw_writer_meta_i64(w, "output.embedding_size", TABLE[N_BLOCKS - 1].cout);
    if (st) {
        m->st = st;
        snprintf(m->err->msg, sizeof m->err->msg, "mobilevit: writing metadata: %s",
                 emw_writer_error(w));
    }
    return st;
}

static emoc_status write_tensors(matcher *m, const emoc_convert_opts *opts, emw_writer *w)
{
    return m->st = emoc__onnx_pending_write(m->t, m->nt, opts, w, "mobilevit", m->err);
}

emoc_status emoc__onnx_match_mobilevit(const emoc_onnx_graph *g, const emoc_convert_opts *opts,
                                       emw_writer *w, int *progress, emoc_error *err)
{
    matcher m;
    memset(&m, 0, sizeof m);
    m.g = g;
    m.err = err;
    *progress = 0;
    const emoc_onnx_value_info *in = NULL;
    for (int i = 0; i < g->n_inputs && !in; i++)
        if (!emoc__onnx_initializer(g, g->inputs[i].name)) in = &g->inputs[i];
    if (!in) {
        failf(&m, "the graph has no data input");
        return m.st;
    }
    if (in->rank != 4 || (in->dims[1] != 3 && in->dims[1] != -1) || in->dims[2] < 32 ||
        in->dims[2] > 1024 || in->dims[3] != in->dims[2]) {
        failf(&m, "input '%s' must be N×3×S×S with a static S in [32, 1024] (the export bakes "
              "the patch counts in)", in->name);
        return m.st;
    }
    m.h = m.w = (int)in->dims[2];
    m.used = calloc((size_t)g->n_nodes + 1, 1);
    m.t = calloc(MAX_TENSORS, sizeof *m.t);
    int ok = 0;
    if (!m.used || !m.t) failf(&m, "out of memory");
    else ok = match_graph(&m, in->name) == 0;
    *progress = m.n_used;
    if (ok && write_meta(&m, (int)in->dims[2], opts, w) == EMOC_OK) write_tensors(&m, opts, w);
    free(m.used);
    free(m.t);
    return ok ? m.st : (m.st ? m.st : EMOC_E_INTERNAL);
}
