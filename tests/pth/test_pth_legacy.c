/*
 * test_pth_legacy.c — the legacy checkpoint layout (torch.save before 1.6) on the committed
 * fixtures tests/fixtures/pth/legacy_*.pth (tools/reference/pth_fixtures/gen.py, torch 1.13 with
 * _use_new_zipfile_serialization=False): each valid file gives exactly the tensors of its zip
 * twin; each malformed one is refused with its own status and message.
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
    emoc_status st = emoc_pth_read(buf, n, ck, err);
    free(buf); /* the checkpoint must not point into the file buffer */
    return st;
}

/* Same names in the same order, same dtypes, shapes and bit-identical values. */
static void same_as_zip_twin(const char *legacy, const char *zip)
{
    emoc_pth_checkpoint a, b;
    emoc_error err;
    cr_assert_eq(read_fixture(legacy, &a, &err), EMOC_OK, "%s: %s", legacy, err.msg);
    cr_assert_eq(read_fixture(zip, &b, &err), EMOC_OK, "%s: %s", zip, err.msg);
    cr_assert_gt(a.n_tensors, 0);
    cr_assert_eq(a.n_tensors, b.n_tensors, "%s", legacy);
    cr_assert_eq(a.n_skipped, b.n_skipped);
    cr_assert_eq(a.n_non_tensor, b.n_non_tensor);
    cr_assert((a.container_key == NULL) == (b.container_key == NULL));
    for (size_t i = 0; i < a.n_tensors; i++) {
        const emoc_pth_tensor *x = &a.tensors[i], *y = &b.tensors[i];
        cr_assert_str_eq(x->name, y->name);
        cr_assert_eq(x->dtype, y->dtype, "%s", x->name);
        cr_assert_eq(x->rank, y->rank, "%s", x->name);
        for (int d = 0; d < x->rank; d++) cr_assert_eq(x->dims[d], y->dims[d], "%s", x->name);
        cr_assert_eq(x->count, y->count, "%s", x->name);
        if (x->count) cr_assert(!memcmp(x->data, y->data, x->count * sizeof(float)), "%s", x->name);
    }
    emoc_pth_release(&a);
    emoc_pth_release(&b);
}

Test(pth_legacy, bare_state_dict_equals_zip_layout)
{
    same_as_zip_twin("legacy_bare.pth", "bare.pth");
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("legacy_bare.pth", &ck, &err), EMOC_OK, "%s", err.msg);
    const emoc_pth_tensor *w = emoc_pth_find(&ck, "0.weight");
    cr_assert(w && w->rank == 4 && w->dims[0] == 3 && w->dims[1] == 2);
    cr_assert_eq(w->data[0], -0.666123927f);
    cr_assert_eq(w->data[5], 0.283754498f);
    cr_assert_eq(emoc_pth_find(&ck, "1.num_batches_tracked")->data[0], 7.0f);
    emoc_pth_release(&ck);
}

Test(pth_legacy, optimizer_storages_not_in_the_state_dict_are_skipped_over)
{
    same_as_zip_twin("legacy_wrapped.pth", "wrapped.pth");
}

Test(pth_legacy, shared_storages_views_dtypes_parameters_protocol4)
{
    same_as_zip_twin("legacy_views.pth", "views.pth");
    same_as_zip_twin("legacy_dtypes.pth", "dtypes.pth");
    same_as_zip_twin("legacy_parameter.pth", "parameter.pth");
    same_as_zip_twin("legacy_protocol4.pth", "protocol4.pth");
    same_as_zip_twin("legacy_crafted_ok.pth", "crafted_ok.pth");
}

Test(pth_legacy, detection_by_magic_number)
{
    size_t n;
    uint8_t *buf = load_fixture("legacy_bare.pth", &n);
    cr_assert(emoc_pth_looks_like_legacy(buf, n));
    cr_assert(!emoc_pth_looks_like_zip(buf, n));
    buf[5] ^= 1; /* one magic byte off: not legacy (then read as a zip, which it is not) */
    cr_assert(!emoc_pth_looks_like_legacy(buf, n));
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_neq(emoc_pth_read(buf, n, &ck, &err), EMOC_OK);
    free(buf);
    buf = load_fixture("bare.pth", &n);
    cr_assert(!emoc_pth_looks_like_legacy(buf, n));
    free(buf);
}

typedef struct bad_case {
    const char *file;
    emoc_status status;
    const char *needle; /* substring the message must contain */
} bad_case;

