/*
 * test_pth_reader.c — the PyTorch checkpoint reader on the committed fixtures of
 * tests/fixtures/pth/ (made by tools/reference/pth_fixtures/gen.py with torch 1.13): valid
 * checkpoints give the right names, shapes and values; each malformed one is rejected with its
 * own status and a message naming the cause.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fixture_file.h"
#include "weights/pth.h"

static uint8_t *load_fixture(const char *name, size_t *size)
{
    char rel[512];
    snprintf(rel, sizeof rel, "tests/fixtures/pth/%s", name);
    return fixture_read(rel, size);
}

static emoc_status read_fixture(const char *name, emoc_pth_checkpoint *ck, emoc_error *err)
{
    size_t n;
    uint8_t *buf = load_fixture(name, &n);
    memset(err, 0, sizeof *err);
    emoc_status st = emoc__pth_read(buf, n, ck, err);
    free(buf); /* the checkpoint must not point into the file buffer */
    return st;
}

static const emoc_pth_tensor *must_find(const emoc_pth_checkpoint *ck, const char *name)
{
    const emoc_pth_tensor *t = emoc__pth_find(ck, name);
    cr_assert(t, "tensor %s missing", name);
    return t;
}

static void check_tiny_state_dict(const emoc_pth_checkpoint *ck)
{
    cr_assert_eq(ck->n_tensors, 7);
    static const char *order[] = {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                  "1.running_var", "1.num_batches_tracked"};
    for (int i = 0; i < 7; i++) cr_assert_str_eq(ck->tensors[i].name, order[i]);
    const emoc_pth_tensor *w = must_find(ck, "0.weight");
    cr_assert_eq(w->rank, 4);
    cr_assert(w->dims[0] == 3 && w->dims[1] == 2 && w->dims[2] == 1 && w->dims[3] == 1);
    static const float ref[6] = {-0.666123927f, -0.138736382f, -0.339631617f, -0.18859762f,
                                 -0.624657094f, 0.283754498f};
    for (int i = 0; i < 6; i++) cr_assert_eq(w->data[i], ref[i], "0.weight[%d]", i);
    const emoc_pth_tensor *rv = must_find(ck, "1.running_var");
    cr_assert(rv->data[0] == 1.5f && rv->data[1] == 0.75f && rv->data[2] == 3.0f);
    const emoc_pth_tensor *nb = must_find(ck, "1.num_batches_tracked");
    cr_assert_eq(nb->rank, 0);
    cr_assert_eq(nb->count, 1);
    cr_assert_eq(nb->dtype, EMOC_PTH_I64);
    cr_assert_eq(nb->data[0], 7.0f);
}

Test(pth_reader, bare_state_dict)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("bare.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    cr_assert_null(ck.container_key);
    check_tiny_state_dict(&ck);
    emoc__pth_release(&ck);
}

Test(pth_reader, model_state_dict_with_optimizer_state_skipped)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("wrapped.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    cr_assert_str_eq(ck.container_key, "model_state_dict");
    cr_assert_eq(ck.n_skipped, 4); /* optimizer_state_dict, epoch, best_acc, note */
    check_tiny_state_dict(&ck);
    emoc__pth_release(&ck);
}

Test(pth_reader, state_dict_key)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("wrapped_state_dict.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    cr_assert_str_eq(ck.container_key, "state_dict");
    check_tiny_state_dict(&ck);
    emoc__pth_release(&ck);
}

Test(pth_reader, protocol4_stream)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("protocol4.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    check_tiny_state_dict(&ck);
    emoc__pth_release(&ck);
}

Test(pth_reader, views_honour_offset_and_strides)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("views.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    /* base = arange(24).reshape(4,6) */
    const emoc_pth_tensor *t = must_find(&ck, "t");   /* base.t(): t[i][j] = base[j][i] */
    cr_assert(t->dims[0] == 6 && t->dims[1] == 4);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 4; j++) cr_assert_eq(t->data[i * 4 + j], (float)(j * 6 + i));
    const emoc_pth_tensor *s = must_find(&ck, "slice"); /* base[1:3, 2:5] */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) cr_assert_eq(s->data[i * 3 + j], (float)((1 + i) * 6 + 2 + j));
    const emoc_pth_tensor *r = must_find(&ck, "row");
    for (int j = 0; j < 6; j++) cr_assert_eq(r->data[j], (float)(12 + j));
    cr_assert_eq(must_find(&ck, "scalar")->data[0], 3.5f);
    const emoc_pth_tensor *e = must_find(&ck, "empty");
    cr_assert(e->count == 0 && e->rank == 2 && e->dims[0] == 0 && e->dims[1] == 3);
    emoc__pth_release(&ck);
}

Test(pth_reader, half_double_bf16_long_storages)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("dtypes.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    const emoc_pth_tensor *h = must_find(&ck, "half");
    cr_assert_eq(h->dtype, EMOC_PTH_F16);
    cr_assert(h->data[0] == 1.0f && h->data[1] == -2.5f && h->data[2] == 0.0009765625f &&
              h->data[3] == 65504.0f);
    cr_assert_float_eq(h->data[4], 5.9604645e-08f, 1e-12); /* fp16 subnormal */
    const emoc_pth_tensor *d = must_find(&ck, "double");
    cr_assert_eq(d->data[0], (float)(1.0 / 3.0));
    cr_assert_eq(d->data[1], -1e10f);
    const emoc_pth_tensor *b = must_find(&ck, "bf16");
    cr_assert(b->data[0] == 1.5f && b->data[1] == -0.375f);
    const emoc_pth_tensor *l = must_find(&ck, "long");
    cr_assert(l->data[0] == -3.0f && l->data[1] == 5.0f);
    emoc__pth_release(&ck);
}

