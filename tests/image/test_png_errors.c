/* test_png_errors.c — every way a PNG can be broken gets its own status and a message naming
 * the offset and reason; nothing crashes, nothing leaks (the suite also runs under ASan). */
#include "tests/image/image_fixture.h"

static emoc_status decode(const uint8_t *d, size_t n, emoc_error *err)
{
    emoc_image img;
    emoc_status st = emoc_image_decode(d, n, NULL, &img, err);
    if (st == EMOC_OK) emoc_image_free(&img);
    else cr_assert_null(img.pixels);
    return st;
}

Test(png_errors, truncated_at_every_offset)
{
    const char *files[] = {"png_rgb8.png", "png_p4_adam7.png", "png_rgb8_split.png", "png_g16.png"};
    for (size_t f = 0; f < 4; f++) {
        size_t size;
        uint8_t *d = fx_read(files[f], &size);
        for (size_t cut = 0; cut < size; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1); /* exact-size copy so ASan sees over-reads */
            memcpy(copy, d, cut);
            emoc_error err;
            emoc_status st = decode(copy, cut, &err);
            cr_assert_neq(st, EMOC_OK, "%s cut at %zu decoded", files[f], cut);
            if (cut >= 8) {
                cr_assert(st == EMOC_E_TRUNCATED, "%s cut at %zu: status %d (%s)", files[f], cut, st, err.msg);
                cr_assert(strstr(err.msg, "png"), "%s", err.msg);
            }
            free(copy);
        }
        free(d);
    }
}

Test(png_errors, crc_mismatch_names_chunk_and_offset)
{
    size_t size;
    uint8_t *d = fx_read("png_rgb8.png", &size);
    size_t idat = fx_png_find(d, size, "IDAT");
    cr_assert(idat);
    d[idat + 8 + 5] ^= 0x40;
    emoc_error err;
    cr_assert_eq(decode(d, size, &err), EMOC_E_CHECKSUM);
    cr_assert(strstr(err.msg, "IDAT CRC mismatch"), "%s", err.msg);
    cr_assert(strstr(err.msg, "offset"), "%s", err.msg);
    /* an ancillary chunk's CRC is checked too */
    d[idat + 8 + 5] ^= 0x40;
    size_t text = fx_png_find(d, size, "tEXt");
    cr_assert(text);
    d[text + 9] ^= 1;
    cr_assert_eq(decode(d, size, &err), EMOC_E_CHECKSUM);
    cr_assert(strstr(err.msg, "tEXt"), "%s", err.msg);
    free(d);
}

static uint8_t *with_ihdr(const char *file, size_t *size, uint32_t w, uint32_t h, int depth, int color)
{
    uint8_t *d = fx_read(file, size);
    fx_put_be32(d + 16, w);
    fx_put_be32(d + 20, h);
    if (depth >= 0) d[24] = (uint8_t)depth;
    if (color >= 0) d[25] = (uint8_t)color;
    fx_png_fix_crc(d, 8);
    return d;
}

Test(png_errors, zero_and_huge_dimensions)
{
    size_t size;
    emoc_error err;
    uint8_t *d = with_ihdr("png_rgb8.png", &size, 0, 11, -1, -1);
    cr_assert_eq(decode(d, size, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "zero"), "%s", err.msg);
    free(d);
    d = with_ihdr("png_rgb8.png", &size, 13, 0, -1, -1);
    cr_assert_eq(decode(d, size, &err), EMOC_E_FORMAT);
    free(d);
    d = with_ihdr("png_rgb8.png", &size, 100000, 11, -1, -1);
    cr_assert_eq(decode(d, size, &err), EMOC_E_LIMIT);
    cr_assert(strstr(err.msg, "100000x11"), "%s", err.msg);
    free(d);
    d = with_ihdr("png_rgb8.png", &size, 0x80000000u, 0x80000000u, -1, -1);
    cr_assert_neq(decode(d, size, &err), EMOC_OK);
    free(d);
    /* within the dimension cap but over the byte cap: 16384·16384·3 > 256 MiB */
    d = with_ihdr("png_rgb8.png", &size, 16384, 16384, -1, -1);
    cr_assert_eq(decode(d, size, &err), EMOC_E_LIMIT);
    free(d);
    /* allowed size, but a few hundred bytes of IDAT cannot fill it: refused before allocating */
    d = with_ihdr("png_rgb8.png", &size, 8000, 8000, 8, 0);
    cr_assert_eq(decode(d, size, &err), EMOC_E_TRUNCATED);
    cr_assert(strstr(err.msg, "cannot hold"), "%s", err.msg);
    free(d);
}

Test(png_errors, caller_limits_are_applied)
{
    size_t size;
    uint8_t *d = fx_read("png_rgb8.png", &size);
    emoc_image_limits lim;
    emoc_image_limits_default(&lim);
    cr_assert_eq(lim.max_width, 16384);
    cr_assert_eq(lim.max_bytes, (size_t)256 << 20);
    lim.max_width = 12;
    emoc_image img;
    emoc_error err;
    cr_assert_eq(emoc_image_decode(d, size, &lim, &img, &err), EMOC_E_LIMIT);
    lim.max_width = 13;
    lim.max_bytes = 13 * 11 * 3 - 1;
    cr_assert_eq(emoc_image_decode(d, size, &lim, &img, &err), EMOC_E_LIMIT);
    lim.max_bytes = 13 * 11 * 3;
    cr_assert_eq(emoc_image_decode(d, size, &lim, &img, &err), EMOC_OK, "%s", err.msg);
    emoc_image_free(&img);
    free(d);
}

