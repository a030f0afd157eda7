/*
 * maxpool.c — ceil-mode max pooling and the width-major flatten of the MTCNN nets (maxpool.h).
 * Max pooling splits output rows across the pool; each output is computed by one task.
 */
#include "engine/ops/maxpool.h"

#include <string.h>

typedef struct pool_params {
    int ih, iw, c, k, s, oh, ow;
} pool_params;

int emoc__maxpool_out_ceil(int in, int k, int s)
{
    if (in < k || k < 1 || s < 1) return 0;
    int out = (in - k + s - 1) / s + 1;
    if ((out - 1) * s >= in) out--; /* PyTorch: the last window must start inside the input */
    return out;
}

void emoc__maxpool_rows(const float *x, int ih, int iw, int c, int k, int s, float *y, int oh,
                        int ow, int oy0, int oy1)
{
    (void)oh;
    for (int oy = oy0; oy < oy1; oy++) {
        int y0 = oy * s, y1 = y0 + k < ih ? y0 + k : ih;
        for (int ox = 0; ox < ow; ox++) {
            int x0 = ox * s, x1 = x0 + k < iw ? x0 + k : iw;
            float *o = y + ((size_t)oy * ow + ox) * c;
            memcpy(o, x + ((size_t)y0 * iw + x0) * c, sizeof(float) * (size_t)c);
            for (int yy = y0; yy < y1; yy++)
                for (int xx = x0; xx < x1; xx++) {
                    const float *p = x + ((size_t)yy * iw + xx) * c;
                    for (int ch = 0; ch < c; ch++)
                        if (p[ch] > o[ch] || p[ch] != p[ch]) o[ch] = p[ch]; /* NaN wins, as torch */
                }
        }
    }
}

typedef struct pool_task {
    const pool_params *p;
    const float *x;
    float *y;
    int n_tasks;
} pool_task;

static void pool_task_run(void *arg, int t)
{
    const pool_task *pt = arg;
    const pool_params *p = pt->p;
    int lo = (int)((long long)p->oh * t / pt->n_tasks), hi = (int)((long long)p->oh * (t + 1) / pt->n_tasks);
    emoc__maxpool_rows(pt->x, p->ih, p->iw, p->c, p->k, p->s, pt->y, p->oh, p->ow, lo, hi);
}

static void exec_maxpool(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const pool_params *p = (const pool_params *)op->params;
    int threads = emoc_pool_threads(ctx->pool);
    int n = threads <= 1 ? 1 : (threads * 4 < p->oh ? threads * 4 : p->oh);
    pool_task pt = {p, emoc_buf_ptr(ctx, op->in[0]), emoc_buf_ptr(ctx, op->out), n};
    if (n <= 1) pool_task_run(&pt, 0);
    else emoc_parallel_for(ctx->pool, n, pool_task_run, &pt);
}

int emoc_op_maxpool_ceil(emoc_pb *b, const char *node, int in, int k, int s)
{
    if (emoc_pb_failed(b)) return -1;
    int ih = emoc_pb_h(b, in), iw = emoc_pb_w(b, in), c = emoc_pb_c(b, in);
    int oh = emoc__maxpool_out_ceil(ih, k, s), ow = emoc__maxpool_out_ceil(iw, k, s);
    if (oh < 1 || ow < 1) {
        emoc_pb_fail(b, EMOC_E_SHAPE, "%s: %dx%d input is smaller than the %dx%d pooling window",
                     node, ih, iw, k, k);
        return -1;
    }
    emoc_op *op = emoc_pb_append(b, "maxpool", node, exec_maxpool, &in, 1, oh, ow, c,
                                 "emoc_f32_maxpool_ceil_1x1__ref");
    if (!op) return -1;
    pool_params *p = (pool_params *)op->params;
    *p = (pool_params){ih, iw, c, k, s, oh, ow};
    op->flops = (uint64_t)oh * (uint64_t)ow * (uint64_t)c * (uint64_t)(k * k);
    return op->out;
}

void emoc__flatten_wh(const float *x, int h, int w, int c, float *y)
{
    for (int xx = 0; xx < w; xx++)
        for (int yy = 0; yy < h; yy++)
            memcpy(y + ((size_t)xx * h + yy) * c, x + ((size_t)yy * w + xx) * c,
                   sizeof(float) * (size_t)c);
}

static void exec_flatten(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const int *d = (const int *)op->params;
    emoc__flatten_wh(emoc_buf_ptr(ctx, op->in[0]), d[0], d[1], d[2], emoc_buf_ptr(ctx, op->out));
}

int emoc_op_flatten_wh(emoc_pb *b, const char *node, int in)
{
    if (emoc_pb_failed(b)) return -1;
    int h = emoc_pb_h(b, in), w = emoc_pb_w(b, in), c = emoc_pb_c(b, in);
    emoc_op *op = emoc_pb_append(b, "flatten_wh", node, exec_flatten, &in, 1, 1, 1, h * w * c,
                                 "emoc_f32_flatten_wh_1x1__ref");
    if (!op) return -1;
    int *d = (int *)op->params;
    d[0] = h;
    d[1] = w;
    d[2] = c;
    return op->out;
}
