/*
 * builder.c — the plan builder behind the emoc_pb_* calls of plan.h.
 *
 * It is the semantic half of weight validation (reliability §1.5 item 9): every tensor a net
 * asks for must exist with the shape the architecture implies, and every tensor in the file
 * must be asked for (or declared dead). GEMM weights stored in the kernels' panel layout (EMW 1.1)
 * are used where they lie in the file buffer; anything else is converted to float32 and
 * re-laid-out / packed for the bound kernels once, here, at load time.
 */
#include "engine/core/core.h"
#include "engine/core/ops.h"
#include "engine/kernels/gemm_lp/lp_scalar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct emoc_pb {
    emoc_model *m;
    emoc_plan *p;
    const emw_file *f;
    unsigned char *used;  /* per tensor: asked for by the net */
    const float **f32;    /* per tensor: float32 view (converted once) */
    emoc_status st;
    const void *user;     /* emoc__pb_user() */
    int one_thread;       /* emoc__pb_one_thread() */
};

/* ---------------------------------------------------------------------------------------- */
/* Errors and memory                                                                        */
/* ---------------------------------------------------------------------------------------- */

void emoc__pb_fail(emoc_pb *b, emoc_status st, const char *fmt, ...)
{
    if (b->st != EMOC_OK) return; /* keep the first error */
    b->st = st;
    va_list ap;
    va_start(ap, fmt);
    emoc__vset_err(b->m->err, sizeof(b->m->err), fmt, ap);
    va_end(ap);
}

int emoc__pb_failed(const emoc_pb *b) { return b->st != EMOC_OK; }

void *emoc__pb_alloc(emoc_pb *b, size_t bytes)
{
    if (b->st) return NULL;
    emoc_model *m = b->m;
    if (m->n_load_allocs >= EMOC_MAX_LOAD_ALLOCS) {
        emoc__pb_fail(b, EMOC_E_LIMIT, "plan needs more than %d load-time allocations",
                     EMOC_MAX_LOAD_ALLOCS);
        return NULL;
    }
    void *ptr = emoc__alloc(&m->alloc, bytes ? bytes : 1, 64);
    if (!ptr) {
        emoc__pb_fail(b, EMOC_E_NOMEM, "out of memory allocating %zu bytes for weights", bytes);
        return NULL;
    }
    m->load_allocs[m->n_load_allocs++] = ptr;
    return ptr;
}

static int grow(emoc_pb *b, void **arr, int *cap, int need, size_t elem)
{
    if (need <= *cap) return 0;
    int ncap = *cap ? *cap * 2 : 64;
    while (ncap < need) ncap *= 2;
    void *n = emoc__alloc(&b->m->alloc, elem * (size_t)ncap, 64);
    if (!n) {
        emoc__pb_fail(b, EMOC_E_NOMEM, "out of memory growing the plan");
        return -1;
    }
    if (*arr) {
        memcpy(n, *arr, elem * (size_t)*cap);
        emoc__free(&b->m->alloc, *arr);
    }
    memset((char *)n + elem * (size_t)*cap, 0, elem * (size_t)(ncap - *cap));
    *arr = n;
    *cap = ncap;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Buffers and ops                                                                          */
/* ---------------------------------------------------------------------------------------- */

static int valid_buf(emoc_pb *b, int buf, const char *what)
{
    if (b->st) return 0;
    if (buf < 0 || buf >= b->p->n_bufs) {
        emoc__pb_fail(b, EMOC_E_INTERNAL, "%s: buffer id %d does not exist", what, buf);
        return 0;
    }
    return 1;
}

static int new_buf(emoc_pb *b, int h, int w, int c)
{
    if (b->st) return -1;
    if (h < 1 || w < 1 || c < 1 || h > 65536 || w > 65536 || c > 1 << 20 ||
        (uint64_t)h * (uint64_t)w * (uint64_t)c > ((uint64_t)1 << 32)) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "activation shape %dx%dx%d out of range", h, w, c);
        return -1;
    }
    emoc_plan *p = b->p;
    if (grow(b, (void **)&p->bufs, &p->cap_bufs, p->n_bufs + 1, sizeof(emoc_buffer))) return -1;
    emoc_buffer *buf = &p->bufs[p->n_bufs];
    buf->h = h;
    buf->w = w;
    buf->c = c;
    buf->bytes = ((size_t)h * (size_t)w * (size_t)c * sizeof(float) + 63) & ~(size_t)63;
    buf->first_op = p->n_ops;
    buf->last_op = p->n_ops;
    buf->offset = 0;
    return p->n_bufs++;
}

int emoc__pb_h(const emoc_pb *b, int buf) { return buf >= 0 && buf < b->p->n_bufs ? b->p->bufs[buf].h : 0; }
int emoc__pb_w(const emoc_pb *b, int buf) { return buf >= 0 && buf < b->p->n_bufs ? b->p->bufs[buf].w : 0; }
int emoc__pb_c(const emoc_pb *b, int buf) { return buf >= 0 && buf < b->p->n_bufs ? b->p->bufs[buf].c : 0; }

