/* test_gemm_lp_file.c — reduced precision chosen at conversion (EMW 1.2, docs/precision.md):
 * the tinynet fixture converted with --dtype bf16 / int8 (weights/convert_lp.c) loads with the
 * stored dtypes and scales; bf16 files give bitwise the scores of the load-time override, int8
 * files are deterministic (conversion and run, any thread count) and within the bound;
 * malformed or too-new-for-the-reader records are refused by name. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "engine/base/crc32.h"
#include "engine/emw/emw.h"
#include "tests/core/tinynet_fixture.h"

#define S 16
#define NX (3 * S * S)

static void input(unsigned seed, float *x)
{
    for (int i = 0; i < NX; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)((seed >> 9) % 2001) / 1000.0f - 1.0f;
    }
}

static uint8_t *build(int reduced, const float *calib, size_t n_calib, size_t *n)
{
    unsetenv("EMOC_GEMM_DTYPE");
    tiny_opts o;
    tiny_default(&o);
    o.reduced = reduced;
    o.calib = calib;
    o.n_calib = n_calib;
    o.kernel_layout = 1; /* as `emoc convert` writes: reduced GEMMs stay rows, the rest packed */
    uint8_t *buf = tiny_build(&o, n);
    cr_assert_not_null(buf, "tinynet with dtype %d did not build", reduced);
    return buf;
}

static emoc_status load(const uint8_t *buf, size_t n, int verify, emoc_model **m, emoc_error *err)
{
    emoc_options opt;
    emoc_options_default(&opt);
    opt.verify_checksums = verify;
    return emoc_model_load_memory(buf, n, &opt, m, err);
}

static void scores(const uint8_t *buf, size_t n, const char *env, int threads, unsigned seed,
                   float *out10)
{
    if (env) setenv("EMOC_GEMM_DTYPE", env, 1);
    emoc_model *m = NULL;
    emoc_error err;
    cr_assert_eq(load(buf, n, 1, &m, &err), EMOC_OK, "%s", err.msg);
    unsetenv("EMOC_GEMM_DTYPE");
    emoc_session *s = NULL;
    cr_assert_eq(emoc_session_create(m, threads, NULL, 0, &s, &err), EMOC_OK, "%s", err.msg);
    float x[NX];
    input(seed, x);
    emoc_output out;
    cr_assert_eq(emoc_session_run(s, x, NX, &out), EMOC_OK, "%s", emoc_session_last_error(s));
    memcpy(out10, out.scores, 10 * sizeof(float));
    emoc_session_free(s);
    emoc_model_free(m);
}

Test(gemm_lp_file, bf16_file_runs_as_the_override_bit_for_bit)
{
    size_t nf = 0, nb = 0;
    uint8_t *f32 = build(0, NULL, 0, &nf), *bf = build(EMW_BF16, NULL, 0, &nb);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(bf, nb, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.version_minor, 2);
    int n_bf16 = 0;
    for (size_t i = 0; i < f.n_tensors; i++) n_bf16 += f.tensors[i].dtype == EMW_BF16;
    cr_assert(n_bf16 >= 3, "only %d bf16 tensors", n_bf16);
    const emw_meta *q = emw_find_meta(&f, "quant.dtype");
    cr_assert(q && q->type == EMW_T_STR && !strcmp(q->str, "bf16"));
    emw_file_release(&f);
    for (unsigned seed = 1; seed <= 4; seed++) {
        float a[10], b[10], c[10];
        scores(f32, nf, "bf16", 1, seed, a);
        scores(bf, nb, NULL, 1, seed, b);
        scores(bf, nb, NULL, 3, seed, c);
        cr_assert(memcmp(a, b, sizeof a) == 0, "seed %u: bf16 file != EMOC_GEMM_DTYPE=bf16", seed);
        cr_assert(memcmp(b, c, sizeof b) == 0, "seed %u: 1 and 3 threads differ", seed);
    }
    free(f32);
    free(bf);
}

