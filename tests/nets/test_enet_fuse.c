/* test_enet_fuse.c — the banded expansion + depthwise execution (engine/core/fuse.c,
 * docs/precision.md §4.4) gives bitwise the outputs of the two ops run one after the other, on
 * synthetic B0/B2 at even and odd input sizes (both TF-SAME cases, stride 1 and 2, k3 and k5),
 * bf16 and int8, the reference and the best ISA, 1 and 3 threads, bands of one output row up to
 * the whole map; and the pairs are really fused (op->fuse_next) unless EMOC_FUSE=0. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "engine/core/core.h"
#include "tests/convert/enet_synth.h"

typedef struct run_out {
    float scores[10];
    float *emb;
    int n_emb, fused;
} run_out;

static void trace_nop(void *user, const emoc_trace_event *ev)
{
    (void)user;
    (void)ev;
}

static void run(const uint8_t *emw, size_t size, int S, emoc_isa isa, int threads,
                const char *fuse, const char *band, int traced, run_out *r)
{
    if (fuse) setenv("EMOC_FUSE", fuse, 1);
    else unsetenv("EMOC_FUSE");
    if (band) setenv("EMOC_FUSE_BAND_BYTES", band, 1);
    else unsetenv("EMOC_FUSE_BAND_BYTES");
    emoc_options opt;
    emoc_options_default(&opt);
    opt.isa = isa;
    emoc_model *m = NULL;
    emoc_session *s = NULL;
    emoc_error err = {{0}};
    cr_assert_eq(emoc_model_load_memory(emw, size, &opt, &m, &err), EMOC_OK, "%s", err.msg);
    unsetenv("EMOC_FUSE");
    unsetenv("EMOC_FUSE_BAND_BYTES");
    r->fused = 0;
    for (int i = 0; i < m->plan.n_ops; i++) r->fused += m->plan.ops[i].fuse_next > 0;
    cr_assert_eq(emoc_session_create(m, threads, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    if (traced) emoc_session_set_trace(s, trace_nop, NULL);
    size_t n = (size_t)3 * S * S;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = sinf((float)i * 0.37f) * 1.5f;
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, n, &out), EMOC_OK, "%s", emoc_session_last_error(s));
    memcpy(r->scores, out.scores, (size_t)out.n_scores * sizeof(float));
    r->n_emb = out.n_embedding;
    r->emb = malloc((size_t)r->n_emb * sizeof(float));
    memcpy(r->emb, out.embedding, (size_t)r->n_emb * sizeof(float));
    free(x);
    emoc_session_free(s);
    emoc_model_free(m);
}

static void same(const run_out *a, const run_out *b, int n_scores, const char *what)
{
    cr_assert_eq(a->n_emb, b->n_emb);
    cr_assert(memcmp(a->scores, b->scores, (size_t)n_scores * sizeof(float)) == 0,
              "%s: scores differ from the unfused run", what);
    cr_assert(memcmp(a->emb, b->emb, (size_t)a->n_emb * sizeof(float)) == 0,
              "%s: embedding differs from the unfused run", what);
}

static void check(int b2, int S, const char *dtype, emoc_isa isa)
{
    if (isa != EMOC_ISA_REF && emoc_isa_detect() != isa) {
        criterion_skip_test("%s not available", emoc_isa_name(isa));
        return;
    }
    enet_synth_opts o = {.b2 = b2, .n_scores = 8, .trans_b = 1};
    emoc_error err = {{0}};
    size_t size = 0;
    uint8_t *emw = enet_synth_emw(&o, "t.onnx", S, &size, &err);
    cr_assert(emw, "%s", err.msg);
    setenv("EMOC_GEMM_DTYPE", dtype, 1);
    run_out base, r;
    run(emw, size, S, isa, 1, "0", NULL, 0, &base);
    cr_assert_eq(base.fused, 0, "EMOC_FUSE=0 fused %d pairs", base.fused);
    static const char *bands[] = {"1", "5000", "40000", "100000000"};
    for (int bi = 0; bi < 4; bi++)
        for (int threads = 1; threads <= 3; threads += 2) {
            char what[96];
            snprintf(what, sizeof what, "%s S=%d band %s bytes, %d threads", dtype, S, bands[bi],
                     threads);
            run(emw, size, S, isa, threads, "all", bands[bi], 0, &r);
            /* every expansion is followed by its depthwise conv: B0 15, B2 21 pairs */
            cr_assert_eq(r.fused, b2 ? 21 : 15, "%s: %d pairs fused", what, r.fused);
            same(&r, &base, 8, what);
            free(r.emb);
        }
    /* traced runs execute the ops one by one (each op's output observable): same bits */
    run(emw, size, S, isa, 3, "all", "5000", 1, &r);
    same(&r, &base, 8, "traced");
    free(r.emb);
    unsetenv("EMOC_GEMM_DTYPE");
    free(base.emb);
    free(emw);
}

Test(enet_fuse, b0_even_bf16_ref) { check(0, 64, "bf16", EMOC_ISA_REF); }
Test(enet_fuse, b0_odd_int8_ref) { check(0, 57, "int8", EMOC_ISA_REF); }
Test(enet_fuse, b0_even_bf16_best) { check(0, 64, "bf16", emoc_isa_detect()); }
Test(enet_fuse, b0_odd_bf16_best) { check(0, 57, "bf16", emoc_isa_detect()); }
Test(enet_fuse, b0_odd_int8_best) { check(0, 57, "int8", emoc_isa_detect()); }
Test(enet_fuse, b2_odd_bf16_best) { check(1, 33, "bf16", emoc_isa_detect()); }
Test(enet_fuse, b2_even_int8_best) { check(1, 36, "int8", emoc_isa_detect()); }

/* The default rule fuses only stride-2 pairs of at least 512 KB: none at these sizes. */
Test(enet_fuse, default_rule_leaves_small_maps_alone)
{
    enet_synth_opts o = {.b2 = 0, .n_scores = 8, .trans_b = 1};
    emoc_error err = {{0}};
    size_t size = 0;
    uint8_t *emw = enet_synth_emw(&o, "t.onnx", 64, &size, &err);
    cr_assert(emw, "%s", err.msg);
    setenv("EMOC_GEMM_DTYPE", "bf16", 1);
    run_out r;
    run(emw, size, 64, EMOC_ISA_REF, 1, NULL, NULL, 0, &r);
    cr_assert_eq(r.fused, 0);
    free(r.emb);
    unsetenv("EMOC_GEMM_DTYPE");
    free(emw);
}
