/*
 * convert_tflite.c — MediaPipe BlazeFace .tflite → EMW (layer records of nets/blazeface.h).
 *
 * The op list of subgraph 0 is walked in order (the reader has checked that it is a valid
 * dataflow order). Constants are folded at conversion: DEQUANTIZE (fp16 → fp32, exact) and
 * DENSIFY (CSR sparse → dense). Every other op becomes a layer record after its shapes are
 * checked against what TFLite declares for its output tensor:
 *   CONV_2D / DEPTHWISE_CONV_2D (fused NONE/RELU, dilation 1, SAME → explicit TF pads),
 *   ADD (same shapes; a RELU reading only it is fused), RELU, PAD (zero; spatial pads feeding
 *   only a VALID convolution are folded into it), MAX_POOL_2D 2×2/2 without padding,
 *   RESIZE_BILINEAR (align_corners false), DEPTH_TO_SPACE, RESHAPE (to [1, N, k]: a view, only
 *   read by CONCATENATION or the graph outputs), CONCATENATION on the anchor axis.
 * Anything else is refused naming the op and its index. The graph outputs must be the
 * regressors [1, N, 16] and classificators [1, N, 1].
 */
#include "engine/core/error.h"
#include "nets/blazeface.h"
#include "weights/convert.h"
#include "weights/sha256.h"
#include "weights/tflite.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tval {
    int kind;                   /* 0 none, 1 float constant, 2 int constant, 3 activation */
    float *f;                   /* constant data (owned) */
    int64_t *i;
    int val;                    /* activation: emoc value id */
    int h, w, c;                /* activation shape (NHWC; a [1,N,k] view is h = 1, w = N, c = k) */
    int view;                   /* a RESHAPE output: only concat / outputs may read it */
    int pad_src;                /* pending spatial PAD: source tensor, -1 if none */
    int pads[4];                /* t, l, b, r */
    int producer;               /* record index that produced it (-1: input / none) */
} tval;

typedef struct conv_ctx {
    const emoc_tfl_model *m;
    tval *t;
    int *consumers;             /* per tensor: op inputs + graph outputs reading it */
    int64_t rec[EMOC_BLAZE_MAX_LAYERS][EMOC_BLAZE_FIELDS];
    int n_rec;
    struct wt { char name[32]; int rank; int64_t dims[4]; float *data; } *wts;
    int n_wts;
    emoc_error *err;
    int op;                     /* op being converted, for messages */
} conv_ctx;

static __attribute__((format(printf, 3, 4))) emoc_status cfail(conv_ctx *c, emoc_status st,
                                                                const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err) {
        const emoc_tfl_op *o = c->op >= 0 ? &c->m->ops[c->op] : NULL;
        snprintf(c->err->msg, sizeof c->err->msg, "convert tflite: operator %d (%s) at byte %zu: %s",
                 c->op, o ? emoc_tfl_op_name(o->code) : "-", o ? o->offset : 0, msg);
    }
    return st;
}

static int64_t *new_rec(conv_ctx *c, int kind, int a, int b)
{
    if (c->n_rec >= EMOC_BLAZE_MAX_LAYERS) return NULL;
    int64_t *r = c->rec[c->n_rec++];
    memset(r, 0, sizeof(int64_t) * EMOC_BLAZE_FIELDS);
    r[EMOC_BLAZE_F_KIND] = kind;
    r[EMOC_BLAZE_F_A] = a;
    r[EMOC_BLAZE_F_B] = b;
    return r;
}

/* Activation tensor `ti` as a value id, emitting a pending PAD first. */
static int value_of(conv_ctx *c, int ti, int allow_view)
{
    tval *v = &c->t[ti];
    if (v->kind != 3) return -1;
    if (v->view && !allow_view) return -2;
    if (v->pad_src >= 0) {
        int src = value_of(c, v->pad_src, 0);
        int64_t *r = new_rec(c, EMOC_BLAZE_PAD, src, 0);
        if (!r || src < 0) return -1;
        r[EMOC_BLAZE_F_PT] = v->pads[0];
        r[EMOC_BLAZE_F_PL] = v->pads[1];
        r[EMOC_BLAZE_F_PB] = v->pads[2];
        r[EMOC_BLAZE_F_PR] = v->pads[3];
        v->pad_src = -1;
        v->val = c->n_rec;
        v->producer = c->n_rec - 1;
    }
    return v->val;
}

