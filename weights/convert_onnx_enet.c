/*
 * convert_onnx_enet.c — recognises the EmotiEffLib EfficientNet-B0/B2 ONNX exports (timm
 * tf_efficientnet_b0_ns / b2_ns, docs/models.md §1, §6) and writes them as EMW.
 *
 * The matcher follows the data path from the graph input: only nodes that consume an
 * activation take part ("compute nodes"); the Shape/Gather/Sub/Div/... subgraphs that compute
 * TF-SAME pad amounts, Constants and Identities are bookkeeping and never matched. Compute
 * nodes are then consumed in topological order against the net's own op sequence:
 *
 *   stem   [Pad] Conv(3×3 s2) SiLU                    SiLU = Sigmoid(x), Mul(x, sigmoid)
 *   DS     [Pad] Conv(dw) SiLU SE Conv(1×1) [Add]      SE = ReduceMean(2,3) Conv SiLU Conv
 *   IR     Conv(1×1) SiLU [Pad] Conv(dw) SiLU SE Conv(1×1) [Add]        Sigmoid Mul(x, gate)
 *   head   Conv(1×1) SiLU GlobalAveragePool Flatten Gemm
 *
 * A Pad in front of a stride-2 conv is recorded as TF-SAME (the engine recomputes the amounts,
 * so the shape subgraph is never evaluated). The block list found is then compared with the
 * net's own description (nets/efficientnet.h: the B0 and B2 stage tables that the graph builder
 * also reads); the first mismatch is reported with its node.
 * Tensors are named like timm's modules: conv_stem, blocks.S.B.{conv_pw,conv_dw,se.conv_reduce,
 * se.conv_expand,conv_pwl}, conv_head, classifier (.weight/.bias; BN already folded in).
 */
#include "engine/base/error.h"
#include "nets/efficientnet.h"
#include "weights/convert.h"
#include "weights/onnx_pending.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TENSORS 256
#define MAX_BLOCKS EMOC__ENET_MAX_BLOCKS

typedef emoc__onnx_pending pending;

typedef struct block {
    int ds;                     /* depthwise-separable (stage 0) vs inverted residual */
    int k, stride, cin, mid, rd, cout, skip;
    int first_node;             /* index into seq, for errors */
} block;

typedef struct matcher {
    const emoc_onnx_graph *g;
    const emoc_onnx_node **seq; /* compute nodes in graph order */
    int n, pos;
    emoc_error *err;
    emoc_status st;
    pending *t;
    int nt;
    block blocks[MAX_BLOCKS];
    int nb;
    int stem_cout, head_cout, n_scores, embedding;
    int h, w;                   /* spatial size of the current activation, -1 when symbolic */
} matcher;

static __attribute__((format(printf, 3, 4))) int failf(matcher *m, emoc_status st,
                                                        const char *fmt, ...)
{
    if (m->st != EMOC_OK) return -1;
    m->st = st;
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err_prefixed(m->err, "efficientnet: ", fmt, ap);
    va_end(ap);
    return -1;
}

/* "node 57 'Conv_57' (Conv)" or "end of graph". */
static const char *where(matcher *m, int pos, char *buf, size_t n)
{
    if (pos >= m->n) {
        snprintf(buf, n, "the end of the graph (after %d compute nodes)", m->n);
    } else {
        const emoc_onnx_node *nd = m->seq[pos];
        snprintf(buf, n, "node %d '%s' (%s)", nd->index, nd->name, nd->op_type);
    }
    return buf;
}

static const emoc_onnx_node *peek(matcher *m)
{
    return m->pos < m->n ? m->seq[m->pos] : NULL;
}

static int is_op(const emoc_onnx_node *n, const char *op)
{
    return n && !strcmp(n->op_type, op) && !*n->domain;
}

/* Takes the next compute node, which must be `op`; `what` says which part of the net. */
static const emoc_onnx_node *take(matcher *m, const char *op, const char *what)
{
    const emoc_onnx_node *n = peek(m);
    if (!is_op(n, op)) {
        char w[160];
        failf(m, EMOC_E_UNSUPPORTED, "%s does not match: expected %s (%s)%s",
              where(m, m->pos, w, sizeof w), op, what,
              n && *n->domain ? " in the default ONNX domain" : "");
        return NULL;
    }
    m->pos++;
    return n;
}