static emoc_op *append_op(emoc_pb *b, const char *type, const char *node, emoc_exec_fn exec,
                          const int *inputs, int n_inputs, int out, const char *kernel)
{
    if (b->st) return NULL;
    emoc_plan *p = b->p;
    if (n_inputs > EMOC_OP_MAX_IN) {
        emoc__pb_fail(b, EMOC_E_INTERNAL, "op %s: too many inputs", node);
        return NULL;
    }
    for (int i = 0; i < n_inputs; i++)
        if (!valid_buf(b, inputs[i], node)) return NULL;
    if (!valid_buf(b, out, node)) return NULL;
    if (grow(b, (void **)&p->ops, &p->cap_ops, p->n_ops + 1, sizeof(emoc_op))) return NULL;
    emoc_op *op = &p->ops[p->n_ops];
    memset(op, 0, sizeof(*op));
    op->type = type;
    snprintf(op->node, sizeof(op->node), "%s", node ? node : "");
    op->kernel = kernel ? kernel : "emoc_f32_none__ref";
    op->exec = exec;
    op->one_thread = b->one_thread;
    op->n_in = n_inputs;
    for (int i = 0; i < n_inputs; i++) {
        op->in[i] = inputs[i];
        if (p->bufs[inputs[i]].last_op < p->n_ops) p->bufs[inputs[i]].last_op = p->n_ops;
    }
    op->out = out;
    if (p->bufs[out].last_op < p->n_ops) p->bufs[out].last_op = p->n_ops;
    for (int i = 0; i < EMOC_OP_MAX_W; i++) op->w[i] = -1;
    p->n_ops++;
    return op;
}

emoc_op *emoc__pb_append(emoc_pb *b, const char *type, const char *node, emoc_exec_fn exec,
                        const int *inputs, int n_inputs, int out_h, int out_w, int out_c,
                        const char *kernel_name)
{
    int out = new_buf(b, out_h, out_w, out_c);
    if (out < 0) return NULL;
    return append_op(b, type, node, exec, inputs, n_inputs, out, kernel_name);
}

const emoc_kernel_table *emoc__pb_kernels(const emoc_pb *b) { return &b->m->kt; }

void emoc__pb_one_thread(emoc_pb *b, int on) { b->one_thread = on ? 1 : 0; }

int emoc__pb_input(emoc_pb *b, int h, int w, int c)
{
    int id = new_buf(b, h, w, c);
    if (id < 0) return -1;
    b->p->bufs[id].first_op = -1;
    b->p->input_buf = id;
    return id;
}

void emoc__pb_keep_output(emoc_pb *b, int buf)
{
    if (!valid_buf(b, buf, "outputs")) return;
    if (b->p->n_extra_out >= EMOC_PLAN_MAX_OUTPUTS) {
        emoc__pb_fail(b, EMOC_E_INTERNAL, "more than %d extra outputs", EMOC_PLAN_MAX_OUTPUTS);
        return;
    }
    b->p->extra_out[b->p->n_extra_out++] = buf;
}

const void *emoc__pb_user(const emoc_pb *b) { return b->user; }

void emoc__pb_set_outputs(emoc_pb *b, int scores_buf, int embedding_buf)
{
    if (!valid_buf(b, scores_buf, "outputs") || !valid_buf(b, embedding_buf, "outputs")) return;
    b->p->scores_buf = scores_buf;
    b->p->embedding_buf = embedding_buf;
}

/* ---------------------------------------------------------------------------------------- */
/* Weights                                                                                  */
/* ---------------------------------------------------------------------------------------- */

static int find_tensor(const emoc_pb *b, const char *name)
{
    for (size_t i = 0; i < b->f->n_tensors; i++)
        if (!strcmp(b->f->tensors[i].name, name)) return (int)i;
    return -1;
}

/* Finds `name`, checks rank/dims, marks it used and returns its index, or -1. */
static int lookup(emoc_pb *b, const char *name, int rank, const int64_t *dims)
{
    if (b->st) return -1;
    int i = find_tensor(b, name);
    if (i < 0) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "tensor '%s' required by architecture '%s' is missing",
                     name, b->m->info.arch);
        return -1;
    }
    const emw_tensor *t = &b->f->tensors[i];
    int ok = t->rank == rank;
    for (int d = 0; ok && d < rank; d++) ok = dims[d] < 0 || t->dims[d] == dims[d];
    if (!ok) {
        char want[96], have[96];
        emoc__dims_str(want, sizeof(want), rank, dims);
        emoc__dims_str(have, sizeof(have), t->rank, t->dims);
        emoc__pb_fail(b, EMOC_E_SHAPE, "tensor '%s': architecture '%s' expects %s, file has %s",
                     name, b->m->info.arch, want, have);
        return -1;
    }
    b->used[i] = 1;
    return i;
}