/* Declares tensor `ti` as the output of the last record with shape h×w×ch, checked against
 * the TFLite shape. */
static emoc_status produce(conv_ctx *c, int ti, int h, int w, int ch)
{
    const emoc_tfl_tensor *x = &c->m->tensors[ti];
    int ok = x->rank == 4 ? x->shape[0] == 1 && x->shape[1] == h && x->shape[2] == w &&
                                x->shape[3] == ch
                          : 0;
    if (!ok)
        return cfail(c, EMOC_E_SHAPE, "output '%s' is declared with another shape than the %dx%dx%d "
                     "this op computes", x->name, h, w, ch);
    tval *v = &c->t[ti];
    v->kind = 3;
    v->val = c->n_rec;
    v->h = h;
    v->w = w;
    v->c = ch;
    v->pad_src = -1;
    v->producer = c->n_rec - 1;
    return EMOC_OK;
}

static emoc_status add_weight(conv_ctx *c, const char *suffix, int rank, const int64_t *dims,
                              float *data)
{
    c->wts = realloc(c->wts, sizeof *c->wts * (size_t)(c->n_wts + 1));
    if (!c->wts) return cfail(c, EMOC_E_NOMEM, "out of memory");
    struct wt *w = &c->wts[c->n_wts++];
    snprintf(w->name, sizeof w->name, "layer%d.%s", c->n_rec - 1, suffix);
    w->rank = rank;
    memcpy(w->dims, dims, sizeof(int64_t) * (size_t)rank);
    w->data = data;
    return EMOC_OK;
}

static const tval *float_const(conv_ctx *c, int ti, const char *what)
{
    if (ti < 0 || c->t[ti].kind != 1) {
        cfail(c, EMOC_E_UNSUPPORTED, "%s (tensor %d) is not a float constant", what, ti);
        return NULL;
    }
    return &c->t[ti];
}

static void same_pads(int in, int k, int s, int *lo, int *hi)
{
    int out = (in + s - 1) / s, total = (out - 1) * s + k - in;
    if (total < 0) total = 0;
    *lo = total / 2;
    *hi = total - total / 2;
}

