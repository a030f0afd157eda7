/* test_emw_scan.c — the block-wise NaN/Inf scan of the EMW reader (emw_check_data.c, eight bytes
 * at a time): an Inf or NaN at every position of an odd-length f32 and f16 tensor is found at
 * exactly that element, and all-zero data (zero lanes look like candidates to the word test)
 * passes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/weights/emw_fixture.h"
#include "engine/emw/emw.h"

#define N_ 37

static uint8_t *build(emw_dtype dt, size_t *size, size_t *data_at)
{
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    float v[N_] = {0};
    cr_assert_eq(emw_writer_add_tensor(w, "t", dt, 1, (int64_t[]){N_}, v), EMOC_OK);
    uint8_t *buf = NULL;
    cr_assert_eq(emw_writer_to_memory(w, &buf, size), EMOC_OK);
    emw_writer_free(w);
    *data_at = (size_t)((fx_get64(buf + 32) + 63) & ~(uint64_t)63);
    return buf;
}

static void check(emw_dtype dt)
{
    size_t size, at, es = dt == EMW_F32 ? 4 : 2;
    uint8_t *good = build(dt, &size, &at), *buf = malloc(size);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(good, size, 1, &f, &err), EMOC_OK, "all zeros: %s", err.msg);
    emw_file_release(&f);
    for (size_t k = 0; k < N_; k++)
        for (int nan = 0; nan < 2; nan++) {
            memcpy(buf, good, size);
            if (dt == EMW_F32) fx_put32(buf + at + 4 * k, nan ? 0x7fc00001u : 0xff800000u);
            else fx_put16(buf + at + 2 * k, nan ? 0x7e01u : 0xfc00u);
            fx_fix_tensor_crc(buf, size, "t");
            cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_E_NONFINITE, "k %zu", k);
            char want[96];
            snprintf(want, sizeof want, "element %zu (offset %zu) is %s", k, at + es * k,
                     nan ? "NaN" : "infinite");
            cr_assert(strstr(err.msg, want), "want '%s' in: %s", want, err.msg);
        }
    free(buf);
    free(good);
}

Test(emw_scan, every_position_of_f32_is_found) { check(EMW_F32); }
Test(emw_scan, every_position_of_f16_is_found) { check(EMW_F16); }