static int has_input(const emoc_onnx_node *n, const char *v)
{
    for (int i = 0; i < n->n_inputs; i++)
        if (!strcmp(n->inputs[i], v)) return 1;
    return 0;
}

static int need_input0(matcher *m, const emoc_onnx_node *n, const char *x, const char *what)
{
    if (n->n_inputs >= 1 && !strcmp(n->inputs[0], x)) return 0;
    return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (%s): expected it to read '%s' (%s), "
                 "reads '%s'", n->index, n->name, n->op_type, x, what,
                 n->n_inputs ? n->inputs[0] : "");
}

static int add_pending(matcher *m, const char *name, const emoc_onnx_tensor *t, int rank,
                       const int64_t *dims, int transpose, float scale)
{
    if (m->nt >= MAX_TENSORS) return failf(m, EMOC_E_LIMIT, "more than %d tensors", MAX_TENSORS);
    emoc__onnx_pending_set(&m->t[m->nt++], name, t, rank, dims, transpose, scale);
    return 0;
}

/* ---- SiLU, convolutions, SE ------------------------------------------------------------- */

/* Sigmoid(x) → s; Mul(x, s) in either operand order. Returns the Mul output. */
static const char *match_silu(matcher *m, const char *x, const char *what)
{
    const emoc_onnx_node *s = take(m, "Sigmoid", what);
    if (!s || need_input0(m, s, x, what)) return NULL;
    const emoc_onnx_node *mul = take(m, "Mul", what);
    if (!mul) return NULL;
    if (mul->n_inputs != 2 || !has_input(mul, x) || !has_input(mul, s->outputs[0])) {
        failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Mul): expected x·sigmoid(x) of '%s' (%s)",
              mul->index, mul->name, x, what);
        return NULL;
    }
    return mul->outputs[0];
}

typedef struct conv {
    const emoc_onnx_node *n;
    const emoc_onnx_tensor *w, *b;
    int cout, cin_g, k, stride, group, tf_same;
} conv;

static int ints_all(const emoc_onnx_attr *a, int64_t v)
{
    if (!a) return 1;
    for (size_t i = 0; i < a->n_ints; i++)
        if (a->ints[i] != v) return 0;
    return 1;
}

/* Constant Pad amounts (older exports, or exports at a fixed size) must be the TF-SAME ones at
 * the traced size, since the engine recomputes TF-SAME itself; amounts computed by a Shape
 * subgraph (timm's Conv2dSame) are not constants and are accepted as they are. */
static int check_constant_pads(matcher *m, const emoc_onnx_node *pad, int k)
{
    int64_t p[8];
    const emoc_onnx_attr *a = emoc__onnx_attr_find(pad, "pads");
    if (a && a->n_ints == 8) {
        memcpy(p, a->ints, sizeof p);
    } else {
        const emoc_onnx_tensor *t = pad->n_inputs >= 2 ? emoc__onnx_const(m->g, pad->inputs[1]) : NULL;
        if (!t || t->count != 8 || emoc__onnx_tensor_i64(t, p, NULL) != EMOC_OK) return 0;
    }
    if (m->h <= 0 || m->w <= 0) return 0;
    int th = ((m->h + 1) / 2 - 1) * 2 + k - m->h, tw = ((m->w + 1) / 2 - 1) * 2 + k - m->w;
    if (th < 0) th = 0;
    if (tw < 0) tw = 0;
    /* ONNX order: begins of N,C,H,W then ends of N,C,H,W. */
    if (p[0] || p[1] || p[4] || p[5] || p[2] != th / 2 || p[3] != tw / 2 || p[6] != th - th / 2 ||
        p[7] != tw - tw / 2)
        return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Pad): constant pads top %lld left %lld "
                     "bottom %lld right %lld at %dx%d are not TF-SAME (expected %d %d %d %d)",
                     pad->index, pad->name, (long long)p[2], (long long)p[3], (long long)p[6],
                     (long long)p[7], m->h, m->w, th / 2, tw / 2, th - th / 2, tw - tw / 2);
    return 0;
}

/* [Pad] Conv reading x. Stride 2 needs TF-SAME (a zero Pad in front with pads 0 on the conv,
 * or auto_pad SAME_UPPER); stride 1 needs symmetric pads k/2. */
