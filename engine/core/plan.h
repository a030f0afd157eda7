/*
 * plan.h — the flat execution plan and the builder the nets use to emit it (docs/architecture.md R10).
 *
 * A net file (nets/<arch>.c) reads like a forward() function but, instead of computing, appends
 * ops to a plan through the emoc_pb_* builder calls below. Every call:
 *   - looks the named weight tensors up in the validated EMW file and checks their shapes (the
 *     semantic check of reliability §1.5 item 9); a missing tensor or a wrong shape records an
 *     error that names the tensor, the expected and the actual dims;
 *   - converts/packs weights once, at load time, through the model's allocator;
 *   - computes the output shape, the FLOPs, and binds a kernel from the table.
 * After the first error every further call is a no-op returning -1, so a net builder can be a
 * straight sequence of calls with one error check at the end (emoc__pb_failed).
 * At the end, tensors the net never asked for are an error ("no extras"), except those the net
 * declared dead with emoc__pb_ignore_prefix().
 *
 * Buffers: every activation is a buffer id (int ≥ 0) with an NHWC shape (batch 1). The planner
 * (plan.c) computes lifetimes and places all buffers in one arena.
 */
#ifndef EMOC_CORE_PLAN_H
#define EMOC_CORE_PLAN_H

#include "emoc.h"
#include "engine/kernels/kernels.h"
#include "engine/emw/emw.h"

#include <stddef.h>
#include <stdint.h>

typedef struct emoc_pool emoc_pool;
typedef struct emoc_plan emoc_plan;
typedef struct emoc_op emoc_op;

/* Everything an op needs at run time. */
typedef struct emoc_exec_ctx {
    const emoc_plan *plan;
    uint8_t *arena;            /* activation arena base */
    emoc_pool *pool;           /* thread pool (parallel_for) */
    float *scratch;            /* threads × scratch_floats_per_thread floats */
    size_t scratch_per_thread; /* floats */
    const emoc_kernel_table *kt;
    double task_grain_ns;      /* emoc__tasks_for's grain; 0 = EMOC_TASK_GRAIN_NS */
} emoc_exec_ctx;

typedef void (*emoc_exec_fn)(const emoc_op *op, const emoc_exec_ctx *ctx);

#define EMOC_OP_MAX_IN 3
#define EMOC_OP_MAX_W 4
#define EMOC_OP_PARAMS 320

struct emoc_op {
    const char *type;            /* "conv2d", "dwconv", "pwconv", ... (static string) */
    char node[64];               /* net-level name for the trace */
    const char *kernel;          /* kernel symbol bound (static string) */
    emoc_exec_fn exec;
    int n_in;
    int in[EMOC_OP_MAX_IN];      /* buffer ids */
    int out;                     /* buffer id */
    int n_w;
    int w[EMOC_OP_MAX_W];        /* tensor indices in the EMW file (trace: names, CRCs) */
    uint64_t flops;
    size_t scratch_floats;       /* per-thread scratch the op needs */
    int fuse_next;               /* > 0: untraced runs execute this op with the next one,
                                    by bands of this many output rows (engine/core/fuse.c) */
    int one_thread;              /* run on the calling thread alone (emoc__pb_one_thread) */
    _Alignas(16) unsigned char params[EMOC_OP_PARAMS]; /* op-specific, see engine/ops/ */
};

typedef struct emoc_buffer {
    int h, w, c;                 /* NHWC, batch 1 */
    size_t bytes;                /* h·w·c·4 rounded up to 64 */
    int first_op, last_op;       /* lifetime (op indices); input buffer: first_op = -1 */
    size_t offset;               /* arena offset, set by emoc_plan_place() */
} emoc_buffer;

#define EMOC_PLAN_MAX_OUTPUTS 4

struct emoc_plan {
    emoc_op *ops;
    int n_ops, cap_ops;
    emoc_buffer *bufs;
    int n_bufs, cap_bufs;
    int input_buf;               /* NHWC input */
    int scores_buf;              /* final linear output, 1×1×n_scores */
    int embedding_buf;           /* input of the final linear, 1×1×embedding */
    int extra_out[EMOC_PLAN_MAX_OUTPUTS]; /* further outputs kept alive to the end (detector
                                             heads: emoc__pb_keep_output) */
    int n_extra_out;
    size_t arena_bytes;          /* activations only */
    size_t scratch_floats;       /* max over ops, per thread */
};