Test(gemm_lp_file, int8_file_is_calibrated_deterministic_and_within_bound)
{
    float calib[4 * NX];
    for (int i = 0; i < 4; i++) input(100u + (unsigned)i, calib + i * NX);
    size_t nf = 0, n1 = 0, n2 = 0, n3 = 0;
    uint8_t *f32 = build(0, NULL, 0, &nf);
    uint8_t *i8 = build(EMW_I8, calib, 4, &n1), *again = build(EMW_I8, calib, 4, &n2);
    uint8_t *other = build(EMW_I8, calib, 1, &n3);
    cr_assert(n1 == n2 && memcmp(i8, again, n1) == 0, "same calibration set, different files");
    cr_assert(n1 != n3 || memcmp(i8, other, n1) != 0, "a different calibration set changed nothing");
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(i8, n1, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.version_minor, 2);
    const emw_meta *cnt = emw_find_meta(&f, "quant.calib.count");
    const emw_meta *sha = emw_find_meta(&f, "quant.calib.sha256");
    cr_assert(cnt && cnt->type == EMW_T_I64 && cnt->i64 == 4);
    cr_assert(sha && sha->type == EMW_T_STR && strlen(sha->str) == 64);
    int n_i8 = 0;
    for (size_t i = 0; i < f.n_tensors; i++) {
        const emw_tensor *t = &f.tensors[i];
        if (t->dtype != EMW_I8) continue;
        n_i8++;
        cr_assert(t->act_scale > 0 && isfinite(t->act_scale), "'%s' act scale", t->name);
        /* the value a reader gets is q·sw of its output channel */
        float *v = malloc((size_t)t->count * sizeof *v);
        emw_tensor_to_f32(t, v);
        size_t K = (size_t)(t->count / (uint64_t)t->dims[0]);
        for (uint64_t k = 0; k < t->count; k++)
            cr_assert_eq(v[k], (float)((const int8_t *)t->data)[k] *
                                   emw_tensor_i8_scale(t, (int64_t)(k / K)));
        free(v);
    }
    cr_assert(n_i8 >= 3, "only %d int8 tensors", n_i8);
    emw_file_release(&f);
    for (unsigned seed = 100; seed < 104; seed++) { /* the calibration inputs themselves */
        float a[10], b[10], c[10], d[10];
        scores(f32, nf, NULL, 1, seed, a);
        scores(i8, n1, NULL, 1, seed, b);
        scores(i8, n1, NULL, 3, seed, c);
        scores(f32, nf, "int8", 1, seed, d); /* dynamic scales: not the same numbers */
        double amax = 0, dmax = 0;
        for (int i = 0; i < 10; i++) {
            amax = fmax(amax, fabs(a[i]));
            dmax = fmax(dmax, fabs((double)b[i] - a[i]));
        }
        cr_assert(dmax > 0 && dmax <= 1.5e-1 * amax, "seed %u: int8 drift %.3g of max %.3g",
                  seed, dmax, amax);
        cr_assert(memcmp(b, c, sizeof b) == 0, "seed %u: 1 and 3 threads differ", seed);
        cr_assert(memcmp(b, d, sizeof b) != 0, "seed %u: stored scales not used", seed);
    }
    free(f32);
    free(i8);
    free(again);
    free(other);
}

/* Byte offset of the int8 record of tensor `name`: just past its name. */
static size_t record_of(const uint8_t *buf, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 2; i + len < n; i++)
        if (buf[i - 2] == (uint8_t)len && buf[i - 1] == 0 && !memcmp(buf + i, name, len))
            return i + len;
    cr_assert_fail("no record '%s'", name);
    return 0;
}

static void refix_header_crc(uint8_t *buf)
{
    uint64_t hb = 0;
    for (int k = 7; k >= 0; k--) hb = hb << 8 | buf[32 + k];
    uint32_t crc = emoc__crc32(0, buf, (size_t)hb - 4);
    for (int k = 0; k < 4; k++) buf[hb - 4 + (uint64_t)k] = (uint8_t)(crc >> (8 * k));
}

static void expect_refused(const uint8_t *buf, size_t n, int verify, emoc_status st,
                           const char *what)
{
    emoc_model *m = NULL;
    emoc_error err = {{0}};
    cr_assert_eq(load(buf, n, verify, &m, &err), st, "expected %s, got: %s", what, err.msg);
    cr_assert(strstr(err.msg, what) != NULL, "message: %s", err.msg);
    cr_assert_null(m);
}