static int match_conv(matcher *m, const char *x, const char *what, conv *c)
{
    memset(c, 0, sizeof *c);
    const emoc_onnx_node *pad = NULL;
    if (is_op(peek(m), "Pad")) {
        pad = take(m, "Pad", what);
        if (need_input0(m, pad, x, what)) return -1;
        const emoc_onnx_attr *mode = emoc__onnx_attr_find(pad, "mode");
        if (mode && mode->s && strcmp(mode->s, "constant"))
            return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Pad): mode '%s', expected "
                         "'constant' (TF-SAME zero padding)", pad->index, pad->name, mode->s);
        if (pad->n_inputs >= 3 && *pad->inputs[2]) {
            const emoc_onnx_tensor *cv = emoc__onnx_const(m->g, pad->inputs[2]);
            float v = 1;
            if (!cv || cv->count != 1 || emoc__onnx_tensor_f32(cv, &v, NULL) != EMOC_OK || v != 0)
                return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Pad): pad value is not a "
                             "constant 0", pad->index, pad->name);
        }
        if (emoc__onnx_attr_float(pad, "value", 0) != 0)
            return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Pad): pad value is not 0",
                         pad->index, pad->name);
        x = pad->outputs[0];
    }
    const emoc_onnx_node *n = take(m, "Conv", what);
    if (!n || need_input0(m, n, x, what)) return -1;
    c->n = n;
    if (n->n_inputs < 2 || !(c->w = emoc__onnx_const(m->g, n->inputs[1])) || c->w->rank != 4)
        return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): weight '%s' is not a constant "
                     "rank-4 tensor (missing initializer?)", n->index, n->name,
                     n->n_inputs >= 2 ? n->inputs[1] : "");
    if (n->n_inputs >= 3 && *n->inputs[2]) {
        c->b = emoc__onnx_const(m->g, n->inputs[2]);
        if (!c->b || c->b->count != (uint64_t)c->w->dims[0])
            return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): bias '%s' is not a constant "
                         "of %lld values (missing initializer?)", n->index, n->name, n->inputs[2],
                         (long long)c->w->dims[0]);
    }
    c->cout = (int)c->w->dims[0];
    c->cin_g = (int)c->w->dims[1];
    c->k = (int)c->w->dims[2];
    c->group = (int)emoc__onnx_attr_int(n, "group", 1);
    const emoc_onnx_attr *st = emoc__onnx_attr_find(n, "strides");
    const emoc_onnx_attr *pads = emoc__onnx_attr_find(n, "pads");
    const emoc_onnx_attr *ap = emoc__onnx_attr_find(n, "auto_pad");
    c->stride = st && st->n_ints == 2 ? (int)st->ints[0] : 1;
    if (c->w->dims[3] != c->k || (st && (st->n_ints != 2 || st->ints[1] != c->stride)) ||
        !ints_all(emoc__onnx_attr_find(n, "dilations"), 1) || c->k > 7 || c->k < 1 ||
        (c->stride != 1 && c->stride != 2))
        return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): expected a square kernel up to "
                     "7, stride 1 or 2, no dilation; found %lldx%lld stride %d", n->index, n->name,
                     (long long)c->w->dims[2], (long long)c->w->dims[3], c->stride);
    int same_upper = ap && ap->s && !strcmp(ap->s, "SAME_UPPER");
    if (ap && ap->s && strcmp(ap->s, "NOTSET") && !same_upper)
        return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): auto_pad '%s' not supported",
                     n->index, n->name, ap->s);
    if (c->stride == 2) {
        if ((!pad && !same_upper) || !ints_all(pads, 0))
            return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): a stride-2 conv must pad "
                         "TF-SAME (expected a Pad node in front and pads 0)", n->index, n->name);
        c->tf_same = 1;
        if (pad && check_constant_pads(m, pad, c->k)) return -1;
        if (m->h > 0) m->h = (m->h + 1) / 2;
        if (m->w > 0) m->w = (m->w + 1) / 2;
    } else {
        if (pad || (c->k > 1 && !same_upper && (!pads || pads->n_ints != 4 || !ints_all(pads, c->k / 2))) ||
            (c->k == 1 && !ints_all(pads, 0)))
            return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): a stride-1 %dx%d conv must "
                         "pad symmetrically by %d", n->index, n->name, c->k, c->k, c->k / 2);
    }
    return 0;
}