static emoc_status conv_op(conv_ctx *c, const emoc_tfl_op *o, int depthwise)
{
    const emoc_tfl_options *p = &o->opt;
    if (o->n_in < 2 || o->n_out != 1)
        return cfail(c, EMOC_E_FORMAT, "expected input, filter, bias and one output");
    if (p->dilation_w != 1 || p->dilation_h != 1 || p->stride_w != p->stride_h ||
        p->stride_w < 1 || p->stride_w > 4 || (p->act != 0 && p->act != 1))
        return cfail(c, EMOC_E_UNSUPPORTED, "dilation %dx%d, stride %dx%d, activation %d: only "
                     "dilation 1, equal strides 1..4 and NONE/RELU are supported",
                     p->dilation_h, p->dilation_w, p->stride_h, p->stride_w, p->act);
    int xi = o->in[0];
    tval *x = xi >= 0 ? &c->t[xi] : NULL;
    if (!x || x->kind != 3 || x->view)
        return cfail(c, EMOC_E_UNSUPPORTED, "input is not an activation tensor");
    const emoc_tfl_tensor *wt = o->in[1] >= 0 ? &c->m->tensors[o->in[1]] : NULL;
    const tval *wv = float_const(c, o->in[1], "filter");
    if (!wv) return EMOC_E_UNSUPPORTED;
    if (wt->rank != 4) return cfail(c, EMOC_E_SHAPE, "filter has rank %d, expected 4", wt->rank);
    int O = wt->shape[0], kh = wt->shape[1], kw = wt->shape[2], I = wt->shape[3];
    int cin = x->pad_src >= 0 ? c->t[x->pad_src].c : x->c;
    if (depthwise ? (O != 1 || I != cin || (p->depth_multiplier != 1 && p->depth_multiplier != 0))
                  : I != cin)
        return cfail(c, EMOC_E_SHAPE, "filter [%d,%d,%d,%d] does not fit %d input channels%s", O,
                     kh, kw, I, cin, depthwise ? " (depth multiplier 1)" : "");
    int cout = depthwise ? I : O;
    const tval *bv = NULL;
    if (o->n_in > 2 && o->in[2] >= 0) {
        if (!(bv = float_const(c, o->in[2], "bias"))) return EMOC_E_UNSUPPORTED;
        if (c->m->tensors[o->in[2]].count != (uint64_t)cout)
            return cfail(c, EMOC_E_SHAPE, "bias has %llu values for %d channels",
                         (unsigned long long)c->m->tensors[o->in[2]].count, cout);
    }
    /* Padding: a pending spatial PAD read only by this VALID conv is folded into it. */
    int pads[4] = {0, 0, 0, 0}, src = xi;
    if (x->pad_src >= 0 && p->padding == EMOC_TFL_PAD_VALID && c->consumers[xi] == 1 &&
        x->pads[0] < kh && x->pads[2] < kh && x->pads[1] < kw && x->pads[3] < kw) {
        memcpy(pads, x->pads, sizeof pads);
        src = x->pad_src;
    } else if (p->padding == EMOC_TFL_PAD_SAME) {
        same_pads(x->h, kh, p->stride_h, &pads[0], &pads[2]);
        same_pads(x->w, kw, p->stride_w, &pads[1], &pads[3]);
    }
    int a = value_of(c, src, 0);
    if (a < 0) return cfail(c, EMOC_E_UNSUPPORTED, "input is not an activation tensor");
    const tval *s = &c->t[src];
    int oh = (s->h + pads[0] + pads[2] - kh) / p->stride_h + 1;
    int ow = (s->w + pads[1] + pads[3] - kw) / p->stride_w + 1;
    int64_t *r = new_rec(c, depthwise ? EMOC_BLAZE_DWCONV : EMOC_BLAZE_CONV, a, 0);
    if (!r) return cfail(c, EMOC_E_LIMIT, "more than %d layers", EMOC_BLAZE_MAX_LAYERS);
    r[EMOC_BLAZE_F_ACT] = p->act;
    r[EMOC_BLAZE_F_KH] = kh;
    r[EMOC_BLAZE_F_KW] = kw;
    r[EMOC_BLAZE_F_STRIDE] = p->stride_h;
    for (int i = 0; i < 4; i++) r[EMOC_BLAZE_F_PT + i] = pads[i];
    /* TFLite OHWI (depthwise 1HWC) → PyTorch [cout][cin/groups][kh][kw] */
    int cg = depthwise ? 1 : I;
    float *w = malloc(sizeof(float) * (size_t)cout * (size_t)cg * (size_t)kh * (size_t)kw);
    if (!w) return cfail(c, EMOC_E_NOMEM, "out of memory");
    for (int oc = 0; oc < cout; oc++)
        for (int ic = 0; ic < cg; ic++)
            for (int y = 0; y < kh; y++)
                for (int xx = 0; xx < kw; xx++)
                    w[(((size_t)oc * cg + ic) * kh + y) * kw + xx] =
                        depthwise ? wv->f[((size_t)y * kw + xx) * I + oc]
                                  : wv->f[(((size_t)oc * kh + y) * kw + xx) * I + ic];
    emoc_status st = add_weight(c, "weight", 4, (int64_t[4]){cout, cg, kh, kw}, w);
    if (st) return st;
    float *bias = calloc((size_t)cout, sizeof(float));
    if (!bias) return cfail(c, EMOC_E_NOMEM, "out of memory");
    if (bv) memcpy(bias, bv->f, sizeof(float) * (size_t)cout);
    if ((st = add_weight(c, "bias", 1, (int64_t[1]){cout}, bias))) return st;
    return produce(c, o->out[0], oh, ow, cout);
}