static const float *f32_of(emoc_pb *b, int i)
{
    if (b->st || i < 0) return NULL;
    b->m->uses[i].plain = 1;
    if (b->f32[i]) return b->f32[i];
    const emw_tensor *t = &b->f->tensors[i];
    if (t->dtype == EMW_F32 && t->layout == EMW_LAYOUT_ROWS &&
        ((uintptr_t)t->data % sizeof(float)) == 0) {
        b->f32[i] = t->data;
    } else {
        float *dst = emoc__pb_alloc(b, (size_t)t->count * sizeof(float));
        if (!dst) return NULL;
        emw_tensor_to_f32(t, dst);
        b->f32[i] = dst;
    }
    return b->f32[i];
}

/* A GEMM weight [N][K] in the kernels' panel layout (engine/base/gemm_panels.h): where it
 * lies in the file when stored so (EMW 1.1, f32), else converted or packed once here. */
static const float *gemm_weight(emoc_pb *b, int i, int K, int N)
{
    if (b->st || i < 0) return NULL;
    const emw_tensor *t = &b->f->tensors[i];
    b->m->uses[i].gemm_k = K;
    b->m->uses[i].gemm_n = N;
    if (t->layout == EMW_LAYOUT_GEMM_P32) {
        if (t->dtype == EMW_F32 && ((uintptr_t)t->data % sizeof(float)) == 0) return t->data;
        float *dst = emoc__pb_alloc(b, (size_t)t->stored * sizeof(float));
        if (dst) emw_tensor_stored_to_f32(t, dst);
        return dst;
    }
    const float *rows = t->data;
    float *tmp = NULL; /* PyTorch-order rows when the bytes are not (f16, other layout) */
    if (t->dtype != EMW_F32 || t->layout != EMW_LAYOUT_ROWS ||
        ((uintptr_t)t->data % sizeof(float)) != 0) {
        tmp = emoc__alloc(&b->m->alloc, (size_t)t->count * sizeof(float), 64);
        if (!tmp) {
            emoc__pb_fail(b, EMOC_E_NOMEM, "out of memory converting '%s'", t->name);
            return NULL;
        }
        emw_tensor_to_f32(t, tmp);
        rows = tmp;
    }
    float *packed = emoc__pb_alloc(b, emoc__gemm_packed_floats(K, N) * sizeof(float));
    if (packed) emoc__gemm_pack_panels(rows, K, N, packed);
    emoc__free(&b->m->alloc, tmp);
    return packed;
}

/* A depthwise weight [C][1][kh][kw] as the kernels read it, [kh][kw][C]: where it lies when
 * stored so (EMW 1.1, f32), else re-laid-out once here. */
static const float *dw_weight(emoc_pb *b, int i, int C, int taps)
{
    if (b->st || i < 0) return NULL;
    const emw_tensor *t = &b->f->tensors[i];
    b->m->uses[i].dw = 1;
    if (t->layout == EMW_LAYOUT_DW_HWC && t->dtype == EMW_F32 &&
        ((uintptr_t)t->data % sizeof(float)) == 0)
        return t->data;
    float *wp = emoc__pb_alloc(b, (size_t)C * (size_t)taps * sizeof(float));
    if (!wp) return NULL;
    if (t->layout == EMW_LAYOUT_DW_HWC) {
        emw_tensor_stored_to_f32(t, wp);
        return wp;
    }
    const float *rows = t->data;
    float *tmp = NULL; /* PyTorch-order rows when the bytes are not (f16, other layout) */
    if (t->dtype != EMW_F32 || t->layout != EMW_LAYOUT_ROWS ||
        ((uintptr_t)t->data % sizeof(float)) != 0) {
        tmp = emoc__alloc(&b->m->alloc, (size_t)t->count * sizeof(float), 64);
        if (!tmp) {
            emoc__pb_fail(b, EMOC_E_NOMEM, "out of memory converting '%s'", t->name);
            return NULL;
        }
        emw_tensor_to_f32(t, tmp);
        rows = tmp;
    }
    /* [C][1][kh][kw] → [ky][kx][C] (channel fastest) */
    for (int c = 0; c < C; c++)
        for (int k = 0; k < taps; k++)
            wp[(size_t)k * (size_t)C + (size_t)c] = rows[(size_t)c * (size_t)taps + (size_t)k];
    emoc__free(&b->m->alloc, tmp);
    return wp;
}

int emoc__model_kernel_layout(const emoc_model *m, size_t i)
{
    if (!m || !m->uses || i >= m->emw.n_tensors) return EMW_LAYOUT_ROWS;
    const emoc_tensor_use *u = &m->uses[i];
    int gemm = u->gemm_k > 0;
    if (u->plain || gemm == u->dw) return EMW_LAYOUT_ROWS; /* plain, both, or unused */
    return gemm ? EMW_LAYOUT_GEMM_P32 : EMW_LAYOUT_DW_HWC;
}

const float *emoc__pb_weight(emoc_pb *b, const char *name, int rank, const int64_t *dims)
{
    return f32_of(b, lookup(b, name, rank, dims));
}

void emoc__pb_op_uses(emoc_pb *b, emoc_op *op, const char *name)
{
    if (b->st || !op) return;
    int i = find_tensor(b, name);
    if (i < 0 || op->n_w >= EMOC_OP_MAX_W) return;
    op->w[op->n_w++] = i;
}

