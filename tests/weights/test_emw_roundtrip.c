/* test_emw_roundtrip.c — writer → reader round trip, f16 conversion, CRC-32, lookups. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/weights/emw_fixture.h"
#include "engine/emw/emw.h"

Test(emw_crc32, standard_check_value_and_chaining)
{
    cr_assert_eq(emoc__crc32(0, "123456789", 9), 0xCBF43926u);
    cr_assert_eq(emoc__crc32(0, "", 0), 0u);
    uint32_t part = emoc__crc32(0, "1234", 4);
    cr_assert_eq(emoc__crc32(part, "56789", 5), 0xCBF43926u);
}

/* Bitwise reference CRC, to check the table-driven one on every length and alignment. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

Test(emw_crc32, matches_bitwise_reference_on_all_lengths_and_alignments)
{
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 131u + 7u);
    for (size_t off = 0; off < 9; off++)
        for (size_t n = 0; n + off <= sizeof buf; n += 1 + n / 16) {
            cr_assert_eq(emoc__crc32(0, buf + off, n), crc_bitwise(buf + off, n), "off %zu n %zu",
                         off, n);
            size_t h = n / 3; /* chaining across a split */
            cr_assert_eq(emoc__crc32(emoc__crc32(0, buf + off, h), buf + off + h, n - h),
                         crc_bitwise(buf + off, n));
        }
}

Test(emw_f16, every_half_round_trips_through_f32)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float f = emw_f16_to_f32((uint16_t)h);
        if (isnan(f)) {
            cr_assert(((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff), "h=%04x", h);
            continue;
        }
        cr_assert_eq(emw_f32_to_f16(f), h, "h=0x%04x f=%g", h, (double)f);
    }
}