static int store_conv(matcher *m, const char *prefix, const conv *c)
{
    char name[48];
    snprintf(name, sizeof name, "%s.weight", prefix);
    if (add_pending(m, name, c->w, 4, c->w->dims, 0, 1)) return -1;
    snprintf(name, sizeof name, "%s.bias", prefix);
    int64_t d = c->cout;
    return add_pending(m, name, c->b, 1, &d, 0, 1);
}

static int check_axes(matcher *m, const emoc_onnx_node *n)
{
    const emoc_onnx_attr *a = emoc__onnx_attr_find(n, "axes");
    int64_t axes[2] = {0, 0};
    size_t na = 0;
    if (a) {
        na = a->n_ints;
        for (size_t i = 0; i < na && i < 2; i++) axes[i] = a->ints[i];
    } else if (n->n_inputs >= 2) { /* opset 18: axes as an input */
        const emoc_onnx_tensor *t = emoc__onnx_const(m->g, n->inputs[1]);
        if (t && t->count == 2 && emoc__onnx_tensor_i64(t, axes, NULL) == EMOC_OK) na = 2;
    }
    for (int i = 0; i < 2; i++)
        if (axes[i] < 0) axes[i] += 4;
    int ok = na == 2 && ((axes[0] == 2 && axes[1] == 3) || (axes[0] == 3 && axes[1] == 2)) &&
             emoc__onnx_attr_int(n, "keepdims", 1) == 1;
    return ok ? 0 : failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (ReduceMean): expected the mean "
                          "over axes 2,3 with keepdims (squeeze-excite)", n->index, n->name);
}

/* ReduceMean(x) Conv SiLU Conv Sigmoid Mul(x, gate). Returns the gated tensor, sets *rd. */
static const char *match_se(matcher *m, const char *x, int ch, const char *prefix, int *rd)
{
    char name[48];
    const emoc_onnx_node *r = take(m, "ReduceMean", "squeeze-excite mean");
    if (!r || need_input0(m, r, x, "squeeze-excite input") || check_axes(m, r)) return NULL;
    conv red, exp;
    if (match_conv(m, r->outputs[0], "squeeze-excite conv_reduce", &red)) return NULL;
    const char *a = match_silu(m, red.n->outputs[0], "squeeze-excite SiLU");
    if (!a || match_conv(m, a, "squeeze-excite conv_expand", &exp)) return NULL;
    if (red.k != 1 || exp.k != 1 || red.group != 1 || exp.group != 1 || red.cin_g != ch ||
        exp.cin_g != red.cout || exp.cout != ch || !red.b || !exp.b) {
        failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): squeeze-excite convs must be 1x1 with "
              "bias, %d → rd → %d; found %d → %d → %d", red.n->index, red.n->name, ch, ch,
              red.cin_g, red.cout, exp.cout);
        return NULL;
    }
    const emoc_onnx_node *sg = take(m, "Sigmoid", "squeeze-excite gate");
    if (!sg || need_input0(m, sg, exp.n->outputs[0], "squeeze-excite gate")) return NULL;
    const emoc_onnx_node *mul = take(m, "Mul", "squeeze-excite x·gate");
    if (!mul) return NULL;
    if (mul->n_inputs != 2 || !has_input(mul, x) || !has_input(mul, sg->outputs[0])) {
        failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Mul): expected the block tensor times the "
              "squeeze-excite gate", mul->index, mul->name);
        return NULL;
    }
    snprintf(name, sizeof name, "%s.se.conv_reduce", prefix);
    if (store_conv(m, name, &red)) return NULL;
    snprintf(name, sizeof name, "%s.se.conv_expand", prefix);
    if (store_conv(m, name, &exp)) return NULL;
    *rd = red.cout;
    return mul->outputs[0];
}

/* ---- blocks and head ------------------------------------------------------------------------ */

/* Returns the block output, or NULL; sets *is_head when the 1×1 conv turned out to be the head
 * (its SiLU is followed by GlobalAveragePool), leaving its conv in *head. */