static emoc_status pad_op(conv_ctx *c, const emoc_tfl_op *o)
{
    if (o->n_in != 2 || o->n_out != 1 || o->in[1] < 0 || c->t[o->in[1]].kind != 2 ||
        c->m->tensors[o->in[1]].count != 8)
        return cfail(c, EMOC_E_UNSUPPORTED, "expected an input and a constant [4,2] paddings tensor");
    const int64_t *q = c->t[o->in[1]].i;
    tval *x = &c->t[o->in[0]];
    if (x->kind != 3 || x->view) return cfail(c, EMOC_E_UNSUPPORTED, "input is not an activation");
    for (int i = 0; i < 8; i++)
        if (q[i] < 0 || q[i] > 4096 || (i < 2 && q[i]) || ((i == 2 || i == 3 || i == 4 || i == 5) && q[i] > 64))
            return cfail(c, EMOC_E_UNSUPPORTED, "paddings [[%lld,%lld],[%lld,%lld],[%lld,%lld],"
                         "[%lld,%lld]]: batch padding must be 0, spatial 0..64, channels 0..4096",
                         (long long)q[0], (long long)q[1], (long long)q[2], (long long)q[3],
                         (long long)q[4], (long long)q[5], (long long)q[6], (long long)q[7]);
    int sx = x->pad_src >= 0 ? c->t[x->pad_src].h : x->h;
    (void)sx;
    int oh = x->h + (int)(q[2] + q[3]), ow = x->w + (int)(q[4] + q[5]), oc = x->c + (int)(q[6] + q[7]);
    int ti = o->out[0];
    if (!q[6] && !q[7] && x->pad_src < 0) { /* spatial only: pending, maybe folded into a conv */
        const emoc_tfl_tensor *y = &c->m->tensors[ti];
        if (y->rank != 4 || y->shape[1] != oh || y->shape[2] != ow || y->shape[3] != oc)
            return cfail(c, EMOC_E_SHAPE, "output '%s' shape disagrees with the paddings", y->name);
        tval *v = &c->t[ti];
        *v = *x;
        v->h = oh;
        v->w = ow;
        v->pad_src = o->in[0];
        v->pads[0] = (int)q[2];
        v->pads[1] = (int)q[4];
        v->pads[2] = (int)q[3];
        v->pads[3] = (int)q[5];
        return EMOC_OK;
    }
    int a = value_of(c, o->in[0], 0);
    int64_t *r = new_rec(c, EMOC_BLAZE_PAD, a, 0);
    if (!r || a < 0) return cfail(c, EMOC_E_LIMIT, "too many layers");
    r[EMOC_BLAZE_F_PT] = q[2];
    r[EMOC_BLAZE_F_PB] = q[3];
    r[EMOC_BLAZE_F_PL] = q[4];
    r[EMOC_BLAZE_F_PR] = q[5];
    r[EMOC_BLAZE_F_KH] = q[6];
    r[EMOC_BLAZE_F_EXTRA] = q[7];
    return produce(c, ti, oh, ow, oc);
}

/* A RELU (or an ADD/conv with fused RELU) — fuse into the producer when it is the only reader. */
static emoc_status relu_op(conv_ctx *c, const emoc_tfl_op *o)
{
    int xi = o->in[0];
    tval *x = &c->t[xi];
    if (x->kind != 3 || x->view || x->pad_src >= 0)
        return cfail(c, EMOC_E_UNSUPPORTED, "input is not an activation");
    int k = x->producer;
    if (k >= 0 && c->consumers[xi] == 1 && c->rec[k][EMOC_BLAZE_F_ACT] == 0 &&
        (c->rec[k][EMOC_BLAZE_F_KIND] == EMOC_BLAZE_CONV ||
         c->rec[k][EMOC_BLAZE_F_KIND] == EMOC_BLAZE_DWCONV ||
         c->rec[k][EMOC_BLAZE_F_KIND] == EMOC_BLAZE_ADD)) {
        c->rec[k][EMOC_BLAZE_F_ACT] = 1;
        c->t[o->out[0]] = *x;
        return EMOC_OK;
    }
    int64_t *r = new_rec(c, EMOC_BLAZE_RELU, x->val, 0);
    if (!r) return cfail(c, EMOC_E_LIMIT, "too many layers");
    return produce(c, o->out[0], x->h, x->w, x->c);
}

