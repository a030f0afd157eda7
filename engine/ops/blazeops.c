/*
 * blazeops.c — the BlazeFace data-movement and resampling ops (API and semantics: blazeops.h).
 */
#include "engine/ops/blazeops.h"

#include "engine/core/ops.h"

#include <math.h>
#include <string.h>

typedef struct blaze_params {
    int t, l, c_front;          /* pad */
    int half_pixel;             /* resize */
    int block;                  /* depth2space */
    emoc_act act;               /* add_act, act */
} blaze_params;
_Static_assert(sizeof(blaze_params) <= EMOC_OP_PARAMS, "blaze params too large");

/* ---- compute ---------------------------------------------------------------------------- */

void emoc__blaze_pad(const float *x, int H, int W, int C, int t, int l, int c_front, float *y,
                     int OH, int OW, int OC, int y0, int y1)
{
    (void)OH;
    for (int oy = y0; oy < y1; oy++) {
        float *row = y + (size_t)oy * (size_t)OW * (size_t)OC;
        memset(row, 0, (size_t)OW * (size_t)OC * sizeof(float));
        int iy = oy - t;
        if (iy < 0 || iy >= H) continue;
        for (int ix = 0; ix < W; ix++)
            memcpy(row + (size_t)(ix + l) * (size_t)OC + (size_t)c_front,
                   x + ((size_t)iy * (size_t)W + (size_t)ix) * (size_t)C, (size_t)C * sizeof(float));
    }
}

static void interp(int out, int in, int half_pixel, int i, int *lo, int *hi, float *frac)
{
    float scale = (float)in / (float)out;
    float s = half_pixel ? ((float)i + 0.5f) * scale - 0.5f : (float)i * scale;
    float fl = floorf(s);
    *lo = fl < 0.0f ? 0 : (int)fl;
    int c = (int)ceilf(s);
    *hi = c > in - 1 ? in - 1 : c;
    *frac = s - (float)*lo;
}

void emoc__blaze_resize(const float *x, int H, int W, int C, float *y, int OH, int OW,
                        int half_pixel, int y0, int y1)
{
    for (int oy = y0; oy < y1; oy++) {
        int ylo, yhi;
        float dy;
        interp(OH, H, half_pixel, oy, &ylo, &yhi, &dy);
        for (int ox = 0; ox < OW; ox++) {
            int xlo, xhi;
            float dx;
            interp(OW, W, half_pixel, ox, &xlo, &xhi, &dx);
            const float *a = x + ((size_t)ylo * (size_t)W + (size_t)xlo) * (size_t)C;
            const float *bb = x + ((size_t)ylo * (size_t)W + (size_t)xhi) * (size_t)C;
            const float *c2 = x + ((size_t)yhi * (size_t)W + (size_t)xlo) * (size_t)C;
            const float *d = x + ((size_t)yhi * (size_t)W + (size_t)xhi) * (size_t)C;
            float *o = y + ((size_t)oy * (size_t)OW + (size_t)ox) * (size_t)C;
            for (int c = 0; c < C; c++)
                o[c] = a[c] * (1.0f - dy) * (1.0f - dx) + c2[c] * dy * (1.0f - dx) +
                       bb[c] * (1.0f - dy) * dx + d[c] * dy * dx;
        }
    }
}

void emoc__blaze_depth2space(const float *x, int H, int W, int C, int block, float *y, int y0,
                             int y1)
{
    (void)H;
    int OC = C / (block * block), OW = W * block;
    for (int oy = y0; oy < y1; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const float *src = x + ((size_t)(oy / block) * (size_t)W + (size_t)(ox / block)) * (size_t)C +
                               (size_t)((oy % block) * block + ox % block) * (size_t)OC;
            memcpy(y + ((size_t)oy * (size_t)OW + (size_t)ox) * (size_t)OC, src,
                   (size_t)OC * sizeof(float));
        }
}

/* ---- exec ------------------------------------------------------------------------------- */

typedef struct row_job {
    const emoc_op *op;
    const emoc_exec_ctx *ctx;
    int rows, n_tasks;
} row_job;

static void run_rows(const emoc_op *op, const emoc_exec_ctx *ctx, emoc_task_fn fn)
{
    const emoc_buffer *ob = &ctx->plan->bufs[op->out];
    row_job j = {op, ctx, ob->h, 1};
    int threads = emoc__pool_threads(ctx->pool);
    size_t work = (size_t)ob->h * (size_t)ob->w * (size_t)ob->c;
    if (work >= 32768 && threads > 1) j.n_tasks = threads < ob->h ? threads : ob->h;
    emoc__parallel_for(ctx->pool, j.n_tasks, fn, &j);
}

