/*
 * test_emw_corrupt.c — the reader against damaged files: truncation at every byte, every field
 * corrupted in turn (each with its own status and a distinctive message), every single-byte
 * flip rejected. The fixture is tests/weights/emw_fixture.c; the check list with the test
 * covering each item is in weights/FORMAT.md §9.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/weights/emw_fixture.h"
#include "engine/emw/emw.h"

typedef struct fx {
    uint8_t *buf;
    size_t size;
    uint64_t hb, data_off;
} fx;

static fx fresh(void)
{
    fx f;
    cr_assert_eq(fx_build(&f.buf, &f.size), EMOC_OK);
    f.hb = fx_get64(f.buf + 32);
    f.data_off = (f.hb + 63) & ~(uint64_t)63;
    return f;
}

/* Parses and checks status and message; frees the buffer. */
static void expect(fx *f, int verify_crc, emoc_status want, const char *substr)
{
    emw_file out;
    emoc_error err;
    memset(&err, 0, sizeof err);
    emoc_status st = emw_parse(f->buf, f->size, verify_crc, &out, &err);
    cr_assert_eq(st, want, "status %d (%s), want %d (%s): %s", st, emoc_strerror(st), want,
                 emoc_strerror(want), err.msg);
    if (st == EMOC_OK) {
        emw_file_release(&out);
    } else {
        cr_assert_not_null(strstr(err.msg, substr), "message '%s' lacks '%s'", err.msg, substr);
        cr_assert_eq(out.n_tensors, 0);
        cr_assert_null(out._storage);
    }
    free(f->buf);
}

/* Offset of the key_len field of metadata entry `key`. */
static size_t meta_at(const fx *f, const char *key)
{
    uint8_t pat[200];
    size_t n = strlen(key);
    pat[0] = (uint8_t)n;
    pat[1] = 0;
    memcpy(pat + 2, key, n);
    size_t at = fx_find(f->buf, (size_t)f->hb, pat, n + 2);
    cr_assert_neq(at, SIZE_MAX, "%s", key);
    return at;
}
/* Offset of the value of metadata entry `key` (after the type byte). */
static size_t meta_value(const fx *f, const char *key)
{
    return meta_at(f, key) + 2 + strlen(key) + 1;
}
static size_t tfields(const fx *f, const char *name)
{
    size_t at = fx_tensor_fields(f->buf, f->size, name);
    cr_assert_neq(at, SIZE_MAX, "%s", name);
    return at;
}
/* Offset of the offset/nbytes/crc fields of a tensor record. */
static size_t toff(const fx *f, const char *name)
{
    size_t at = tfields(f, name);
    return at + 4 + 8 * (size_t)f->buf[at + 1];
}
static size_t tdata(const fx *f, const char *name)
{
    return (size_t)(f->data_off + fx_get64(f->buf + toff(f, name)));
}

/* ---- sanity: the untouched fixture parses ---- */
Test(emw_corrupt, fixture_is_valid)
{
    fx f = fresh();
    expect(&f, 1, EMOC_OK, "");
}

/* ---- truncation and trailing bytes ---- */
Test(emw_corrupt, truncated_at_every_byte_offset)
{
    fx f = fresh();
    for (size_t k = 0; k < f.size; k++) {
        emw_file out;
        emoc_error err;
        /* A right-sized copy, so ASan sees any read past the truncated end. */
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, f.buf, k);
        emoc_status st = emw_parse(cut, k, 1, &out, &err);
        cr_assert_eq(st, EMOC_E_TRUNCATED, "cut at %zu: %d %s", k, st, err.msg);
        cr_assert_not_null(strstr(err.msg, "file has"), "cut at %zu: %s", k, err.msg);
        free(cut);
    }
    free(f.buf);
}

Test(emw_corrupt, trailing_byte_after_data)
{
    fx f = fresh();
    f.buf = realloc(f.buf, f.size + 1);
    f.buf[f.size++] = 0;
    expect(&f, 1, EMOC_E_FORMAT, "1 trailing bytes after the data section");
}