static emoc_status simple_op(conv_ctx *c, const emoc_tfl_op *o)
{
    if (o->n_out != 1 || o->n_in < 1) return cfail(c, EMOC_E_FORMAT, "expected one output");
    const emoc_tfl_options *p = &o->opt;
    tval *x = &c->t[o->in[0]];
    int ti = o->out[0];
    switch (o->code) {
    case EMOC_TFL_ADD: {
        if (o->n_in != 2 || (p->act != 0 && p->act != 1))
            return cfail(c, EMOC_E_UNSUPPORTED, "expected two inputs and NONE/RELU");
        int a = value_of(c, o->in[0], 0), b = value_of(c, o->in[1], 0);
        const tval *y = &c->t[o->in[1]];
        if (a < 0 || b < 0 || x->h != y->h || x->w != y->w || x->c != y->c)
            return cfail(c, EMOC_E_UNSUPPORTED, "inputs must be activations of the same shape "
                         "(no broadcasting)");
        int64_t *r = new_rec(c, EMOC_BLAZE_ADD, a, b);
        if (!r) return cfail(c, EMOC_E_LIMIT, "too many layers");
        r[EMOC_BLAZE_F_ACT] = p->act;
        return produce(c, ti, x->h, x->w, x->c);
    }
    case EMOC_TFL_MAX_POOL_2D: {
        int pt, pb, pl, pr;
        same_pads(x->h, 2, 2, &pt, &pb);
        same_pads(x->w, 2, 2, &pl, &pr);
        if (p->filter_w != 2 || p->filter_h != 2 || p->stride_w != 2 || p->stride_h != 2 ||
            p->act != 0 || (p->padding == EMOC_TFL_PAD_SAME && (pt | pb | pl | pr)))
            return cfail(c, EMOC_E_UNSUPPORTED, "window %dx%d stride %dx%d padding %d act %d: "
                         "only 2x2/2 without padding", p->filter_h, p->filter_w, p->stride_h,
                         p->stride_w, p->padding, p->act);
        int a = value_of(c, o->in[0], 0);
        if (a < 0 || !new_rec(c, EMOC_BLAZE_MAXPOOL, a, 0))
            return cfail(c, EMOC_E_UNSUPPORTED, "input is not an activation");
        return produce(c, ti, x->h / 2, x->w / 2, x->c);
    }
    case EMOC_TFL_RESIZE_BILINEAR: {
        if (o->n_in != 2 || o->in[1] < 0 || c->t[o->in[1]].kind != 2 ||
            c->m->tensors[o->in[1]].count != 2 || p->align_corners)
            return cfail(c, EMOC_E_UNSUPPORTED, "expected a constant size [2] and align_corners "
                         "false");
        const int64_t *sz = c->t[o->in[1]].i;
        int a = value_of(c, o->in[0], 0);
        if (a < 0 || sz[0] < 1 || sz[1] < 1 || sz[0] > 4096 || sz[1] > 4096)
            return cfail(c, EMOC_E_UNSUPPORTED, "bad input or size %lldx%lld", (long long)sz[0],
                         (long long)sz[1]);
        int64_t *r = new_rec(c, EMOC_BLAZE_RESIZE, a, 0);
        if (!r) return cfail(c, EMOC_E_LIMIT, "too many layers");
        r[EMOC_BLAZE_F_KH] = sz[0];
        r[EMOC_BLAZE_F_KW] = sz[1];
        r[EMOC_BLAZE_F_EXTRA] = p->half_pixel_centers ? 1 : 0;
        return produce(c, ti, (int)sz[0], (int)sz[1], x->c);
    }
    case EMOC_TFL_DEPTH_TO_SPACE: {
        int bs = p->block_size, a = value_of(c, o->in[0], 0);
        if (a < 0 || bs < 2 || bs > 16 || x->c % (bs * bs))
            return cfail(c, EMOC_E_UNSUPPORTED, "block size %d on %d channels", bs, x->c);
        int64_t *r = new_rec(c, EMOC_BLAZE_DEPTH2SPACE, a, 0);
        if (!r) return cfail(c, EMOC_E_LIMIT, "too many layers");
        r[EMOC_BLAZE_F_EXTRA] = bs;
        return produce(c, ti, x->h * bs, x->w * bs, x->c / (bs * bs));
    }
    case EMOC_TFL_RESHAPE: {
        const emoc_tfl_tensor *y = &c->m->tensors[ti];
        if (x->kind != 3 || x->pad_src >= 0 || y->rank != 3 || y->shape[0] != 1 ||
            (uint64_t)y->shape[1] * (uint64_t)y->shape[2] != (uint64_t)x->h * x->w * x->c)
            return cfail(c, EMOC_E_UNSUPPORTED, "only reshapes of an activation to [1, N, k] "
                         "(anchor rows) are supported");
        tval *v = &c->t[ti];
        *v = *x;
        v->h = 1;
        v->w = y->shape[1];
        v->c = y->shape[2];
        v->view = 1;
        return EMOC_OK;
    }
    case EMOC_TFL_CONCATENATION: {
        const emoc_tfl_tensor *y = &c->m->tensors[ti];
        if (o->n_in < 2 || p->act != 0 || y->rank != 3 || (p->axis != 1 && p->axis != -2))
            return cfail(c, EMOC_E_UNSUPPORTED, "only concatenation of [1, N, k] rows on axis 1");
        int acc = o->in[0];
        int k = c->t[acc].c, v = value_of(c, acc, 1);
        for (int i = 1; i < o->n_in; i++) {
            int bi = o->in[i], bv = value_of(c, bi, 1);
            if (v < 0 || bv < 0 || c->t[bi].c != k)
                return cfail(c, EMOC_E_UNSUPPORTED, "input %d is not anchor rows of width %d", i, k);
            int64_t *r = new_rec(c, EMOC_BLAZE_CONCAT, v, bv);
            if (!r) return cfail(c, EMOC_E_LIMIT, "too many layers");
            r[EMOC_BLAZE_F_EXTRA] = k;
            v = c->n_rec;
        }
        if ((uint64_t)y->shape[2] != (uint64_t)k || y->shape[0] != 1)
            return cfail(c, EMOC_E_SHAPE, "output '%s' is not [1, N, %d]", y->name, k);
        tval *t = &c->t[ti];
        memset(t, 0, sizeof *t);
        t->kind = 3;
        t->val = v;
        t->h = 1;
        t->w = y->shape[1];
        t->c = k;
        t->view = 1;
        t->pad_src = -1;
        t->producer = c->n_rec - 1;
        return EMOC_OK;
    }
    default:
        return cfail(c, EMOC_E_UNSUPPORTED, "op code %d (%s) is not supported by the BlazeFace "
                     "converter", o->code, emoc_tfl_op_name(o->code));
    }
}

