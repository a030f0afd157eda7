/*
 * convert_onnx_mbf.c — recognises EmotiEffLib's mbf_va_mtl.onnx (insightface MobileFaceNet,
 * blocks 1,4,6,2, width 128, + fc 512→10; spec §2.3) and writes the same EMW tensors as the
 * state_dict converter (weights/convert_pth_mbf.c), so nets/mobilefacenet.c reads either.
 *
 * Compute nodes are taken in graph order; Identity/Constant and the flatten subgraph's
 * Shape/Gather/Unsqueeze/Concat are bookkeeping. Expected sequence (BN already folded into
 * every Conv by the exporter, so each Conv has a bias):
 *   Conv 3×3/s2 PRelu · Conv 3×3 group 64 PRelu
 *   15 × DepthWise: Conv 1×1 PRelu · Conv dw 3×3 PRelu · Conv 1×1 [· Add(block input)]
 *   Conv 1×1 PRelu (conv_sep) · Conv dw 7×7 pad 0 · Reshape/Flatten
 *   MatMul(x, W)            W is [in,out] (x·W): the EMW linear weight [out][in] is Wᵀ — taken
 *                           from the graph (operand order), never guessed from the square shape
 *   BatchNormalization      on [N,512], folded with the MatMul into one linear (eps from the node)
 *   Gemm(alpha 1, beta 1)   fc 512→10; transB 1: weight [10,512]; transB 0: [512,10] (transposed)
 * PRelu slopes [C,1,1] are stored as [C]. Nothing is written before the whole graph matched.
 */
#include "engine/base/error.h"
#include "nets/mobilefacenet.h"
#include "weights/convert.h"
#include "weights/pth.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PENDING 160

typedef struct pending {
    char name[96];
    const emoc_onnx_tensor *t;
    int rank;
    int64_t dims[4];
} pending;

typedef struct mm {
    const emoc_onnx_graph *g;
    const emoc_onnx_node **seq;
    int n, pos;
    emoc_error *err;
    emoc_status st;
    pending p[MAX_PENDING];
    int np;
} mm;

static __attribute__((format(printf, 2, 3))) int fail(mm *m, const char *fmt, ...)
{
    if (m->st) return -1;
    m->st = EMOC_E_UNSUPPORTED;
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err_prefixed(m->err, "mobilefacenet: ", fmt, ap);
    va_end(ap);
    return -1;
}

static int bookkeeping(const char *op)
{
    static const char *const ops[] = {"Identity", "Constant", "Shape", "Gather", "Unsqueeze",
                                      "Concat", "Cast", "Squeeze"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(op, ops[i])) return 1;
    return 0;
}

/* Next compute node: must be `op` reading `x` as its first input. */
static const emoc_onnx_node *take(mm *m, const char *op, const char *x, const char *what)
{
    if (m->st) return NULL;
    if (m->pos >= m->n) {
        fail(m, "graph ends after %d compute nodes; expected %s (%s)", m->n, op, what);
        return NULL;
    }
    const emoc_onnx_node *n = m->seq[m->pos];
    if (strcmp(n->op_type, op) || *n->domain) {
        fail(m, "node %d '%s' (%s) does not match: expected %s (%s)", n->index, n->name,
             n->op_type, op, what);
        return NULL;
    }
    if (x && (n->n_inputs < 1 || strcmp(n->inputs[0], x))) {
        fail(m, "node %d '%s' (%s): expected it to read '%s' (%s), reads '%s'", n->index, n->name,
             op, x, what, n->n_inputs ? n->inputs[0] : "");
        return NULL;
    }
    m->pos++;
    return n;
}