Test(emw_f16, known_values_and_round_to_nearest_even)
{
    cr_assert_eq(emw_f32_to_f16(1.0f), 0x3c00);
    cr_assert_eq(emw_f32_to_f16(-2.0f), 0xc000);
    cr_assert_eq(emw_f32_to_f16(65504.0f), 0x7bff);
    cr_assert_eq(emw_f32_to_f16(65520.0f), 0x7c00); /* halfway to 2^16 rounds up to Inf */
    cr_assert_eq(emw_f32_to_f16(65519.0f), 0x7bff);
    cr_assert_eq(emw_f16_to_f32(0x0001), 5.9604644775390625e-8f); /* 2^-24 */
    cr_assert_eq(emw_f32_to_f16(5.9604644775390625e-8f), 0x0001);
    cr_assert_eq(emw_f32_to_f16(2.98023223876953125e-8f), 0x0000); /* 2^-25: tie → even 0 */
    cr_assert_eq(emw_f32_to_f16(2.98023224e-8f * 1.0000001f), 0x0001); /* just above the tie */
    /* 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1.0). */
    cr_assert_eq(emw_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);
    /* 1 + 3·2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even): rounds up. */
    cr_assert_eq(emw_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);
    cr_assert_eq(emw_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    cr_assert_eq(emw_f32_to_f16(-0.0f), 0x8000);
    /* Largest subnormal + carry into the smallest normal. */
    cr_assert_eq(emw_f32_to_f16(0x1p-14f - 0x1p-26f), 0x0400);
}

Test(emw_roundtrip, fixture_parses_with_every_value_intact)
{
    uint8_t *buf;
    size_t size;
    cr_assert_eq(fx_build(&buf, &size), EMOC_OK);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.version_major, 1);
    cr_assert_eq(f.version_minor, 0);
    cr_assert_eq(f.n_meta, 21);
    cr_assert_eq(f.n_tensors, FX_N_TENSORS);
    cr_assert_eq(f.data_offset % 64, 0);
    cr_assert_eq(f.data_offset + f.data_bytes, size);
    cr_assert(f.data_crc_verified);

    const emw_meta *m = emw_find_meta(&f, "emoc.arch");
    cr_assert(m && m->type == EMW_T_STR);
    cr_assert_str_eq(m->str, "efficientnet");
    m = emw_find_meta(&f, "input.size");
    cr_assert(m && m->type == EMW_T_I64 && m->i64 == 224);
    m = emw_find_meta(&f, "input.mean");
    cr_assert(m && m->type == EMW_T_F64_ARRAY && m->count == 3);
    cr_assert_eq(m->f64s[0], 0.485);
    cr_assert_eq(m->f64s[2], 0.406);
    m = emw_find_meta(&f, "output.labels");
    cr_assert(m && m->type == EMW_T_STR_ARRAY && m->count == 8);
    cr_assert_str_eq(m->strs[0], "Anger");
    cr_assert_str_eq(m->strs[7], "Surprise");
    m = emw_find_meta(&f, "test.scale");
    cr_assert(m && m->type == EMW_T_F64 && m->f64 == -2.5);
    m = emw_find_meta(&f, "test.i64s");
    cr_assert(m && m->type == EMW_T_I64_ARRAY && m->count == 3);
    cr_assert(m->i64s[0] == -1 && m->i64s[1] == 0 && m->i64s[2] == INT64_MAX);
    cr_assert_null(emw_find_meta(&f, "no.such.key"));
    cr_assert_eq(emw_check_net_meta(&f, &err), EMOC_OK, "%s", err.msg);

    for (int t = 0; t < FX_N_TENSORS; t++) {
        const emw_tensor *tt = emw_find_tensor(&f, fx_tensor_names[t]);
        cr_assert_not_null(tt, "%s", fx_tensor_names[t]);
        cr_assert_eq(tt, &f.tensors[t], "table order kept");
        cr_assert_eq(tt->offset % 64, 0);
        cr_assert_eq((const uint8_t *)tt->data, buf + f.data_offset + tt->offset);
        float *v = malloc(tt->count * sizeof *v);
        emw_tensor_to_f32(tt, v);
        for (size_t i = 0; i < tt->count; i++) {
            float want = fx_value(t, i);
            if (tt->dtype == EMW_F16) want = emw_f16_to_f32(emw_f32_to_f16(want));
            cr_assert_eq(v[i], want, "%s[%zu]: %g vs %g", tt->name, i, (double)v[i],
                         (double)want);
        }
        free(v);
    }
    const emw_tensor *w = emw_find_tensor(&f, "stem.conv.weight");
    cr_assert(w->dtype == EMW_F32 && w->rank == 4 && w->dims[0] == 4 && w->dims[3] == 3);
    cr_assert_eq(w->count, 108);
    cr_assert_eq(w->nbytes, 432);
    w = emw_find_tensor(&f, "head.fc.weight");
    cr_assert(w->dtype == EMW_F16 && w->rank == 2 && w->count == 40 && w->nbytes == 80);
    /* f16 rounding really happened: 1/7-ish values are not exact in f16. */
    cr_assert_null(emw_find_tensor(&f, "stem.conv"));
    /* Memory bound: the tables take a bounded multiple of the file size. */
    cr_assert_leq(f.storage_bytes, 4 * size + 600000);
    emw_file_release(&f);
    free(buf);
}

Test(emw_roundtrip, empty_file_and_zero_length_arrays)
{
    emw_writer *w;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    cr_assert_eq(emw_writer_meta_str_array(w, "ignored.prefixes", NULL, 0), EMOC_OK);
    cr_assert_eq(emw_writer_meta_str(w, "empty", ""), EMOC_OK);
    uint8_t *buf;
    size_t size;
    cr_assert_eq(emw_writer_to_memory(w, &buf, &size), EMOC_OK);
    emw_writer_free(w);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(f.n_tensors, 0);
    cr_assert_eq(f.data_bytes, 0);
    cr_assert_eq(emw_find_meta(&f, "ignored.prefixes")->count, 0);
    cr_assert_str_eq(emw_find_meta(&f, "empty")->str, "");
    /* Not a network file: the metadata check names the first missing key. */
    cr_assert_eq(emw_check_net_meta(&f, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "missing required metadata key 'emoc.arch'"), "%s", err.msg);
    emw_file_release(&f);
    free(buf);
}

