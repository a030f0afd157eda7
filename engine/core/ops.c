/*
 * ops.c — exec functions of the built-in ops: they fill the run-time pointers of the kernel
 * arguments and split the work over the thread pool. Splits are by output rows (convs) or by
 * pixels / output-channel panels (GEMM); a kernel computes each output element the same way
 * whatever the split, so outputs do not depend on the thread count.
 */
#include "engine/core/ops.h"

#include <string.h>

/* --- conv2d ------------------------------------------------------------------------------ */

typedef struct {
    const emoc__conv2d_params *p;
    emoc_conv2d_args a;
    int n_tasks;
} conv2d_job;

static void conv2d_task(void *arg, int t)
{
    conv2d_job *j = arg;
    int lo, hi;
    emoc__split(j->a.oh, j->n_tasks, t, &lo, &hi);
    if (hi > lo) j->p->fn(&j->a, lo, hi);
}

void emoc__exec_conv2d(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const emoc__conv2d_params *p = (const emoc__conv2d_params *)op->params;
    conv2d_job j = {p, p->a, 0};
    j.a.x = emoc__buf_ptr(ctx, op->in[0]);
    j.a.y = emoc__buf_ptr(ctx, op->out);
    j.n_tasks = emoc__tasks_for(ctx, j.a.oh, (double)op->flops / EMOC_RATE_CONV);
    emoc__parallel_for(ctx->pool, j.n_tasks, conv2d_task, &j);
}

/* --- depthwise --------------------------------------------------------------------------- */

typedef struct {
    const emoc__dwconv_params *p;
    emoc_dwconv_args a;
    int n_tasks;
} dwconv_job;

static void dwconv_task(void *arg, int t)
{
    dwconv_job *j = arg;
    int lo, hi;
    emoc__split(j->a.oh, j->n_tasks, t, &lo, &hi);
    if (hi > lo) j->p->fn(&j->a, lo, hi);
}

void emoc__exec_dwconv(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const emoc__dwconv_params *p = (const emoc__dwconv_params *)op->params;
    dwconv_job j = {p, p->a, 0};
    j.a.x = emoc__buf_ptr(ctx, op->in[0]) + p->c0;
    j.a.y = emoc__buf_ptr(ctx, op->out) + p->c0;
    j.n_tasks = emoc__tasks_for(ctx, j.a.oh, (double)op->flops / EMOC_RATE_CONV);
    emoc__parallel_for(ctx->pool, j.n_tasks, dwconv_task, &j);
}

/* --- GEMM (pointwise conv, linear) ------------------------------------------------------- */

typedef struct {
    const emoc__gemm_params *p;
    emoc_gemm_args a;
    size_t P;
    int by_pixels;   /* 1: split pixels, 0: split output-channel panels */
    int n_tasks;
} gemm_job;

static void gemm_task(void *arg, int t)
{
    gemm_job *j = arg;
    size_t p0, p1;
    int n0, n1;
    emoc__gemm_part(j->P, j->a.N, j->p->nr, j->by_pixels, j->n_tasks, t, &p0, &p1, &n0, &n1);
    if (p1 > p0 && n1 > n0) j->p->fn(&j->a, p0, p1, n0, n1);
}

void emoc__exec_gemm(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const emoc__gemm_params *p = (const emoc__gemm_params *)op->params;
    const emoc_buffer *ob = &ctx->plan->bufs[op->out];
    gemm_job j = {p, p->a, (size_t)ob->h * (size_t)ob->w, 1, 1};
    j.a.x = emoc__buf_ptr(ctx, op->in[0]);
    j.a.y = emoc__buf_ptr(ctx, op->out);
    int k = 1;
    j.a.scale = p->scale_buf >= 0 ? emoc__buf_ptr(ctx, op->in[k++]) : NULL;
    j.a.residual = p->residual_buf >= 0 ? emoc__buf_ptr(ctx, op->in[k++]) : NULL;
    int threads = emoc__pool_threads(ctx->pool);
    const double est = (double)op->flops / EMOC_RATE_GEMM;
    if (threads > 1) {
        int units = emoc__gemm_cut(j.P, j.a.N, p->nr, threads, &j.by_pixels);
        j.n_tasks = emoc__tasks_for(ctx, units, est);
    }
    emoc__parallel_for(ctx->pool, j.n_tasks, gemm_task, &j);
}

