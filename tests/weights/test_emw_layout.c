/* test_emw_layout.c — EMW 1.1 tensor layouts (weights/FORMAT.md §4.1): the GEMM panel layout
 * round-trips through the writer and reader (values read back in PyTorch order, stored order =
 * the kernels' packing), and every malformed layout record is refused with its own message. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernels/kernels.h"
#include "tests/weights/emw_fixture.h"
#include "engine/emw/emw.h"

#define N_ 40 /* last panel: 8 channels in a 16-wide panel, so padding lanes exist */
#define K_ 7

static float val(size_t i) { return (float)((int)(i * 29 % 61) - 30) / 8.0f; }

/* A file with "w" [N_][K_] (f32, panel layout), "w4" [N_][K_][1][1] (f16, panel layout) and
 * "b" [N_] (rows). */
static uint8_t *build(size_t *size, int layout)
{
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    float v[N_ * K_];
    for (size_t i = 0; i < N_ * K_; i++) v[i] = val(i);
    cr_assert_eq(emw_writer_add_tensor(w, "w", EMW_F32, 2, (int64_t[]){N_, K_}, v), EMOC_OK);
    cr_assert_eq(emw_writer_add_tensor(w, "w4", EMW_F16, 4, (int64_t[]){N_, K_, 1, 1}, v), EMOC_OK);
    cr_assert_eq(emw_writer_add_tensor(w, "b", EMW_F32, 1, (int64_t[]){N_}, v), EMOC_OK);
    if (layout) {
        cr_assert_eq(emw_writer_set_layout(w, "w", EMW_LAYOUT_GEMM_P32), EMOC_OK);
        cr_assert_eq(emw_writer_set_layout(w, "w4", EMW_LAYOUT_GEMM_P32), EMOC_OK);
    }
    uint8_t *buf = NULL;
    cr_assert_eq(emw_writer_to_memory(w, &buf, size), EMOC_OK, "%s", emw_writer_error(w));
    emw_writer_free(w);
    return buf;
}

Test(emw_layout, panel_layout_round_trips_and_is_the_kernels_packing)
{
    size_t size = 0;
    uint8_t *buf = build(&size, 1);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.version_minor, 1u);
    const emw_tensor *t = emw_find_tensor(&f, "w"), *t4 = emw_find_tensor(&f, "w4");
    cr_assert_eq(t->layout, EMW_LAYOUT_GEMM_P32);
    cr_assert_eq(t->count, (uint64_t)N_ * K_);
    cr_assert_eq(t->stored, (uint64_t)emoc__gemm_packed_floats(K_, N_));
    cr_assert_eq(t->stored, (uint64_t)(32 + 16) * K_, "a 32 panel and a 16 panel");
    cr_assert_eq(t->nbytes, t->stored * 4);
    cr_assert_eq(t4->nbytes, t4->stored * 2);
    cr_assert_eq(emw_find_tensor(&f, "b")->layout, EMW_LAYOUT_ROWS);
    float rows[N_ * K_], packed[48 * K_], want[48 * K_];
    emw_tensor_to_f32(t, rows);
    for (size_t i = 0; i < N_ * K_; i++) cr_assert_eq(rows[i], val(i), "element %zu", i);
    emw_tensor_stored_to_f32(t, packed);
    emoc__gemm_pack_panels(rows, K_, N_, want);
    cr_assert_arr_eq(packed, want, sizeof want);
    emw_tensor_to_f32(t4, rows); /* f16: values are multiples of 1/8, exact */
    for (size_t i = 0; i < N_ * K_; i++) cr_assert_eq(rows[i], val(i), "f16 element %zu", i);
    emw_file_release(&f);
    free(buf);
    /* without layouts the writer still writes 1.0 */
    buf = build(&size, 0);
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.version_minor, 0u);
    emw_file_release(&f);
    free(buf);
}

Test(emw_layout, depthwise_layout_round_trips_and_is_the_kernels_order)
{
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    enum { C = 5, TAPS = 9 };
    float v[C * TAPS];
    for (size_t i = 0; i < C * TAPS; i++) v[i] = val(i);
    cr_assert_eq(emw_writer_add_tensor(w, "dw", EMW_F32, 4, (int64_t[]){C, 1, 3, 3}, v), EMOC_OK);
    cr_assert_eq(emw_writer_set_layout(w, "dw", EMW_LAYOUT_DW_HWC), EMOC_OK);
    uint8_t *buf = NULL;
    size_t size = 0;
    cr_assert_eq(emw_writer_to_memory(w, &buf, &size), EMOC_OK);
    emw_writer_free(w);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    const emw_tensor *t = emw_find_tensor(&f, "dw");
    cr_assert_eq(t->layout, EMW_LAYOUT_DW_HWC);
    cr_assert_eq(t->stored, (uint64_t)C * TAPS);
    float rows[C * TAPS], stored[C * TAPS];
    emw_tensor_to_f32(t, rows);
    cr_assert_arr_eq(rows, v, sizeof v);
    emw_tensor_stored_to_f32(t, stored);
    for (int c = 0; c < C; c++)
        for (int k = 0; k < TAPS; k++)
            cr_assert_eq(stored[k * C + c], v[c * TAPS + k], "c %d tap %d", c, k);
    emw_file_release(&f);
    /* dims that are not [C][1][kh][kw] (same element count): refused by name */
    size_t at = fx_tensor_fields(buf, size, "dw");
    fx_put64(buf + at + 4 + 8, 3);  /* [5][3][1][3] */
    fx_put64(buf + at + 4 + 16, 1);
    fx_fix_header_crc(buf);
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "layout dw_hwc at offset"), "%s", err.msg);
    cr_assert(strstr(err.msg, "needs dims [C][1][kh][kw], file has 5x3x1x3"), "%s", err.msg);
    free(buf);
}

