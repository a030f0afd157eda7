/* test_session.c — model load, plan checks, determinism across threads, zero allocations per
 * run, non-finite input, trace, caller arena. Uses the tinynet test architecture. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "engine/core/core.h"
#include "tests/core/tinynet_fixture.h"

static emoc_model *load_tiny(const tiny_opts *o, emoc_isa isa, const emoc_allocator *al,
                             emoc_status *st_out, emoc_error *err)
{
    size_t n = 0;
    uint8_t *buf = tiny_build(o, &n);
    cr_assert_not_null(buf, "fixture");
    emoc_options opt;
    emoc_options_default(&opt);
    opt.isa = isa;
    opt.allocator = al;
    emoc_model *m = NULL;
    emoc_status st = emoc_model_load_memory(buf, n, &opt, &m, err);
    free(buf);
    if (st_out) *st_out = st;
    return m;
}

static void input_for(float *x, int S, unsigned seed)
{
    for (int i = 0; i < 3 * S * S; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)((seed >> 9) % 2001) / 1000.0f - 1.0f;
    }
}

Test(session, runs_and_reports_metadata)
{
    tiny_opts o;
    tiny_default(&o);
    emoc_error err;
    emoc_status st;
    emoc_model *m = load_tiny(&o, EMOC_ISA_AUTO, NULL, &st, &err);
    cr_assert_eq(st, EMOC_OK, "%s", err.msg);
    emoc_model_info info;
    cr_assert_eq(emoc_model_get_info(m, &info), EMOC_OK);
    cr_assert_str_eq(info.arch, "tinynet");
    cr_assert_eq(info.input_size, 16);
    cr_assert_eq(info.n_scores, 10);
    cr_assert_eq(info.n_classes, 8);
    cr_assert_eq(info.valence_index, 8);
    cr_assert_str_eq(emoc_model_class_label(m, 4), "Happiness");
    cr_assert_null(emoc_model_class_label(m, 8));
    cr_assert_str_eq(emoc_model_meta(m, "input.std"), "0.229,0.224,0.225");
    cr_assert_eq(emoc_model_op_count(m), 8);
    emoc_session *s = NULL;
    cr_assert_eq(emoc_session_create(m, 1, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    float x[3 * 16 * 16];
    input_for(x, 16, 7);
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &out), EMOC_OK, "%s", emoc_session_last_error(s));
    cr_assert_eq(out.n_scores, 10);
    cr_assert_eq(out.n_embedding, 8);
    double psum = 0;
    int best = 0;
    for (int i = 0; i < 8; i++) {
        psum += out.probs[i];
        if (out.scores[i] > out.scores[best]) best = i;
    }
    cr_assert_float_eq(psum, 1.0, 1e-6);
    cr_assert_eq(out.label, best);
    cr_assert(out.has_va);
    cr_assert_eq(out.valence, out.scores[8]);
    cr_assert_eq(out.arousal, out.scores[9]);
    /* the embedding is the input of fc: scores = W·e + b must hold */
    cr_assert(isfinite(out.embedding[0]));
    emoc_session_free(s);
    emoc_model_free(m);
}

Test(session, bitwise_identical_for_any_thread_count_and_every_run)
{
    tiny_opts o;
    tiny_default(&o);
    o.size = 37; /* odd: uneven row splits */
    emoc_error err;
    emoc_model *m = load_tiny(&o, EMOC_ISA_AUTO, NULL, NULL, &err);
    cr_assert_not_null(m, "%s", err.msg);
    static float x[3 * 37 * 37];
    input_for(x, 37, 3);
    float ref[10], emb[8];
    /* grain 0: the default (this small net's ops then mostly run whole); 1e-3 ns: every op
     * splits as far as its rows / pixels / panels allow */
    for (int g = 0; g < 2; g++)
        for (int threads = 1; threads <= 4; threads++) {
            emoc_session *s = NULL;
            cr_assert_eq(emoc_session_create(m, threads, NULL, 0, &s, &err), EMOC_OK);
            emoc__session_set_task_grain(s, g ? 1e-3 : 0);
            for (int run = 0; run < 3; run++) {
                emoc_output out;
                cr_assert_eq(emoc_session_run(s, x, sizeof(x) / sizeof(x[0]), &out), EMOC_OK);
                if (g == 0 && threads == 1 && run == 0) {
                    memcpy(ref, out.scores, sizeof(ref));
                    memcpy(emb, out.embedding, sizeof(emb));
                } else {
                    cr_assert_eq(memcmp(ref, out.scores, sizeof(ref)), 0, "grain %d threads %d run %d",
                                 g, threads, run);
                    cr_assert_eq(memcmp(emb, out.embedding, sizeof(emb)), 0);
                }
            }
            emoc_session_free(s);
        }
    emoc_model_free(m);
}