static const char *match_block(matcher *m, const char *x, int cin, int stage, int idx, block *b,
                               int *is_head, conv *head, const char **head_out)
{
    char prefix[32], name[48];
    snprintf(prefix, sizeof prefix, "blocks.%d.%d", stage, idx);
    memset(b, 0, sizeof *b);
    b->first_node = m->pos;
    b->cin = cin;
    const emoc_onnx_node *n = peek(m);
    conv pw, dw, pwl;
    const char *y = x;
    if (is_op(n, "Conv") && emoc__onnx_attr_int(n, "group", 1) == 1) {
        /* IR expansion, or the head */
        if (match_conv(m, x, "1x1 expansion conv or head conv", &pw)) return NULL;
        if (pw.k != 1 || pw.cin_g != cin) {
            failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): expected a 1x1 conv over %d "
                  "channels, found %dx%d over %d", pw.n->index, pw.n->name, cin, pw.k, pw.k,
                  pw.cin_g);
            return NULL;
        }
        y = match_silu(m, pw.n->outputs[0], "SiLU after the 1x1 conv");
        if (!y) return NULL;
        if (is_op(peek(m), "GlobalAveragePool")) {
            *is_head = 1;
            *head = pw;
            *head_out = y;
            return y;
        }
        b->mid = pw.cout;
        snprintf(name, sizeof name, "%s.conv_pw", prefix);
        if (store_conv(m, name, &pw)) return NULL;
    } else {
        b->ds = 1;
        b->mid = cin;
    }
    if (match_conv(m, y, "depthwise conv", &dw)) return NULL;
    if (dw.group != b->mid || dw.cout != b->mid || dw.cin_g != 1) {
        failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): expected a depthwise conv over %d "
              "channels (group %d), found group %d, %d → %d", dw.n->index, dw.n->name, b->mid,
              b->mid, dw.group, dw.cin_g * dw.group, dw.cout);
        return NULL;
    }
    b->k = dw.k;
    b->stride = dw.stride;
    snprintf(name, sizeof name, "%s.conv_dw", prefix);
    if (store_conv(m, name, &dw)) return NULL;
    y = match_silu(m, dw.n->outputs[0], "SiLU after the depthwise conv");
    if (!y) return NULL;
    y = match_se(m, y, b->mid, prefix, &b->rd);
    if (!y || match_conv(m, y, "1x1 projection conv", &pwl)) return NULL;
    if (pwl.k != 1 || pwl.group != 1 || pwl.cin_g != b->mid) {
        failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): expected a 1x1 projection over %d "
              "channels", pwl.n->index, pwl.n->name, b->mid);
        return NULL;
    }
    b->cout = pwl.cout;
    snprintf(name, sizeof name, b->ds ? "%s.conv_pw" : "%s.conv_pwl", prefix);
    if (store_conv(m, name, &pwl)) return NULL;
    y = pwl.n->outputs[0];
    const emoc_onnx_node *add = peek(m);
    if (is_op(add, "Add") && add->n_inputs == 2 && has_input(add, y) && has_input(add, x)) {
        m->pos++;
        b->skip = 1;
        y = add->outputs[0];
    }
    return y;
}

static int match_gemm(matcher *m, const char *x, int d)
{
    const emoc_onnx_node *n = take(m, "Gemm", "final linear");
    if (!n || need_input0(m, n, x, "flattened embedding")) return -1;
    const emoc_onnx_tensor *w = n->n_inputs >= 2 ? emoc__onnx_const(m->g, n->inputs[1]) : NULL;
    const emoc_onnx_tensor *b = n->n_inputs >= 3 && *n->inputs[2]
                                    ? emoc__onnx_const(m->g, n->inputs[2]) : NULL;
    int trans_b = (int)emoc__onnx_attr_int(n, "transB", 0);
    if (emoc__onnx_attr_int(n, "transA", 0) != 0)
        return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Gemm): transA must be 0", n->index,
                     n->name);
    if (!w || w->rank != 2 || w->dims[trans_b ? 1 : 0] != d)
        return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Gemm): expected a constant weight "
                     "with %d inputs (%s) (missing initializer?)", n->index, n->name, d,
                     trans_b ? "[N][D], transB=1" : "[D][N], transB=0");
    int ns = (int)w->dims[trans_b ? 0 : 1];
    if (n->n_inputs >= 3 && *n->inputs[2] && (!b || b->count != (uint64_t)ns))
        return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Gemm): bias is not a constant of %d "
                     "values (missing initializer?)", n->index, n->name, ns);
    m->n_scores = ns;
    int64_t wd[2] = {ns, d}, bd = ns;
    if (add_pending(m, "classifier.weight", w, 2, wd, !trans_b,
                    emoc__onnx_attr_float(n, "alpha", 1.0f)) ||
        add_pending(m, "classifier.bias", b, 1, &bd, 0, emoc__onnx_attr_float(n, "beta", 1.0f)))
        return -1;
    if (m->pos < m->n) {
        char wb[160];
        return failf(m, EMOC_E_UNSUPPORTED, "%s follows the final Gemm; expected the end of the "
                     "graph (raw logits)", where(m, m->pos, wb, sizeof wb));
    }
    return 0;
}