static const bad_case BAD[] = {
    {"legacy_truncated_data.pth", EMOC_E_TRUNCATED, "storage '000000006' needs 8 bytes at offset"},
    {"legacy_truncated_count.pth", EMOC_E_TRUNCATED, "before the element count of storage '0'"},
    {"legacy_trailing.pth", EMOC_E_FORMAT, "4 unexpected bytes after the last storage"},
    {"legacy_count_mismatch.pth", EMOC_E_FORMAT, "holds 5 elements but its persistent id claims 6"},
    {"legacy_bad_version.pth", EMOC_E_UNSUPPORTED, "is not the int 1001 torch.save writes"},
    {"legacy_big_endian.pth", EMOC_E_UNSUPPORTED, "saved on a big-endian machine"},
    {"legacy_sysinfo_list.pth", EMOC_E_FORMAT, "is not a dict with a bool 'little_endian'"},
    {"legacy_os_system.pth", EMOC_E_SECURITY, "object pickle: pickle offset"},
    {"legacy_unreferenced_key.pth", EMOC_E_FORMAT, "item 0 is a key no tensor references"},
    {"legacy_missing_key.pth", EMOC_E_FORMAT, "names 0 storages but the object references 1"},
    {"legacy_keys_dict.pth", EMOC_E_FORMAT, "storage-key pickle at offset"},
    {"legacy_view_metadata.pth", EMOC_E_UNSUPPORTED, "storage view metadata"},
    {"legacy_zip_persid.pth", EMOC_E_FORMAT, "location, numel, view_metadata)"},
    {"legacy_inconsistent.pth", EMOC_E_FORMAT, "storage '0' is referenced as 6 float32 and as 8"},
    {"legacy_listed_twice.pth", EMOC_E_FORMAT, "storage '0' is listed twice"},
    {"legacy_bare_tensor.pth", EMOC_E_FORMAT, "object pickle holds a tensor, not a dict"},
};

Test(pth_legacy, malformed_fixtures_each_rejected_with_their_own_error)
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
        cr_assert(!strncmp(err.msg, "legacy checkpoint", 17) || strstr(err.msg, "legacy"),
                  "%s: message '%s' does not say it is the legacy layout", BAD[i].file, err.msg);
        cr_assert_eq(ck.n_tensors, 0);
        cr_assert_null(ck.tensors);
        for (size_t j = 0; j < i; j++)
            cr_assert(strcmp(BAD[i].needle, BAD[j].needle), "duplicate case");
    }
}

/* The restricted machine's refusals keep their offsets: os.system at the object pickle's
 * GLOBAL, counted from the start of the file. */
Test(pth_legacy, refusal_names_the_file_offset)
{
    emoc_pth_checkpoint ck;
    emoc_error err;
    cr_assert_eq(read_fixture("legacy_os_system.pth", &ck, &err), EMOC_E_SECURITY);
    /* magic pickle 15 bytes + version 6 + sys info 116, then PROTO (2 bytes), then GLOBAL */
    cr_assert(strstr(err.msg, "legacy checkpoint, object pickle: pickle offset 139: global "
                              "'os.system' refused"), "%s", err.msg);
}

/* Every prefix of a valid legacy file fails cleanly (never crashes, never reports success). */
Test(pth_legacy, every_truncation_fails_cleanly)
{
    size_t n;
    uint8_t *buf = load_fixture("legacy_views.pth", &n);
    for (size_t len = 0; len < n; len += 3) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        emoc_pth_checkpoint ck;
        emoc_error err;
        err.msg[0] = 0;
        emoc_status st = emoc_pth_read(copy, len, &ck, &err);
        cr_assert_neq(st, EMOC_OK, "prefix of %zu bytes accepted", len);
        cr_assert(err.msg[0], "prefix of %zu bytes: no message", len);
        free(copy);
    }
    free(buf);
}

/* Single-byte corruption anywhere: OK or a clean error with a message (ASan/UBSan runs). */
Test(pth_legacy, byte_flips_never_crash)
{
    size_t n;
    uint8_t *buf = load_fixture("legacy_wrapped.pth", &n);
    int rejected = 0;
    for (size_t i = 0; i < n; i++) {
        buf[i] ^= 0x5A;
        emoc_pth_checkpoint ck;
        emoc_error err;
        err.msg[0] = 0;
        if (emoc_pth_read(buf, n, &ck, &err) == EMOC_OK) emoc_pth_release(&ck);
        else {
            cr_assert(err.msg[0], "flip at %zu: no message", i);
            rejected++;
        }
        buf[i] ^= 0x5A;
    }
    cr_assert_gt(rejected, 0);
    free(buf);
}
