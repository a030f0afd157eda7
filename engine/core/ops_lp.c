/*
 * ops_lp.c — exec of the reduced-precision GEMM op (docs/precision.md): the op's fp32 input
 * rows (times the SE gate) are converted once into the kernel's activation format in scratch,
 * then the output is computed by pixel ranges or channel panels as emoc__exec_gemm does.
 * int8 uses either one activation scale calibrated at conversion and stored in the file (EMW
 * 1.2, "calibrated") or one scale per pixel row, max_k|x·s|/127 of that very row, taken by the
 * kernel's quant() ("row-max": EMW 1.3 files, act_scale 0, and the EMOC_GEMM_DTYPE override; a
 * maximum does not depend on the order it is taken in, so outputs stay the same for any thread
 * count).
 */
#include "engine/core/ops.h"

#include <stdlib.h>
#include <string.h>

static void lp_silu(emoc_act *act)
{
    if (*act == EMOC_ACT_SILU) *act = EMOC_ACT_SILU_LP;
}

/* A net with a reduced-precision GEMM runs every SiLU of its convolutions and GEMMs (stem,
 * depthwise, expansions, SE reduce, head) as EMOC_ACT_SILU_LP, the cheaper polynomial within
 * 1e-5 relative of SiLU, far below the 2⁻⁹ rounding of bf16 (docs/precision.md §1.1); fp32 nets
 * keep SiLU. EMOC_LP_SILU=0 keeps SiLU in reduced-precision nets too (A/B measurements). */
void emoc__plan_lp_silu(emoc_plan *p)
{
    const char *e = getenv("EMOC_LP_SILU");
    if (e && strcmp(e, "0") == 0) return;
    int lp = 0;
    for (int i = 0; i < p->n_ops; i++) lp |= p->ops[i].exec == emoc__exec_gemm_lp;
    for (int i = 0; lp && i < p->n_ops; i++) {
        emoc_op *op = &p->ops[i];
        if (op->exec == emoc__exec_gemm_lp) lp_silu(&((emoc__gemm_lp_params *)op->params)->a.act);
        else if (op->exec == emoc__exec_gemm) lp_silu(&((emoc__gemm_params *)op->params)->a.act);
        else if (op->exec == emoc__exec_dwconv) lp_silu(&((emoc__dwconv_params *)op->params)->a.act);
        else if (op->exec == emoc__exec_conv2d) lp_silu(&((emoc__conv2d_params *)op->params)->a.act);
    }
}

typedef struct {
    const emoc__gemm_lp_params *p;
    emoc_gemm_lp_args a;
    const float *x, *scale;
    unsigned char *xq;
    float inv_sx, *row_sx;
    size_t P;
    int by_pixels, n_tasks;
} lp_job;

static void quant_task(void *arg, int t)
{
    lp_job *j = arg;
    int lo, hi;
    emoc__split((int)j->P, j->n_tasks, t, &lo, &hi);
    if (hi > lo)
        j->p->quant(j->x, (size_t)j->a.K, j->scale, j->inv_sx, j->row_sx, j->a.K, j->xq,
                    j->a.xq_stride, (size_t)lo, (size_t)hi);
}

static void gemm_task(void *arg, int t)
{
    lp_job *j = arg;
    size_t p0, p1;
    int n0, n1;
    emoc__gemm_part(j->P, j->a.N, j->p->nr, j->by_pixels, j->n_tasks, t, &p0, &p1, &n0, &n1);
    if (p1 > p0 && n1 > n0) j->p->fn(&j->a, p0, p1, n0, n1);
}

void emoc__exec_gemm_lp(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    const emoc__gemm_lp_params *p = (const emoc__gemm_lp_params *)op->params;
    const emoc_buffer *ob = &ctx->plan->bufs[op->out];
    lp_job j = {p, p->a, NULL, NULL, NULL, 0.0f, NULL, (size_t)ob->h * (size_t)ob->w, 1, 1};
    j.x = emoc__buf_ptr(ctx, op->in[0]);
    j.a.y = emoc__buf_ptr(ctx, op->out);
    int k = 1;
    j.scale = p->scale_buf >= 0 ? emoc__buf_ptr(ctx, op->in[k++]) : NULL;
    j.a.residual = p->residual_buf >= 0 ? emoc__buf_ptr(ctx, op->in[k++]) : NULL;
    /* scratch of thread slot 0: [dq: N floats][row_sx: P floats][xq rows], each 64-byte
     * rounded (ops run one at a time) */
    float *dq = ctx->scratch;
    j.row_sx = ctx->scratch + (((size_t)j.a.N + 15) & ~(size_t)15);
    j.xq = (unsigned char *)(ctx->scratch + p->dq_floats);
    j.a.xq = j.xq;
    if (p->sw) {
        /* calibrated: dq = sx·sw, rows times 1 (exactly the EMW 1.2 arithmetic); row-max:
         * dq = sw, rows times their own scale */
        j.inv_sx = p->sx > 0.0f ? 1.0f / p->sx : 0.0f;
        for (int n = 0; n < j.a.N; n++) dq[n] = p->sx > 0.0f ? p->sx * p->sw[n] : p->sw[n];
        j.a.dq = dq;
        j.a.row_sx = j.row_sx;
    }
    int threads = emoc__pool_threads(ctx->pool);
    if (threads > 1) j.n_tasks = threads * 4 < (int)j.P ? threads * 4 : (int)j.P;
    emoc__parallel_for(ctx->pool, j.n_tasks, quant_task, &j);
    j.n_tasks = 1;
    if (threads > 1) {
        int units = emoc__gemm_cut(j.P, j.a.N, p->nr, threads, &j.by_pixels);
        j.n_tasks = threads * 4 < units ? threads * 4 : units;
    }
    emoc__parallel_for(ctx->pool, j.n_tasks, gemm_task, &j);
}