/* An op built under emoc__pb_one_thread runs with no pool (every task on the calling thread)
 * while the others get the session's; the outputs stay the same bits. The wrapper records the
 * thread count each op's exec saw. */
static emoc_exec_fn orig_exec[64];
static int seen_threads[64];
static void recording_exec(const emoc_op *op, const emoc_exec_ctx *ctx)
{
    int i = (int)(op - ctx->plan->ops);
    seen_threads[i] = emoc__pool_threads(ctx->pool);
    orig_exec[i](op, ctx);
}

Test(session, one_thread_ops_run_without_the_pool)
{
    tiny_opts o;
    tiny_default(&o);
    o.size = 37;
    emoc_error err;
    emoc_model *m = load_tiny(&o, EMOC_ISA_AUTO, NULL, NULL, &err);
    cr_assert_not_null(m, "%s", err.msg);
    static float x[3 * 37 * 37];
    input_for(x, 37, 5);
    float ref[10];
    emoc_session *s = NULL;
    emoc_output out;
    cr_assert_eq(emoc_session_create(m, 1, NULL, 0, &s, &err), EMOC_OK);
    cr_assert_eq(emoc_session_run(s, x, sizeof(x) / sizeof(x[0]), &out), EMOC_OK);
    memcpy(ref, out.scores, sizeof(ref));
    emoc_session_free(s);
    emoc_plan *p = &m->plan;
    cr_assert(p->n_ops >= 2 && p->n_ops <= 64);
    for (int i = 0; i < p->n_ops; i++) {
        orig_exec[i] = p->ops[i].exec;
        p->ops[i].exec = recording_exec;
        p->ops[i].one_thread = i == 1; /* the depthwise conv */
    }
    cr_assert_eq(emoc_session_create(m, 2, NULL, 0, &s, &err), EMOC_OK);
    emoc__session_set_task_grain(s, 1e-3);
    cr_assert_eq(emoc_session_run(s, x, sizeof(x) / sizeof(x[0]), &out), EMOC_OK);
    cr_assert_eq(memcmp(ref, out.scores, sizeof(ref)), 0);
    cr_assert_eq(seen_threads[0], 2, "stem: the session's pool");
    cr_assert_eq(seen_threads[1], 1, "one_thread op: no pool");
    emoc_session_free(s);
    for (int i = 0; i < p->n_ops; i++) p->ops[i].exec = orig_exec[i];
    emoc_model_free(m);
}

/* Counting allocator: proves emoc_session_run allocates nothing. */
typedef struct {
    atomic_long allocs, frees;
} counts;

static void *count_alloc(void *user, size_t size, size_t align)
{
    counts *c = user;
    atomic_fetch_add(&c->allocs, 1);
    void *p = NULL;
    if (align < sizeof(void *)) align = sizeof(void *);
    return posix_memalign(&p, align, size ? size : 1) ? NULL : p;
}

static void count_free(void *user, void *p)
{
    counts *c = user;
    atomic_fetch_add(&c->frees, 1);
    free(p);
}

Test(session, forward_pass_allocates_nothing_and_everything_is_freed)
{
    counts c;
    atomic_init(&c.allocs, 0);
    atomic_init(&c.frees, 0);
    emoc_allocator al = {count_alloc, count_free, &c};
    tiny_opts o;
    tiny_default(&o);
    emoc_error err;
    emoc_model *m = load_tiny(&o, EMOC_ISA_AUTO, &al, NULL, &err);
    cr_assert_not_null(m, "%s", err.msg);
    emoc_session *s = NULL;
    cr_assert_eq(emoc_session_create(m, 2, NULL, 0, &s, &err), EMOC_OK);
    float x[3 * 16 * 16];
    input_for(x, 16, 11);
    long before = atomic_load(&c.allocs);
    cr_assert_gt(before, 0, "the counting allocator must be the one in use");
    for (int i = 0; i < 5; i++) {
        emoc_output out;
        cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &out), EMOC_OK);
    }
    cr_assert_eq(atomic_load(&c.allocs), before, "emoc_session_run allocated memory");
    emoc_session_free(s);
    emoc_model_free(m);
    cr_assert_eq(atomic_load(&c.allocs), atomic_load(&c.frees), "leaked allocations");
}