/* Constant folding: DEQUANTIZE (fp16 → fp32) and DENSIFY (sparse → dense). */
static emoc_status fold_op(conv_ctx *c, const emoc_tfl_op *o)
{
    if (o->n_in != 1 || o->n_out != 1 || o->in[0] < 0)
        return cfail(c, EMOC_E_FORMAT, "expected one input and one output");
    const emoc_tfl_tensor *in = &c->m->tensors[o->in[0]];
    tval *src = &c->t[o->in[0]], *dst = &c->t[o->out[0]];
    if (src->kind == 1) { /* already folded (DENSIFY then DEQUANTIZE) */
        if (c->m->tensors[o->out[0]].count != in->count)
            return cfail(c, EMOC_E_SHAPE, "output size differs from the input");
        dst->kind = 1;
        dst->f = malloc(sizeof(float) * (size_t)(in->count ? in->count : 1));
        if (!dst->f) return cfail(c, EMOC_E_NOMEM, "out of memory");
        memcpy(dst->f, src->f, sizeof(float) * (size_t)in->count);
        return EMOC_OK;
    }
    if (!in->data || (o->code == EMOC_TFL_DEQUANTIZE && in->type != EMOC_TFL_FLOAT16) ||
        (o->code == EMOC_TFL_DENSIFY && !in->sparsity) || in->n_quant_scales)
        return cfail(c, EMOC_E_UNSUPPORTED, "input '%s' (%s%s) is not a constant this op can fold "
                     "(fp16 for DEQUANTIZE, sparse for DENSIFY, not quantized)", in->name,
                     emoc_tfl_type_name(in->type), in->sparsity ? ", sparse" : "");
    if (in->count > (1u << 24)) return cfail(c, EMOC_E_LIMIT, "constant of %llu values",
                                             (unsigned long long)in->count);
    dst->kind = 1;
    dst->f = malloc(sizeof(float) * (size_t)(in->count ? in->count : 1));
    if (!dst->f) return cfail(c, EMOC_E_NOMEM, "out of memory");
    emoc_error e;
    if (emoc_tfl_tensor_f32(in, dst->f, &e) != EMOC_OK) return cfail(c, EMOC_E_FORMAT, "%s", e.msg);
    return EMOC_OK;
}