void emoc__pb_ignore_prefix(emoc_pb *b, const char *prefix)
{
    if (b->st) return;
    emoc_model *m = b->m;
    size_t len = strlen(prefix);
    char **n = emoc__alloc(&m->alloc, sizeof(char *) * (size_t)(m->n_ignored + 1), 16);
    char *copy = emoc__alloc(&m->alloc, len + 1, 16);
    if (!n || !copy) {
        emoc__free(&m->alloc, n);
        emoc__free(&m->alloc, copy);
        emoc__pb_fail(b, EMOC_E_NOMEM, "out of memory");
        return;
    }
    memcpy(copy, prefix, len + 1);
    if (m->ignored) memcpy(n, m->ignored, sizeof(char *) * (size_t)m->n_ignored);
    emoc__free(&m->alloc, m->ignored);
    n[m->n_ignored++] = copy;
    m->ignored = n;
}

/* ---------------------------------------------------------------------------------------- */
/* Built-in ops                                                                             */
/* ---------------------------------------------------------------------------------------- */

static void resolve_pads(const emoc_conv_desc *d, int ih, int iw, int *pt, int *pl, int *pb,
                         int *pr)
{
    if (d->pad_mode == EMOC_PAD_TF_SAME) {
        int oh = (ih + d->sh - 1) / d->sh, ow = (iw + d->sw - 1) / d->sw;
        int th = (oh - 1) * d->sh + d->kh - ih, tw = (ow - 1) * d->sw + d->kw - iw;
        if (th < 0) th = 0;
        if (tw < 0) tw = 0;
        *pt = th / 2;
        *pb = th - th / 2;
        *pl = tw / 2;
        *pr = tw - tw / 2;
    } else if (d->pad_mode == EMOC_PAD_EXPLICIT) {
        *pt = d->pads[0];
        *pl = d->pads[1];
        *pb = d->pads[2];
        *pr = d->pads[3];
    } else {
        *pt = *pb = d->pads[0];
        *pl = *pr = d->pads[1];
    }
}

static int conv_out(emoc_pb *b, const char *node, const emoc_conv_desc *d, int ih, int iw,
                    int *oh, int *ow, int *pt, int *pl)
{
    int pb, pr;
    if (d->kh < 1 || d->kw < 1 || d->sh < 1 || d->sw < 1 || d->kh > 64 || d->kw > 64 ||
        d->sh > 16 || d->sw > 16) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: kernel %dx%d stride %dx%d out of range", node, d->kh,
                     d->kw, d->sh, d->sw);
        return -1;
    }
    resolve_pads(d, ih, iw, pt, pl, &pb, &pr);
    if (*pt < 0 || *pl < 0 || pb < 0 || pr < 0 || *pt >= d->kh || pb >= d->kh || *pl >= d->kw ||
        pr >= d->kw) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: padding %d,%d,%d,%d invalid for kernel %dx%d", node,
                     *pt, *pl, pb, pr, d->kh, d->kw);
        return -1;
    }
    *oh = (ih + *pt + pb - d->kh) / d->sh + 1;
    *ow = (iw + *pl + pr - d->kw) / d->sw + 1;
    if (ih + *pt + pb < d->kh || iw + *pl + pr < d->kw || *oh < 1 || *ow < 1) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: input %dx%d too small for kernel %dx%d", node, ih,
                     iw, d->kh, d->kw);
        return -1;
    }
    return 0;
}

static const float *slope_of(emoc_pb *b, const char *name, int c)
{
    if (!name) return NULL;
    int64_t d1[1] = {c};
    int i = find_tensor(b, name);
    if (i >= 0 && b->f->tensors[i].rank == 3) { /* ONNX PRelu slopes come as [C,1,1] */
        int64_t d3[3] = {c, 1, 1};
        return f32_of(b, lookup(b, name, 3, d3));
    }
    return f32_of(b, lookup(b, name, 1, d1));
}