static int match_graph(matcher *m, const char *input)
{
    conv stem, head;
    if (match_conv(m, input, "stem conv", &stem)) return -1;
    if (stem.k != 3 || stem.stride != 2 || stem.group != 1 || stem.cin_g != 3)
        return failf(m, EMOC_E_UNSUPPORTED, "node %d '%s' (Conv): expected the 3x3 stride-2 stem "
                     "over 3 channels", stem.n->index, stem.n->name);
    m->stem_cout = stem.cout;
    if (store_conv(m, "conv_stem", &stem)) return -1;
    const char *x = match_silu(m, stem.n->outputs[0], "stem SiLU");
    if (!x) return -1;
    int cin = stem.cout, stage = 0, idx = 0, is_head = 0;
    const char *head_out = NULL;
    while (!is_head) {
        if (m->nb >= MAX_BLOCKS)
            return failf(m, EMOC_E_UNSUPPORTED, "more than %d blocks", MAX_BLOCKS);
        block b;
        /* Stage boundaries: a new stage starts at a stride-2 block or a width change (known
         * only after matching, so blocks are renamed below once the stage is known). */
        int save_nt = m->nt;
        const char *y = match_block(m, x, cin, stage, idx, &b, &is_head, &head, &head_out);
        if (!y) return -1;
        if (is_head) break;
        int new_stage = m->nb > 0 && (b.stride == 2 || b.cout != m->blocks[m->nb - 1].cout ||
                                      (b.ds != m->blocks[m->nb - 1].ds));
        if (new_stage) {
            stage++;
            idx = 0;
            for (int i = save_nt; i < m->nt; i++) { /* "blocks.S.I." → new stage/index */
                const char *rest = strchr(m->t[i].name + 7, '.');
                rest = rest ? strchr(rest + 1, '.') : NULL;
                char nn[48];
                snprintf(nn, sizeof nn, "blocks.%d.%d%s", stage, idx, rest ? rest : "");
                memcpy(m->t[i].name, nn, sizeof nn);
            }
        }
        m->blocks[m->nb++] = b;
        idx++;
        cin = b.cout;
        x = y;
    }
    m->head_cout = head.cout;
    if (store_conv(m, "conv_head", &head)) return -1;
    const emoc_onnx_node *gap = take(m, "GlobalAveragePool", "global average pool");
    if (!gap || need_input0(m, gap, head_out, "head output")) return -1;
    const emoc_onnx_node *fl = peek(m);
    const char *e = gap->outputs[0];
    if (is_op(fl, "Flatten") || is_op(fl, "Reshape") || is_op(fl, "Squeeze")) {
        m->pos++;
        if (need_input0(m, fl, e, "pooled features")) return -1;
        e = fl->outputs[0];
    }
    m->embedding = head.cout;
    return match_gemm(m, e, head.cout);
}

/* ---- the net's own description (nets/efficientnet.c) --------------------------------------- */

typedef emoc__enet_variant variant;

static int expected_blocks(const variant *v, block *out)
{
    emoc__enet_block d[EMOC__ENET_MAX_BLOCKS];
    int n = emoc__enet_blocks(v, d);
    for (int i = 0; i < n; i++) {
        block *b = &out[i];
        memset(b, 0, sizeof *b);
        b->ds = d[i].expand == 1;
        b->k = d[i].k;
        b->stride = d[i].stride;
        b->cin = d[i].cin;
        b->mid = d[i].mid;
        b->rd = d[i].rd;
        b->cout = d[i].cout;
        b->skip = d[i].skip;
    }
    return n;
}