Test(pth_reader, parameters_and_crafted_view)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("parameter.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    const emoc_pth_tensor *w = must_find(&ck, "w");
    cr_assert(w->data[0] == 1 && w->data[1] == 2 && w->data[2] == 3 && w->data[3] == 4);
    emoc__pth_release(&ck);
    cr_assert_eq(read_fixture("crafted_ok.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(ck.n_tensors, 1);
    emoc__pth_release(&ck);
}

/* ---- malformed ------------------------------------------------------------------------------ */

typedef struct bad_case {
    const char *file;
    emoc_status status;
    const char *needle; /* substring the message must contain */
} bad_case;

static const bad_case BAD[] = {
    {"truncated.pth", EMOC_E_TRUNCATED, "no end-of-central-directory record"},
    {"not_zip.pth", EMOC_E_TRUNCATED, "not a zip archive"},
    {"bad_offset.pth", EMOC_E_FORMAT, "local header offset 3387 is outside the archive"},
    {"bad_cd_offset.pth", EMOC_E_FORMAT, "central directory (offset 2147483632"},
    {"encrypted.pth", EMOC_E_UNSUPPORTED, "'archive/data.pkl': is encrypted"},
    {"compressed.pth", EMOC_E_UNSUPPORTED, "'archive/data.pkl': is compressed (method 8)"},
    {"bad_crc.pth", EMOC_E_CHECKSUM, "'archive/data/0': CRC-32 mismatch"},
    {"os_system.pth", EMOC_E_SECURITY, "pickle offset 2: global 'os.system' refused"},
    {"posix_system.pth", EMOC_E_SECURITY, "pickle offset 2: global 'posix.system' refused"},
    {"builtins_eval.pth", EMOC_E_SECURITY, "global 'builtins.eval' refused"},
    {"storage_call.pth", EMOC_E_SECURITY, "REDUCE of this global is refused"},
    {"inst_opcode.pth", EMOC_E_UNSUPPORTED, "opcode 0x69 ('i') is not accepted"},
    {"deep_lists.pth", EMOC_E_LIMIT, "nested deeper than 64 levels"},
    {"deep_marks.pth", EMOC_E_LIMIT, "more than 64 nested MARKs"},
    {"huge_string.pth", EMOC_E_LIMIT, "string of 4294967295 bytes exceeds the cap"},
    {"huge_dims.pth", EMOC_E_LIMIT, "tensor 'w': more than 2^34 elements"},
    {"short_storage.pth", EMOC_E_FORMAT, "storage shorter than the tensor claims"},
    {"storage_size_mismatch.pth", EMOC_E_FORMAT, "holds 24 bytes but its persistent id claims 1000"},
    {"missing_storage.pth", EMOC_E_FORMAT, "storage entry 'archive/data/7' is missing"},
    {"bad_memo.pth", EMOC_E_FORMAT, "memo index 5 was never stored"},
    {"no_stop.pth", EMOC_E_TRUNCATED, "stream ends before its STOP opcode"},
    {"bare_tensor.pth", EMOC_E_FORMAT, "holds a tensor, not a dict"},
};

Test(pth_reader, malformed_fixtures_each_rejected_with_their_own_error)
{
    size_t n = sizeof BAD / sizeof BAD[0];
    for (size_t i = 0; i < n; i++) {
        emoc_pth_checkpoint ck;
        emoc_error err;
        emoc_status st = read_fixture(BAD[i].file, &ck, &err);
        cr_assert_eq(st, BAD[i].status, "%s: status %d (%s), message: %s", BAD[i].file, st,
                     emoc_strerror(st), err.msg);
        cr_assert(strstr(err.msg, BAD[i].needle), "%s: message '%s' lacks '%s'", BAD[i].file,
                  err.msg, BAD[i].needle);
        cr_assert_eq(ck.n_tensors, 0);
        cr_assert_null(ck.tensors);
        for (size_t j = 0; j < i; j++)
            cr_assert(strcmp(BAD[i].needle, BAD[j].needle), "duplicate case");
    }
}

/* Every prefix of a valid checkpoint fails cleanly (never crashes, never reports success). */
Test(pth_reader, every_truncation_of_a_valid_file_fails_cleanly)
{
    size_t n;
    uint8_t *buf = load_fixture("views.pth", &n);
    for (size_t len = 0; len < n; len += 7) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        emoc_pth_checkpoint ck;
        emoc_error err;
        emoc_status st = emoc__pth_read(copy, len, &ck, &err);
        cr_assert_neq(st, EMOC_OK, "prefix of %zu bytes accepted", len);
        free(copy);
    }
    free(buf);
}

/* Single-byte corruption anywhere: OK or a clean error, never a crash (ASan/UBSan run). */
Test(pth_reader, byte_flips_never_crash)
{
    size_t n;
    uint8_t *buf = load_fixture("bare.pth", &n);
    int rejected = 0;
    for (size_t i = 0; i < n; i += 3) {
        buf[i] ^= 0x5A;
        emoc_pth_checkpoint ck;
        emoc_error err;
        if (emoc__pth_read(buf, n, &ck, &err) == EMOC_OK) emoc__pth_release(&ck);
        else rejected++;
        buf[i] ^= 0x5A;
    }
    cr_assert_gt(rejected, (int)(n / 3) / 2, "CRC/structure checks should catch most flips");
    free(buf);
}
