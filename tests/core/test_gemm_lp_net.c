/* test_gemm_lp_net.c — the reduced-precision GEMM op in a whole net (docs/precision.md): with
 * EMOC_GEMM_DTYPE=bf16|int8 the tinynet fixture's pointwise conv and linear layers (SE gate and
 * residual included) run through the gemm_bf16 / gemm_i8 slots; scores stay within the drift
 * bounds of the issue (bf16 3e-2, int8 1.5e-1 of max|fp32|), differ from fp32 (so the path was
 * taken), and are bitwise the same for 1 and 3 threads. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "tests/core/tinynet_fixture.h"

static float last_emb[8]; /* the embedding of the last run_tiny (the tinynet's GAP, 8 channels) */

static void run_tiny(const char *dtype, emoc_isa isa, int threads, unsigned seed, float *scores)
{
    if (dtype) setenv("EMOC_GEMM_DTYPE", dtype, 1);
    else unsetenv("EMOC_GEMM_DTYPE");
    tiny_opts o;
    tiny_default(&o);
    size_t n = 0;
    uint8_t *buf = tiny_build(&o, &n);
    cr_assert_not_null(buf);
    emoc_options opt;
    emoc_options_default(&opt);
    opt.isa = isa;
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, n, &opt, &m, &err), EMOC_OK, "%s", err.msg);
    free(buf);
    emoc_session *s = NULL;
    cr_assert_eq(emoc_session_create(m, threads, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    float x[3 * 16 * 16];
    for (int i = 0; i < 3 * 16 * 16; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)((seed >> 9) % 2001) / 1000.0f - 1.0f;
    }
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &out), EMOC_OK, "%s", emoc_session_last_error(s));
    cr_assert_eq(out.n_scores, 10);
    memcpy(scores, out.scores, 10 * sizeof(float));
    cr_assert(out.embedding && out.n_embedding == 8);
    memcpy(last_emb, out.embedding, sizeof last_emb);
    emoc_session_free(s);
    emoc_model_free(m);
    unsetenv("EMOC_GEMM_DTYPE");
}

static void check_dtype(const char *dtype, double bound, emoc_isa isa)
{
    if (isa != EMOC_ISA_REF && emoc_isa_detect() != isa) {
        criterion_skip_test("%s not available", emoc_isa_name(isa));
        return;
    }
    for (unsigned seed = 1; seed <= 8; seed++) {
        float f32[10], lp[10], lp3[10];
        run_tiny(NULL, isa, 1, seed, f32);
        run_tiny(dtype, isa, 1, seed, lp);
        run_tiny(dtype, isa, 3, seed, lp3);
        double amax = 0, dmax = 0;
        for (int i = 0; i < 10; i++) {
            amax = fmax(amax, fabs(f32[i]));
            dmax = fmax(dmax, fabs((double)lp[i] - f32[i]));
        }
        cr_assert(dmax <= bound * amax, "%s seed %u: max|Δ| %.3g > %.3g·max|fp32| (%.3g)", dtype,
                  seed, dmax, bound, amax);
        cr_assert(dmax > 0, "%s seed %u: scores equal fp32 bit for bit: reduced path not taken", dtype, seed);
        cr_assert(memcmp(lp, lp3, sizeof lp) == 0, "%s seed %u: 1 and 3 threads differ", dtype, seed);
    }
}

Test(gemm_lp_net, bf16_within_bound_ref) { check_dtype("bf16", 3e-2, EMOC_ISA_REF); }
Test(gemm_lp_net, int8_within_bound_ref) { check_dtype("int8", 1.5e-1, EMOC_ISA_REF); }
Test(gemm_lp_net, bf16_within_bound_best_isa) { check_dtype("bf16", 3e-2, emoc_isa_detect()); }
Test(gemm_lp_net, int8_within_bound_best_isa) { check_dtype("int8", 1.5e-1, emoc_isa_detect()); }

/* An unknown value fails the load with a message naming the variable, not silently run as fp32
 * (the loader reports a builder failure with its own status). */
Test(gemm_lp_net, unknown_dtype_is_refused)
{
    setenv("EMOC_GEMM_DTYPE", "fp8", 1);
    tiny_opts o;
    tiny_default(&o);
    size_t n = 0;
    uint8_t *buf = tiny_build(&o, &n);
    cr_assert_not_null(buf);
    emoc_options opt;
    emoc_options_default(&opt);
    emoc_model *m = NULL;
    emoc_error err;
    emoc_status st = emoc_model_load_memory(buf, n, &opt, &m, &err);
    cr_assert_neq(st, EMOC_OK, "an unknown EMOC_GEMM_DTYPE was accepted");
    cr_assert(strstr(err.msg, "EMOC_GEMM_DTYPE='fp8'") != NULL, "message: %s", err.msg);
    cr_assert_null(m);
    free(buf);
    unsetenv("EMOC_GEMM_DTYPE");
}

/* docs/precision.md §1.1: a reduced-precision net runs its SiLUs as EMOC_ACT_SILU_LP (the
 * scores move when EMOC_LP_SILU=0 restores SiLU), an fp32 net keeps SiLU (the variable changes
 * no bit of its scores). The tinynet has SiLU in its stem, depthwise and SE reduce. */
Test(gemm_lp_net, lp_silu_only_in_reduced_nets)
{
    emoc_isa isa = emoc_isa_detect();
    for (unsigned seed = 1; seed <= 3; seed++) {
        float f32[10], f32_exact[10], lp[10], lp_exact[10], e[4][8];
        unsetenv("EMOC_LP_SILU");
        run_tiny(NULL, isa, 1, seed, f32);
        memcpy(e[0], last_emb, sizeof e[0]);
        run_tiny("bf16", isa, 1, seed, lp);
        memcpy(e[1], last_emb, sizeof e[1]);
        setenv("EMOC_LP_SILU", "0", 1);
        run_tiny(NULL, isa, 1, seed, f32_exact);
        memcpy(e[2], last_emb, sizeof e[2]);
        run_tiny("bf16", isa, 1, seed, lp_exact);
        memcpy(e[3], last_emb, sizeof e[3]);
        unsetenv("EMOC_LP_SILU");
        cr_assert(memcmp(f32, f32_exact, sizeof f32) == 0 && memcmp(e[0], e[2], sizeof e[0]) == 0,
                  "seed %u: the fp32 net's SiLU changed", seed);
        /* the embedding (fp32 GAP), not the scores: the bf16 fc rounds 8 channels' small change away */
        cr_assert(memcmp(e[1], e[3], sizeof e[1]) != 0, "seed %u: the bf16 net kept the exact SiLU", seed);
    }
}