/* ---- preamble ---- */
Test(emw_corrupt, magic)
{
    fx f = fresh();
    f.buf[1] = 'X';
    expect(&f, 1, EMOC_E_FORMAT, "bad magic at offset 0: 45 58 57 1a");
}
Test(emw_corrupt, major_version)
{
    fx f = fresh();
    fx_put16(f.buf + 4, 2);
    expect(&f, 1, EMOC_E_VERSION, "format version 2.0 at offset 4");
}
Test(emw_corrupt, newer_minor_version_accepted)
{
    fx f = fresh();
    fx_put16(f.buf + 6, 7);
    fx_fix_header_crc(f.buf);
    expect(&f, 1, EMOC_OK, "");
}
Test(emw_corrupt, byte_order_mark)
{
    fx f = fresh();
    fx_put32(f.buf + 8, 0x0d0c0b0au);
    expect(&f, 1, EMOC_E_FORMAT, "byte-order mark at offset 8 is 0x0d0c0b0a");
}
Test(emw_corrupt, alignment_field)
{
    fx f = fresh();
    fx_put32(f.buf + 12, 32);
    expect(&f, 1, EMOC_E_FORMAT, "alignment at offset 12 is 32");
}
Test(emw_corrupt, flags_and_reserved)
{
    fx f = fresh();
    fx_put32(f.buf + 16, 1);
    expect(&f, 1, EMOC_E_FORMAT, "flags at offset 16");
    f = fresh();
    fx_put32(f.buf + 28, 5);
    expect(&f, 1, EMOC_E_FORMAT, "reserved field at offset 28");
}
Test(emw_corrupt, file_size_cap)
{
    fx f = fresh();
    /* Only the size is compared: nothing past byte 8 is read before the cap check. */
    emw_file out;
    emoc_error err;
    cr_assert_eq(emw_parse(f.buf, (size_t)EMW_MAX_FILE_BYTES + 1, 1, &out, &err), EMOC_E_LIMIT);
    cr_assert(strstr(err.msg, "cap is 1073741824"), "%s", err.msg);
    free(f.buf);
}

/* ---- counts ---- */
Test(emw_corrupt, n_meta_above_cap)
{
    fx f = fresh();
    fx_put32(f.buf + 20, EMW_MAX_META + 1);
    expect(&f, 1, EMOC_E_LIMIT, "n_meta at offset 20 is 257, cap is 256");
}
Test(emw_corrupt, n_tensors_above_cap)
{
    fx f = fresh();
    fx_put32(f.buf + 24, 0xffffffffu);
    expect(&f, 1, EMOC_E_LIMIT, "n_tensors at offset 24 is 4294967295, cap is 4096");
}
Test(emw_corrupt, counts_that_cannot_fit_the_header)
{
    fx f = fresh();
    fx_put32(f.buf + 24, 4000);
    expect(&f, 1, EMOC_E_FORMAT, "n_tensors=4000 need at least");
}
Test(emw_corrupt, count_one_too_low_leaves_unexplained_bytes)
{
    fx f = fresh();
    fx_put32(f.buf + 24, FX_N_TENSORS - 1);
    expect(&f, 1, EMOC_E_FORMAT, "unexplained bytes in the header");
}
Test(emw_corrupt, count_one_too_high_runs_into_header_crc)
{
    fx f = fresh();
    fx_put32(f.buf + 24, FX_N_TENSORS + 1);
    expect(&f, 1, EMOC_E_FORMAT, "tensor 4 name length needs 2 bytes");
}

