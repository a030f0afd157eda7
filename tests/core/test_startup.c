/* test_startup.c — loading without copies (docs/startup.md): GEMM weights stored in the kernels'
 * panel layout (EMW 1.1, as `emoc convert` writes them) are used where they lie and give bitwise
 * the outputs of the row-major file at every ISA; load_memory_inplace keeps the caller's buffer;
 * emoc_model_sha256 hashes the bytes loaded. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "engine/core/core.h"
#include "engine/core/ops.h"
#include "tests/core/tinynet_fixture.h"
#include "engine/base/sha256.h"

static uint8_t *tiny(int kernel_layout, size_t *n)
{
    tiny_opts o;
    tiny_default(&o);
    o.kernel_layout = kernel_layout;
    uint8_t *buf = tiny_build(&o, n);
    cr_assert_not_null(buf);
    return buf;
}

static void run(emoc_model *m, float out[10])
{
    emoc_session *s = NULL;
    emoc_error err = {{0}};
    cr_assert_eq(emoc_session_create(m, 1, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    float x[3 * 16 * 16];
    for (int i = 0; i < 3 * 16 * 16; i++) x[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
    emoc_output o;
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &o), EMOC_OK);
    memcpy(out, o.scores, 10 * sizeof(float));
    emoc_session_free(s);
}

Test(startup, kernel_layout_file_is_used_in_place_and_matches_rows_at_every_isa)
{
    size_t nr = 0, nk = 0;
    uint8_t *rows = tiny(0, &nr), *kern = tiny(1, &nk);
    cr_assert_eq(rows[6], 0, "row-major file is EMW 1.0");
    cr_assert_eq(kern[6], 1, "kernel-layout file is EMW 1.1");
    const emoc_isa isas[] = {EMOC_ISA_REF, EMOC_ISA_AVX2, EMOC_ISA_AVX512, EMOC_ISA_NEON};
    int ran = 0;
    for (int k = 0; k < 4; k++) {
        emoc_isa got;
        if (emoc_isa_resolve(isas[k], &got) != EMOC_OK) continue;
        emoc_options opt;
        emoc_options_default(&opt);
        opt.isa = isas[k];
        emoc_model *a = NULL, *b = NULL;
        emoc_error err = {{0}};
        cr_assert_eq(emoc_model_load_memory(rows, nr, &opt, &a, &err), EMOC_OK, "%s", err.msg);
        cr_assert_eq(emoc_model_load_memory_inplace(kern, nk, &opt, &b, &err), EMOC_OK, "%s",
                     err.msg);
        cr_assert_eq(b->file_buf, kern, "in place: the caller's buffer, not a copy");
        /* every GEMM weight of the 1.1 file is read where it lies: 4 fewer load allocations */
        int gemm_ops = 0;
        for (int i = 0; i < b->plan.n_ops; i++) {
            if (b->plan.ops[i].exec != emoc__exec_gemm) continue;
            const emoc__gemm_params *p = (const emoc__gemm_params *)b->plan.ops[i].params;
            cr_assert((const uint8_t *)p->a.w_packed >= kern &&
                          (const uint8_t *)p->a.w_packed < kern + nk,
                      "op %d (%s) reads a copy", i, b->plan.ops[i].node);
            gemm_ops++;
        }
        cr_assert_eq(gemm_ops, 4, "tinynet has 4 GEMM ops (se.reduce, se.expand, pw, fc)");
        for (int i = 0; i < b->plan.n_ops; i++) { /* and the depthwise weight too */
            if (b->plan.ops[i].exec != emoc__exec_dwconv) continue;
            const emoc__dwconv_params *p = (const emoc__dwconv_params *)b->plan.ops[i].params;
            cr_assert((const uint8_t *)p->a.w >= kern && (const uint8_t *)p->a.w < kern + nk,
                      "op %d (%s) reads a copy", i, b->plan.ops[i].node);
        }
        cr_assert_eq(a->n_load_allocs - b->n_load_allocs, 5, "rows %d, kernel %d",
                     a->n_load_allocs, b->n_load_allocs);
        float ya[10], yb[10];
        run(a, ya);
        run(b, yb);
        cr_assert_arr_eq(ya, yb, sizeof ya, "isa %s: outputs differ", emoc_isa_name(isas[k]));
        emoc_model_free(a);
        emoc_model_free(b);
        ran++;
    }
#ifdef EMOC_ISA_REF_ONLY
    cr_assert_eq(ran, 1, "the reference ran (ISA=ref build: no SIMD set)");
#else
    cr_assert_geq(ran, 2, "ref and at least one SIMD set ran");
#endif
    free(rows);
    free(kern);
}