int emoc__pb_conv2d(emoc_pb *b, const char *node, int in, const char *w, const char *bias,
                   const emoc_conv_desc *d)
{
    if (!valid_buf(b, in, node)) return -1;
    const emoc_buffer ib_copy = b->p->bufs[in], *ib = &ib_copy; /* new_buf may move bufs */
    int groups = d->groups > 0 ? d->groups : 1;
    int wi = find_tensor(b, w);
    if (wi < 0 || b->f->tensors[wi].rank != 4) {
        lookup(b, w, 4, (int64_t[4]){-1, ib->c / groups, d->kh, d->kw});
        return -1;
    }
    int cout = (int)b->f->tensors[wi].dims[0];
    if (ib->c % groups || cout % groups) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: channels %d→%d not divisible by groups %d", node,
                     ib->c, cout, groups);
        return -1;
    }
    int cin_g = ib->c / groups;
    const float *wt = emoc__pb_weight(b, w, 4, (int64_t[4]){cout, cin_g, d->kh, d->kw});
    const float *bs = bias ? emoc__pb_weight(b, bias, 1, (int64_t[1]){cout}) : NULL;
    const float *sl = slope_of(b, d->slope, cout);
    int oh, ow, pt, pl;
    if (b->st || conv_out(b, node, d, ib->h, ib->w, &oh, &ow, &pt, &pl)) return -1;
    /* PyTorch [o][ci][ky][kx] → reference layout [o][ky][kx][ci], then the kernel's packing. */
    size_t n = (size_t)cout * (size_t)d->kh * (size_t)d->kw * (size_t)cin_g;
    float *tmp = emoc__alloc(&b->m->alloc, n * sizeof(float), 64);
    if (!tmp) {
        emoc__pb_fail(b, EMOC_E_NOMEM, "%s: out of memory", node);
        return -1;
    }
    for (int o = 0; o < cout; o++)
        for (int ci = 0; ci < cin_g; ci++)
            for (int ky = 0; ky < d->kh; ky++)
                for (int kx = 0; kx < d->kw; kx++)
                    tmp[(((size_t)o * d->kh + ky) * d->kw + kx) * cin_g + ci] =
                        wt[(((size_t)o * cin_g + ci) * d->kh + ky) * d->kw + kx];
    const emoc_conv2d_kernel *k = &b->m->kt.conv2d;
    float *packed = emoc__pb_alloc(b, k->packed_size(cout, d->kh, d->kw, cin_g, groups) * sizeof(float));
    if (packed) k->pack(tmp, cout, d->kh, d->kw, cin_g, groups, packed);
    emoc__free(&b->m->alloc, tmp);
    int out = new_buf(b, oh, ow, cout);
    emoc_op *op = append_op(b, "conv2d", node, emoc__exec_conv2d, &in, 1, out, k->name);
    if (!op) return -1;
    emoc__conv2d_params *pr = (emoc__conv2d_params *)op->params;
    pr->fn = k->fn;
    emoc_conv2d_args *a = &pr->a;
    *a = (emoc_conv2d_args){.ih = ib->h, .iw = ib->w, .cin = ib->c, .w_packed = packed,
                            .bias = bs, .slope = sl, .oh = oh, .ow = ow, .cout = cout,
                            .kh = d->kh, .kw = d->kw, .sh = d->sh, .sw = d->sw, .pad_t = pt,
                            .pad_l = pl, .groups = groups, .act = d->act};
    op->flops = 2ull * (uint64_t)oh * (uint64_t)ow * (uint64_t)cout * (uint64_t)(d->kh * d->kw * cin_g);
    emoc__pb_op_uses(b, op, w);
    if (bias) emoc__pb_op_uses(b, op, bias);
    if (d->slope) emoc__pb_op_uses(b, op, d->slope);
    return out;
}

int emoc__pb_dwconv(emoc_pb *b, const char *node, int in, int c0, int out_or_new, const char *w,
                   const char *bias, const emoc_conv_desc *d)
{
    if (!valid_buf(b, in, node)) return -1;
    const emoc_buffer ib_copy = b->p->bufs[in], *ib = &ib_copy; /* new_buf may move bufs */
    int wi = find_tensor(b, w);
    int C = wi >= 0 && b->f->tensors[wi].rank == 4 ? (int)b->f->tensors[wi].dims[0] : ib->c - c0;
    if (c0 < 0 || C < 1 || c0 + C > ib->c) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: channels [%d, %d) outside input of %d channels", node,
                     c0, c0 + C, ib->c);
        return -1;
    }
    int wl = lookup(b, w, 4, (int64_t[4]){C, 1, d->kh, d->kw});
    const float *bs = bias ? emoc__pb_weight(b, bias, 1, (int64_t[1]){C}) : NULL;
    const float *sl = slope_of(b, d->slope, C);
    int oh, ow, pt, pl;
    if (b->st || conv_out(b, node, d, ib->h, ib->w, &oh, &ow, &pt, &pl)) return -1;
    int out = out_or_new;
    if (out < 0) {
        out = new_buf(b, oh, ow, ib->c);
    } else if (valid_buf(b, out, node)) {
        const emoc_buffer *ob = &b->p->bufs[out];
        if (ob->h != oh || ob->w != ow || ob->c != ib->c) {
            emoc__pb_fail(b, EMOC_E_SHAPE, "%s: output buffer %dx%dx%d, op produces %dx%dx%d",
                         node, ob->h, ob->w, ob->c, oh, ow, ib->c);
            return -1;
        }
    }
    const float *wp = dw_weight(b, wl, C, d->kh * d->kw);
    if (!wp) return -1;
    const emoc_dwconv_kernel *k = &b->m->kt.dwconv;
    emoc_op *op = append_op(b, "dwconv", node, emoc__exec_dwconv, &in, 1, out, k->name);
    if (!op) return -1;
    emoc__dwconv_params *pr = (emoc__dwconv_params *)op->params;
    pr->fn = k->fn;
    pr->c0 = c0;
    pr->a = (emoc_dwconv_args){.ih = ib->h, .iw = ib->w, .c = C, .x_pstride = (size_t)ib->c,
                               .w = wp, .bias = bs, .slope = sl, .oh = oh, .ow = ow,
                               .y_pstride = (size_t)ib->c, .kh = d->kh, .kw = d->kw, .sh = d->sh,
                               .sw = d->sw, .pad_t = pt, .pad_l = pl, .act = d->act};
    op->flops = 2ull * (uint64_t)oh * (uint64_t)ow * (uint64_t)C * (uint64_t)(d->kh * d->kw);
    emoc__pb_op_uses(b, op, w);
    if (bias) emoc__pb_op_uses(b, op, bias);
    if (d->slope) emoc__pb_op_uses(b, op, d->slope);
    return out;
}

