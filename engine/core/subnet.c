/*
 * subnet.c — plans built from part of an EMW file for a given input size (subnet.h). A subnet
 * is an emoc_model that borrows the parsed file instead of owning it, so the builder, planner and
 * op exec functions are exactly those of the emotion networks.
 */
#include "engine/core/core.h"
#include "engine/core/subnet.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

struct emoc_subnet {
    emoc_model m;   /* emw borrowed (emw_parsed = 0), file_buf NULL */
};

emoc_status emoc__subnet_create(const emw_file *f, const char *label, const char *scope,
                               emoc_subnet_build_fn build, const void *user,
                               const emoc_allocator *alloc, emoc_isa isa, emoc_subnet **out,
                               emoc_error *err)
{
    if (!f || !build || !out) return emoc__fail(err, EMOC_E_ARG, "emoc__subnet_create: NULL argument");
    *out = NULL;
    const emoc_allocator *a = alloc && alloc->alloc ? alloc : &emoc__default_allocator;
    emoc_subnet *s = emoc__alloc(a, sizeof(*s), 64);
    if (!s) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    memset(s, 0, sizeof(*s));
    emoc_model *m = &s->m;
    m->alloc = *a;
    m->emw = *f;
    m->info.arch = label ? label : "subnet";
    m->info.variant = scope ? scope : "";
    emoc_isa resolved;
    emoc_status st = emoc_isa_resolve(isa, &resolved);
    if (st != EMOC_OK) {
        emoc__free(a, s);
        return emoc__fail(err, st, "requested kernel set '%s' is not supported by this CPU/build",
                          emoc_isa_name(isa));
    }
    emoc__kernel_table_init(&m->kt, resolved);
    m->info.isa = m->kt.isa;
    m->load_allocs = emoc__alloc(a, sizeof(void *) * EMOC_MAX_LOAD_ALLOCS, 16);
    if (!m->load_allocs) st = EMOC_E_NOMEM;
    if (st == EMOC_OK) st = emoc__build_plan_with(m, build, user, scope);
    if (st == EMOC_OK) st = emoc__plan_place(&m->plan, a, m->err, sizeof(m->err));
    if (st != EMOC_OK) {
        emoc__fail(err, st, "%s: %s", m->info.arch, m->err[0] ? m->err : "out of memory");
        emoc__subnet_free(s);
        return st;
    }
    *out = s;
    return EMOC_OK;
}

void emoc__subnet_free(emoc_subnet *s)
{
    if (!s) return;
    emoc_model *m = &s->m;
    emoc_allocator a = m->alloc;
    for (int i = 0; i < m->n_load_allocs; i++) emoc__free(&a, m->load_allocs[i]);
    emoc__free(&a, m->load_allocs);
    for (int i = 0; i < m->n_ignored; i++) emoc__free(&a, m->ignored[i]);
    emoc__free(&a, m->ignored);
    emoc__plan_release(&m->plan, &a);
    emoc__free(&a, m->uses);
    emoc__free(&a, s);
}

static size_t scratch_stride(const emoc_plan *p)
{
    return ((p->scratch_floats * sizeof(float) + 63) & ~(size_t)63);
}

size_t emoc__subnet_arena_size(const emoc_subnet *s, int threads)
{
    if (!s) return 0;
    if (threads < 1) threads = 1;
    return s->m.plan.arena_bytes + (size_t)threads * scratch_stride(&s->m.plan);
}

float *emoc__subnet_input(const emoc_subnet *s, void *arena, int *h, int *w, int *c)
{
    const emoc_buffer *b = &s->m.plan.bufs[s->m.plan.input_buf];
    if (h) *h = b->h;
    if (w) *w = b->w;
    if (c) *c = b->c;
    return (float *)((uint8_t *)arena + b->offset);
}

void emoc__subnet_run(const emoc_subnet *s, void *arena, emoc_pool *pool)
{
    const emoc_plan *p = &s->m.plan;
    emoc_exec_ctx ctx = {.plan = p, .arena = arena, .pool = pool,
                         .scratch = (float *)((uint8_t *)arena + p->arena_bytes),
                         .scratch_per_thread = scratch_stride(p) / sizeof(float),
                         .kt = &s->m.kt};
    for (int i = 0; i < p->n_ops; i++) p->ops[i].exec(&p->ops[i], &ctx);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void emoc__subnet_run_traced(const emoc_subnet *s, void *arena, emoc_pool *pool, emoc_trace_fn fn,
                            void *user)
{
    if (!fn) {
        emoc__subnet_run(s, arena, pool);
        return;
    }
    const emoc_plan *p = &s->m.plan;
    emoc_exec_ctx ctx = {.plan = p, .arena = arena, .pool = pool,
                         .scratch = (float *)((uint8_t *)arena + p->arena_bytes),
                         .scratch_per_thread = scratch_stride(p) / sizeof(float),
                         .kt = &s->m.kt};
    for (int i = 0; i < p->n_ops; i++) {
        uint64_t t0 = now_ns();
        p->ops[i].exec(&p->ops[i], &ctx);
        emoc_trace_event ev;
        emoc__fill_event(&s->m, i, &ev);
        ev.ns = now_ns() - t0;
        fn(user, &ev);
    }
}

const float *emoc__subnet_output(const emoc_subnet *s, const void *arena, int k, int *h, int *w,
                                int *c)
{
    const emoc_plan *p = &s->m.plan;
    int id = k == 0 ? p->scores_buf : k == 1 ? p->embedding_buf
           : (k - 2 < p->n_extra_out ? p->extra_out[k - 2] : -1);
    if (k < 0 || id < 0) return NULL;
    const emoc_buffer *b = &p->bufs[id];
    if (h) *h = b->h;
    if (w) *w = b->w;
    if (c) *c = b->c;
    return arena ? (const float *)((const uint8_t *)arena + b->offset) : NULL;
}

int emoc__subnet_op_count(const emoc_subnet *s) { return s ? s->m.plan.n_ops : 0; }

emoc_isa emoc__subnet_isa(const emoc_subnet *s) { return s ? s->m.kt.isa : EMOC_ISA_REF; }

emoc_status emoc__subnet_pool_create(const emoc_allocator *alloc, int threads, emoc_pool **out)
{
    const emoc_allocator *a = alloc && alloc->alloc ? alloc : &emoc__default_allocator;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : (n > 256 ? 256 : (int)n);
    }
    return emoc__pool_create(a, threads, out);
}

void emoc__subnet_pool_free(emoc_pool *pool) { emoc__pool_free(pool); }