/* ---- header and data sizes ---- */
Test(emw_corrupt, header_bytes_below_minimum)
{
    fx f = fresh();
    fx_put64(f.buf + 32, 51);
    expect(&f, 1, EMOC_E_FORMAT, "less than the 52-byte minimum");
}
Test(emw_corrupt, header_bytes_above_cap)
{
    fx f = fresh();
    fx_put64(f.buf + 32, UINT64_MAX);
    expect(&f, 1, EMOC_E_LIMIT, "header_bytes at offset 32 is 18446744073709551615, cap is");
}
Test(emw_corrupt, header_bytes_beyond_file)
{
    fx f = fresh();
    fx_put64(f.buf + 32, f.size + 1);
    expect(&f, 1, EMOC_E_TRUNCATED, "header_bytes at offset 32 declares");
}
Test(emw_corrupt, data_bytes_overflow_and_mismatch)
{
    fx f = fresh();
    fx_put64(f.buf + 40, UINT64_MAX - 10);
    expect(&f, 1, EMOC_E_FORMAT, "overflows when added to the data offset");
    f = fresh();
    fx_put64(f.buf + 40, fx_get64(f.buf + 40) + 1);
    expect(&f, 1, EMOC_E_TRUNCATED, "but the file has");
    f = fresh();
    fx_put64(f.buf + 40, fx_get64(f.buf + 40) - 1);
    expect(&f, 1, EMOC_E_FORMAT, "1 trailing bytes after the data section");
}

/* ---- metadata lengths, types, names, values ---- */
Test(emw_corrupt, key_length_above_cap)
{
    fx f = fresh();
    fx_put16(f.buf + 48, 200);
    expect(&f, 1, EMOC_E_LIMIT, "metadata entry 0 key at offset 50 is 200 bytes long, cap is 128");
}
Test(emw_corrupt, empty_key)
{
    fx f = fresh();
    fx_put16(f.buf + 48, 0);
    expect(&f, 1, EMOC_E_FORMAT, "metadata entry 0 key at offset 50 is empty");
}
Test(emw_corrupt, string_length_above_cap)
{
    fx f = fresh();
    fx_put32(f.buf + meta_value(&f, "emoc.arch"), 5000);
    expect(&f, 1, EMOC_E_LIMIT, "is 5000 bytes long, cap is 4096");
}
Test(emw_corrupt, string_length_past_header)
{
    fx f = fresh();
    fx_put32(f.buf + meta_value(&f, "emoc.arch"), 4000);
    expect(&f, 1, EMOC_E_FORMAT, "metadata 'emoc.arch' (str) needs 4000 bytes");
}
Test(emw_corrupt, array_count_above_cap_and_past_header)
{
    fx f = fresh();
    fx_put32(f.buf + meta_value(&f, "output.labels"), 5000);
    expect(&f, 1, EMOC_E_LIMIT, "has 5000 elements, cap is 4096");
    f = fresh();
    fx_put32(f.buf + meta_value(&f, "output.labels"), 4000);
    expect(&f, 1, EMOC_E_FORMAT, "declares 4000 strings");
    f = fresh();
    fx_put32(f.buf + meta_value(&f, "input.mean"), 1000);
    expect(&f, 1, EMOC_E_FORMAT, "metadata 'input.mean' (f64[]) needs 8000 bytes");
}
Test(emw_corrupt, unknown_value_type)
{
    fx f = fresh();
    f.buf[meta_value(&f, "emoc.arch") - 1] = 9;
    expect(&f, 1, EMOC_E_FORMAT, "metadata 'emoc.arch' at offset 59 has unknown value type 9");
}
Test(emw_corrupt, duplicate_metadata_key)
{
    fx f = fresh();
    memcpy(f.buf + meta_at(&f, "emoc.name") + 2, "emoc.arch", 9);
    expect(&f, 1, EMOC_E_FORMAT, "duplicate metadata key 'emoc.arch'");
}
Test(emw_corrupt, key_not_utf8)
{
    fx f = fresh();
    f.buf[meta_at(&f, "input.size") + 4] = 0xc0; /* overlong lead byte */
    expect(&f, 1, EMOC_E_FORMAT, "is not valid UTF-8 (byte 0xc0");
}
Test(emw_corrupt, string_value_with_nul_or_surrogate)
{
    fx f = fresh();
    f.buf[meta_value(&f, "emoc.name") + 4 + 2] = 0;
    expect(&f, 1, EMOC_E_FORMAT, "metadata 'emoc.name' (str) at offset");
    f = fresh();
    size_t v = meta_value(&f, "emoc.name") + 4;
    memcpy(f.buf + v, "\xed\xa0\x80", 3); /* U+D800 */
    expect(&f, 1, EMOC_E_FORMAT, "not valid UTF-8 (byte 0xed");
}
Test(emw_corrupt, nan_and_inf_in_metadata)
{
    fx f = fresh();
    fx_put64(f.buf + meta_value(&f, "test.scale"), 0x7ff8000000000000ull);
    expect(&f, 1, EMOC_E_NONFINITE, "metadata 'test.scale' (f64) at offset");
    f = fresh();
    fx_put64(f.buf + meta_value(&f, "input.std") + 4 + 8, 0xfff0000000000000ull);
    expect(&f, 1, EMOC_E_NONFINITE, "element 1 at offset");
}

