/*
 * core.h — internal definitions shared by engine/core: the model and session handles, the
 * allocator helpers and the planner. Nothing here is public.
 */
#ifndef EMOC_CORE_CORE_H
#define EMOC_CORE_CORE_H

#include "emoc.h"
#include "engine/base/alloc.h"
#include "engine/base/error.h"
#include "engine/core/plan.h"
#include "engine/kernels/kernels.h"
#include "engine/emw/emw.h"


#define EMOC_MAX_CLASSES 64
#define EMOC_MAX_LOAD_ALLOCS 4096

/* How the built plan reads a tensor: as a GEMM weight [N][K] (the kernels' panel layout) and/or
 * as plain float32 rows (everything else). */
typedef struct emoc_tensor_use {
    int gemm_k, gemm_n;           /* > 0: used as a GEMM weight */
    unsigned char dw;             /* 1: used as a depthwise weight */
    unsigned char plain;          /* 1: also read as plain rows */
} emoc_tensor_use;

/* Load-time allocations carved from the file buffer's spare bytes (model.c). */
typedef struct emoc_spare {
    emoc_allocator inner;         /* the options' allocator */
    uintptr_t base;
    size_t cap, used;
    int open;                     /* only while the model loads */
} emoc_spare;

struct emoc_model {
    emoc_allocator alloc;         /* the options' allocator, or spare_alloc over it (model.c) */
    emoc_spare spare;
    uint8_t *file_buf;            /* the EMW bytes (tensors point into it): read from the file
                                     once, or the caller's buffer (load_memory_inplace) */
    size_t file_size;
    int owns_file_buf;            /* 0: the caller's buffer, never freed here */
    emw_file emw;
    int emw_parsed;
    emoc_plan plan;
    emoc_kernel_table kt;
    emoc_model_info info;
    const char *labels[EMOC_MAX_CLASSES];
    char **meta_text;             /* per metadata entry, its value formatted as text */
    void **load_allocs;           /* builder allocations (converted / packed weights) */
    int n_load_allocs;
    char **ignored;               /* dead-parameter prefixes declared by the net */
    int n_ignored;
    int flush_denormals;          /* emoc_options.flush_denormals */
    emoc_tensor_use *uses;        /* per tensor: how the plan reads it (emoc convert's layouts) */
    char err[512];
};

struct emoc_session {
    const emoc_model *model;
    emoc_pool *pool;
    uint8_t *arena;
    int arena_owned;
    float *scratch;
    float *probs;                 /* n_classes */
    emoc_trace_fn trace;
    void *trace_user;
    double task_grain_ns;         /* 0: the default grain (plan.h) */
    char err[512];
};


/* Planner: lifetimes + greedy placement; sets p->arena_bytes and every buffer's offset. */
/* Loading: the file buffer was allocated with `capacity` >= file_size bytes; small allocations
 * go into the bytes after the file until emoc__model_spare_close (model.c). */
void emoc__model_spare_open(emoc_model *m, size_t capacity);
void emoc__model_spare_close(emoc_model *m);
emoc_status emoc__plan_place(emoc_plan *p, const emoc_allocator *a, char *err, size_t errlen);
/* Releases the op and buffer arrays. */
void emoc__plan_release(emoc_plan *p, const emoc_allocator *a);

/* Runs a net's builder against the model's validated file and checks that every tensor was
 * used (builder.c); nets/load.c picks the builder from the registry. */
emoc_status emoc__build_plan(emoc_model *m, emoc__net_build_fn build);

/* Load steps around the builder (model.c), driven by nets/load.c: a zeroed model on the
 * options' allocator; parse + validate the EMW bytes in m->file_buf, read the metadata, bind the
 * kernel table; after the build, check the plan against the metadata and place its buffers. */
emoc_model *emoc__model_new(const emoc_options *opt);
emoc_status emoc__model_parse(emoc_model *m, const emoc_options *opt, emoc_error *err);
emoc_status emoc__model_finish(emoc_model *m, emoc_error *err);
/* Runs a given builder; tensors outside `scope` (a name prefix, NULL = none) are not checked
 * for use (a detector file holds several sub-networks). */
emoc_status emoc__build_plan_with(emoc_model *m, emoc_status (*build)(emoc_pb *, const emw_file *),
                                  const void *user, const char *scope);

/* The layout (emw_layout) the kernels read tensor i in, when the plan reads it only through
 * them (GEMM panels, depthwise [kh][kw][C]); else EMW_LAYOUT_ROWS. The converter stores tensors
 * so (weights/FORMAT.md §4.1). */
int emoc__model_kernel_layout(const emoc_model *m, size_t i);

/* Fills a trace event for op i (ns = 0). */
void emoc__fill_event(const emoc_model *m, int i, emoc_trace_event *ev);

/* Test hook: ops split into tasks down to `ns` of estimated work (plan.h, emoc__tasks_for);
 * a tiny value makes every op of a small test net split as far as its units allow. */
void emoc__session_set_task_grain(emoc_session *s, double ns);

/* Thread pool (pool.c). */
emoc_status emoc__pool_create(const emoc_allocator *a, int threads, emoc_pool **out);
void emoc__pool_free(emoc_pool *pool);
/* Pool threads run their tasks with denormals flushed (1) or IEEE (0, the default). */
void emoc__pool_set_flush_denormals(emoc_pool *pool, int on);

/* Denormal mode of the calling thread (fpmode.c): begin returns the state to restore. */
unsigned long emoc__fp_flush_begin(void);
void emoc__fp_restore(unsigned long prev);
int emoc__fp_flushing(void);

#endif