/* The dtype of a GEMM: a weight stored as bf16 or int8 (EMW 1.2, `emoc convert --dtype`) runs
 * in that dtype with the file's values and scales. For f32/f16 weights, the developer override
 * EMOC_GEMM_DTYPE=bf16|int8 (docs/precision.md) rounds them at load, int8 with per-output-
 * channel weight scales and a dynamic activation scale. 0 = fp32. */
static int gemm_lp_dtype(void)
{
    const char *e = getenv("EMOC_GEMM_DTYPE");
    if (!e || !*e || !strcmp(e, "fp32")) return 0;
    if (!strcmp(e, "bf16")) return 1;
    if (!strcmp(e, "int8")) return 2;
    return -1;
}

static int gemm_lp_op(emoc_pb *b, const char *type, const char *node, int lp, const int *ins,
                      int n_in, const emoc_buffer *ib, const float *wt, const emw_tensor *qt,
                      int K, int N,
                      const float *bs, const float *sl, emoc_act act, int scale_buf,
                      int residual_buf, const char *w, const char *bias, const char *slope)
{
    const emoc_gemm_lp_kernel *k = lp == 1 ? &b->m->kt.gemm_bf16 : &b->m->kt.gemm_i8;
    size_t nkw = (size_t)N * (size_t)K;
    void *wq = malloc(nkw * 2);
    float *sw = lp == 2 ? emoc__pb_alloc(b, sizeof(float) * (size_t)N) : NULL;
    void *packed = emoc__pb_alloc(b, k->packed_size(K, N));
    if (!wq || !packed || (lp == 2 && !sw)) {
        free(wq);
        if (!b->st) emoc__pb_fail(b, EMOC_E_NOMEM, "%s: out of memory for reduced-precision weights", node);
        return -1;
    }
    for (int n = 0; qt && n < N; n++) /* int8 as stored: values and scales of the file */
        sw[n] = emw_tensor_i8_scale(qt, n);
    if (qt) memcpy(wq, qt->data, nkw);
    for (int n = 0; !qt && n < N; n++) {
        const float *wr = wt + (size_t)n * (size_t)K;
        if (lp == 1) {
            for (int c = 0; c < K; c++) ((uint16_t *)wq)[(size_t)n * (size_t)K + (size_t)c] = emoc__bf16_from_f32(wr[c]);
            continue;
        }
        float m = 0.0f;
        for (int c = 0; c < K; c++) m = fabsf(wr[c]) > m ? fabsf(wr[c]) : m;
        sw[n] = m > 0.0f ? m / 127.0f : 1.0f;
        for (int c = 0; c < K; c++)
            ((int8_t *)wq)[(size_t)n * (size_t)K + (size_t)c] = emoc__i8_quant(wr[c] / sw[n]);
    }
    k->pack(wq, K, N, packed);
    free(wq);
    int out = new_buf(b, ib->h, ib->w, N);
    emoc_op *op = append_op(b, type, node, emoc__exec_gemm_lp, ins, n_in, out, k->name);
    if (!op) return -1;
    emoc__gemm_lp_params *pr = (emoc__gemm_lp_params *)op->params;
    size_t P = (size_t)ib->h * (size_t)ib->w, rowb = (k->row_bytes(K) + 3) & ~(size_t)3;
    pr->fn = k->fn;
    pr->quant = k->quant;
    pr->sw = sw;
    pr->sx = qt ? qt->act_scale : 0.0f;
    pr->dq_floats = (((size_t)N + 15) & ~(size_t)15) + ((P + 15) & ~(size_t)15);
    pr->nr = k->nr;
    pr->scale_buf = scale_buf;
    pr->residual_buf = residual_buf;
    pr->a = (emoc_gemm_lp_args){.xq_stride = rowb, .w_packed = packed, .bias = bs, .slope = sl,
                                .r_stride = (size_t)N, .y_stride = (size_t)N, .K = K, .N = N,
                                .act = act};
    op->scratch_floats = pr->dq_floats + (P * rowb + 3) / 4;
    op->flops = 2ull * (uint64_t)P * (uint64_t)K * (uint64_t)N;
    emoc__pb_op_uses(b, op, w);
    if (bias) emoc__pb_op_uses(b, op, bias);
    if (slope) emoc__pb_op_uses(b, op, slope);
    return out;
}