/* ---- tensor records ---- */
Test(emw_corrupt, empty_tensor_name)
{
    fx f = fresh();
    size_t at = tfields(&f, "stem.bn.bias") - strlen("stem.bn.bias") - 2;
    fx_put16(f.buf + at, 0);
    expect(&f, 1, EMOC_E_FORMAT, "tensor 1 name at offset");
}
Test(emw_corrupt, tensor_name_length_above_cap)
{
    fx f = fresh();
    size_t at = tfields(&f, "stem.bn.bias") - strlen("stem.bn.bias") - 2;
    fx_put16(f.buf + at, 300);
    expect(&f, 1, EMOC_E_LIMIT, "is 300 bytes long, cap is 256");
}
Test(emw_corrupt, tensor_name_not_utf8)
{
    fx f = fresh();
    f.buf[tfields(&f, "stem.bn.bias") - 3] = 0xff;
    expect(&f, 1, EMOC_E_FORMAT, "tensor 1 name at offset");
    f = fresh();
    f.buf[tfields(&f, "stem.bn.bias") - 3] = 0xff;
    emw_file out;
    emoc_error err;
    cr_assert_eq(emw_parse(f.buf, f.size, 1, &out, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "not valid UTF-8 (byte 0xff"), "%s", err.msg);
    free(f.buf);
}
Test(emw_corrupt, duplicate_tensor_name)
{
    fx f = fresh();
    memcpy(f.buf + tfields(&f, "head.fc.bias") - 12, "stem.bn.bias", 12);
    expect(&f, 1, EMOC_E_FORMAT, "duplicate tensor name 'stem.bn.bias' (tensors 1 and 3)");
}
Test(emw_corrupt, dtype_unknown_and_reserved)
{
    fx f = fresh();
    f.buf[tfields(&f, "stem.bn.bias")] = 7;
    expect(&f, 1, EMOC_E_FORMAT, "tensor 'stem.bn.bias': unknown dtype 7");
    f = fresh();
    f.buf[tfields(&f, "stem.bn.bias")] = 2;
    expect(&f, 1, EMOC_E_UNSUPPORTED, "dtype 2 (bf16)");
    f = fresh();
    f.buf[tfields(&f, "stem.bn.bias")] = 3;
    expect(&f, 1, EMOC_E_UNSUPPORTED, "dtype 3 (int8)");
}
Test(emw_corrupt, dtype_changed_breaks_exact_byte_size)
{
    fx f = fresh();
    f.buf[tfields(&f, "stem.conv.weight")] = EMW_F16;
    expect(&f, 1, EMOC_E_FORMAT,
           "tensor 'stem.conv.weight': declared 4x3x3x3 f16 = 216 bytes, but its byte length");
}
Test(emw_corrupt, byte_length_field)
{
    fx f = fresh();
    size_t q = toff(&f, "stem.bn.bias");
    fx_put64(f.buf + q + 8, fx_get64(f.buf + q + 8) + 4);
    expect(&f, 1, EMOC_E_FORMAT, "declared 4 f32 = 16 bytes, but its byte length");
}
Test(emw_corrupt, rank_above_max_and_zero)
{
    fx f = fresh();
    f.buf[tfields(&f, "stem.bn.bias") + 1] = 9;
    expect(&f, 1, EMOC_E_LIMIT, "rank 9 at offset");
    f = fresh();
    f.buf[tfields(&f, "stem.bn.bias") + 1] = 0;
    expect(&f, 1, EMOC_E_FORMAT, "rank 0 at offset");
}
Test(emw_corrupt, extra_parameters_on_f32)
{
    fx f = fresh();
    fx_put16(f.buf + tfields(&f, "stem.bn.bias") + 2, 4);
    expect(&f, 1, EMOC_E_FORMAT, "extra-parameter length 4");
}
Test(emw_corrupt, dimension_zero)
{
    fx f = fresh();
    fx_put64(f.buf + tfields(&f, "stem.conv.weight") + 4 + 8, 0);
    expect(&f, 1, EMOC_E_FORMAT, "tensor 'stem.conv.weight': dimension 1 at offset");
}
Test(emw_corrupt, dimension_above_cap)
{
    fx f = fresh();
    fx_put64(f.buf + tfields(&f, "stem.conv.weight") + 4, (uint64_t)EMW_MAX_DIM + 1);
    expect(&f, 1, EMOC_E_LIMIT, "is 16777217, cap is 16777216");
    f = fresh();
    fx_put64(f.buf + tfields(&f, "stem.conv.weight") + 4, UINT64_MAX);
    expect(&f, 1, EMOC_E_LIMIT, "dimension 0 at offset");
}
Test(emw_corrupt, dims_product_overflow)
{
    fx f = fresh();
    for (int d = 0; d < 4; d++)
        fx_put64(f.buf + tfields(&f, "stem.conv.weight") + 4 + 8 * d, (uint64_t)EMW_MAX_DIM);
    expect(&f, 1, EMOC_E_LIMIT, "product of dimensions 0..1");
}