#define ROW_TASK(name, ...)                                                                  \
    static void name(void *arg, int task)                                                     \
    {                                                                                         \
        const row_job *j = arg;                                                               \
        const emoc_op *op = j->op;                                                            \
        const emoc_exec_ctx *ctx = j->ctx;                                                    \
        const emoc_buffer *ib = &ctx->plan->bufs[op->in[0]], *ob = &ctx->plan->bufs[op->out]; \
        const blaze_params *p = (const blaze_params *)op->params;                             \
        int y0, y1;                                                                           \
        emoc__split(j->rows, j->n_tasks, task, &y0, &y1);                                     \
        const float *x = emoc__buf_ptr(ctx, op->in[0]);                                        \
        float *y = emoc__buf_ptr(ctx, op->out);                                                \
        (void)ib; (void)ob; (void)p; (void)x; (void)y;                                        \
        __VA_ARGS__                                                                           \
    }                                                                                         \
    static void name##_exec(const emoc_op *op, const emoc_exec_ctx *ctx) { run_rows(op, ctx, name); }

ROW_TASK(pad_task, emoc__blaze_pad(x, ib->h, ib->w, ib->c, p->t, p->l, p->c_front, y, ob->h,
                                   ob->w, ob->c, y0, y1);)
ROW_TASK(maxpool_task, ctx->kt->eltwise.max2x2(x, ib->w, ib->c, y, y0, y1);)
ROW_TASK(resize_task, emoc__blaze_resize(x, ib->h, ib->w, ib->c, y, ob->h, ob->w,
                                         p->half_pixel, y0, y1);)
ROW_TASK(d2s_task, emoc__blaze_depth2space(x, ib->h, ib->w, ib->c, p->block, y, y0, y1);)
ROW_TASK(add_task, {
    const float *b2 = emoc__buf_ptr(ctx, op->in[1]);
    size_t n = (size_t)ob->w * (size_t)ob->c, lo = (size_t)y0 * n, hi = (size_t)y1 * n;
    ctx->kt->eltwise.add_act(x + lo, b2 + lo, y + lo, hi - lo, p->act);
})
ROW_TASK(act_task, {
    size_t n = (size_t)ob->w * (size_t)ob->c, lo = (size_t)y0 * n, hi = (size_t)y1 * n;
    memcpy(y + lo, x + lo, (hi - lo) * sizeof(float));
    ctx->kt->act.fn(y + lo, hi - lo, ob->c, NULL, p->act);
})

/* Two inputs copied one after the other (concat_flat, blaze_output). */
static void concat_exec(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const emoc_buffer *a = &ctx->plan->bufs[op->in[0]];
    size_t na = (size_t)a->h * (size_t)a->w * (size_t)a->c;
    const emoc_buffer *bb = &ctx->plan->bufs[op->in[1]];
    size_t nb = (size_t)bb->h * (size_t)bb->w * (size_t)bb->c;
    float *y = emoc__buf_ptr(ctx, op->out);
    memcpy(y, emoc__buf_ptr(ctx, op->in[0]), na * sizeof(float));
    memcpy(y + na, emoc__buf_ptr(ctx, op->in[1]), nb * sizeof(float));
}

/* ---- builders --------------------------------------------------------------------------- */

static int in_ok(emoc_pb *b, const char *node, int in)
{
    if (emoc__pb_failed(b)) return 0;
    if (emoc__pb_h(b, in) < 1) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: input buffer %d is not valid", node, in);
        return 0;
    }
    return 1;
}

static emoc_op *append1(emoc_pb *b, const char *type, const char *node, emoc_exec_fn fn, int in,
                        int oh, int ow, int oc, const char *kernel)
{
    emoc_op *op = emoc__pb_append(b, type, node, fn, &in, 1, oh, ow, oc, kernel);
    if (op) memset(op->params, 0, sizeof(blaze_params));
    return op;
}

int emoc__op_pad(emoc_pb *b, const char *node, int in, int t, int l, int bo, int r, int c_front,
                int c_back)
{
    if (!in_ok(b, node, in)) return -1;
    if (t < 0 || l < 0 || bo < 0 || r < 0 || c_front < 0 || c_back < 0 || t > 64 || l > 64 ||
        bo > 64 || r > 64 || c_front > 4096 || c_back > 4096) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: padding %d,%d,%d,%d channels %d,%d out of range", node,
                     t, l, bo, r, c_front, c_back);
        return -1;
    }
    int H = emoc__pb_h(b, in), W = emoc__pb_w(b, in), C = emoc__pb_c(b, in);
    emoc_op *op = append1(b, "pad", node, pad_task_exec, in, H + t + bo, W + l + r,
                          C + c_front + c_back, "emoc_f32_pad__ref");
    if (!op) return -1;
    blaze_params *p = (blaze_params *)op->params;
    p->t = t;
    p->l = l;
    p->c_front = c_front;
    return op->out;
}

int emoc__op_maxpool2(emoc_pb *b, const char *node, int in)
{
    if (!in_ok(b, node, in)) return -1;
    int H = emoc__pb_h(b, in), W = emoc__pb_w(b, in), C = emoc__pb_c(b, in);
    if (H < 2 || W < 2) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: max pool 2x2 of a %dx%d input", node, H, W);
        return -1;
    }
    emoc_op *op = append1(b, "maxpool", node, maxpool_task_exec, in, H / 2, W / 2, C,
                          emoc__pb_kernels(b)->eltwise.name);
    if (op) op->flops = 3ull * (uint64_t)(H / 2) * (uint64_t)(W / 2) * (uint64_t)C;
    return op ? op->out : -1;
}