static int gemm_op(emoc_pb *b, const char *type, const char *node, int in, const char *w,
                   const char *bias, emoc_act act, const char *slope, int scale_buf,
                   int residual_buf)
{
    if (!valid_buf(b, in, node)) return -1;
    const emoc_buffer ib_copy = b->p->bufs[in], *ib = &ib_copy; /* new_buf may move bufs */
    int K = ib->c;
    int wi = find_tensor(b, w);
    int rank = wi >= 0 ? b->f->tensors[wi].rank : 2;
    int N = wi >= 0 && (rank == 2 || rank == 4) ? (int)b->f->tensors[wi].dims[0] : -1;
    int wl = rank == 4 ? lookup(b, w, 4, (int64_t[4]){N, K, 1, 1})
                       : lookup(b, w, 2, (int64_t[2]){N, K});
    const float *bs = bias ? emoc__pb_weight(b, bias, 1, (int64_t[1]){N}) : NULL;
    const float *sl = slope_of(b, slope, N);
    if (b->st) return -1;
    int ins[3] = {in, -1, -1}, n_in = 1;
    if (scale_buf >= 0) {
        if (!valid_buf(b, scale_buf, node)) return -1;
        const emoc_buffer *sb = &b->p->bufs[scale_buf];
        if (sb->h * sb->w != 1 || sb->c != K) {
            emoc__pb_fail(b, EMOC_E_SHAPE, "%s: scale buffer %dx%dx%d, expected 1x1x%d", node,
                         sb->h, sb->w, sb->c, K);
            return -1;
        }
        ins[n_in++] = scale_buf;
    }
    if (residual_buf >= 0) {
        if (!valid_buf(b, residual_buf, node)) return -1;
        const emoc_buffer *rb = &b->p->bufs[residual_buf];
        if (rb->h != ib->h || rb->w != ib->w || rb->c != N) {
            emoc__pb_fail(b, EMOC_E_SHAPE, "%s: residual %dx%dx%d, output is %dx%dx%d", node,
                         rb->h, rb->w, rb->c, ib->h, ib->w, N);
            return -1;
        }
        ins[n_in++] = residual_buf;
    }
    int lp = gemm_lp_dtype();
    if (lp < 0) {
        emoc__pb_fail(b, EMOC_E_ARG, "EMOC_GEMM_DTYPE='%s': expected fp32, bf16 or int8",
                      getenv("EMOC_GEMM_DTYPE"));
        return -1;
    }
    const emw_tensor *wtensor = &b->f->tensors[wl];
    if (wtensor->dtype == EMW_BF16) lp = 1;
    if (wtensor->dtype == EMW_I8) {
        b->m->uses[wl].plain = 1;
        return gemm_lp_op(b, type, node, 2, ins, n_in, ib, NULL, wtensor, K, N, bs, sl, act,
                          scale_buf, residual_buf, w, bias, slope);
    }
    if (lp) { /* reduced precision rounds the weights from PyTorch-order rows (bf16: exact) */
        const float *wt = f32_of(b, wl);
        if (!wt) return -1;
        return gemm_lp_op(b, type, node, lp, ins, n_in, ib, wt, NULL, K, N, bs, sl, act,
                          scale_buf, residual_buf, w, bias, slope);
    }
    const emoc_gemm_kernel *k = &b->m->kt.gemm;
    const float *packed = gemm_weight(b, wl, K, N);
    if (!packed) return -1;
    int out = new_buf(b, ib->h, ib->w, N);
    emoc_op *op = append_op(b, type, node, emoc__exec_gemm, ins, n_in, out, k->name);
    if (!op) return -1;
    emoc__gemm_params *pr = (emoc__gemm_params *)op->params;
    pr->fn = k->fn;
    pr->nr = k->nr;
    pr->scale_buf = scale_buf;
    pr->residual_buf = residual_buf;
    pr->a = (emoc_gemm_args){.x_stride = (size_t)K, .w_packed = packed, .bias = bs, .slope = sl,
                             .r_stride = (size_t)N, .y_stride = (size_t)N, .K = K, .N = N,
                             .act = act};
    op->flops = 2ull * (uint64_t)ib->h * (uint64_t)ib->w * (uint64_t)K * (uint64_t)N;
    emoc__pb_op_uses(b, op, w);
    if (bias) emoc__pb_op_uses(b, op, bias);
    if (slope) emoc__pb_op_uses(b, op, slope);
    return out;
}

int emoc__pb_pwconv(emoc_pb *b, const char *node, int in, const char *w, const char *bias,
                   emoc_act act, const char *slope, int scale_buf, int residual_buf)
{
    return gemm_op(b, "pwconv", node, in, w, bias, act, slope, scale_buf, residual_buf);
}

int emoc__pb_linear(emoc_pb *b, const char *node, int in, const char *w, const char *bias,
                   emoc_act act)
{
    if (!valid_buf(b, in, node)) return -1;
    const emoc_buffer ib_copy = b->p->bufs[in], *ib = &ib_copy; /* new_buf may move bufs */
    if (ib->h * ib->w != 1) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: linear needs a 1x1xK input, got %dx%dx%d", node,
                     ib->h, ib->w, ib->c);
        return -1;
    }
    return gemm_op(b, "linear", node, in, w, bias, act, NULL, -1, -1);
}

