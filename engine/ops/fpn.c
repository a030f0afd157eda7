/*
 * fpn.c — upsample_add and concat (engine/ops/fpn.h).
 */
#include "engine/ops/fpn.h"

#include "engine/core/ops.h"

#include <math.h>
#include <string.h>

int emoc__nearest_index(int dst, int in, int out)
{
    if (out == in) return dst;
    if (out == 2 * in) return dst >> 1;
    float scale = (float)in / (float)out;
    int src = (int)floorf((float)dst * scale);
    return src < in - 1 ? src : in - 1;
}

void emoc__upsample_add_rows(const float *a, const float *b, int H, int W, int C, int h, int w,
                             float *out, int y0, int y1)
{
    for (int y = y0; y < y1; y++) {
        int sy = emoc__nearest_index(y, h, H);
        for (int x = 0; x < W; x++) {
            int sx = emoc__nearest_index(x, w, W);
            const float *pa = a + ((size_t)y * W + x) * C;
            const float *pb = b + ((size_t)sy * w + sx) * C;
            float *po = out + ((size_t)y * W + x) * C;
            for (int c = 0; c < C; c++) po[c] = pa[c] + pb[c];
        }
    }
}

typedef struct {
    const float *a, *b;
    float *out;
    int H, W, C, h, w, n_tasks;
    const emoc_kernel_table *kt;
} upadd_job;

/* Rows [y0, y1) through the ISA's eltwise kernel (engine/ops/fpn.h). */
void emoc__upsample_add_rows_kt(const emoc_kernel_table *kt, const float *a, const float *b, int H,
                                int W, int C, int h, int w, float *out, int y0, int y1)
{
    enum { TMP = 4096 };
    float tmp[TMP];
    const size_t c = (size_t)C;
    if (C < 1 || c > TMP) {
        emoc__upsample_add_rows(a, b, H, W, C, h, w, out, y0, y1);
        return;
    }
    const int run = (int)(TMP / c);
    for (int y = y0; y < y1; y++) {
        const float *brow = b + (size_t)emoc__nearest_index(y, h, H) * (size_t)w * c;
        for (int x0 = 0; x0 < W; x0 += run) {
            const int n = W - x0 < run ? W - x0 : run;
            for (int i = 0; i < n; i++)
                memcpy(tmp + (size_t)i * c, brow + (size_t)emoc__nearest_index(x0 + i, w, W) * c,
                       c * sizeof(float));
            const size_t off = ((size_t)y * (size_t)W + (size_t)x0) * c;
            kt->eltwise.add_act(a + off, tmp, out + off, (size_t)n * c, EMOC_ACT_NONE);
        }
    }
}

static void upadd_task(void *arg, int t)
{
    upadd_job *j = arg;
    int lo, hi;
    emoc__split(j->H, j->n_tasks, t, &lo, &hi);
    if (hi > lo)
        emoc__upsample_add_rows_kt(j->kt, j->a, j->b, j->H, j->W, j->C, j->h, j->w, j->out, lo, hi);
}

static int tasks_for(const emoc_exec_ctx *ctx, int rows)
{
    int t = emoc__pool_threads(ctx->pool);
    int n = t <= 1 ? 1 : 4 * t;
    return n < rows ? n : rows;
}

static void exec_upsample_add(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const emoc_buffer *A = &ctx->plan->bufs[op->in[0]], *B = &ctx->plan->bufs[op->in[1]];
    upadd_job j = {emoc__buf_ptr(ctx, op->in[0]), emoc__buf_ptr(ctx, op->in[1]),
                   emoc__buf_ptr(ctx, op->out), A->h, A->w, A->c, B->h, B->w, 0, ctx->kt};
    j.n_tasks = tasks_for(ctx, A->h);
    emoc__parallel_for(ctx->pool, j.n_tasks, upadd_task, &j);
}

int emoc__op_upsample_add(emoc_pb *b, const char *node, int a, int small)
{
    int H = emoc__pb_h(b, a), W = emoc__pb_w(b, a), C = emoc__pb_c(b, a);
    int h = emoc__pb_h(b, small), w = emoc__pb_w(b, small), c = emoc__pb_c(b, small);
    if (emoc__pb_failed(b)) return -1;
    if (C != c || h < 1 || w < 1 || H < 1 || W < 1) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: upsample_add of %dx%dx%d and %dx%dx%d", node, H, W,
                     C, h, w, c);
        return -1;
    }
    int ins[2] = {a, small};
    emoc_op *op = emoc__pb_append(b, "upsample_add", node, exec_upsample_add, ins, 2, H, W, C,
                                 emoc__pb_kernels(b)->eltwise.name);
    if (!op) return -1;
    op->flops = (uint64_t)H * (uint64_t)W * (uint64_t)C;
    return op->out;
}

typedef struct {
    const float *in[EMOC_OP_MAX_IN];
    int cin[EMOC_OP_MAX_IN], n_in, C;
    float *out;
    size_t P;
    int n_tasks;
} concat_job;

static void concat_task(void *arg, int t)
{
    concat_job *j = arg;
    int lo, hi;
    emoc__split((int)j->P, j->n_tasks, t, &lo, &hi);
    for (int p = lo; p < hi; p++) {
        float *o = j->out + (size_t)p * j->C;
        for (int k = 0; k < j->n_in; k++) {
            memcpy(o, j->in[k] + (size_t)p * j->cin[k], (size_t)j->cin[k] * sizeof(float));
            o += j->cin[k];
        }
    }
}

static void exec_concat(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    concat_job j = {.n_in = op->n_in, .out = emoc__buf_ptr(ctx, op->out)};
    const emoc_buffer *ob = &ctx->plan->bufs[op->out];
    j.C = ob->c;
    j.P = (size_t)ob->h * (size_t)ob->w;
    for (int k = 0; k < op->n_in; k++) {
        j.in[k] = emoc__buf_ptr(ctx, op->in[k]);
        j.cin[k] = ctx->plan->bufs[op->in[k]].c;
    }
    j.n_tasks = tasks_for(ctx, ob->h);
    emoc__parallel_for(ctx->pool, j.n_tasks, concat_task, &j);
}

int emoc__op_concat(emoc_pb *b, const char *node, const int *ins, int n_in)
{
    if (n_in < 1 || n_in > EMOC_OP_MAX_IN) {
        emoc__pb_fail(b, EMOC_E_INTERNAL, "%s: concat of %d inputs", node, n_in);
        return -1;
    }
    int H = emoc__pb_h(b, ins[0]), W = emoc__pb_w(b, ins[0]), C = 0;
    for (int k = 0; k < n_in; k++) {
        if (emoc__pb_h(b, ins[k]) != H || emoc__pb_w(b, ins[k]) != W) {
            emoc__pb_fail(b, EMOC_E_SHAPE, "%s: concat input %d is %dx%d, input 0 is %dx%d", node,
                         k, emoc__pb_h(b, ins[k]), emoc__pb_w(b, ins[k]), H, W);
            return -1;
        }
        C += emoc__pb_c(b, ins[k]);
    }
    emoc_op *op = emoc__pb_append(b, "concat", node, exec_concat, ins, n_in, H, W, C,
                                 "emoc_f32_concat__ref");
    return op ? op->out : -1;
}