Test(startup, model_digest_is_the_sha256_of_the_loaded_bytes)
{
    size_t n = 0;
    uint8_t *buf = tiny(1, &n);
    char want[65], got[65];
    emoc__sha256_hex(buf, n, want);
    emoc_model *m = NULL;
    emoc_error err = {{0}};
    cr_assert_eq(emoc_model_load_memory(buf, n, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emoc_model_sha256(m, got), EMOC_OK);
    cr_assert_str_eq(got, want);
    emoc_model_free(m);
    FILE *f = fopen("startup_digest.emw", "wb");
    cr_assert(f && fwrite(buf, 1, n, f) == n && fclose(f) == 0);
    cr_assert_eq(emoc_model_load_file("startup_digest.emw", NULL, &m, &err), EMOC_OK, "%s",
                 err.msg);
    /* the file changes after the load: the digest is of what was loaded, not re-read */
    f = fopen("startup_digest.emw", "wb");
    cr_assert(f && fwrite("changed", 1, 7, f) == 7 && fclose(f) == 0);
    cr_assert_eq(emoc_model_sha256(m, got), EMOC_OK);
    cr_assert_str_eq(got, want);
    emoc_model_free(m);
    remove("startup_digest.emw");
    cr_assert_eq(emoc_model_sha256(NULL, got), EMOC_E_ARG);
    free(buf);
}

Test(startup, file_that_changes_size_while_read_is_refused_and_short_reads_are_named)
{
    /* a regular but empty file: the reader names the size */
    FILE *f = fopen("startup_empty.emw", "wb");
    cr_assert(f && fclose(f) == 0);
    emoc_model *m = NULL;
    emoc_error err = {{0}};
    cr_assert_neq(emoc_model_load_file("startup_empty.emw", NULL, &m, &err), EMOC_OK);
    cr_assert_null(m);
    cr_assert(strstr(err.msg, "startup_empty.emw"), "%s", err.msg);
    remove("startup_empty.emw");
    cr_assert_eq(emoc_model_load_file(".", NULL, &m, &err), EMOC_E_IO);
    cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);
}

/* The file buffer's spare bytes (engine/core/model.c): while open, the model's allocations are
 * carved from them (aligned, never past the end; what does not fit goes to the allocator); once
 * closed nothing is carved; frees of carved blocks do nothing and emoc_model_free releases the
 * rest (LeakSanitizer in CI sees any block lost). */
Test(startup, load_time_allocations_are_carved_from_the_file_buffer_spare_bytes)
{
    emoc_model *m = emoc__model_new(NULL);
    cr_assert_not_null(m);
    const size_t file = 1000, cap = 1024 + 8192;
    m->file_buf = emoc__alloc(&m->alloc, cap, 64);
    cr_assert_not_null(m->file_buf);
    m->owns_file_buf = 1;
    m->file_size = file;
    emoc__model_spare_open(m, cap);
    uintptr_t lo = (uintptr_t)m->file_buf + 1024, hi = (uintptr_t)m->file_buf + cap;
    uint8_t *a = emoc__alloc(&m->alloc, 100, 16), *b = emoc__alloc(&m->alloc, 3000, 64);
    cr_assert((uintptr_t)a == lo, "the first block starts at the 64-byte boundary after the file");
    cr_assert((uintptr_t)b >= lo + 100 && (uintptr_t)b % 64 == 0 && (uintptr_t)b + 3000 <= hi);
    memset(a, 1, 100);
    memset(b, 2, 3000);
    uint8_t *big = emoc__alloc(&m->alloc, 8192, 16); /* does not fit what is left */
    cr_assert_not_null(big);
    cr_assert((uintptr_t)big + 8192 <= lo - 1024 || (uintptr_t)big >= hi, "a block past the spare bytes");
    uint8_t *c = emoc__alloc(&m->alloc, 4000, 16); /* still fits: carved */
    cr_assert((uintptr_t)c >= (uintptr_t)b + 3000 && (uintptr_t)c + 4000 <= hi);
    emoc__free(&m->alloc, a); /* nothing to do */
    cr_assert_eq(a[0], 1);
    emoc__model_spare_close(m);
    uint8_t *d = emoc__alloc(&m->alloc, 16, 16); /* closed: from the allocator, though it fits */
    cr_assert((uintptr_t)d < lo - 1024 || (uintptr_t)d >= hi);
    emoc__free(&m->alloc, d);
    emoc__free(&m->alloc, big);
    emoc__free(&m->alloc, b);
    emoc__free(&m->alloc, c);
    emoc_model_free(m);

    /* a buffer without room after the file (or not the model's own) opens nothing */
    m = emoc__model_new(NULL);
    m->file_buf = emoc__alloc(&m->alloc, 5000, 64);
    m->owns_file_buf = 1;
    m->file_size = 5000;
    emoc__model_spare_open(m, 5000);
    cr_assert_eq(m->spare.open, 0);
    emoc_model_free(m);
}
