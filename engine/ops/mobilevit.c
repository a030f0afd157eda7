/*
 * mobilevit.c — exec and build functions of the MobileViTv2 ops (mobilevit.h). Work is split
 * over the thread pool by chunks (GroupNorm statistics), pixels or rows (affine, attention
 * output, resize) or channel ranges (attention context); every output element is computed by
 * one task with the same arithmetic, and reductions are over fixed chunks added in a fixed
 * order, so results do not depend on the thread count.
 *
 * Scratch (per-op, from the session's scratch area, used from the calling thread's slot only;
 * tasks write disjoint parts of it): GroupNorm keeps its chunk sums (double) and a[C];
 * attention keeps the scores s[4][N] and the context ctx[4][d].
 */
#include "engine/ops/mobilevit.h"
#include "engine/core/ops.h"

#include <math.h>
#include <string.h>

/* Tasks for a pass of `flops` elementwise-rate work over `units` independent parts: the shared
 * rule of engine/core/plan.h (emoc__tasks_for), so small passes stay on the calling thread. */
static int n_tasks_for(const emoc_exec_ctx *ctx, int units, double flops)
{
    return emoc__tasks_for(ctx, units, flops / EMOC_RATE_ELEMENTWISE);
}

/* ---- GroupNorm (one group) --------------------------------------------------------------- */

typedef struct {
    const float *gamma, *beta;
    float eps;
    size_t n, C, chunks;
} gn_params;

typedef struct {
    const emoc_groupnorm_kernel *k;
    const gn_params *p;
    const float *x;
    float *y, mean;
    const float *a;
    double *part;
    int pass, n_tasks; /* pass 0: sums, 1: squared deviations, 2: affine */
} gn_job;

static void gn_task(void *arg, int t)
{
    gn_job *j = arg;
    int lo, hi;
    if (j->pass == 2) {
        emoc__split((int)(j->p->n / j->p->C), j->n_tasks, t, &lo, &hi);
        if (hi > lo)
            j->k->apply(j->x, j->p->C, j->mean, j->a, j->p->beta, j->y, (size_t)lo, (size_t)hi);
        return;
    }
    emoc__split((int)j->p->chunks, j->n_tasks, t, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        size_t off = (size_t)i * EMOC_GN_CHUNK;
        size_t len = j->p->n - off < EMOC_GN_CHUNK ? j->p->n - off : EMOC_GN_CHUNK;
        j->part[i] = j->pass == 0 ? j->k->sum(j->x + off, len)
                                  : j->k->sqdev(j->x + off, len, j->mean);
    }
}

static double gn_total(const double *part, size_t chunks)
{
    double s = 0.0;
    for (size_t i = 0; i < chunks; i++) s += part[i];
    return s;
}

static void exec_groupnorm(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const gn_params *p = (const gn_params *)op->params;
    double *part = (double *)ctx->scratch;
    float *a = (float *)(part + p->chunks);
    gn_job j = {&ctx->kt->groupnorm, p, emoc__buf_ptr(ctx, op->in[0]), emoc__buf_ptr(ctx, op->out),
                0.0f, a, part, 0, n_tasks_for(ctx, (int)p->chunks, (double)p->n)};
    emoc__parallel_for(ctx->pool, j.n_tasks, gn_task, &j);
    double mean = gn_total(part, p->chunks) / (double)p->n;
    j.mean = (float)mean;
    j.pass = 1;
    emoc__parallel_for(ctx->pool, j.n_tasks, gn_task, &j);
    double var = gn_total(part, p->chunks) / (double)p->n;
    double rstd = 1.0 / sqrt(var + (double)p->eps);
    for (size_t c = 0; c < p->C; c++) a[c] = (float)((double)p->gamma[c] * rstd);
    j.pass = 2;
    j.n_tasks = n_tasks_for(ctx, (int)(p->n / p->C / 16), 2.0 * (double)p->n);
    emoc__parallel_for(ctx->pool, j.n_tasks, gn_task, &j);
}

int emoc__op_groupnorm1(emoc_pb *b, const char *node, int in, const char *gamma,
                       const char *beta, float eps)
{
    int H = emoc__pb_h(b, in), W = emoc__pb_w(b, in), C = emoc__pb_c(b, in);
    const float *g = emoc__pb_weight(b, gamma, 1, (int64_t[1]){C});
    const float *bt = emoc__pb_weight(b, beta, 1, (int64_t[1]){C});
    if (emoc__pb_failed(b)) return -1;
    if (!(eps > 0.0f && eps < 1.0f)) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: GroupNorm epsilon %g is not in (0, 1)", node, eps);
        return -1;
    }
    const emoc_kernel_table *kt = emoc__pb_kernels(b);
    emoc_op *op = emoc__pb_append(b, "groupnorm1", node, exec_groupnorm, &in, 1, H, W, C,
                                 kt->groupnorm.name);
    if (!op) return -1;
    gn_params *p = (gn_params *)op->params;
    p->gamma = g;
    p->beta = bt;
    p->eps = eps;
    p->C = (size_t)C;
    p->n = (size_t)H * (size_t)W * (size_t)C;
    p->chunks = (p->n + EMOC_GN_CHUNK - 1) / EMOC_GN_CHUNK;
    op->scratch_floats = 2 * p->chunks + (size_t)C;
    op->flops = 5ull * p->n;
    emoc__pb_op_uses(b, op, gamma);
    emoc__pb_op_uses(b, op, beta);
    return op->out;
}