Test(emw_roundtrip, read_file_gives_aligned_buffer_and_file_round_trips)
{
    char path[] = "/tmp/emoc_emw_rt_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(fx_save(path), EMOC_OK);
    uint8_t *buf;
    size_t size;
    emoc_error err;
    cr_assert_eq(emw_read_file(path, &buf, &size, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq((uintptr_t)buf % 64, 0);
    emw_file f;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    emw_file_release(&f);
    free(buf);
    remove(path);
    cr_assert_eq(emw_read_file(path, &buf, &size, &err), EMOC_E_IO);
    cr_assert(strstr(err.msg, "cannot open"), "%s", err.msg);
    cr_assert_eq(emw_read_file("/tmp", &buf, &size, &err), EMOC_E_IO);
    cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);
}

/* A counting allocator: the reader makes exactly one allocation, through it, and frees it. */
typedef struct counting {
    int allocs, frees;
    size_t bytes;
} counting;
static void *count_alloc(void *user, size_t size, size_t align)
{
    counting *c = user;
    c->allocs++;
    c->bytes += size;
    void *p = NULL;
    return posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size) ? NULL : p;
}
static void count_free(void *user, void *p)
{
    ((counting *)user)->frees++;
    free(p);
}

Test(emw_roundtrip, one_allocation_through_the_callers_allocator)
{
    uint8_t *buf;
    size_t size;
    cr_assert_eq(fx_build(&buf, &size), EMOC_OK);
    counting c = {0};
    emoc_allocator a = {count_alloc, count_free, &c};
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse_alloc(buf, size, 1, &a, &f, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(c.allocs, 1);
    cr_assert_eq(c.bytes, f.storage_bytes);
    emw_file_release(&f);
    cr_assert_eq(c.frees, 1);
    /* On failure the one allocation is returned too. */
    buf[size - 1] ^= 0x40;
    cr_assert_neq(emw_parse_alloc(buf, size, 1, &a, &f, &err), EMOC_OK);
    cr_assert_eq(c.allocs, 2);
    cr_assert_eq(c.frees, 2);
    free(buf);
}

/* Worst cases for the storage bound: a string array of empty strings (4 bytes on disk, pointer +
 * NUL in memory) and many empty arrays (alignment slack). */
static void parse_dense(int with_strings, int n_empty_arrays)
{
    emw_writer *w;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    static const char *empties[EMW_MAX_ARRAY_LEN];
    for (size_t i = 0; i < EMW_MAX_ARRAY_LEN; i++) empties[i] = "";
    if (with_strings)
        cr_assert_eq(emw_writer_meta_str_array(w, "e", empties, EMW_MAX_ARRAY_LEN), EMOC_OK);
    for (int k = 0; k < n_empty_arrays; k++) {
        char key[16];
        snprintf(key, sizeof key, "a%d", k);
        cr_assert_eq(emw_writer_meta_i64_array(w, key, NULL, 0), EMOC_OK, "%s", emw_writer_error(w));
    }
    uint8_t *buf;
    size_t size;
    cr_assert_eq(emw_writer_to_memory(w, &buf, &size), EMOC_OK);
    emw_writer_free(w);
    emw_file f;
    emoc_error err;
    cr_assert_eq(emw_parse(buf, size, 1, &f, &err), EMOC_OK, "%s", err.msg);
    if (with_strings) {
        cr_assert_eq(emw_find_meta(&f, "e")->count, EMW_MAX_ARRAY_LEN);
        cr_assert_str_eq(emw_find_meta(&f, "e")->strs[EMW_MAX_ARRAY_LEN - 1], "");
    }
    cr_assert_leq(f.storage_bytes, 4 * size + 600000);
    emw_file_release(&f);
    free(buf);
}

Test(emw_roundtrip, storage_bound_holds_for_dense_metadata)
{
    parse_dense(1, 0);
    parse_dense(0, EMW_MAX_META);
    parse_dense(1, EMW_MAX_META - 1);
}
