/*
 * subnet.h — plans for networks that are not emotion models: the sub-networks of a face
 * detector (nets/mtcnn.c), each built from a named part of one EMW file for one input size.
 *
 * A subnet is a plan plus the weights it packed; it runs on a caller arena (one arena shared by
 * all sub-networks of a detector, sized to the largest: they run one after the other) and a
 * caller thread pool, so a detector holding a dozen plans (one per pyramid scale) keeps one pool.
 * Running allocates nothing. Outputs: the buffers the builder passed to emoc__pb_set_outputs
 * (index 0, 1) then those of emoc__pb_keep_output (2, ...), NHWC.
 */
#ifndef EMOC_CORE_SUBNET_H
#define EMOC_CORE_SUBNET_H

#include "engine/core/plan.h"

typedef struct emoc_subnet emoc_subnet;
typedef emoc_status (*emoc_subnet_build_fn)(emoc_pb *b, const emw_file *f);

/* Builds `build` over `f` (which must outlive the subnet). Every tensor whose name starts with
 * `scope` must be used; `user` is what emoc__pb_user() returns; `label` names the net in
 * messages. On failure err names the tensor or shape at fault. */
emoc_status emoc__subnet_create(const emw_file *f, const char *label, const char *scope,
                               emoc_subnet_build_fn build, const void *user,
                               const emoc_allocator *alloc, emoc_isa isa, emoc_subnet **out,
                               emoc_error *err);
void emoc__subnet_free(emoc_subnet *s);
/* Bytes of arena this subnet needs with `threads` threads (activations + per-thread scratch). */
size_t emoc__subnet_arena_size(const emoc_subnet *s, int threads);
/* The NHWC input buffer inside `arena` (h×w×c of the plan's input). */
float *emoc__subnet_input(const emoc_subnet *s, void *arena, int *h, int *w, int *c);
/* Runs every op. The arena must be 64-byte aligned and at least emoc__subnet_arena_size(). */
void emoc__subnet_run(const emoc_subnet *s, void *arena, emoc_pool *pool);
/* The same, timing each op and calling fn once per op (the trace of emoc_session_set_trace:
 * kernel, shapes, FLOPs, wall ns) for per-op benchmarks of a detector's networks. */
void emoc__subnet_run_traced(const emoc_subnet *s, void *arena, emoc_pool *pool, emoc_trace_fn fn,
                            void *user);
/* Output k (see above) inside `arena` (NULL arena: only the shape), or NULL if k does not
 * exist; *h,*w,*c its shape. */
const float *emoc__subnet_output(const emoc_subnet *s, const void *arena, int k, int *h, int *w,
                                int *c);
/* Ops in the plan. */
int emoc__subnet_op_count(const emoc_subnet *s);
/* The kernel set the plan bound (emoc_isa). */
emoc_isa emoc__subnet_isa(const emoc_subnet *s);

/* A thread pool for subnets (threads ≤ 0: online cores). */
emoc_status emoc__subnet_pool_create(const emoc_allocator *alloc, int threads, emoc_pool **out);
void emoc__subnet_pool_free(emoc_pool *pool);

#endif
