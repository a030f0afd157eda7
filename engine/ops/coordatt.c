/*
 * coordatt.c — coordinate attention for DDAMFN: strip pooling (means or DDAM's learned 1×W /
 * H×1 depthwise convs), the two sigmoid gate convs, and the broadcast products (coordatt.h).
 * The compute kernels come from the kernel table's coordatt slot
 * (engine/kernels/coordatt/: reference and AVX2), like every other op's.
 * Work is split by channel ranges (pool) or output rows (apply) with emoc__parallel_for; every
 * output element is computed by one task with the same arithmetic, so results do not depend
 * on the thread count.
 */
#include "engine/ops/coordatt.h"
#include "engine/core/ops.h"

#include <string.h>

/* Measured single-thread rates (flops per ns) of the strip pooling and the broadcast products
 * at DDAMFN's sizes, for emoc__tasks_for. */
#define RATE_POOL 15.0
#define RATE_APPLY 20.0

/* ---- pool op --------------------------------------------------------------------------- */

typedef struct {
    int H, W, C;
    const float *kh, *bh, *kw, *bw;   /* NULL: means */
    emoc_coord_pool_fn fn;
} pool_params;

typedef struct {
    const pool_params *p;
    const float *x;
    float *y;
    int n_tasks;
} pool_job;

static void pool_task(void *arg, int t)
{
    pool_job *j = arg;
    int lo, hi; /* whole 16-channel blocks per task: no two threads write one cache line */
    emoc__split((j->p->C + 15) / 16, j->n_tasks, t, &lo, &hi);
    lo *= 16;
    hi = hi * 16 < j->p->C ? hi * 16 : j->p->C;
    if (hi > lo) j->p->fn(j->x, j->p->H, j->p->W, j->p->C, j->p->kh, j->p->bh, j->p->kw, j->p->bw,
                          j->y, lo, hi);
}

static void exec_pool(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const pool_params *p = (const pool_params *)op->params;
    pool_job j = {p, emoc__buf_ptr(ctx, op->in[0]), emoc__buf_ptr(ctx, op->out), 1};
    j.n_tasks = emoc__tasks_for(ctx, p->C / 16 > 0 ? p->C / 16 : 1, (double)op->flops / RATE_POOL);
    emoc__parallel_for(ctx->pool, j.n_tasks, pool_task, &j);
}

static emoc_op *append_pool(emoc_pb *b, const char *node, int in, int weighted)
{
    int H = emoc__pb_h(b, in), W = emoc__pb_w(b, in), C = emoc__pb_c(b, in);
    const emoc_coordatt_kernel *k = &emoc__pb_kernels(b)->coordatt;
    emoc_op *op = emoc__pb_append(b, "coord_pool", node, exec_pool, &in, 1, H + W, 1, C,
                                 weighted ? k->pool_dw_name : k->pool_mean_name);
    if (!op) return NULL;
    pool_params *p = (pool_params *)op->params;
    memset(p, 0, sizeof *p);
    p->fn = k->pool;
    p->H = H;
    p->W = W;
    p->C = C;
    op->flops = 2ull * (uint64_t)H * (uint64_t)W * (uint64_t)C;
    return op;
}

int emoc__op_coord_pool_mean(emoc_pb *b, const char *node, int in)
{
    emoc_op *op = append_pool(b, node, in, 0);
    return op ? op->out : -1;
}

/* [C][1][1][W] or [C][1][H][1] (PyTorch) → [k][C] (channel fastest). */
static float *transpose_dw(emoc_pb *b, const char *name, int C, int kh, int kw)
{
    const float *w = emoc__pb_weight(b, name, 4, (int64_t[4]){C, 1, kh, kw});
    int k = kh * kw;
    float *t = w ? emoc__pb_alloc(b, (size_t)k * (size_t)C * sizeof(float)) : NULL;
    if (!t) return NULL;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < k; i++) t[(size_t)i * C + c] = w[(size_t)c * k + i];
    return t;
}