/* The variant whose table has as many blocks as the graph. */
static const variant *variant_by_blocks(int nb)
{
    block exp[MAX_BLOCKS];
    for (int i = 0; i < emoc__enet_n_variants; i++)
        if (expected_blocks(&emoc__enet_variants[i], exp) == nb) return &emoc__enet_variants[i];
    return NULL;
}

static const variant *classify(matcher *m)
{
    block exp[MAX_BLOCKS];
    const variant *v = variant_by_blocks(m->nb);
    if (!v) {
        block none[MAX_BLOCKS];
        failf(m, EMOC_E_UNSUPPORTED, "found %d blocks before the head; EfficientNet-B0 has %d and "
              "B2 has %d", m->nb, expected_blocks(emoc__enet_variant_find("b0"), none),
              expected_blocks(emoc__enet_variant_find("b2"), none));
        return NULL;
    }
    expected_blocks(v, exp);
    if (m->stem_cout != EMOC__ENET_STEM) {
        failf(m, EMOC_E_UNSUPPORTED, "stem has %d output channels, expected %d", m->stem_cout,
              EMOC__ENET_STEM);
        return NULL;
    }
    for (int i = 0; i < m->nb; i++) {
        const block *a = &m->blocks[i], *e = &exp[i];
        if (memcmp(a, e, offsetof(block, first_node))) {
            char w[160];
            m->pos = a->first_node;
            failf(m, EMOC_E_UNSUPPORTED, "block %d starting at %s is %s k%d s%d %d→%d→%d se%d%s; "
                  "EfficientNet-%s expects %s k%d s%d %d→%d→%d se%d%s there", i,
                  where(m, a->first_node, w, sizeof w), a->ds ? "DS" : "IR", a->k, a->stride,
                  a->cin, a->mid, a->cout, a->rd, a->skip ? " +skip" : "", v->name,
                  e->ds ? "DS" : "IR", e->k, e->stride, e->cin, e->mid, e->cout, e->rd,
                  e->skip ? " +skip" : "");
            return NULL;
        }
    }
    if (m->head_cout != v->head) {
        failf(m, EMOC_E_UNSUPPORTED, "head conv has %d output channels; EfficientNet-%s expects %d",
              m->head_cout, v->name, v->head);
        return NULL;
    }
    return v;
}

/* ---- output ------------------------------------------------------------------------------- */

static const char *const LABELS8[8] = {"Anger", "Contempt", "Disgust", "Fear",
                                       "Happiness", "Neutral", "Sadness", "Surprise"};
static const char *const LABELS7[7] = {"Anger", "Disgust", "Fear", "Happiness",
                                       "Neutral", "Sadness", "Surprise"};
static const char *const KNOWN[] = {"enet_b0_8_best_afew", "enet_b0_8_best_vgaf",
                                    "enet_b0_8_va_mtl", "enet_b2_7", "enet_b2_8", NULL};

static emoc_status write_meta(matcher *m, const variant *v, const emoc_convert_opts *opts,
                              emw_writer *w)
{
    int n = m->n_scores;
    int n_classes = n == 10 ? 8 : n;
    char nbuf[128], generic[64];
    const char *name = emoc__convert_known_name(opts ? opts->source_name : NULL, KNOWN, nbuf,
                                                sizeof nbuf);
    /* A known file name is used only when it agrees with what the graph is. */
    if (name && (strncmp(name + 5, v->name, 2) || atoi(name + 8) != n_classes ||
                 (strstr(name, "mtl") != NULL) != (n == 10)))
        name = NULL;
    if (!name) {
        snprintf(generic, sizeof generic, "efficientnet_%s_%d%s", v->name, n_classes,
                 n == 10 ? "_va" : "");
        name = generic;
    }
    static const double mean[3] = {0.485, 0.456, 0.406}, stdv[3] = {0.229, 0.224, 0.225};
    emoc_status st = emw_writer_meta_str(w, "emoc.arch", "efficientnet");
    if (!st) st = emw_writer_meta_str(w, "emoc.variant", v->name);
    if (!st) st = emw_writer_meta_str(w, "emoc.name", name);
    if (!st) st = emw_writer_meta_i64(w, "input.size", v->size);
    if (!st) st = emw_writer_meta_i64(w, "input.channels", 3);
    if (!st) st = emw_writer_meta_str(w, "input.color", "RGB");
    if (!st) st = emw_writer_meta_f64_array(w, "input.mean", mean, 3);
    if (!st) st = emw_writer_meta_f64_array(w, "input.std", stdv, 3);
    if (!st) st = emw_writer_meta_str(w, "input.resize", "cv2_linear");
    if (!st) st = emw_writer_meta_i64(w, "output.n_scores", n);
    if (!st) st = emw_writer_meta_i64(w, "output.n_classes", n_classes);
    if (!st) st = emw_writer_meta_str_array(w, "output.labels", n_classes == 7 ? LABELS7 : LABELS8,
                                           (size_t)n_classes);
    if (!st) st = emw_writer_meta_i64(w, "output.valence_index", n == 10 ? 8 : -1);
    if (!st) st = emw_writer_meta_i64(w, "output.arousal_index", n == 10 ? 9 : -1);
    if (!st) st = emw_writer_meta_i64(w, "output.embedding_size", m->embedding);
    if (st) failf(m, st, "writing metadata: %s", emw_writer_error(w));
    return st;
}