Test(png_errors, unsupported_bit_depths_and_color_types)
{
    struct { int depth, color; emoc_status want; } cases[] = {
        {3, 0, EMOC_E_UNSUPPORTED}, {4, 2, EMOC_E_UNSUPPORTED}, {16, 3, EMOC_E_UNSUPPORTED},
        {1, 6, EMOC_E_UNSUPPORTED}, {8, 5, EMOC_E_FORMAT}, {8, 7, EMOC_E_FORMAT}, {0, 0, EMOC_E_UNSUPPORTED}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t size;
        emoc_error err;
        uint8_t *d = with_ihdr("png_rgb8.png", &size, 13, 11, cases[i].depth, cases[i].color);
        cr_assert_eq(decode(d, size, &err), cases[i].want, "depth %d color %d: %s", cases[i].depth, cases[i].color, err.msg);
        cr_assert(strstr(err.msg, "offset"), "%s", err.msg);
        free(d);
    }
}

Test(png_errors, structure)
{
    size_t size;
    emoc_error err;
    uint8_t *d = fx_read("png_rgb8.png", &size);
    /* bad signature → not sniffed as PNG at all */
    d[1] = 'Q';
    cr_assert_eq(decode(d, size, &err), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "unknown format"), "%s", err.msg);
    d[1] = 'P';
    /* interlace method 2 */
    d[28] = 2;
    fx_png_fix_crc(d, 8);
    cr_assert_eq(decode(d, size, &err), EMOC_E_FORMAT);
    d[28] = 0;
    /* filter method 1 */
    d[27] = 1;
    fx_png_fix_crc(d, 8);
    cr_assert_eq(decode(d, size, &err), EMOC_E_FORMAT);
    d[27] = 0;
    fx_png_fix_crc(d, 8);
    /* IHDR with the wrong length */
    d[11] = 12;
    cr_assert_neq(decode(d, size, &err), EMOC_OK);
    d[11] = 13;
    /* unknown critical chunk: rename tEXt to TEXt */
    size_t text = fx_png_find(d, size, "tEXt");
    d[text + 4] = 'T';
    fx_png_fix_crc(d, text);
    cr_assert_eq(decode(d, size, &err), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "critical chunk TEXt"), "%s", err.msg);
    /* ... while an unknown ancillary chunk is skipped */
    d[text + 4] = 'x';
    fx_png_fix_crc(d, text);
    cr_assert_eq(decode(d, size, &err), EMOC_OK, "%s", err.msg);
    free(d);
    /* palette image without PLTE: make the RGB file claim color type 3 */
    d = with_ihdr("png_rgb8.png", &size, 13, 11, 8, 3);
    cr_assert_eq(decode(d, size, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "PLTE"), "%s", err.msg);
    free(d);
}

/* Rewrites the single IDAT of png_rgb8_stored.png (zlib stored blocks: bytes map 1:1 to the
 * scanlines) through `edit`, fixing the CRC, and returns the status. */
static emoc_status decode_edited_idat(void (*edit)(uint8_t *z, uint32_t len), emoc_error *err)
{
    size_t size;
    uint8_t *d = fx_read("png_rgb8_stored.png", &size);
    size_t idat = fx_png_find(d, size, "IDAT");
    edit(d + idat + 8, fx_be32(d + idat));
    fx_png_fix_crc(d, idat);
    emoc_status st = decode(d, size, err);
    free(d);
    return st;
}

static void bad_zlib_method(uint8_t *z, uint32_t len) { (void)len; z[0] = 0x79; }
static void bad_zlib_check(uint8_t *z, uint32_t len) { (void)len; z[1] ^= 1; }
static void bad_block_type(uint8_t *z, uint32_t len) { (void)len; z[2] = 0x07; }   /* BFINAL=1, BTYPE=3 */
static void bad_stored_nlen(uint8_t *z, uint32_t len) { (void)len; z[5] ^= 0xFF; }
static void bad_adler(uint8_t *z, uint32_t len) { z[len - 1] ^= 0x55; }
/* First scanline's filter byte (after the 2-byte zlib header and 5-byte stored-block header),
 * with the Adler-32 recomputed so the filter check itself is reached. */
static void bad_filter(uint8_t *z, uint32_t len)
{
    z[7] = 9;
    uint32_t a = 1, b = 0;
    for (uint32_t i = 7; i < len - 4; i++) {
        a = (a + z[i]) % 65521;
        b = (b + a) % 65521;
    }
    fx_put_be32(z + len - 4, b << 16 | a);
}

Test(png_errors, corrupt_zlib_stream)
{
    emoc_error err;
    cr_assert_eq(decode_edited_idat(bad_zlib_method, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "zlib"), "%s", err.msg);
    cr_assert_eq(decode_edited_idat(bad_zlib_check, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "header check"), "%s", err.msg);
    cr_assert_eq(decode_edited_idat(bad_block_type, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "block type 3"), "%s", err.msg);
    cr_assert_eq(decode_edited_idat(bad_stored_nlen, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "complement"), "%s", err.msg);
    cr_assert_eq(decode_edited_idat(bad_adler, &err), EMOC_E_CHECKSUM);
    cr_assert(strstr(err.msg, "Adler-32"), "%s", err.msg);
    cr_assert_eq(decode_edited_idat(bad_filter, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "filter type 9"), "%s", err.msg);
}