int emoc__op_coord_pool_dw(emoc_pb *b, const char *node, int in, const char *w_h,
                          const char *bias_h, const char *w_w, const char *bias_w)
{
    int H = emoc__pb_h(b, in), W = emoc__pb_w(b, in), C = emoc__pb_c(b, in);
    float *kh = transpose_dw(b, w_h, C, 1, W);
    float *kw = transpose_dw(b, w_w, C, H, 1);
    const float *bh = emoc__pb_weight(b, bias_h, 1, (int64_t[1]){C});
    const float *bw = emoc__pb_weight(b, bias_w, 1, (int64_t[1]){C});
    if (emoc__pb_failed(b)) return -1;
    emoc_op *op = append_pool(b, node, in, 1);
    if (!op) return -1;
    pool_params *p = (pool_params *)op->params;
    p->kh = kh;
    p->kw = kw;
    p->bh = bh;
    p->bw = bw;
    op->flops *= 2;
    emoc__pb_op_uses(b, op, w_h);
    emoc__pb_op_uses(b, op, bias_h);
    emoc__pb_op_uses(b, op, w_w);
    emoc__pb_op_uses(b, op, bias_w);
    return op->out;
}

/* ---- gates op -------------------------------------------------------------------------- */

typedef struct {
    emoc_gemm_fn fn;
    emoc_gemm_args a2, a3;  /* x, y filled at run time */
    int H, W, nr;
} gates_params;

typedef struct {
    const gates_params *p;
    emoc_gemm_args a[2];
    int n_tasks;
} gates_job;

/* Tasks 0..n/2-1 cover conv2's output-channel panels, the rest conv3's. */
static void gates_task(void *arg, int t)
{
    gates_job *j = arg;
    int half = j->n_tasks / 2, which = t >= half, k = which ? t - half : t;
    const emoc_gemm_args *a = &j->a[which];
    int panels = (a->N + j->p->nr - 1) / j->p->nr, lo, hi;
    emoc__split(panels, half, k, &lo, &hi);
    int n0 = lo * j->p->nr, n1 = hi * j->p->nr < a->N ? hi * j->p->nr : a->N;
    if (n1 > n0) j->p->fn(a, 0, (size_t)(which ? j->p->W : j->p->H), n0, n1);
}

static void exec_gates(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const gates_params *p = (const gates_params *)op->params;
    const float *x = emoc__buf_ptr(ctx, op->in[0]);
    float *y = emoc__buf_ptr(ctx, op->out);
    gates_job j = {p, {p->a2, p->a3}, 2};
    j.a[0].x = x;
    j.a[0].y = y;
    j.a[1].x = x + (size_t)p->H * p->a2.K;
    j.a[1].y = y + (size_t)p->H * p->a2.N;
    int panels = (p->a2.N + p->nr - 1) / p->nr;
    int per_conv = emoc__tasks_for(ctx, panels, (double)op->flops / 2 / EMOC_RATE_GEMM);
    j.n_tasks = 2 * per_conv;
    if (emoc__tasks_for(ctx, 2 * panels, (double)op->flops / EMOC_RATE_GEMM) < 2) {
        gates_task(&j, 0); /* both convs below the grain: no fork-join round */
        gates_task(&j, 1);
        return;
    }
    emoc__parallel_for(ctx->pool, j.n_tasks, gates_task, &j);
}

static const float *packed_1x1(emoc_pb *b, const char *name, int N, int K)
{
    const float *w = emoc__pb_weight(b, name, 4, (int64_t[4]){N, K, 1, 1});
    const emoc_gemm_kernel *k = &emoc__pb_kernels(b)->gemm;
    float *p = w ? emoc__pb_alloc(b, k->packed_size(K, N) * sizeof(float)) : NULL;
    if (p) k->pack(w, K, N, p);
    return p;
}

int emoc__op_coord_gates(emoc_pb *b, const char *node, int strip, int h, int C, const char *w2,
                        const char *b2, const char *w3, const char *b3)
{
    int S = emoc__pb_h(b, strip), K = emoc__pb_c(b, strip);
    if (emoc__pb_failed(b)) return -1;
    if (h < 1 || h >= S || emoc__pb_w(b, strip) != 1) {
        emoc__pb_fail(b, EMOC_E_SHAPE, "%s: strip of %dx%d pixels cannot split at row %d", node,
                     S, emoc__pb_w(b, strip), h);
        return -1;
    }
    const float *p2 = packed_1x1(b, w2, C, K), *p3 = packed_1x1(b, w3, C, K);
    const float *bias2 = emoc__pb_weight(b, b2, 1, (int64_t[1]){C});
    const float *bias3 = emoc__pb_weight(b, b3, 1, (int64_t[1]){C});
    if (emoc__pb_failed(b)) return -1;
    const emoc_gemm_kernel *k = &emoc__pb_kernels(b)->gemm;
    emoc_op *op = emoc__pb_append(b, "coord_gates", node, exec_gates, &strip, 1, S, 1, C, k->name);
    if (!op) return -1;
    gates_params *p = (gates_params *)op->params;
    memset(p, 0, sizeof *p);
    p->fn = k->fn;
    p->nr = k->nr;
    p->H = h;
    p->W = S - h;
    emoc_gemm_args base = {.x_stride = (size_t)K, .y_stride = (size_t)C, .K = K, .N = C,
                           .act = EMOC_ACT_SIGMOID};
    p->a2 = base;
    p->a2.w_packed = p2;
    p->a2.bias = bias2;
    p->a3 = base;
    p->a3.w_packed = p3;
    p->a3.bias = bias3;
    op->flops = 2ull * (uint64_t)S * (uint64_t)K * (uint64_t)C;
    emoc__pb_op_uses(b, op, w2);
    emoc__pb_op_uses(b, op, b2);
    emoc__pb_op_uses(b, op, w3);
    emoc__pb_op_uses(b, op, b3);
    return op->out;
}