Test(gemm_lp_file, malformed_and_too_new_records_are_refused_by_name)
{
    float calib[NX];
    input(7, calib);
    size_t n = 0;
    uint8_t *good = build(EMW_I8, calib, 1, &n), *b = malloc(n);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(good, n, 1, &f, &err), EMOC_OK, "%s", err.msg);
    const char *name = NULL;
    for (size_t i = 0; i < f.n_tensors && !name; i++)
        if (f.tensors[i].dtype == EMW_I8) name = f.tensors[i].name;
    cr_assert_not_null(name);
    char nm[256];
    snprintf(nm, sizeof nm, "%s", name);
    size_t data = (size_t)(f.data_offset + emw_find_tensor(&f, nm)->offset);
    emw_file_release(&f);
    size_t rec = record_of(good, n, nm);
    int rank = good[rec + 1];
    size_t extra = rec + 4 + 8 * (size_t)rank + 20;

    /* what a 1.0/1.1 reader does with any 1.2 file: the dtype refused by name */
    memcpy(b, good, n);
    b[6] = 1;
    refix_header_crc(b);
    expect_refused(b, n, 1, EMOC_E_UNSUPPORTED, "needs format 1.2, the file says 1.1");
    /* an activation scale of 0 (row-max) in a 1.2 file: needs 1.3 (a 1.2 reader refuses it
     * as "must be finite and > 0") */
    memcpy(b, good, n);
    memset(b + extra + 4, 0, 4);
    refix_header_crc(b);
    expect_refused(b, n, 1, EMOC_E_UNSUPPORTED, "needs format 1.3, the file says 1.2");
    /* a negative activation scale, and -0 */
    memcpy(b, good, n);
    b[extra + 7] |= 0x80;
    refix_header_crc(b);
    expect_refused(b, n, 1, EMOC_E_FORMAT, "int8 activation scale");
    memcpy(b, good, n);
    memset(b + extra + 4, 0, 3);
    b[extra + 7] = 0x80;
    b[6] = 3;
    refix_header_crc(b);
    expect_refused(b, n, 1, EMOC_E_FORMAT, "int8 activation scale");
    /* a weight scale that is NaN */
    memcpy(b, good, n);
    memset(b + extra + 8, 0xff, 4);
    refix_header_crc(b);
    expect_refused(b, n, 1, EMOC_E_FORMAT, "weight scale of channel 0");
    /* axis 1 */
    memcpy(b, good, n);
    b[extra] = 1;
    refix_header_crc(b);
    expect_refused(b, n, 1, EMOC_E_FORMAT, "int8 axis");
    /* -128 in the data (CRCs off, so the value check itself is what refuses it) */
    memcpy(b, good, n);
    b[data] = 0x80;
    expect_refused(b, n, 0, EMOC_E_FORMAT, "-128");
    /* int8 on a tensor that is not a GEMM weight is refused by the writer */
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    int64_t d3[3] = {2, 2, 2};
    float v[8] = {0};
    int8_t q[8] = {0};
    float sw[2] = {1, 1};
    cr_assert_eq(emw_writer_add_tensor(w, "t", EMW_F32, 3, d3, v), EMOC_OK);
    cr_assert_neq(emw_writer_set_i8(w, "t", q, sw, 1.0f), EMOC_OK);
    emw_writer_free(w);
    free(good);
    free(b);
}

/* int8 without calibration inputs is the row-max rule (docs/precision.md §2): an EMW 1.3 file
 * whose int8 records carry activation scale 0 and quant.int8.act "row-max", deterministic, and
 * run bit for bit as the EMOC_GEMM_DTYPE=int8 override (same weight rounding, one activation
 * scale per pixel row) at 1 and 3 threads. */
Test(gemm_lp_file, int8_without_calibration_is_row_max_as_the_override)
{
    size_t nf = 0, n1 = 0, n2 = 0;
    uint8_t *f32 = build(0, NULL, 0, &nf), *i8 = build(EMW_I8, NULL, 0, &n1),
            *again = build(EMW_I8, NULL, 0, &n2);
    cr_assert(n1 == n2 && memcmp(i8, again, n1) == 0, "row-max conversion is not deterministic");
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(i8, n1, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.version_minor, 3);
    int n_i8 = 0;
    for (size_t i = 0; i < f.n_tensors; i++)
        if (f.tensors[i].dtype == EMW_I8) {
            n_i8++;
            cr_assert_eq(f.tensors[i].act_scale, 0.0f, "'%s'", f.tensors[i].name);
        }
    cr_assert(n_i8 >= 3, "only %d int8 tensors", n_i8);
    const emw_meta *act = emw_find_meta(&f, "quant.int8.act");
    cr_assert(act && act->type == EMW_T_STR && !strcmp(act->str, "row-max"));
    cr_assert_null(emw_find_meta(&f, "quant.calib.sha256"), "row-max stores no calibration set");
    emw_file_release(&f);
    for (unsigned seed = 1; seed <= 4; seed++) {
        float a[10], b[10], c[10];
        scores(f32, nf, "int8", 1, seed, a);
        scores(i8, n1, NULL, 1, seed, b);
        scores(i8, n1, NULL, 3, seed, c);
        cr_assert(memcmp(a, b, sizeof a) == 0, "seed %u: row-max file != EMOC_GEMM_DTYPE=int8", seed);
        cr_assert(memcmp(b, c, sizeof b) == 0, "seed %u: 1 and 3 threads differ", seed);
    }
    free(f32);
    free(i8);
    free(again);
}