Test(session, caller_arena_and_size_checks)
{
    tiny_opts o;
    tiny_default(&o);
    emoc_error err;
    emoc_model *m = load_tiny(&o, EMOC_ISA_AUTO, NULL, NULL, &err);
    cr_assert_not_null(m);
    size_t need = emoc_model_arena_size(m, 2);
    cr_assert_gt(need, 0);
    void *arena = aligned_alloc(64, (need + 63) & ~(size_t)63);
    emoc_session *s = NULL;
    cr_assert_eq(emoc_session_create(m, 2, arena, need - 1, &s, &err), EMOC_E_ARG);
    cr_assert(strstr(err.msg, "need") != NULL, "%s", err.msg);
    cr_assert_eq(emoc_session_create(m, 2, arena, need, &s, &err), EMOC_OK, "%s", err.msg);
    float x[3 * 16 * 16];
    input_for(x, 16, 5);
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &out), EMOC_OK);
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16 - 1, &out), EMOC_E_SHAPE);
    x[100] = NAN;
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &out), EMOC_E_NONFINITE);
    cr_assert(strstr(emoc_session_last_error(s), "not finite") != NULL);
    x[100] = INFINITY;
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &out), EMOC_E_NONFINITE);
    emoc_session_free(s);
    free(arena);
    emoc_model_free(m);
}

typedef struct {
    int n;
    int last_index;
    uint64_t total_flops;
    int saw_ns;
    int names_ok;
} trace_acc;

static void on_event(void *user, const emoc_trace_event *ev)
{
    trace_acc *t = user;
    cr_assert_eq(ev->op_index, t->last_index + 1);
    t->last_index = ev->op_index;
    t->n++;
    t->total_flops += ev->flops;
    if (ev->ns > 0) t->saw_ns = 1;
    if (ev->op && ev->kernel && strstr(ev->kernel, "emoc_f32_") == ev->kernel) t->names_ok++;
}

Test(session, plan_dump_and_run_trace)
{
    tiny_opts o;
    tiny_default(&o);
    emoc_error err;
    emoc_model *m = load_tiny(&o, EMOC_ISA_REF, NULL, NULL, &err);
    cr_assert_not_null(m, "%s", err.msg);
    trace_acc t = {0, -1, 0, 0, 0};
    cr_assert_eq(emoc_model_dump_plan(m, on_event, &t), EMOC_OK);
    cr_assert_eq(t.n, emoc_model_op_count(m));
    cr_assert_eq(t.names_ok, t.n);
    cr_assert_eq(t.saw_ns, 0, "the static dump has no timings");
    /* stem: 2·8·8·8·27 = 27648 FLOPs at 16×16 input */
    cr_assert_geq(t.total_flops, 27648);
    emoc_session *s = NULL;
    cr_assert_eq(emoc_session_create(m, 1, NULL, 0, &s, &err), EMOC_OK);
    trace_acc r = {0, -1, 0, 0, 0};
    emoc_session_set_trace(s, on_event, &r);
    float x[3 * 16 * 16];
    input_for(x, 16, 9);
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &out), EMOC_OK);
    cr_assert_eq(r.n, t.n);
    cr_assert_eq(r.total_flops, t.total_flops);
    emoc_session_free(s);
    emoc_model_free(m);
}

Test(session, architecture_checks_name_the_tensor)
{
    emoc_error err;
    emoc_status st;
    tiny_opts o;
    tiny_default(&o);
    o.skip_tensor = 8; /* pw.weight */
    cr_assert_null(load_tiny(&o, EMOC_ISA_AUTO, NULL, &st, &err));
    cr_assert_eq(st, EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "'pw.weight'") && strstr(err.msg, "missing"), "%s", err.msg);
    tiny_default(&o);
    o.bad_shape_tensor = 2; /* dw.weight */
    cr_assert_null(load_tiny(&o, EMOC_ISA_AUTO, NULL, &st, &err));
    cr_assert_eq(st, EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "'dw.weight'") && strstr(err.msg, "8x1x3x3") &&
              strstr(err.msg, "8x1x3x4"), "%s", err.msg);
    tiny_default(&o);
    o.extra_tensor = 1;
    cr_assert_null(load_tiny(&o, EMOC_ISA_AUTO, NULL, &st, &err));
    cr_assert_eq(st, EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "'unexpected.extra'") && strstr(err.msg, "extra"), "%s", err.msg);
}