int emoc__pb_gap(emoc_pb *b, const char *node, int in)
{
    if (!valid_buf(b, in, node)) return -1;
    const emoc_buffer ib_copy = b->p->bufs[in], *ib = &ib_copy; /* new_buf may move bufs */
    emoc_op *op = emoc__pb_append(b, "gap", node, emoc__exec_gap, &in, 1, 1, 1, ib->c,
                                 b->m->kt.gap.name);
    if (!op) return -1;
    op->flops = (uint64_t)ib->h * (uint64_t)ib->w * (uint64_t)ib->c;
    /* the chunk sums (engine/core/ops.c), in the calling thread's scratch */
    op->scratch_floats = (size_t)emoc__gap_chunks((size_t)ib->h * (size_t)ib->w) * (size_t)ib->c;
    return op->out;
}

int emoc__pb_add(emoc_pb *b, const char *node, int a, int bb)
{
    if (!valid_buf(b, a, node) || !valid_buf(b, bb, node)) return -1;
    const emoc_buffer *x = &b->p->bufs[a], *y = &b->p->bufs[bb];
    if (x->h != y->h || x->w != y->w || x->c != y->c) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: add of %dx%dx%d and %dx%dx%d", node, x->h, x->w,
                     x->c, y->h, y->w, y->c);
        return -1;
    }
    int ins[2] = {a, bb};
    emoc_op *op = emoc__pb_append(b, "add", node, emoc__exec_add, ins, 2, x->h, x->w, x->c,
                                 "emoc_f32_add_c1__ref");
    if (!op) return -1;
    op->flops = (uint64_t)x->h * (uint64_t)x->w * (uint64_t)x->c;
    return op->out;
}

/* ---------------------------------------------------------------------------------------- */
/* Driver                                                                                   */
/* ---------------------------------------------------------------------------------------- */

static int is_ignored(const emoc_model *m, const char *name)
{
    for (int i = 0; i < m->n_ignored; i++)
        if (!strncmp(name, m->ignored[i], strlen(m->ignored[i]))) return 1;
    return 0;
}

emoc_status emoc__build_plan(emoc_model *m, emoc__net_build_fn build)
{
    return emoc__build_plan_with(m, build, NULL, NULL);
}

/* Runs `build` (with `user` for emoc__pb_user) and checks that every tensor of the file whose
 * name starts with `scope` (NULL: every tensor) was asked for or declared dead. */
emoc_status emoc__build_plan_with(emoc_model *m, emoc_status (*build)(emoc_pb *, const emw_file *),
                                  const void *user, const char *scope)
{
    emoc_pb b = {.m = m, .p = &m->plan, .f = &m->emw, .st = EMOC_OK, .user = user};
    size_t nt = m->emw.n_tensors ? m->emw.n_tensors : 1;
    if (!m->uses) m->uses = emoc__alloc(&m->alloc, nt * sizeof(*m->uses), 16);
    if (!m->uses) {
        emoc__set_err(m->err, sizeof(m->err), "out of memory building the plan");
        return EMOC_E_NOMEM;
    }
    memset(m->uses, 0, nt * sizeof(*m->uses));
    b.used = emoc__alloc(&m->alloc, nt, 16);
    b.f32 = emoc__alloc(&m->alloc, nt * sizeof(float *), 16);
    if (!b.used || !b.f32) {
        emoc__free(&m->alloc, b.used);
        emoc__free(&m->alloc, (void *)b.f32);
        emoc__set_err(m->err, sizeof(m->err), "out of memory building the plan");
        return EMOC_E_NOMEM;
    }
    memset(b.used, 0, nt);
    memset((void *)b.f32, 0, nt * sizeof(float *));
    m->plan.input_buf = m->plan.scores_buf = m->plan.embedding_buf = -1;
    emoc_status st = build(&b, &m->emw);
    if (st == EMOC_OK && b.st != EMOC_OK) st = b.st;
    if (st == EMOC_OK && (m->plan.input_buf < 0 || m->plan.scores_buf < 0)) {
        emoc__set_err(m->err, sizeof(m->err), "net '%s' did not declare its input and outputs",
                      m->info.arch);
        st = EMOC_E_INTERNAL;
    }
    size_t scope_len = scope ? strlen(scope) : 0;
    for (size_t i = 0; st == EMOC_OK && i < m->emw.n_tensors; i++) {
        const char *name = m->emw.tensors[i].name;
        if (scope && strncmp(name, scope, scope_len) != 0) continue;
        if (!b.used[i] && !is_ignored(m, name)) {
            emoc__set_err(m->err, sizeof(m->err),
                          "tensor '%s' is not part of architecture '%s' variant '%s' (extra "
                          "tensor)",
                          name, m->info.arch, m->info.variant);
            st = EMOC_E_SHAPE;
        }
    }
    emoc__free(&m->alloc, b.used);
    emoc__free(&m->alloc, (void *)b.f32);
    if (st != EMOC_OK && m->err[0] == 0)
        emoc__set_err(m->err, sizeof(m->err), "building the '%s' plan failed: %s", m->info.arch,
                      emoc_strerror(st));
    return st;
}