static void put(mm *m, const char *name, const emoc_onnx_tensor *t, int rank, const int64_t *dims)
{
    if (m->st) return;
    if (m->np == MAX_PENDING) {
        fail(m, "more than %d tensors", MAX_PENDING);
        return;
    }
    pending *p = &m->p[m->np++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->t = t;
    p->rank = rank;
    memcpy(p->dims, dims, (size_t)rank * sizeof *dims);
}

static int ints_are(const emoc_onnx_attr *a, int64_t v, size_t n)
{
    if (!a) return v == (n == 4 ? 0 : 1); /* absent pads = 0, absent strides/dilations = 1 */
    if (a->n_ints != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (a->ints[i] != v) return 0;
    return 1;
}

/* Conv reading x with weight [cout, cin_g, k, k], given group/stride/pad, and a bias. Stores
 * P.weight / P.bias. Returns its output. */
static const char *conv(mm *m, const char *x, const char *p, int cout, int cin_g, int k,
                        int group, int stride, int pad)
{
    const emoc_onnx_node *n = take(m, "Conv", x, p);
    if (!n) return NULL;
    const emoc_onnx_tensor *w = n->n_inputs >= 2 ? emoc__onnx_const(m->g, n->inputs[1]) : NULL;
    const emoc_onnx_tensor *b = n->n_inputs >= 3 && *n->inputs[2] ? emoc__onnx_const(m->g, n->inputs[2]) : NULL;
    if (!w || w->rank != 4 || w->dims[0] != cout || w->dims[1] != cin_g || w->dims[2] != k ||
        w->dims[3] != k || !b || b->count != (uint64_t)cout) {
        fail(m, "node %d '%s' (Conv, %s): expected a constant weight %dx%dx%dx%d and bias of %d "
             "(BN folded)", n->index, n->name, p, cout, cin_g, k, k, cout);
        return NULL;
    }
    if (emoc__onnx_attr_int(n, "group", 1) != group ||
        !ints_are(emoc__onnx_attr_find(n, "strides"), stride, 2) ||
        !ints_are(emoc__onnx_attr_find(n, "pads"), pad, 4) ||
        !ints_are(emoc__onnx_attr_find(n, "dilations"), 1, 2)) {
        fail(m, "node %d '%s' (Conv, %s): expected group %d, stride %d, pads %d, no dilation",
             n->index, n->name, p, group, stride, pad);
        return NULL;
    }
    char name[96];
    snprintf(name, sizeof name, "%s.weight", p);
    put(m, name, w, 4, w->dims);
    snprintf(name, sizeof name, "%s.bias", p);
    int64_t d = cout;
    put(m, name, b, 1, &d);
    return n->outputs[0];
}

/* PRelu with slope [C,1,1] (or [C]); stored as [C]. */
static const char *prelu(mm *m, const char *x, const char *name, int c)
{
    const emoc_onnx_node *n = take(m, "PRelu", x, name);
    if (!n) return NULL;
    const emoc_onnx_tensor *s = n->n_inputs >= 2 ? emoc__onnx_const(m->g, n->inputs[1]) : NULL;
    if (!s || s->count != (uint64_t)c) {
        fail(m, "node %d '%s' (PRelu): slope is not a constant of %d values", n->index, n->name, c);
        return NULL;
    }
    int64_t d = c;
    put(m, name, s, 1, &d);
    return n->outputs[0];
}

/* ConvBlock (conv + PReLU) or LinearBlock (conv) named P; P.layers.0 conv, P.layers.2 PReLU. */
static const char *block(mm *m, const char *x, const char *p, int cout, int cin_g, int k,
                         int group, int stride, int pad, int act)
{
    char c[72], s[80];
    snprintf(c, sizeof c, "%s.layers.0", p);
    const char *y = conv(m, x, c, cout, cin_g, k, group, stride, pad);
    if (!y || !act) return y;
    snprintf(s, sizeof s, "%s.layers.2.weight", p);
    return prelu(m, y, s, cout);
}

static const char *depth_wise(mm *m, const char *x, const char *p, int cin, int G, int cout,
                              int stride, int residual)
{
    char q[64];
    snprintf(q, sizeof q, "%s.layers.0", p);
    const char *y = block(m, x, q, G, cin, 1, 1, 1, 0, 1);
    snprintf(q, sizeof q, "%s.layers.1", p);
    y = y ? block(m, y, q, G, 1, 3, G, stride, 1, 1) : NULL;
    snprintf(q, sizeof q, "%s.layers.2", p);
    y = y ? block(m, y, q, cout, G, 1, 1, 1, 0, 0) : NULL;
    if (!y || !residual) return y;
    const emoc_onnx_node *a = take(m, "Add", NULL, "residual");
    if (!a) return NULL;
    if (a->n_inputs != 2 || !((!strcmp(a->inputs[0], x) && !strcmp(a->inputs[1], y)) ||
                              (!strcmp(a->inputs[1], x) && !strcmp(a->inputs[0], y)))) {
        fail(m, "node %d '%s' (Add): expected the residual '%s' + '%s' of %s", a->index, a->name,
             x, y, p);
        return NULL;
    }
    return a->outputs[0];
}

/* Reshape(x, shape from the Shape/Gather/Unsqueeze/Concat subgraph) or Flatten(x). */
static const char *flatten(mm *m, const char *x)
{
    if (m->pos < m->n && !strcmp(m->seq[m->pos]->op_type, "Flatten")) {
        const emoc_onnx_node *f = take(m, "Flatten", x, "GDC flatten");
        if (f && emoc__onnx_attr_int(f, "axis", 1) != 1) {
            fail(m, "node %d '%s' (Flatten): axis must be 1", f->index, f->name);
            return NULL;
        }
        return f ? f->outputs[0] : NULL;
    }
    const emoc_onnx_node *r = take(m, "Reshape", x, "GDC flatten (x.view(N, -1))");
    return r ? r->outputs[0] : NULL;
}

/* Folds MatMul(x, W) and BatchNormalization into one linear [512][512] + bias. */
static int fold_linear(mm *m, const emoc_onnx_tensor *W, const emoc_onnx_node *bn, float *w,
                       float *b)
{
    const emoc_onnx_tensor *t[4];
    float *v[4] = {NULL, NULL, NULL, NULL};
    int ok = bn->n_inputs == 5;
    for (int i = 0; ok && i < 4; i++) {
        t[i] = emoc__onnx_const(m->g, bn->inputs[i + 1]);
        ok = t[i] && t[i]->count == 512 && (v[i] = malloc(512 * sizeof(float))) &&
             emoc__onnx_tensor_f32(t[i], v[i], m->err) == EMOC_OK;
    }
    float *wt = ok ? malloc(512 * 512 * sizeof(float)) : NULL;
    ok = ok && wt && emoc__onnx_tensor_f32(W, wt, m->err) == EMOC_OK;
    double eps = emoc__onnx_attr_float(bn, "epsilon", 1e-5f);
    if (ok) {
        for (int o = 0; o < 512; o++) {
            if (!(v[3][o] >= 0)) {
                ok = 0;
                break;
            }
            double s = (double)v[0][o] / sqrt((double)v[3][o] + eps);
            for (int i = 0; i < 512; i++) w[o * 512 + i] = (float)((double)wt[i * 512 + o] * s);
            b[o] = (float)((double)v[1][o] - (double)v[2][o] * s);
        }
    }
    for (int i = 0; i < 4; i++) free(v[i]);
    free(wt);
    return ok ? 0 : fail(m, "node %d '%s' (BatchNormalization): scale/bias/mean/var must be "
                         "constants of 512 values with var ≥ 0", bn->index, bn->name);
}

static int match(mm *m, const char **in_name, const emoc_onnx_tensor **mat_w,
                 const emoc_onnx_node **bn, const emoc_onnx_node **gemm, int *progress)
{
    if (m->g->n_inputs < 1) return fail(m, "graph has no input");
    const char *x = m->g->inputs[0].name;
    *in_name = x;
    x = block(m, x, "features.layers.0", 128, 3, 3, 1, 2, 1, 1);
    x = x ? block(m, x, "features.layers.1", 128, 2, 3, 64, 1, 1, 1) : NULL;
    const emoc__mbf_stage *S = emoc__mbf_stages; /* the net's own description */
    char p[48];
    for (int s = 0; s < EMOC__MBF_STAGES && x; s++) {
        snprintf(p, sizeof p, "features.layers.%d", S[s].index);
        x = depth_wise(m, x, p, S[s].cin, S[s].groups, S[s].cout, 2, 0);
        for (int j = 0; j < S[s].blocks && x; j++) {
            snprintf(p, sizeof p, "features.layers.%d.layers.%d", S[s].index + 1, j);
            x = depth_wise(m, x, p, S[s].cout, S[s].cout, S[s].cout, 1, 1);
        }
    }
    x = x ? block(m, x, "features.conv_sep", 512, 256, 1, 1, 1, 0, 1) : NULL;
    x = x ? block(m, x, "features.features.layers.0", 512, 1, 7, 512, 1, 0, 0) : NULL;
    x = x ? flatten(m, x) : NULL;
    const emoc_onnx_node *mmul = x ? take(m, "MatMul", x, "bias-free Linear 512→512") : NULL;
    *progress = m->pos;
    if (!mmul) return -1;
    /* MatMul(x, W): x·W, so W is [in, out]; the activation must be the left operand. */
    if (mmul->n_inputs != 2 || strcmp(mmul->inputs[0], x) ||
        !(*mat_w = emoc__onnx_const(m->g, mmul->inputs[1])) || (*mat_w)->rank != 2 ||
        (*mat_w)->dims[0] != 512 || (*mat_w)->dims[1] != 512)
        return fail(m, "node %d '%s' (MatMul): expected x·W with a constant W of 512x512",
                    mmul->index, mmul->name);
    *bn = take(m, "BatchNormalization", mmul->outputs[0], "BatchNorm1d(512)");
    *gemm = *bn ? take(m, "Gemm", (*bn)->outputs[0], "fc") : NULL;
    *progress = m->pos;
    if (!*gemm) return -1;
    if (m->pos != m->n)
        return fail(m, "node %d '%s' (%s) follows the final Gemm", m->seq[m->pos]->index,
                    m->seq[m->pos]->name, m->seq[m->pos]->op_type);
    const emoc_onnx_node *g = *gemm;
    if (emoc__onnx_attr_float(g, "alpha", 1) != 1 || emoc__onnx_attr_float(g, "beta", 1) != 1 ||
        emoc__onnx_attr_int(g, "transA", 0) != 0 || g->n_inputs != 3)
        return fail(m, "node %d '%s' (Gemm): expected alpha = beta = 1, transA = 0, a bias",
                    g->index, g->name);
    return 0;
}

emoc_status emoc__onnx_match_mobilefacenet(const emoc_onnx_graph *g, const emoc_convert_opts *opts,
                                           emw_writer *w, int *progress, emoc_error *err)
{
    mm *m = calloc(1, sizeof *m);
    const emoc_onnx_node **seq = calloc((size_t)g->n_nodes + 1, sizeof *seq);
    float *lw = malloc(512 * 512 * sizeof(float)), *lb = malloc(512 * sizeof(float));
    float *fw = NULL, *fb = NULL;
    emoc_status st = EMOC_E_NOMEM;
    *progress = 0;
    if (!m || !seq || !lw || !lb) goto done;
    m->g = g;
    m->err = err;
    m->seq = seq;
    for (int i = 0; i < g->n_nodes; i++)
        if (!bookkeeping(g->nodes[i].op_type)) seq[m->n++] = &g->nodes[i];
    const char *in;
    const emoc_onnx_tensor *W = NULL;
    const emoc_onnx_node *bn = NULL, *gemm = NULL;
    if (match(m, &in, &W, &bn, &gemm, progress) || fold_linear(m, W, bn, lw, lb)) {
        st = m->st;
        goto done;
    }
    /* fc: [N][512] (transB = 1) or [512][N] */
    const emoc_onnx_tensor *gw = emoc__onnx_const(g, gemm->inputs[1]);
    const emoc_onnx_tensor *gb = emoc__onnx_const(g, gemm->inputs[2]);
    int transB = (int)emoc__onnx_attr_int(gemm, "transB", 0);
    int64_t N = gw && gw->rank == 2 ? gw->dims[transB ? 0 : 1] : -1;
    if (!gw || gw->rank != 2 || gw->dims[transB ? 1 : 0] != 512 || N != 10 || !gb ||
        gb->count != (uint64_t)N) {
        fail(m, "node %d '%s' (Gemm): expected a constant fc weight 512→10 and bias of 10",
             gemm->index, gemm->name);
        st = m->st;
        goto done;
    }
    fw = malloc((size_t)N * 512 * sizeof(float));
    float *raw = malloc((size_t)N * 512 * sizeof(float));
    fb = malloc((size_t)N * sizeof(float));
    if (!fw || !raw || !fb) {
        free(raw);
        goto done;
    }
    st = emoc__onnx_tensor_f32(gw, raw, err);
    if (!st) st = emoc__onnx_tensor_f32(gb, fb, err);
    for (int64_t o = 0; !st && o < N; o++)
        for (int i = 0; i < 512; i++)
            fw[o * 512 + i] = transB ? raw[o * 512 + i] : raw[(size_t)i * (size_t)N + (size_t)o];
    free(raw);
    if (st) goto done;
    /* Everything matched: write metadata and tensors. */
    static const double half[3] = {0.5, 0.5, 0.5};
    char name[128] = "";
    const char *src = opts && opts->source_name ? opts->source_name : "";
    const char *base = strrchr(src, '/');
    base = base ? base + 1 : src;
    snprintf(name, sizeof name, "%.*s", (int)strcspn(base, "."), base);
    emoc__pthc meta = {.w = w, .err = err, .opts = opts};
    emoc__pthc_meta(&meta, "mobilefacenet", "mbf", name[0] ? name : "mbf_va_mtl", half, half,
                    10, 8);
    st = meta.st;
    float *buf = NULL;
    for (int i = 0; !st && i < m->np; i++) {
        pending *p = &m->p[i];
        float *nb = realloc(buf, (size_t)p->t->count * sizeof(float));
        if (!nb) {
            st = EMOC_E_NOMEM;
            break;
        }
        buf = nb;
        st = emoc__onnx_tensor_f32(p->t, buf, err);
        if (!st) st = emoc__convert_add_tensor(w, opts, p->name, p->rank, p->dims, buf, err);
    }
    free(buf);
    int64_t d2[2] = {512, 512}, d1 = 512, f2[2] = {N, 512};
    if (!st) st = emoc__convert_add_tensor(w, opts, "features.features.layers.2.weight", 2, d2, lw, err);
    if (!st) st = emoc__convert_add_tensor(w, opts, "features.features.layers.2.bias", 1, &d1, lb, err);
    if (!st) st = emoc__convert_add_tensor(w, opts, "fc.weight", 2, f2, fw, err);
    if (!st) st = emoc__convert_add_tensor(w, opts, "fc.bias", 1, &N, fb, err);
done:
    if (st == EMOC_E_NOMEM && err && !err->msg[0])
        snprintf(err->msg, sizeof err->msg, "mobilefacenet: out of memory");
    free(lw);
    free(lb);
    free(fw);
    free(fb);
    free(seq);
    free(m);
    return st;
}