/* ------------------------------------------------------------------------------------------- */
/* Builder                                                                                     */
/* ------------------------------------------------------------------------------------------- */

typedef struct emoc_pb emoc_pb;   /* plan builder (opaque; engine/core/builder.c) */

/* A net's builder (nets/<arch>.c): appends the net's ops for the validated file f. */
typedef emoc_status (*emoc__net_build_fn)(emoc_pb *b, const emw_file *f);

typedef enum emoc_pad_mode {
    EMOC_PAD_SYMMETRIC = 0,      /* PyTorch padding: pad_t = pad_b = ph, pad_l = pad_r = pw */
    EMOC_PAD_TF_SAME = 1,        /* TF "SAME": total = max((ceil(H/s)−1)·s + k − H, 0),
                                    top/left = total/2, bottom/right = the rest */
    EMOC_PAD_EXPLICIT = 2        /* pads[4] = top, left, bottom, right */
} emoc_pad_mode;

typedef struct emoc_conv_desc {
    int kh, kw, sh, sw;
    emoc_pad_mode pad_mode;
    int pads[4];                 /* SYMMETRIC: pads[0] = ph, pads[1] = pw; EXPLICIT: t,l,b,r */
    int groups;                  /* conv2d only */
    emoc_act act;
    const char *slope;           /* PReLU slope tensor name ([C]) or NULL */
} emoc_conv_desc;

int emoc__pb_failed(const emoc_pb *b);

/* Tensor access for nets with unusual needs: returns float32 data (converted from f16 once)
 * after checking rank and dims (dims[i] < 0 means "any"); NULL + recorded error otherwise. */
