/*
 * test_emw_seeds.c — the fuzz seed corpus (tests/fuzz/corpus/emw/) is written by an independent
 * Python implementation of FORMAT.md (tests/fuzz/gen_emw_seeds.py); the C reader must accept
 * every file with the values it was given.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                           "tinynet.emw"};
    for (size_t i = 0; i < 5; i++) {
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