int emoc__op_resize_bilinear(emoc_pb *b, const char *node, int in, int oh, int ow, int half_pixel)
{
    if (!in_ok(b, node, in)) return -1;
    if (oh < 1 || ow < 1 || oh > 4096 || ow > 4096) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: resize to %dx%d out of range", node, oh, ow);
        return -1;
    }
    emoc_op *op = append1(b, "resize", node, resize_task_exec, in, oh, ow, emoc__pb_c(b, in),
                          "emoc_f32_resize_bilinear__ref");
    if (!op) return -1;
    ((blaze_params *)op->params)->half_pixel = half_pixel != 0;
    op->flops = 11ull * (uint64_t)oh * (uint64_t)ow * (uint64_t)emoc__pb_c(b, in);
    return op->out;
}

int emoc__op_depth2space(emoc_pb *b, const char *node, int in, int block)
{
    if (!in_ok(b, node, in)) return -1;
    int H = emoc__pb_h(b, in), W = emoc__pb_w(b, in), C = emoc__pb_c(b, in);
    if (block < 2 || block > 16 || C % (block * block)) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: depth to space block %d on %d channels", node, block, C);
        return -1;
    }
    emoc_op *op = append1(b, "depth2space", node, d2s_task_exec, in, H * block, W * block,
                          C / (block * block), "emoc_f32_depth2space__ref");
    if (!op) return -1;
    ((blaze_params *)op->params)->block = block;
    return op->out;
}

int emoc__op_add_act(emoc_pb *b, const char *node, int a, int bb, emoc_act act)
{
    if (!in_ok(b, node, a) || !in_ok(b, node, bb)) return -1;
    int H = emoc__pb_h(b, a), W = emoc__pb_w(b, a), C = emoc__pb_c(b, a);
    if (emoc__pb_h(b, bb) != H || emoc__pb_w(b, bb) != W || emoc__pb_c(b, bb) != C) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: add of %dx%dx%d and %dx%dx%d", node, H, W, C,
                     emoc__pb_h(b, bb), emoc__pb_w(b, bb), emoc__pb_c(b, bb));
        return -1;
    }
    int ins[2] = {a, bb};
    emoc_op *op = emoc__pb_append(b, "add", node, add_task_exec, ins, 2, H, W, C,
                                 emoc__pb_kernels(b)->eltwise.name);
    if (!op) return -1;
    memset(op->params, 0, sizeof(blaze_params));
    ((blaze_params *)op->params)->act = act;
    op->flops = 2ull * (uint64_t)H * (uint64_t)W * (uint64_t)C;
    return op->out;
}

int emoc__op_act(emoc_pb *b, const char *node, int in, emoc_act act)
{
    if (!in_ok(b, node, in)) return -1;
    emoc_op *op = append1(b, "act", node, act_task_exec, in, emoc__pb_h(b, in), emoc__pb_w(b, in),
                          emoc__pb_c(b, in), emoc__pb_kernels(b)->act.name);
    if (!op) return -1;
    ((blaze_params *)op->params)->act = act;
    op->flops = (uint64_t)emoc__pb_h(b, in) * (uint64_t)emoc__pb_w(b, in) * (uint64_t)emoc__pb_c(b, in);
    return op->out;
}

static size_t flat(emoc_pb *b, int buf)
{
    return (size_t)emoc__pb_h(b, buf) * (size_t)emoc__pb_w(b, buf) * (size_t)emoc__pb_c(b, buf);
}

int emoc__op_concat_flat(emoc_pb *b, const char *node, int a, int bb, int k)
{
    if (!in_ok(b, node, a) || !in_ok(b, node, bb)) return -1;
    size_t na = flat(b, a), nb = flat(b, bb);
    if (k < 1 || na % (size_t)k || nb % (size_t)k || (na + nb) / (size_t)k > (1u << 20)) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: %zu + %zu values are not rows of %d", node, na, nb, k);
        return -1;
    }
    int ins[2] = {a, bb};
    emoc_op *op = emoc__pb_append(b, "concat", node, concat_exec, ins, 2, 1,
                                 (int)((na + nb) / (size_t)k), k, "emoc_f32_copy__ref");
    return op ? op->out : -1;
}

int emoc__op_blaze_output(emoc_pb *b, const char *node, int reg, int cls)
{
    if (!in_ok(b, node, reg) || !in_ok(b, node, cls)) return -1;
    size_t nr = flat(b, reg), nc = flat(b, cls);
    if (nc < 1 || nr != nc * 16 || nc > (1u << 16)) {
        emoc__pb_fail(b, EMOC_E_SHAPE,
                     "%s: %zu regressor values for %zu anchors, expected 16 per anchor", node, nr,
                     nc);
        return -1;
    }
    int ins[2] = {reg, cls};
    emoc_op *op = emoc__pb_append(b, "output", node, concat_exec, ins, 2, 1, 1, (int)(nr + nc),
                                 "emoc_f32_copy__ref");
    return op ? op->out : -1;
}