/* --- global average pool ----------------------------------------------------------------- */

/* The pixels are cut into emoc__gap_chunks(P) fixed chunks (a function of P alone); the kernel
 * sums each chunk's pixels in order into the chunk's row of the scratch, and the caller adds the
 * chunk sums in chunk order and scales by 1/P: the same bits for any thread count. The work units
 * are (chunk, block of 64 channels) pairs, chunk-major, and tasks take contiguous runs of them:
 * bands of pixel rows, so each core reads the rows the producing conv (split by rows) wrote on
 * it, not the other core's (docs/performance.md, threads); a map too small for two chunks (7×7)
 * is split by channel blocks as before. */
#define GAP_BLOCK 64

typedef struct {
    emoc_gap_fn fn;
    const float *x;
    float *part;     /* chunks × C sums */
    size_t P, C;
    int chunks, blocks, n_tasks;
} gap_job;

static void gap_task(void *arg, int t)
{
    gap_job *j = arg;
    int lo, hi, p0, p1;
    emoc__split(j->chunks * j->blocks, j->n_tasks, t, &lo, &hi);
    for (int u = lo; u < hi;) { /* the task's units of one chunk in one kernel call */
        const int i = u / j->blocks, end = (i + 1) * j->blocks < hi ? (i + 1) * j->blocks : hi;
        const size_t c0 = (size_t)(u - i * j->blocks) * GAP_BLOCK;
        size_t c1 = (size_t)(end - i * j->blocks) * GAP_BLOCK;
        if (c1 > j->C) c1 = j->C;
        emoc__split((int)j->P, j->chunks, i, &p0, &p1);
        j->fn(j->x + (size_t)p0 * j->C, (size_t)(p1 - p0), j->C, j->part + (size_t)i * j->C, c0,
              c1);
        u = end;
    }
}

void emoc__exec_gap(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const emoc_buffer *ib = &ctx->plan->bufs[op->in[0]];
    const size_t P = (size_t)ib->h * (size_t)ib->w, C = (size_t)ib->c;
    gap_job j = {ctx->kt->gap.fn, emoc__buf_ptr(ctx, op->in[0]), ctx->scratch, P, C,
                 emoc__gap_chunks(P), (int)((C + GAP_BLOCK - 1) / GAP_BLOCK), 1};
    j.n_tasks = emoc__tasks_for(ctx, j.chunks * j.blocks, (double)(P * C) / EMOC_RATE_ELEMENTWISE);
    emoc__parallel_for(ctx->pool, j.n_tasks, gap_task, &j);
    float *y = emoc__buf_ptr(ctx, op->out);
    const float inv = 1.0f / (float)P;
    memcpy(y, j.part, C * sizeof(float));
    for (int i = 1; i < j.chunks; i++)
        for (size_t c = 0; c < C; c++) y[c] += j.part[(size_t)i * C + c];
    for (size_t c = 0; c < C; c++) y[c] *= inv;
}

/* --- elementwise add --------------------------------------------------------------------- */

typedef struct {
    const float *a, *b;
    float *y;
    int n, n_tasks;
} add_job;

static void add_task(void *arg, int t)
{
    add_job *j = arg;
    int lo, hi;
    emoc__split(j->n, j->n_tasks, t, &lo, &hi);
    for (int i = lo; i < hi; i++) j->y[i] = j->a[i] + j->b[i];
}

void emoc__exec_add(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const emoc_buffer *ob = &ctx->plan->bufs[op->out];
    add_job j = {emoc__buf_ptr(ctx, op->in[0]), emoc__buf_ptr(ctx, op->in[1]),
                 emoc__buf_ptr(ctx, op->out), ob->h * ob->w * ob->c, 1};
    j.n_tasks = emoc__tasks_for(ctx, j.n / 4096 + 1, (double)j.n / EMOC_RATE_ELEMENTWISE);
    emoc__parallel_for(ctx->pool, j.n_tasks, add_task, &j);
}