const float *emoc__pb_weight(emoc_pb *b, const char *name, int rank, const int64_t *dims);
/* Declares tensors under a prefix as dead parameters (accepted, never used, listed by info). */
void emoc__pb_ignore_prefix(emoc_pb *b, const char *prefix);
/* Allocates load-time memory owned by the model (for packed or folded weights). */
void *emoc__pb_alloc(emoc_pb *b, size_t bytes);
/* Records an error (printf-style) and puts the builder in the failed state. */
void emoc__pb_fail(emoc_pb *b, emoc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ops appended while `on` is set run on the calling thread alone, whatever the session's thread
 * count: for chains of small, memory-bound ops (DDAMFN's mixed depthwise convs and coordinate
 * attention) whose split would move their rows between the cores' caches for less work than
 * that costs (docs/performance.md, "How the work is split over threads"). */
void emoc__pb_one_thread(emoc_pb *b, int on);

/* Buffer shape queries. */
int emoc__pb_h(const emoc_pb *b, int buf);
int emoc__pb_w(const emoc_pb *b, int buf);
int emoc__pb_c(const emoc_pb *b, int buf);

/* The NHWC input of S×S×3; returns its buffer id. Must be the first call. */
int emoc__pb_input(emoc_pb *b, int h, int w, int c);

/* Full or grouped convolution; weight "<w>" is [cout][cin/groups][kh][kw] (PyTorch order),
 * bias "<bias>" [cout] or NULL. */
int emoc__pb_conv2d(emoc_pb *b, const char *node, int in, const char *w, const char *bias,
                   const emoc_conv_desc *d);
/* Depthwise convolution on channels [c0, c0 + weight's C) of `in`, writing the same channel
 * range of `out_or_new` (-1 = new buffer of in's channels); weight [C][1][kh][kw]. Used with
 * c0 > 0 for mixed depthwise convs (DDAMFN): all splits write one output buffer. */
int emoc__pb_dwconv(emoc_pb *b, const char *node, int in, int c0, int out_or_new, const char *w,
                   const char *bias, const emoc_conv_desc *d);
/* Pointwise 1×1 convolution as GEMM; weight [cout][cin][1][1] or [cout][cin]; optional
 * per-input-channel `scale` buffer (1×1×cin, e.g. an SE gate) and `residual` buffer (same shape
 * as the output, added after the activation). */
int emoc__pb_pwconv(emoc_pb *b, const char *node, int in, const char *w, const char *bias,
                   emoc_act act, const char *slope, int scale_buf, int residual_buf);
/* Global average pool → 1×1×C. */
int emoc__pb_gap(emoc_pb *b, const char *node, int in);
/* Fully connected on a 1×1×K buffer: weight [N][K] (PyTorch Linear), bias [N] or NULL. */
int emoc__pb_linear(emoc_pb *b, const char *node, int in, const char *w, const char *bias,
                   emoc_act act);
/* Elementwise a + b (same shapes). */
int emoc__pb_add(emoc_pb *b, const char *node, int a, int bb);

/* Generic op append for op files outside engine/core (engine/ops/): reserves an op with the
 * given inputs and a new output buffer of shape h×w×c; returns the op (params to fill) or NULL. */
emoc_op *emoc__pb_append(emoc_pb *b, const char *type, const char *node, emoc_exec_fn exec,
                        const int *inputs, int n_inputs, int out_h, int out_w, int out_c,
                        const char *kernel_name);
/* Records weight tensor `name` on op (for the trace). */
void emoc__pb_op_uses(emoc_pb *b, emoc_op *op, const char *name);
/* Kernel table bound to this build. */
const emoc_kernel_table *emoc__pb_kernels(const emoc_pb *b);
/* Marks the outputs: the final scores and the embedding (input of the final linear). */
void emoc__pb_set_outputs(emoc_pb *b, int scores_buf, int embedding_buf);

/* Keeps buffer `buf` alive until after the last op so the caller can read it (sub-networks
 * with several heads, engine/core/subnet.h). At most EMOC_PLAN_MAX_OUTPUTS per plan. */
void emoc__pb_keep_output(emoc_pb *b, int buf);
/* The argument given to emoc__subnet_create (input size of a detector sub-network), or NULL. */
const void *emoc__pb_user(const emoc_pb *b);

/* Helpers for exec functions. */
static inline float *emoc__buf_ptr(const emoc_exec_ctx *ctx, int buf)
{
    return (float *)(ctx->arena + ctx->plan->bufs[buf].offset);
}

/* Thread pool: calls fn(arg, task) for task in [0, n_tasks) across the pool's threads. */
typedef void (*emoc_task_fn)(void *arg, int task);
void emoc__parallel_for(emoc_pool *pool, int n_tasks, emoc_task_fn fn, void *arg);
int emoc__pool_threads(const emoc_pool *pool);

/* How many tasks an op splits into: up to EMOC_TASKS_PER_THREAD per thread (tasks are claimed
 * dynamically, so a little over-decomposition evens out uneven units and a late thread), never
 * more than its independent `units`, and none shorter than EMOC_TASK_GRAIN_NS by the op's
 * estimated run time `est_ns` (its flops over the kernel's typical rate): a fork-join round costs
 * both threads about a microsecond, so an op shorter than two grains runs on the calling thread
 * alone (most of DDAMFN's 300 ops take 1-5 µs). The split never changes a result bit (kernels.h);
 * tests shrink the grain (emoc__session_set_task_grain) so that even tiny nets split every op. */
#define EMOC_TASKS_PER_THREAD 4
#define EMOC_TASK_GRAIN_NS 2000.0
static inline int emoc__tasks_for(const emoc_exec_ctx *ctx, int units, double est_ns)
{
    int t = emoc__pool_threads(ctx->pool);
    if (t <= 1 || units <= 1) return 1;
    int n = t * EMOC_TASKS_PER_THREAD;
    double by_grain = est_ns / (ctx->task_grain_ns > 0 ? ctx->task_grain_ns : EMOC_TASK_GRAIN_NS);
    if (by_grain < (double)n) n = (int)by_grain;
    if (n > units) n = units;
    return n < 1 ? 1 : n;
}

/* Typical single-thread rates (flops per ns) of the kernel families on the AVX-512 machine of
 * docs/performance.md, for est_ns; elementwise ops count one flop per element. */
#define EMOC_RATE_GEMM 150.0
#define EMOC_RATE_CONV 60.0
#define EMOC_RATE_ELEMENTWISE 10.0

#endif /* EMOC_CORE_PLAN_H */