static emoc_status init_tensors(conv_ctx *c)
{
    const emoc_tfl_model *m = c->m;
    for (int i = 0; i < m->n_tensors; i++) {
        const emoc_tfl_tensor *x = &m->tensors[i];
        tval *v = &c->t[i];
        v->pad_src = -1;
        v->producer = -1;
        if (!x->data || x->sparsity || x->count > (1u << 24)) continue;
        if (x->type == EMOC_TFL_FLOAT32) {
            v->kind = 1;
            v->f = malloc(sizeof(float) * (size_t)(x->count ? x->count : 1));
            emoc_error e;
            if (!v->f || emoc_tfl_tensor_f32(x, v->f, &e)) return cfail(c, EMOC_E_FORMAT, "constant '%s'", x->name);
        } else if (x->type == EMOC_TFL_INT32 || x->type == EMOC_TFL_INT64) {
            v->kind = 2;
            v->i = malloc(sizeof(int64_t) * (size_t)(x->count ? x->count : 1));
            emoc_error e;
            if (!v->i || emoc_tfl_tensor_i64(x, v->i, &e)) return cfail(c, EMOC_E_FORMAT, "constant '%s'", x->name);
        }
    }
    for (int k = 0; k < m->n_ops; k++)
        for (int i = 0; i < m->ops[k].n_in; i++)
            if (m->ops[k].in[i] >= 0) c->consumers[m->ops[k].in[i]]++;
    for (int i = 0; i < m->n_outputs; i++) c->consumers[m->outputs[i]]++;
    return EMOC_OK;
}

static emoc_status write_emw(conv_ctx *c, int S, const char *variant, int anchors,
                             const emoc_convert_opts *opts, emw_writer *w, emoc_error *err)
{
    char name[48];
    snprintf(name, sizeof name, "blazeface_%s", variant);
    emoc_status st = emw_writer_meta_str(w, "emoc.arch", name);
    if (!st) st = emw_writer_meta_str(w, "emoc.task", "face_detection");
    if (!st) st = emw_writer_meta_str(w, "emoc.variant", variant);
    if (!st) st = emw_writer_meta_str(w, "emoc.name", name);
    if (!st) st = emw_writer_meta_i64(w, "input.size", S);
    if (!st) st = emw_writer_meta_i64(w, "detect.anchors", anchors);
    if (!st) st = emw_writer_meta_i64_array(w, "blaze.layers", &c->rec[0][0],
                                            (size_t)c->n_rec * EMOC_BLAZE_FIELDS);
    if (st) {
        if (err) snprintf(err->msg, sizeof err->msg, "convert tflite: %s", emw_writer_error(w));
        return st;
    }
    for (int i = 0; i < c->n_wts; i++)
        if ((st = emoc__convert_add_tensor(w, opts, c->wts[i].name, c->wts[i].rank,
                                           c->wts[i].dims, c->wts[i].data, err)))
            return st;
    return EMOC_OK;
}