/* ---- data layout ---- */
Test(emw_corrupt, misaligned_offset)
{
    fx f = fresh();
    size_t q = toff(&f, "stem.bn.bias");
    fx_put64(f.buf + q, fx_get64(f.buf + q) + 4);
    expect(&f, 1, EMOC_E_FORMAT, "tensor 'stem.bn.bias': offset 452 is not a multiple of 64");
}
Test(emw_corrupt, overlapping_tensors)
{
    fx f = fresh();
    fx_put64(f.buf + toff(&f, "stem.bn.bias"), 0);
    expect(&f, 1, EMOC_E_FORMAT, "overlap tensor 'stem.conv.weight' which ends at 432");
}
Test(emw_corrupt, gap_between_tensors)
{
    fx f = fresh();
    size_t q = toff(&f, "stem.bn.bias");
    fx_put64(f.buf + q, fx_get64(f.buf + q) + 64);
    expect(&f, 1, EMOC_E_FORMAT, "offset 512 leaves a gap after stem.conv.weight");
    f = fresh();
    fx_put64(f.buf + toff(&f, "stem.conv.weight"), 64);
    expect(&f, 1, EMOC_E_FORMAT, "leaves a gap after the start of the data section");
}
Test(emw_corrupt, tensor_past_data_section)
{
    fx f = fresh();
    size_t at = tfields(&f, "head.fc.bias");
    fx_put64(f.buf + at + 4, 40);                /* dims [10] -> [40] */
    fx_put64(f.buf + at + 4 + 8 + 8, 80);        /* nbytes consistent with the dims */
    expect(&f, 1, EMOC_E_FORMAT, "tensor 'head.fc.bias': declared 40 f16 = 80 bytes at offset");
}
Test(emw_corrupt, trailing_bytes_in_data_section)
{
    fx f = fresh();
    f.buf = realloc(f.buf, f.size + 64);
    memset(f.buf + f.size, 0, 64);
    f.size += 64;
    fx_put64(f.buf + 40, fx_get64(f.buf + 40) + 64);
    expect(&f, 1, EMOC_E_FORMAT, "64 trailing bytes in the data section after head.fc.bias");
}
Test(emw_corrupt, nonzero_padding)
{
    fx f = fresh();
    cr_assert_neq(f.hb, f.data_off, "fixture header must need padding");
    f.buf[f.hb] = 0x5a;
    expect(&f, 1, EMOC_E_FORMAT, "non-zero padding byte 0x5a");
    f = fresh();
    f.buf[tdata(&f, "stem.conv.weight") + 432 + 3] = 1;
    expect(&f, 1, EMOC_E_FORMAT, "before tensor 'stem.bn.bias'");
}