Test(emw_layout, writer_refuses_a_layout_that_does_not_fit)
{
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    float v[36] = {0};
    cr_assert_eq(emw_writer_add_tensor(w, "conv", EMW_F32, 4, (int64_t[]){4, 1, 3, 3}, v), EMOC_OK);
    cr_assert_eq(emw_writer_add_tensor(w, "bias", EMW_F32, 1, (int64_t[]){4}, v), EMOC_OK);
    cr_assert_eq(emw_writer_set_layout(w, "conv", EMW_LAYOUT_GEMM_P32), EMOC_E_ARG);
    cr_assert(strstr(emw_writer_error(w), "cannot store rank-4"), "%s", emw_writer_error(w));
    cr_assert_eq(emw_writer_set_layout(w, "bias", EMW_LAYOUT_DW_HWC), EMOC_E_ARG);
    cr_assert_eq(emw_writer_set_layout(w, "conv", EMW_LAYOUT_DW_HWC), EMOC_OK, "[4][1][3][3]");
    cr_assert_eq(emw_writer_set_layout(w, "conv", EMW_LAYOUT_GEMM_P32), EMOC_E_ARG, "laid out once");
    cr_assert_eq(emw_writer_set_layout(w, "bias", EMW_LAYOUT_GEMM_P32), EMOC_E_ARG);
    cr_assert_eq(emw_writer_set_layout(w, "nope", EMW_LAYOUT_GEMM_P32), EMOC_E_ARG);
    cr_assert(strstr(emw_writer_error(w), "no tensor 'nope'"), "%s", emw_writer_error(w));
    emw_writer_free(w);
}

/* Offset of tensor `name`'s 4 layout bytes (after dims, offset, nbytes, crc). */
static size_t layout_at(const uint8_t *buf, size_t size, const char *name)
{
    size_t at = fx_tensor_fields(buf, size, name);
    cr_assert_neq(at, SIZE_MAX);
    return at + 4 + 8 * (size_t)buf[at + 1] + 20;
}

static void expect(uint8_t *buf, size_t size, emoc_status st, const char *needle)
{
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), st, "%s", err.msg);
    cr_assert(strstr(err.msg, needle), "want '%s' in: %s", needle, err.msg);
}

Test(emw_layout, malformed_layout_records_are_refused_by_name)
{
    size_t size = 0;
    uint8_t *good = build(&size, 1), *buf = malloc(size);
    size_t w_at = layout_at(good, size, "w");
    cr_assert_eq(good[w_at], EMW_LAYOUT_GEMM_P32);

    memcpy(buf, good, size); /* a layout this reader does not know */
    buf[w_at] = 3;
    fx_fix_header_crc(buf);
    expect(buf, size, EMOC_E_UNSUPPORTED, "layout 3 at offset");

    memcpy(buf, good, size); /* layout 0 needs no extra bytes */
    buf[w_at] = 0;
    fx_fix_header_crc(buf);
    expect(buf, size, EMOC_E_FORMAT, "takes none of");

    memcpy(buf, good, size); /* reserved bytes */
    buf[w_at + 2] = 1;
    fx_fix_header_crc(buf);
    expect(buf, size, EMOC_E_FORMAT, "layout reserved bytes");

    memcpy(buf, good, size); /* a 1.0 reader's view: extra bytes on f32 are refused */
    fx_put16(buf + 6, 0);
    fx_fix_header_crc(buf);
    expect(buf, size, EMOC_E_FORMAT, "take none in format 1.0");

    memcpy(buf, good, size); /* extra length other than 4 */
    fx_put16(buf + fx_tensor_fields(buf, size, "w") + 2, 8);
    fx_fix_header_crc(buf);
    expect(buf, size, EMOC_E_FORMAT, "none or 4 (a layout)");

    memcpy(buf, good, size); /* the byte length must be the packed size */
    size_t f_at = fx_tensor_fields(buf, size, "w");
    fx_put64(buf + f_at + 4 + 16 + 8, (uint64_t)N_ * K_ * 4);
    fx_fix_header_crc(buf);
    expect(buf, size, EMOC_E_FORMAT, "in panels of 32");

    memcpy(buf, good, size); /* a non-zero padding lane, CRCs refreshed: still refused */
    uint64_t data_off = (fx_get64(buf + 32) + 63) & ~(uint64_t)63;
    uint64_t off = fx_get64(buf + f_at + 4 + 16);
    size_t lane = (size_t)(data_off + off + 4 * (32 * K_ + 3 * 16 + 12)); /* row 3, lane 12 */
    buf[lane + 1] = 0x3c;
    fx_fix_tensor_crc(buf, size, "w");
    expect(buf, size, EMOC_E_FORMAT, "padding lane 12 of the last panel, row 3");

    free(buf);
    free(good);
}
