/* ops.h — parameters and exec functions of the built-in ops (engine/core/ops.c). */
#ifndef EMOC_CORE_OPS_H
#define EMOC_CORE_OPS_H

#include "engine/core/plan.h"

typedef struct emoc__conv2d_params {
    emoc_conv2d_args a;      /* x, y filled at run time */
    emoc_conv2d_fn fn;
} emoc__conv2d_params;

typedef struct emoc__dwconv_params {
    emoc_dwconv_args a;      /* x, y filled at run time (+ c0) */
    emoc_dwconv_fn fn;
    int c0;                  /* first channel of the range this op covers */
} emoc__dwconv_params;

typedef struct emoc__gemm_params {
    emoc_gemm_args a;        /* x, y, scale, residual filled at run time */
    emoc_gemm_fn fn;
    int nr;
    int scale_buf, residual_buf;
} emoc__gemm_params;

/* Reduced-precision GEMM (engine/core/ops_lp.c, docs/precision.md). */
typedef struct emoc__gemm_lp_params {
    emoc_gemm_lp_args a;     /* xq, y, residual (and dq for int8) filled at run time */
    emoc_gemm_lp_fn fn;
    emoc_lp_quant_fn quant;
    const float *sw;         /* int8: per-output-channel weight scales; bf16: NULL */
    float sx;                /* int8: the file's calibrated activation scale; 0: one per row */
    size_t dq_floats;        /* scratch floats before the quantized rows: dq (N) then row_sx
                                (P), each rounded to 16 floats (64 bytes) */
    int nr;
    int scale_buf, residual_buf;
} emoc__gemm_lp_params;

_Static_assert(sizeof(emoc__conv2d_params) <= EMOC_OP_PARAMS, "conv2d params too large");
_Static_assert(sizeof(emoc__dwconv_params) <= EMOC_OP_PARAMS, "dwconv params too large");
_Static_assert(sizeof(emoc__gemm_params) <= EMOC_OP_PARAMS, "gemm params too large");
_Static_assert(sizeof(emoc__gemm_lp_params) <= EMOC_OP_PARAMS, "gemm_lp params too large");

void emoc__exec_conv2d(const emoc_op *op, const emoc_exec_ctx *ctx);
void emoc__exec_dwconv(const emoc_op *op, const emoc_exec_ctx *ctx);
void emoc__exec_gemm(const emoc_op *op, const emoc_exec_ctx *ctx);
void emoc__exec_gemm_lp(const emoc_op *op, const emoc_exec_ctx *ctx);
void emoc__exec_gap(const emoc_op *op, const emoc_exec_ctx *ctx);
void emoc__exec_add(const emoc_op *op, const emoc_exec_ctx *ctx);
/* A reduced-precision expansion GEMM and the depthwise conv reading its output, by bands of
 * rows (engine/core/fuse.c); emoc__plan_fuse marks such pairs (op->fuse_next). */
void emoc__exec_expand_dw(const emoc_op *e, const emoc_op *dw, const emoc_exec_ctx *ctx);
void emoc__plan_fuse(emoc_plan *p);
/* In a net with a reduced-precision GEMM, SiLU becomes EMOC_ACT_SILU_LP (engine/core/ops_lp.c). */
void emoc__plan_lp_silu(emoc_plan *p);

/* Splits [0, n) into `parts` contiguous ranges; range i is [lo, hi). */
static inline void emoc__split(int n, int parts, int i, int *lo, int *hi)
{
    *lo = (int)((long long)n * i / parts);
    *hi = (int)((long long)n * (i + 1) / parts);
}

/* Global average pool: the fixed pixel chunks its sums go by (engine/core/ops.c), at most 8 of at
 * least 64 pixels; a function of P alone, so the sum order never depends on the thread count. */
static inline int emoc__gap_chunks(size_t P)
{
    size_t n = P / 64;
    return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

/* How a GEMM of P pixels × N channels (nr-channel weight panels) is cut into tasks, shared by the
 * fp32 and the reduced-precision GEMM ops: by pixels when there are enough of them (≥ 16 per
 * thread) and the weights are not the bigger read (N ≤ 2·P: a pixel cut makes every core read
 * all K·N weights, a panel cut all P·K inputs; on EfficientNet-B2's 7×7 and 14×14 layers the
 * panel cut took its 2-thread run from 11.2 to 9.8 ms, docs/performance.md), else by whole
 * panels. Returns the number of units the cut can use (8-pixel groups or panels). The kernels
 * give the same bits for any cut. */
static inline int emoc__gemm_cut(size_t P, int N, int nr, int threads, int *by_pixels)
{
    *by_pixels = P >= (size_t)(16 * threads) && (size_t)N <= 2 * P;
    return *by_pixels ? (int)(P / 8) : (N + nr - 1) / nr;
}

/* Task t's part of that cut: pixels [*p0, *p1) × channels [*n0, *n1). */
static inline void emoc__gemm_part(size_t P, int N, int nr, int by_pixels, int n_tasks, int t,
                                   size_t *p0, size_t *p1, int *n0, int *n1)
{
    int lo, hi;
    if (by_pixels) {
        emoc__split((int)P, n_tasks, t, &lo, &hi);
        *p0 = (size_t)lo, *p1 = (size_t)hi, *n0 = 0, *n1 = N;
    } else {
        emoc__split((N + nr - 1) / nr, n_tasks, t, &lo, &hi);
        *p0 = 0, *p1 = P, *n0 = lo * nr, *n1 = hi * nr < N ? hi * nr : N;
    }
}

#endif