/* ---- checksums ---- */
Test(emw_corrupt, header_crc)
{
    fx f = fresh();
    f.buf[meta_value(&f, "emoc.name") + 4] ^= 0x01; /* 'e' -> 'd': still valid UTF-8 */
    expect(&f, 1, EMOC_E_CHECKSUM, "header CRC-32 mismatch");
    f = fresh();
    f.buf[f.hb - 1] ^= 0x80;
    expect(&f, 1, EMOC_E_CHECKSUM, "header CRC-32 mismatch");
}
Test(emw_corrupt, tensor_crc_and_opt_out)
{
    fx f = fresh();
    f.buf[tdata(&f, "stem.conv.weight") + 8] ^= 0x01; /* lowest mantissa bit: still finite */
    expect(&f, 1, EMOC_E_CHECKSUM, "tensor 'stem.conv.weight': CRC-32 mismatch");
    f = fresh();
    f.buf[tdata(&f, "stem.conv.weight") + 8] ^= 0x01;
    expect(&f, 0, EMOC_OK, "");
}

/* ---- values ---- */
Test(emw_corrupt, nan_and_inf_f32_data)
{
    fx f = fresh();
    fx_put32(f.buf + tdata(&f, "stem.conv.weight") + 4 * 5, 0x7fc00000u);
    fx_fix_tensor_crc(f.buf, f.size, "stem.conv.weight");
    expect(&f, 1, EMOC_E_NONFINITE, "tensor 'stem.conv.weight': element 5 (offset");
    f = fresh();
    fx_put32(f.buf + tdata(&f, "stem.bn.bias") + 4 * 3, 0xff800000u);
    fx_fix_tensor_crc(f.buf, f.size, "stem.bn.bias");
    expect(&f, 1, EMOC_E_NONFINITE, "element 3 (offset");
    f = fresh();
    fx_put32(f.buf + tdata(&f, "stem.bn.bias") + 4 * 3, 0xff800000u);
    fx_fix_tensor_crc(f.buf, f.size, "stem.bn.bias");
    expect(&f, 0, EMOC_E_NONFINITE, "is infinite"); /* the scan runs without CRC checks too */
}
Test(emw_corrupt, nan_and_inf_f16_data)
{
    fx f = fresh();
    fx_put16(f.buf + tdata(&f, "head.fc.weight") + 2 * 7, 0x7e00);
    fx_fix_tensor_crc(f.buf, f.size, "head.fc.weight");
    expect(&f, 1, EMOC_E_NONFINITE, "tensor 'head.fc.weight': element 7 (offset");
    f = fresh();
    fx_put16(f.buf + tdata(&f, "head.fc.bias"), 0xfc00);
    fx_fix_tensor_crc(f.buf, f.size, "head.fc.bias");
    expect(&f, 1, EMOC_E_NONFINITE, "tensor 'head.fc.bias': element 0 (offset");
}

/* ---- any damage at all ---- */
Test(emw_corrupt, every_single_byte_flip_is_rejected)
{
    fx f = fresh();
    for (size_t k = 0; k < f.size; k++) {
        for (int bit = 0; bit < 8; bit += 7) {
            f.buf[k] ^= (uint8_t)(1u << bit);
            emw_file out;
            emoc_error err;
            emoc_status st = emw_parse(f.buf, f.size, 1, &out, &err);
            cr_assert_neq(st, EMOC_OK, "flip of bit %d at offset %zu accepted", bit, k);
            cr_assert(err.msg[0] != '\0', "no message for flip at %zu", k);
            f.buf[k] ^= (uint8_t)(1u << bit);
        }
    }
    free(f.buf);
}
