/* test_ppm_bmp_errors.c — PPM/PGM and BMP malformed inputs: truncation at every offset, bad
 * headers, zero/huge dimensions, unsupported depths; plus format sniffing. */
#include "tests/image/image_fixture.h"

static emoc_status decode(const void *d, size_t n, emoc_error *err)
{
    emoc_image img;
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, d, n);
    emoc_status st = emoc_image_decode(copy, n, NULL, &img, err);
    free(copy);
    if (st == EMOC_OK) emoc_image_free(&img);
    else cr_assert_null(img.pixels);
    return st;
}

/* slack: trailing bytes a decoder may accept missing (BMP: the last row's padding, ≤ 3) */
static void truncate_everywhere(const char *file, size_t slack)
{
    size_t size;
    uint8_t *d = fx_read(file, &size);
    emoc_error err;
    cr_assert_eq(decode(d, size, &err), EMOC_OK, "%s: %s", file, err.msg);
    for (size_t cut = 0; cut + slack < size; cut++) {
        emoc_status st = decode(d, cut, &err);
        cr_assert_neq(st, EMOC_OK, "%s cut at %zu decoded", file, cut);
        if (cut > 2) cr_assert(strstr(err.msg, "offset"), "%s cut %zu: %s", file, cut, err.msg);
    }
    free(d);
}

Test(ppm_errors, truncated_at_every_offset)
{
    truncate_everywhere("ppm_rgb.ppm", 0);
    truncate_everywhere("pgm_gray.pgm", 0);
}

Test(bmp_errors, truncated_at_every_offset)
{
    truncate_everywhere("bmp_24.bmp", 3);   /* 7 px × 3 = 21-byte rows + 3 padding */
    truncate_everywhere("bmp_32.bmp", 0);
    truncate_everywhere("bmp_topdown.bmp", 3);
}

Test(ppm_errors, headers)
{
    emoc_error err;
    const char raster[12] = {0};
    char buf[64];
    struct { const char *hdr; emoc_status want; const char *msg; } cases[] = {
        {"P6\n0 2\n255\n", EMOC_E_FORMAT, "zero"},
        {"P6\n2 0\n255\n", EMOC_E_FORMAT, "zero"},
        {"P6\n99999 2\n255\n", EMOC_E_LIMIT, "exceed"},
        {"P6\n99999999999 2\n255\n", EMOC_E_LIMIT, "too large"},
        {"P6\n2 2\n65535\n", EMOC_E_UNSUPPORTED, "16-bit"},
        {"P6\n2 2\n0\n", EMOC_E_FORMAT, "maxval"},
        {"P6\n2 2\n70000\n", EMOC_E_FORMAT, "maxval"},
        {"P6\nx 2\n255\n", EMOC_E_FORMAT, "width"},
        {"P6\n2 2\n255x", EMOC_E_FORMAT, "whitespace"},
        {"P6\n2 2\n255\n", EMOC_E_TRUNCATED, "truncated"}, /* 12 bytes needed, only 11 given below */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t h = strlen(cases[i].hdr);
        memcpy(buf, cases[i].hdr, h);
        memcpy(buf + h, raster, 11);
        emoc_status st = decode(buf, h + 11, &err);
        cr_assert_eq(st, cases[i].want, "case %zu (%s): %d %s", i, cases[i].hdr, st, err.msg);
        cr_assert(strstr(err.msg, cases[i].msg), "case %zu: %s", i, err.msg);
    }
    /* comments between fields are allowed */
    const char ok[] = "P5 #c\n2 #c\n1\n255\n\x01\x02";
    cr_assert_eq(decode(ok, sizeof ok - 1, &err), EMOC_OK, "%s", err.msg);
}

static void bmp_edit(size_t at, uint32_t v, int bytes, emoc_status want, const char *msg)
{
    size_t size;
    uint8_t *d = fx_read("bmp_24.bmp", &size);
    for (int i = 0; i < bytes; i++) d[at + i] = (uint8_t)(v >> (8 * i));
    emoc_error err;
    emoc_status st = decode(d, size, &err);
    cr_assert_eq(st, want, "edit at %zu = %u: %d %s", at, v, st, err.msg);
    cr_assert(strstr(err.msg, msg), "%s", err.msg);
    free(d);
}

Test(bmp_errors, headers)
{
    bmp_edit(28, 8, 2, EMOC_E_UNSUPPORTED, "bits per pixel");
    bmp_edit(28, 16, 2, EMOC_E_UNSUPPORTED, "bits per pixel");
    bmp_edit(30, 1, 4, EMOC_E_UNSUPPORTED, "compression");
    bmp_edit(26, 2, 2, EMOC_E_FORMAT, "planes");
    bmp_edit(14, 12, 4, EMOC_E_UNSUPPORTED, "DIB header");
    bmp_edit(18, 0, 4, EMOC_E_FORMAT, "zero");
    bmp_edit(22, 0, 4, EMOC_E_FORMAT, "zero");
    bmp_edit(18, 20000, 4, EMOC_E_LIMIT, "exceed");
    bmp_edit(22, 0x80000000u, 4, EMOC_E_FORMAT, "height");
    bmp_edit(22, (uint32_t)-20000, 4, EMOC_E_LIMIT, "exceed");
    bmp_edit(10, 0xFFFFFF00u, 4, EMOC_E_TRUNCATED, "truncated");
    bmp_edit(18, 9000, 4, EMOC_E_TRUNCATED, "truncated"); /* in limits, but no such pixel data */
}

Test(image_sniff, formats_and_empty)
{
    cr_assert_eq(emoc_image_sniff("\x89PNG\r\n\x1a\n", 8), EMOC_IMAGE_PNG);
    cr_assert_eq(emoc_image_sniff("\xff\xd8\xff\xe0", 4), EMOC_IMAGE_JPEG);
    cr_assert_eq(emoc_image_sniff("P6", 2), EMOC_IMAGE_PPM);
    cr_assert_eq(emoc_image_sniff("P5", 2), EMOC_IMAGE_PPM);
    cr_assert_eq(emoc_image_sniff("P3", 2), EMOC_IMAGE_UNKNOWN);
    cr_assert_eq(emoc_image_sniff("BM", 2), EMOC_IMAGE_BMP);
    cr_assert_eq(emoc_image_sniff("", 0), EMOC_IMAGE_UNKNOWN);
    cr_assert_str_eq(emoc_image_format_name(EMOC_IMAGE_PNG), "png");
    emoc_error err;
    emoc_image img;
    cr_assert_eq(emoc_image_decode("", 0, NULL, &img, &err), EMOC_E_TRUNCATED);
    cr_assert_eq(emoc_image_decode("GIF89a", 6, NULL, &img, &err), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "unknown format"), "%s", err.msg);
    cr_assert_eq(emoc_image_decode(NULL, 0, NULL, NULL, &err), EMOC_E_ARG);
}
