/*
 * test_emw_seeds.c — the fuzz seed corpus (tests/fuzz/corpus/emw/) is written by an independent
 * Python implementation of FORMAT.md (tests/fuzz/gen_emw_seeds.py); the C reader must accept
 * every file with the values it was given.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "engine/emw/emw.h"

static void load(const char *name, uint8_t **buf, size_t *size, emw_file *f)
{
    const char *root = getenv("EMOC_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/emw/%s", root ? root : ".", name);
    emoc_error err;
    cr_assert_eq(emw_read_file(path, buf, size, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emw_parse(*buf, *size, 1, f, &err), EMOC_OK, "%s: %s", name, err.msg);
}

Test(emw_seeds, python_written_files_parse)
{
    const char *names[] = {"empty.emw", "net_small.emw", "rank8_f16.emw", "mtl_head.emw",
                           "tinynet.emw", "tinynet_layout.emw"};
    for (size_t i = 0; i < 6; i++) {
        uint8_t *buf;
        size_t size;
        emw_file f;
        load(names[i], &buf, &size, &f);
        emoc_error err;
        if (i == 1 || i >= 3)
            cr_assert_eq(emw_check_net_meta(&f, &err), EMOC_OK, "%s: %s", names[i], err.msg);
        emw_file_release(&f);
        free(buf);
    }
}

Test(emw_seeds, values_match_what_python_wrote)
{
    uint8_t *buf;
    size_t size;
    emw_file f;
    load("rank8_f16.emw", &buf, &size, &f);
    const emw_tensor *y = emw_find_tensor(&f, "y");
    cr_assert(y && y->dtype == EMW_F32 && y->count == 4);
    float v[4];
    emw_tensor_to_f32(y, v);
    cr_assert(v[0] == 0.0f && v[1] == 0.0f && v[2] == 1e-8f && v[3] == 65504.0f);
    const emw_tensor *x = emw_find_tensor(&f, "x");
    cr_assert(x && x->dtype == EMW_F16 && x->rank == 8 && x->count == 24 && x->dims[7] == 3);
    cr_assert_str_eq(emw_find_meta(&f, "unicode.é")->str, "ünïcödé ✓");
    emw_file_release(&f);
    free(buf);
    load("net_small.emw", &buf, &size, &f);
    const emw_meta *m = emw_find_meta(&f, "ignored.prefixes");
    cr_assert(m && m->count == 2);
    cr_assert_str_eq(m->strs[1], "old.");
    cr_assert_eq(emw_find_meta(&f, "test.i64s")->i64s[2], 7);
    emw_file_release(&f);
    free(buf);
}

Test(emw_seeds, python_written_tinynet_loads_as_a_model)
{
    uint8_t *buf;
    size_t size;
    emw_file f;
    load("tinynet.emw", &buf, &size, &f);
    emw_file_release(&f);
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, size, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    cr_assert_gt(emoc_model_op_count(m), 0);
    emoc_model_free(m);
    free(buf);
}

/* One forward pass of a model on a fixed 16x16 input: the 10 scores. */
static void run_tiny(const uint8_t *buf, size_t size, emoc_isa isa, float out[10])
{
    emoc_options opt;
    emoc_options_default(&opt);
    opt.isa = isa;
    emoc_model *m = NULL;
    emoc_session *s = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory_inplace(buf, size, &opt, &m, &err), EMOC_OK, "%s",
                 err.msg);
    cr_assert_eq(emoc_session_create(m, 1, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    float x[3 * 16 * 16];
    for (int i = 0; i < 3 * 16 * 16; i++) x[i] = (float)((i * 53) % 97) / 48.0f - 1.0f;
    emoc_output o;
    cr_assert_eq(emoc_session_run(s, x, 3 * 16 * 16, &o), EMOC_OK);
    memcpy(out, o.scores, 10 * sizeof(float));
    emoc_session_free(s);
    emoc_model_free(m);
}

/* The layouts of FORMAT.md §4.1 as an independent implementation (Python) writes them: the C
 * reader reads the values back in PyTorch order, and the net gives bitwise the outputs of the
 * 1.0 file at every ISA. */
Test(emw_seeds, python_written_layouts_read_back_and_run_like_rows)
{
    uint8_t *rb, *lb;
    size_t rs, ls;
    emw_file rf, lf;
    load("tinynet.emw", &rb, &rs, &rf);
    load("tinynet_layout.emw", &lb, &ls, &lf);
    cr_assert_eq(lf.version_minor, 1u);
    int laid_out = 0;
    for (size_t i = 0; i < rf.n_tensors; i++) {
        const emw_tensor *a = &rf.tensors[i], *b = emw_find_tensor(&lf, a->name);
        cr_assert_not_null(b, "%s", a->name);
        laid_out += b->layout != EMW_LAYOUT_ROWS;
        float va[256], vb[256];
        cr_assert_leq(a->count, 256u);
        emw_tensor_to_f32(a, va);
        emw_tensor_to_f32(b, vb);
        cr_assert_arr_eq(va, vb, (size_t)a->count * sizeof(float), "%s", a->name);
    }
    cr_assert_eq(laid_out, 5, "dw + 4 GEMM weights");
    emw_file_release(&rf);
    emw_file_release(&lf);
    const emoc_isa isas[] = {EMOC_ISA_REF, EMOC_ISA_AVX2, EMOC_ISA_AVX512, EMOC_ISA_NEON};
    for (int k = 0; k < 4; k++) {
        emoc_isa got;
        if (emoc_isa_resolve(isas[k], &got) != EMOC_OK) continue;
        float ya[10], yb[10];
        run_tiny(rb, rs, isas[k], ya);
        run_tiny(lb, ls, isas[k], yb);
        cr_assert_arr_eq(ya, yb, sizeof ya, "isa %s", emoc_isa_name(isas[k]));
    }
    free(rb);
    free(lb);
}