static emoc_status convert(conv_ctx *c, const emoc_convert_opts *opts, emw_writer *w)
{
    const emoc_tfl_model *m = c->m;
    emoc_status st = init_tensors(c);
    if (st) return st;
    if (m->n_inputs != 1 || m->n_outputs != 2)
        return cfail(c, EMOC_E_UNSUPPORTED, "the graph has %d inputs and %d outputs; BlazeFace "
                     "has 1 and 2", m->n_inputs, m->n_outputs);
    const emoc_tfl_tensor *in = &m->tensors[m->inputs[0]];
    if (in->rank != 4 || in->type != EMOC_TFL_FLOAT32 || in->shape[0] != 1 || in->shape[3] != 3 ||
        in->shape[1] != in->shape[2] || (in->shape[1] != 128 && in->shape[1] != 192))
        return cfail(c, EMOC_E_UNSUPPORTED, "input '%s' is not FLOAT32 [1,128,128,3] or "
                     "[1,192,192,3]", in->name);
    int S = in->shape[1], sparse = 0;
    tval *iv = &c->t[m->inputs[0]];
    iv->kind = 3;
    iv->h = iv->w = S;
    iv->c = 3;
    for (c->op = 0; c->op < m->n_ops; c->op++) {
        const emoc_tfl_op *o = &m->ops[c->op];
        for (int i = 0; i < o->n_out; i++)
            if (c->t[o->out[i]].kind) return cfail(c, EMOC_E_FORMAT, "output written twice");
        switch (o->code) {
        case EMOC_TFL_DENSIFY: sparse = 1; /* fall through */
        case EMOC_TFL_DEQUANTIZE: st = fold_op(c, o); break;
        case EMOC_TFL_CONV_2D: st = conv_op(c, o, 0); break;
        case EMOC_TFL_DEPTHWISE_CONV_2D: st = conv_op(c, o, 1); break;
        case EMOC_TFL_PAD: st = pad_op(c, o); break;
        case EMOC_TFL_RELU: st = relu_op(c, o); break;
        default: st = simple_op(c, o); break;
        }
        if (st) return st;
    }
    c->op = -1;
    int reg = -1, cls = -1, anchors = 0;
    for (int i = 0; i < 2; i++) {
        const emoc_tfl_tensor *y = &m->tensors[m->outputs[i]];
        int v = value_of(c, m->outputs[i], 1);
        if (v < 0 || y->rank != 3 || y->shape[0] != 1 || (y->shape[2] != 16 && y->shape[2] != 1))
            return cfail(c, EMOC_E_UNSUPPORTED, "graph output '%s' is not [1, N, 16] or [1, N, 1]",
                         y->name);
        if (y->shape[2] == 16) reg = v; else cls = v;
        anchors = y->shape[1];
    }
    if (reg < 0 || cls < 0 || m->tensors[m->outputs[0]].shape[1] != m->tensors[m->outputs[1]].shape[1])
        return cfail(c, EMOC_E_UNSUPPORTED, "outputs are not regressors [1,N,16] and "
                     "classificators [1,N,1]");
    int64_t *r = new_rec(c, EMOC_BLAZE_OUTPUT, reg, cls);
    if (!r) return cfail(c, EMOC_E_LIMIT, "too many layers");
    r[EMOC_BLAZE_F_EXTRA] = anchors;
    const char *variant = S == 128 ? "short" : sparse ? "full_sparse" : "full";
    return write_emw(c, S, variant, anchors, opts, w, c->err);
}

emoc_status emoc_convert_tflite(const uint8_t *buf, size_t size, const emoc_convert_opts *opts,
                                emw_writer *w, emoc_error *err)
{
    if (!buf || !w) return EMOC_E_ARG;
    emoc_tfl_model m;
    emoc_status st = emoc_tfl_parse(buf, size, &m, err);
    if (st != EMOC_OK) return st;
    conv_ctx *c = calloc(1, sizeof *c);
    tval *t = calloc((size_t)(m.n_tensors ? m.n_tensors : 1), sizeof *t);
    int *cons = calloc((size_t)(m.n_tensors ? m.n_tensors : 1), sizeof *cons);
    if (!c || !t || !cons) {
        st = emoc__fail(err, EMOC_E_NOMEM, "convert tflite: out of memory");
    } else {
        *c = (conv_ctx){.m = &m, .t = t, .consumers = cons, .err = err, .op = -1};
        st = convert(c, opts, w);
    }
    if (c) {
        for (int i = 0; i < c->n_wts; i++) free(c->wts[i].data);
        free(c->wts);
    }
    for (int i = 0; t && i < m.n_tensors; i++) {
        free(t[i].f);
        free(t[i].i);
    }
    free(t);
    free(cons);
    free(c);
    emoc_tfl_free(&m);
    if (st == EMOC_OK) {
        char hex[65];
        emoc_sha256_hex(buf, size, hex);
        const char *file = opts && opts->source_name ? opts->source_name : "";
        const char *slash = strrchr(file, '/');
        st = emw_writer_meta_str(w, "source.file", slash ? slash + 1 : file);
        if (!st) st = emw_writer_meta_str(w, "source.sha256", hex);
        if (!st) st = emw_writer_meta_str(w, "converter.version", EMOC_CONVERTER_VERSION);
        if (st && err) snprintf(err->msg, sizeof err->msg, "convert tflite: %s", emw_writer_error(w));
    }
    return st;
}
