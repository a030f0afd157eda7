/* enet_synth.c — see enet_synth.h. A minimal protobuf writer plus the EfficientNet graph. */
#include "tests/convert/enet_synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int enet_synth_stem_w_id, enet_synth_gemm_w_id, enet_synth_gemm_b_id;

/* ---- protobuf writer ---------------------------------------------------------------------- */

typedef struct pbuf {
    uint8_t *d;
    size_t n, cap;
    int oom;
} pbuf;

static void put(pbuf *b, const void *p, size_t n)
{
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        uint8_t *d = realloc(b->d, cap);
        if (!d) {
            b->oom = 1;
            return;
        }
        b->d = d;
        b->cap = cap;
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void varint(pbuf *b, uint64_t v)
{
    uint8_t t[10];
    int n = 0;
    do {
        t[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) t[n] |= 0x80;
        n++;
    } while (v);
    put(b, t, (size_t)n);
}

static void tag(pbuf *b, int field, int wt) { varint(b, (uint64_t)field << 3 | (uint64_t)wt); }

static void field_bytes(pbuf *b, int field, const void *p, size_t n)
{
    tag(b, field, 2);
    varint(b, n);
    put(b, p, n);
}

static void field_str(pbuf *b, int field, const char *s) { field_bytes(b, field, s, strlen(s)); }

static void field_int(pbuf *b, int field, int64_t v)
{
    tag(b, field, 0);
    varint(b, (uint64_t)v);
}

/* Appends sub as a length-delimited field and frees it. */
static void field_msg(pbuf *b, int field, pbuf *sub)
{
    if (sub->oom) b->oom = 1;
    field_bytes(b, field, sub->d, sub->n);
    free(sub->d);
    memset(sub, 0, sizeof *sub);
}

/* ---- graph pieces ------------------------------------------------------------------------ */

typedef struct synth {
    pbuf g;             /* GraphProto being built */
    pbuf ids;           /* Identity nodes, emitted first like the exporter does */
    int tid;            /* next tensor id */
    int vid;            /* next value id */
    int dedup;          /* counter for Identity-aliased tensors */
} synth;

/* Per-tensor scale so activations stay O(1) through the depth (std ≈ 1.5/√fan_in, like the
 * reference replicas' randomisation); without it deep features collapse onto the biases and a
 * wrong padding would go unnoticed. */
static float scales[1024];

float enet_synth_value(int tid, uint64_t i)
{
    float k = tid >= 0 && tid < 1024 && scales[tid] > 0 ? scales[tid] : 1.0f;
    uint32_t h = (uint32_t)tid * 2654435761u ^ (uint32_t)(i * 2246822519u) ^ (uint32_t)(i >> 32);
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    return ((float)(h & 0xffff) / 65536.0f - 0.5f) * 0.2f * k;
}

static const char *newval(synth *s, char *buf)
{
    sprintf(buf, "v%d", s->vid++);
    return buf;
}

/* Adds a float initializer with deterministic values; returns the name to read it by (through
 * an Identity for every third tensor, as de-duplicated exports do). */
static void init_tensor(synth *s, char *name_out, int rank, const int64_t *dims, int *id_out)
{
    int tid = s->tid++;
    if (id_out) *id_out = tid;
    char name[32];
    sprintf(name, "onnx::W_%d", tid);
    uint64_t count = 1;
    for (int i = 0; i < rank; i++) count *= (uint64_t)dims[i];
    if (tid < 1024) scales[tid] = rank >= 2 ? 1.5f * 1.7320508f / (0.1f * sqrtf((float)(count / (uint64_t)dims[0]))) : 1.0f;
    pbuf t = {0};
    for (int i = 0; i < rank; i++) field_int(&t, 1, dims[i]);
    field_int(&t, 2, 1); /* FLOAT */
    field_str(&t, 8, name);
    float *v = malloc(count * sizeof(float));
    if (!v) {
        s->g.oom = 1;
        return;
    }
    for (uint64_t i = 0; i < count; i++) v[i] = enet_synth_value(tid, i);
    field_bytes(&t, 9, v, count * sizeof(float)); /* little-endian host assumed (x86, arm64) */
    free(v);
    field_msg(&s->g, 5, &t);
    if (tid % 3 == 0) {
        pbuf n = {0};
        sprintf(name_out, "dedup_%d", s->dedup++);
        field_str(&n, 1, name);
        field_str(&n, 2, name_out);
        field_str(&n, 3, name_out);
        field_str(&n, 4, "Identity");
        field_msg(&s->ids, 1, &n);
    } else {
        strcpy(name_out, name);
    }
}

typedef struct attr {
    const char *name;
    int kind;           /* 0 int, 1 ints, 2 string, 3 float */
    int64_t i;
    const int64_t *ints;
    int n;
    const char *s;
} attr;

static void node(synth *s, const char *op, const char *const *in, int n_in, const char *out,
                 const attr *attrs, int n_attrs)
{
    static int counter;
    pbuf n = {0};
    char nm[48];
    for (int i = 0; i < n_in; i++) field_str(&n, 1, in[i]);
    field_str(&n, 2, out);
    sprintf(nm, "%s_%d", op, counter++);
    field_str(&n, 3, nm);
    field_str(&n, 4, op);
    for (int i = 0; i < n_attrs; i++) {
        pbuf a = {0};
        field_str(&a, 1, attrs[i].name);
        if (attrs[i].kind == 0) {
            field_int(&a, 3, attrs[i].i);
            field_int(&a, 20, 2);
        } else if (attrs[i].kind == 1) {
            for (int k = 0; k < attrs[i].n; k++) field_int(&a, 8, attrs[i].ints[k]);
            field_int(&a, 20, 7);
        } else if (attrs[i].kind == 2) {
            field_str(&a, 4, attrs[i].s);
            field_int(&a, 20, 3);
        } else {
            float f = (float)attrs[i].i;
            tag(&a, 2, 5);
            put(&a, &f, 4);
            field_int(&a, 20, 1);
        }
        field_msg(&n, 5, &a);
    }
    field_msg(&s->g, 1, &n);
}

/* An int64 Constant node. */
static void constant_i64(synth *s, const char *out, int64_t v)
{
    pbuf n = {0}, a = {0}, t = {0};
    field_str(&n, 2, out);
    field_str(&n, 4, "Constant");
    field_str(&a, 1, "value");
    field_int(&t, 2, 7);
    field_int(&t, 7, v);
    field_msg(&a, 5, &t);
    field_int(&a, 20, 4);
    field_msg(&n, 5, &a);
    field_msg(&s->g, 1, &n);
}

static void silu(synth *s, const char *x, char *out)
{
    char sg[16];
    newval(s, sg);
    node(s, "Sigmoid", (const char *[]){x}, 1, sg, NULL, 0);
    newval(s, out);
    node(s, "Mul", (const char *[]){x, sg}, 2, out, NULL, 0);
}

/* Pad amounts computed from Shape(x) like timm's Conv2dSame export (values never evaluated). */
static void tf_pad(synth *s, const char *x, char *out)
{
    char sh[16], c0[16], g[16], c1[16], d[16], u[16], cat[16], pads[16];
    newval(s, sh);
    node(s, "Shape", (const char *[]){x}, 1, sh, NULL, 0);
    newval(s, c0);
    constant_i64(s, c0, 2);
    newval(s, g);
    node(s, "Gather", (const char *[]){sh, c0}, 2, g, (attr[]){{"axis", 0, 0, 0, 0, 0}}, 1);
    newval(s, c1);
    constant_i64(s, c1, 225);
    newval(s, d);
    node(s, "Sub", (const char *[]){c1, g}, 2, d, NULL, 0);
    newval(s, u);
    static const int64_t ax0[1] = {0};
    node(s, "Unsqueeze", (const char *[]){d}, 1, u, (attr[]){{"axes", 1, 0, ax0, 1, 0}}, 1);
    newval(s, cat);
    node(s, "Concat", (const char *[]){u, u, u, u, u, u, u, u}, 8, cat,
         (attr[]){{"axis", 0, 0, 0, 0, 0}}, 1);
    newval(s, pads);
    node(s, "Cast", (const char *[]){cat}, 1, pads, (attr[]){{"to", 0, 7, 0, 0, 0}}, 1);
    newval(s, out);
    node(s, "Pad", (const char *[]){x, pads, ""}, 3, out, (attr[]){{"mode", 2, 0, 0, 0, "constant"}}, 1);
}

/* Conv with folded bias; stride 2 goes through tf_pad unless no_pad. */
static void conv(synth *s, const char *x, char *out, int cin, int cout, int k, int stride,
                 int group, int no_pad, int *wid)
{
    char w[32], b[32], in[16];
    int64_t wd[4] = {cout, cin / group, k, k}, bd[1] = {cout};
    init_tensor(s, w, 4, wd, wid);
    init_tensor(s, b, 1, bd, NULL);
    const char *src = x;
    int64_t p = stride == 1 ? k / 2 : 0;
    if (stride == 2 && !no_pad) {
        tf_pad(s, x, in);
        src = in;
    }
    const int64_t ks[2] = {k, k}, st[2] = {stride, stride}, pads[4] = {p, p, p, p},
                  dil[2] = {1, 1};
    attr at[5] = {{"dilations", 1, 0, dil, 2, 0}, {"group", 0, group, 0, 0, 0},
                  {"kernel_shape", 1, 0, ks, 2, 0}, {"pads", 1, 0, pads, 4, 0},
                  {"strides", 1, 0, st, 2, 0}};
    newval(s, out);
    node(s, "Conv", (const char *[]){src, w, b}, 3, out, at, 5);
}

static void se(synth *s, const char *x, char *out, int c, int rd)
{
    char r[16], a[16], e[16], g[16], act[16];
    static const int64_t axes[2] = {2, 3};
    newval(s, r);
    node(s, "ReduceMean", (const char *[]){x}, 1, r,
         (attr[]){{"axes", 1, 0, axes, 2, 0}, {"keepdims", 0, 1, 0, 0, 0}}, 2);
    conv(s, r, a, c, rd, 1, 1, 1, 0, NULL);
    silu(s, a, act);
    conv(s, act, e, rd, c, 1, 1, 1, 0, NULL);
    newval(s, g);
    node(s, "Sigmoid", (const char *[]){e}, 1, g, NULL, 0);
    newval(s, out);
    node(s, "Mul", (const char *[]){x, g}, 2, out, NULL, 0);
}

uint8_t *enet_synth_build(const enet_synth_opts *o, size_t *size)
{
    static const int K[7] = {3, 3, 5, 3, 5, 5, 3}, S[7] = {1, 2, 2, 2, 1, 2, 1},
                     E[7] = {1, 6, 6, 6, 6, 6, 6};
    static const int R0[7] = {1, 2, 2, 3, 3, 4, 1}, O0[7] = {16, 24, 40, 80, 112, 192, 320};
    static const int R2[7] = {2, 3, 3, 4, 4, 5, 2}, O2[7] = {16, 24, 48, 88, 120, 208, 352};
    const int *R = o->b2 ? R2 : R0, *O = o->b2 ? O2 : O0;
    int head = o->b2 ? 1408 : 1280, size_px = o->b2 ? 260 : 224;
    synth s;
    memset(&s, 0, sizeof s);
    char x[16], y[16], t[16];
    conv(&s, "input", t, 3, 32, 3, 2, 1, 0, &enet_synth_stem_w_id);
    silu(&s, t, x);
    int cin = 32;
    for (int st = 0; st < 7; st++)
        for (int r = 0; r < R[st]; r++) {
            int stride = r == 0 ? S[st] : 1, mid = cin * E[st], cout = O[st];
            char h[16], d[16], a[16], g[16], p[16];
            strcpy(h, x);
            if (E[st] != 1) {
                conv(&s, x, t, cin, mid, 1, 1, 1, 0, NULL);
                silu(&s, t, h);
            }
            conv(&s, h, d, mid, mid, K[st], stride, mid, r == 0 && st == o->drop_pad_stage, NULL);
            silu(&s, d, a);
            se(&s, a, g, mid, (cin + 2) / 4);
            conv(&s, g, p, mid, cout, 1, 1, 1, 0, NULL);
            if (stride == 1 && cin == cout) {
                newval(&s, y);
                node(&s, "Add", (const char *[]){p, x}, 2, y, NULL, 0);
            } else {
                strcpy(y, p);
            }
            strcpy(x, y);
            cin = cout;
        }
    char hc[16], ha[16], gp[16], fl[16], w[32], b[32];
    conv(&s, x, hc, cin, head, 1, 1, 1, 0, NULL);
    silu(&s, hc, ha);
    newval(&s, gp);
    node(&s, "GlobalAveragePool", (const char *[]){ha}, 1, gp, NULL, 0);
    newval(&s, fl);
    node(&s, "Flatten", (const char *[]){gp}, 1, fl, (attr[]){{"axis", 0, 1, 0, 0, 0}}, 1);
    int64_t wd[2] = {o->trans_b ? o->n_scores : head, o->trans_b ? head : o->n_scores};
    int64_t bd[1] = {o->n_scores};
    init_tensor(&s, w, 2, wd, &enet_synth_gemm_w_id);
    init_tensor(&s, b, 1, bd, &enet_synth_gemm_b_id);
    const char *gout = o->softmax_tail ? "logits" : "output";
    node(&s, "Gemm", (const char *[]){fl, w, b}, 3, gout,
         (attr[]){{"alpha", 3, 1, 0, 0, 0}, {"beta", 3, 1, 0, 0, 0},
                  {"transB", 0, o->trans_b, 0, 0, 0}}, 3);
    if (o->softmax_tail)
        node(&s, "Softmax", (const char *[]){"logits"}, 1, "output",
             (attr[]){{"axis", 0, 1, 0, 0, 0}}, 1);

    /* Graph inputs/outputs: input [batch,3,S,S] float, output [batch,N]. */
    pbuf vi = {0}, ty = {0}, tt = {0}, shp = {0}, dim = {0};
    field_str(&dim, 2, "batch_size");
    field_msg(&shp, 1, &dim);
    int64_t dd[3] = {3, size_px, size_px};
    for (int i = 0; i < 3; i++) {
        field_int(&dim, 1, dd[i]);
        field_msg(&shp, 1, &dim);
    }
    field_int(&tt, 1, 1);
    field_msg(&tt, 2, &shp);
    field_msg(&ty, 1, &tt);
    field_str(&vi, 1, "input");
    field_msg(&vi, 2, &ty);
    field_msg(&s.g, 11, &vi);
    field_str(&vi, 1, "output");
    field_msg(&s.g, 12, &vi);
    field_str(&s.g, 2, "torch_jit");

    /* Identity nodes first (as the exporter emits them), then the rest of the graph. */
    pbuf graph = {0};
    put(&graph, s.ids.d, s.ids.n);
    put(&graph, s.g.d, s.g.n);
    if (s.ids.oom || s.g.oom) graph.oom = 1;
    free(s.ids.d);
    free(s.g.d);
    pbuf model = {0}, opset = {0};
    field_int(&model, 1, 6);
    field_str(&model, 2, "pytorch");
    field_msg(&model, 7, &graph);
    field_str(&opset, 1, "");
    field_int(&opset, 2, 11);
    field_msg(&model, 8, &opset);
    if (model.oom) {
        free(model.d);
        return NULL;
    }
    *size = model.n;
    return model.d;
}

/* ---- EMW with a rewritten input size ------------------------------------------------------- */

#include "weights/convert.h"

static emoc_status copy_with_size(const emw_file *in, int input_size, emw_writer *w)
{
    emoc_status st = EMOC_OK;
    for (size_t i = 0; i < in->n_meta && !st; i++) {
        const emw_meta *m = &in->meta[i];
        switch (m->type) {
        case EMW_T_I64:
            st = emw_writer_meta_i64(w, m->key, strcmp(m->key, "input.size") ? m->i64 : input_size);
            break;
        case EMW_T_F64: st = emw_writer_meta_f64(w, m->key, m->f64); break;
        case EMW_T_STR: st = emw_writer_meta_str(w, m->key, m->str); break;
        case EMW_T_I64_ARRAY: st = emw_writer_meta_i64_array(w, m->key, m->i64s, m->count); break;
        case EMW_T_F64_ARRAY: st = emw_writer_meta_f64_array(w, m->key, m->f64s, m->count); break;
        case EMW_T_STR_ARRAY: st = emw_writer_meta_str_array(w, m->key, m->strs, m->count); break;
        }
    }
    for (size_t i = 0; i < in->n_tensors && !st; i++) {
        const emw_tensor *t = &in->tensors[i];
        float *v = malloc(t->count * sizeof(float));
        if (!v) return EMOC_E_NOMEM;
        emw_tensor_to_f32(t, v);
        st = emw_writer_add_tensor(w, t->name, t->dtype, t->rank, t->dims, v);
        free(v);
    }
    return st;
}

uint8_t *enet_synth_emw(const enet_synth_opts *o, const char *source_name, int input_size,
                        size_t *size, emoc_error *err)
{
    size_t onnx_size = 0, emw_size = 0;
    uint8_t *onnx = enet_synth_build(o, &onnx_size), *emw = NULL, *out = NULL;
    emw_writer *w = NULL, *w2 = NULL;
    emoc_convert_opts opts = {EMW_F32, source_name};
    emw_file f;
    if (!onnx || emw_writer_create(&w) || emw_writer_create(&w2)) goto done;
    if (emoc__convert_onnx(onnx, onnx_size, &opts, w, err) != EMOC_OK) goto done;
    if (emw_writer_to_memory(w, &emw, &emw_size) != EMOC_OK) goto done;
    if (input_size <= 0) {
        out = emw;
        emw = NULL;
        *size = emw_size;
        goto done;
    }
    if (emw_parse(emw, emw_size, 0, &f, err) != EMOC_OK) goto done;
    if (copy_with_size(&f, input_size, w2) == EMOC_OK) emw_writer_to_memory(w2, &out, size);
    emw_file_release(&f);
done:
    free(onnx);
    free(emw);
    emw_writer_free(w);
    emw_writer_free(w2);
    return out;
}