/* ---- broadcast products ---------------------------------------------------------------- */

typedef struct {
    int H, W, C, n_gates;
    emoc_coord_apply_fn apply;
    emoc_ddam_apply_fn ddam;
} apply_params;

typedef struct {
    const apply_params *p;
    const float *x, *g0, *g1;
    float *y;
    int n_tasks;
} apply_job;

static void apply_task(void *arg, int t)
{
    apply_job *j = arg;
    int lo, hi;
    emoc__split(j->p->H, j->n_tasks, t, &lo, &hi);
    if (hi <= lo) return;
    if (j->p->n_gates == 1)
        j->p->apply(j->x, j->g0, j->p->H, j->p->W, j->p->C, j->y, lo, hi);
    else
        j->p->ddam(j->x, j->g0, j->g1, j->p->H, j->p->W, j->p->C, j->y, lo, hi);
}

static void exec_apply(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const apply_params *p = (const apply_params *)op->params;
    apply_job j = {p, emoc__buf_ptr(ctx, op->in[0]), emoc__buf_ptr(ctx, op->in[1]),
                   p->n_gates == 2 ? emoc__buf_ptr(ctx, op->in[2]) : NULL,
                   emoc__buf_ptr(ctx, op->out), 1};
    j.n_tasks = emoc__tasks_for(ctx, p->H, (double)op->flops / RATE_APPLY);
    emoc__parallel_for(ctx->pool, j.n_tasks, apply_task, &j);
}

static int append_apply(emoc_pb *b, const char *node, const int *ins, int n_gates,
                        const char *type)
{
    const emoc_coordatt_kernel *k = &emoc__pb_kernels(b)->coordatt;
    const char *kernel = n_gates == 1 ? k->apply_name : k->ddam_apply_name;
    int H = emoc__pb_h(b, ins[0]), W = emoc__pb_w(b, ins[0]), C = emoc__pb_c(b, ins[0]);
    for (int i = 1; i <= n_gates && !emoc__pb_failed(b); i++)
        if (emoc__pb_h(b, ins[i]) != H + W || emoc__pb_w(b, ins[i]) != 1 || emoc__pb_c(b, ins[i]) != C) {
            emoc__pb_fail(b, EMOC_E_SHAPE, "%s: gates %dx%dx%d do not fit input %dx%dx%d", node,
                         emoc__pb_h(b, ins[i]), emoc__pb_w(b, ins[i]), emoc__pb_c(b, ins[i]), H, W, C);
            return -1;
        }
    emoc_op *op = emoc__pb_append(b, type, node, exec_apply, ins, 1 + n_gates, H, W, C, kernel);
    if (!op) return -1;
    apply_params *p = (apply_params *)op->params;
    *p = (apply_params){H, W, C, n_gates, k->apply, k->ddam_apply};
    op->flops = (uint64_t)(n_gates * 2) * (uint64_t)H * (uint64_t)W * (uint64_t)C;
    return op->out;
}

int emoc__op_coord_apply(emoc_pb *b, const char *node, int x, int gates)
{
    int ins[2] = {x, gates};
    return append_apply(b, node, ins, 1, "coord_apply");
}

int emoc__op_ddam_apply(emoc_pb *b, const char *node, int x, int gates0, int gates1)
{
    int ins[3] = {x, gates0, gates1};
    return append_apply(b, node, ins, 2, "ddam_apply");
}