static emoc_status write_tensors(matcher *m, const emoc_convert_opts *opts, emw_writer *w)
{
    return m->st = emoc__onnx_pending_write(m->t, m->nt, opts, w, "efficientnet", m->err);
}

/* Compute nodes: those reading an activation (something derived from the graph's data input
 * by compute nodes). Shape ends the data path: what follows it is pad arithmetic. */
static int collect_compute_nodes(matcher *m, const char *input)
{
    const emoc_onnx_graph *g = m->g;
    m->seq = calloc((size_t)g->n_nodes + 1, sizeof *m->seq);
    if (!m->seq) return failf(m, EMOC_E_NOMEM, "out of memory");
    for (int i = 0; i < g->n_nodes; i++) {
        const emoc_onnx_node *n = &g->nodes[i];
        if (is_op(n, "Shape") || is_op(n, "Constant") || is_op(n, "Identity")) continue;
        int reads = 0;
        for (int j = 0; j < n->n_inputs && !reads; j++) {
            const char *v = n->inputs[j];
            if (!*v) continue;
            if (!strcmp(v, input)) reads = 1;
            for (int k = 0; k < m->n && !reads; k++)
                for (int o = 0; o < m->seq[k]->n_outputs; o++)
                    if (!strcmp(m->seq[k]->outputs[o], v)) {
                        reads = 1;
                        break;
                    }
        }
        if (reads) m->seq[m->n++] = n;
    }
    return 0;
}

emoc_status emoc__onnx_match_efficientnet(const emoc_onnx_graph *g, const emoc_convert_opts *opts,
                                          emw_writer *w, int *progress, emoc_error *err)
{
    matcher m;
    memset(&m, 0, sizeof m);
    m.g = g;
    m.err = err;
    *progress = 0;
    /* The data input: the graph input that is not an initializer. */
    const char *input = NULL;
    for (int i = 0; i < g->n_inputs && !input; i++)
        if (!emoc__onnx_initializer(g, g->inputs[i].name)) input = g->inputs[i].name;
    if (!input) {
        failf(&m, EMOC_E_UNSUPPORTED, "the graph has no data input");
        return m.st;
    }
    const emoc_onnx_value_info *in = NULL;
    for (int i = 0; i < g->n_inputs; i++)
        if (!strcmp(g->inputs[i].name, input)) in = &g->inputs[i];
    if (in->rank != -1 && (in->rank != 4 || (in->dims[1] != 3 && in->dims[1] != -1))) {
        failf(&m, EMOC_E_UNSUPPORTED, "input '%s' must be N×3×H×W", input);
        return m.st;
    }
    m.h = in->rank == 4 ? (int)in->dims[2] : -1;
    m.w = in->rank == 4 ? (int)in->dims[3] : -1;
    m.t = calloc(MAX_TENSORS, sizeof *m.t);
    const variant *v = NULL;
    if (!m.t) failf(&m, EMOC_E_NOMEM, "out of memory");
    else if (collect_compute_nodes(&m, input) == 0 && match_graph(&m, input) == 0)
        v = classify(&m);
    *progress = m.pos;
    if (v && write_meta(&m, v, opts, w) == EMOC_OK) write_tensors(&m, opts, w);
    free(m.seq);
    free(m.t);
    return v ? m.st : (m.st ? m.st : EMOC_E_INTERNAL);
}