/* ---- separable linear attention ---------------------------------------------------------- */

typedef struct {
    int H, W, d;
} la_params;

typedef struct {
    const emoc_linattn_kernel *k;
    const la_params *p;
    const float *qkv, *s;
    float *ctx, *y;
    int phase, n_tasks; /* 0: context over channel blocks, 1: apply over rows */
} la_job;

#define LA_CBLOCK 16

static void la_task(void *arg, int t)
{
    la_job *j = arg;
    const la_params *p = j->p;
    int lo, hi;
    if (j->phase == 0) {
        emoc__split((p->d + LA_CBLOCK - 1) / LA_CBLOCK, j->n_tasks, t, &lo, &hi);
        int c0 = lo * LA_CBLOCK, c1 = hi * LA_CBLOCK < p->d ? hi * LA_CBLOCK : p->d;
        if (c1 > c0) j->k->context(j->qkv, p->H, p->W, p->d, j->s, j->ctx, c0, c1);
    } else {
        emoc__split(p->H, j->n_tasks, t, &lo, &hi);
        if (hi > lo) j->k->apply(j->qkv, p->H, p->W, p->d, j->ctx, j->y, lo, hi);
    }
}

static void exec_linattn(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const la_params *p = (const la_params *)op->params;
    float *s = ctx->scratch, *cv = s + (size_t)p->H * p->W;
    const float *qkv = emoc__buf_ptr(ctx, op->in[0]);
    emoc__linattn_scores(qkv, p->H, p->W, p->d, s);
    la_job j = {&ctx->kt->linattn, p, qkv, s, cv, emoc__buf_ptr(ctx, op->out), 0,
                n_tasks_for(ctx, (p->d + LA_CBLOCK - 1) / LA_CBLOCK, (double)op->flops / 2)};
    emoc__parallel_for(ctx->pool, j.n_tasks, la_task, &j);
    j.phase = 1;
    j.n_tasks = n_tasks_for(ctx, p->H, (double)op->flops / 2);
    emoc__parallel_for(ctx->pool, j.n_tasks, la_task, &j);
}

int emoc__op_linattn(emoc_pb *b, const char *node, int qkv)
{
    int H = emoc__pb_h(b, qkv), W = emoc__pb_w(b, qkv), C = emoc__pb_c(b, qkv);
    if (emoc__pb_failed(b)) return -1;
    if (H % 2 || W % 2 || C < 3 || C % 2 == 0) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: linear attention needs an even H×W and 1 + 2d "
                     "channels; got %dx%dx%d", node, H, W, C);
        return -1;
    }
    int d = (C - 1) / 2;
    const emoc_kernel_table *kt = emoc__pb_kernels(b);
    emoc_op *op = emoc__pb_append(b, "linattn", node, exec_linattn, &qkv, 1, H, W, d,
                                 kt->linattn.name);
    if (!op) return -1;
    la_params *p = (la_params *)op->params;
    p->H = H;
    p->W = W;
    p->d = d;
    op->scratch_floats = (size_t)H * W + 4 * (size_t)d;
    op->flops = 4ull * (uint64_t)H * (uint64_t)W * (uint64_t)d + 4ull * (uint64_t)H * W;
    return op->out;
}

/* ---- bilinear resize, align_corners -------------------------------------------------------- */

typedef struct {
    int ih, iw, C, oh, ow;
} rs_params;

typedef struct {
    emoc_resize_fn fn;
    const rs_params *p;
    const float *x;
    float *y;
    int n_tasks;
} rs_job;

static void rs_task(void *arg, int t)
{
    rs_job *j = arg;
    const rs_params *p = j->p;
    int lo, hi;
    emoc__split(p->oh, j->n_tasks, t, &lo, &hi);
    if (hi > lo) j->fn(j->x, p->ih, p->iw, p->C, j->y, p->oh, p->ow, lo, hi);
}

static void exec_resize(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const rs_params *p = (const rs_params *)op->params;
    rs_job j = {ctx->kt->resize.bilinear_ac, p, emoc__buf_ptr(ctx, op->in[0]),
                emoc__buf_ptr(ctx, op->out), n_tasks_for(ctx, p->oh, (double)op->flops)};
    emoc__parallel_for(ctx->pool, j.n_tasks, rs_task, &j);
}

int emoc__op_resize_ac(emoc_pb *b, const char *node, int in, int oh, int ow)
{
    int H = emoc__pb_h(b, in), W = emoc__pb_w(b, in), C = emoc__pb_c(b, in);
    if (emoc__pb_failed(b)) return -1;
    const emoc_kernel_table *kt = emoc__pb_kernels(b);
    emoc_op *op = emoc__pb_append(b, "resize_ac", node, exec_resize, &in, 1, oh, ow, C,
                                 kt->resize.name);
    if (!op) return -1;
    rs_params *p = (rs_params *)op->params;
    *p = (rs_params){H, W, C, oh, ow};
    op->flops = 9ull * (uint64_t)oh * (uint64_t)ow * (uint64_t)C;
    return op->out;
}
