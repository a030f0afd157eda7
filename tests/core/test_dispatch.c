/* test_dispatch.c — kernel table: every slot valid, names follow the grammar and match the
 * requested ISA, the EMOC_ISA override pins the set a model binds. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "engine/kernels/kernels.h"
#include "tests/core/tinynet_fixture.h"

/* emoc_f32_<op>[_<shape>]_<tile>__<isa> */
static void assert_name(const char *name, const char *isa_or_ref_ok, const char *slot)
{
    cr_assert_not_null(name, "slot %s has no name", slot);
    cr_assert(strncmp(name, "emoc_f32_", 9) == 0, "slot %s: '%s' lacks the emoc_f32_ prefix", slot, name);
    const char *sep = strstr(name, "__");
    cr_assert_not_null(sep, "slot %s: '%s' lacks the __<isa> suffix", slot, name);
    const char *isa = sep + 2;
    cr_assert(!strcmp(isa, "ref") || !strcmp(isa, isa_or_ref_ok) ||
                  (!strcmp(isa_or_ref_ok, "avx512") && !strcmp(isa, "avx2")),
              "slot %s: kernel '%s' is not of ISA %s or below", slot, name, isa_or_ref_ok);
}

static void check_table(emoc_isa isa)
{
    emoc_kernel_table t;
    emoc__kernel_table_init(&t, isa);
    const char *want = emoc_isa_name(isa);
    cr_assert_not_null(t.gemm.fn);
    cr_assert_not_null(t.gemm.pack);
    cr_assert_not_null(t.gemm.packed_size);
    cr_assert_gt(t.gemm.nr, 0);
    cr_assert_not_null(t.dwconv.fn);
    cr_assert_not_null(t.conv2d.fn);
    cr_assert_not_null(t.conv2d.pack);
    cr_assert_not_null(t.act.fn);
    assert_name(t.gemm.name, want, "gemm");
    assert_name(t.dwconv.name, want, "dwconv");
    assert_name(t.conv2d.name, want, "conv2d");
    assert_name(t.act.name, want, "act");
}

Test(dispatch, reference_table_is_all_ref)
{
    emoc_kernel_table t;
    emoc__kernel_table_init(&t, EMOC_ISA_REF);
    cr_assert_eq(t.isa, EMOC_ISA_REF);
    cr_assert(strstr(t.gemm.name, "__ref") && strstr(t.dwconv.name, "__ref") &&
              strstr(t.conv2d.name, "__ref") && strstr(t.act.name, "__ref"));
}

Test(dispatch, every_supported_isa_fills_every_slot)
{
    emoc_isa best = emoc_isa_detect();
    check_table(EMOC_ISA_REF);
    if (best == EMOC_ISA_AVX2 || best == EMOC_ISA_AVX512) check_table(EMOC_ISA_AVX2);
    if (best == EMOC_ISA_AVX512) check_table(EMOC_ISA_AVX512);
    if (best == EMOC_ISA_NEON) check_table(EMOC_ISA_NEON);
}

typedef struct {
    int n, ref;
} kcount;

static void count_ref(void *user, const emoc_trace_event *ev)
{
    kcount *k = user;
    k->n++;
    if (strstr(ev->kernel, "__ref")) k->ref++;
}

Test(dispatch, env_override_pins_the_models_kernels)
{
    size_t n = 0;
    tiny_opts o;
    tiny_default(&o);
    uint8_t *buf = tiny_build(&o, &n);
    cr_assert_not_null(buf);
    setenv("EMOC_ISA", "ref", 1);
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(emoc_model_load_memory(buf, n, NULL, &m, &err), EMOC_OK, "%s", err.msg);
    unsetenv("EMOC_ISA");
    emoc_model_info info;
    emoc_model_get_info(m, &info);
    cr_assert_eq(info.isa, EMOC_ISA_REF);
    kcount k = {0, 0};
    emoc_model_dump_plan(m, count_ref, &k);
    cr_assert_gt(k.n, 0);
    cr_assert_eq(k.ref, k.n, "with EMOC_ISA=ref every op must run a __ref kernel");
    emoc_model_free(m);
    setenv("EMOC_ISA", "nonsense", 1);
    cr_assert_eq(emoc_model_load_memory(buf, n, NULL, &m, &err), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "EMOC_ISA=nonsense") != NULL, "%s", err.msg);
    unsetenv("EMOC_ISA");
    free(buf);
}
