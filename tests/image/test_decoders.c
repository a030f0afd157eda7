/* test_decoders.c — every PNG/PPM/PGM/BMP fixture decodes to exactly the pixels Pillow gives
 * (tests/fixtures/image/NAME.expect.pnm, from tools/reference/image/make_fixtures.py). */
#include "tests/image/image_fixture.h"

static void check_fixture(const char *file, const char *expect, emoc_image_format fmt)
{
    size_t size;
    uint8_t *data = fx_read(file, &size);
    cr_assert_eq(emoc_image_sniff(data, size), fmt, "%s: sniffed format", file);
    emoc_image img, ref;
    emoc_error err;
    emoc_status st = emoc_image_decode(data, size, NULL, &img, &err);
    cr_assert_eq(st, EMOC_OK, "%s: %s", file, err.msg);
    fx_read_pnm(expect, &ref);
    cr_assert_eq(img.width, ref.width, "%s width", file);
    cr_assert_eq(img.height, ref.height, "%s height", file);
    cr_assert_eq(img.channels, ref.channels, "%s channels", file);
    size_t n = (size_t)ref.width * ref.height * ref.channels;
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(img.pixels[i], ref.pixels[i], "%s: byte %zu (x=%zu y=%zu c=%zu): got %u, Pillow %u", file, i,
                     (i / ref.channels) % ref.width, i / ref.channels / ref.width, i % ref.channels, img.pixels[i],
                     ref.pixels[i]);
    emoc_image_free(&img);
    emoc_image_free(&ref);
    cr_assert_null(img.pixels);
    free(data);
}

#define PNG_CASE(name)                                                                             \
    Test(png_decode, name) { check_fixture("png_" #name ".png", "png_" #name ".expect.pnm", EMOC_IMAGE_PNG); }

PNG_CASE(g1)
PNG_CASE(g2)
PNG_CASE(g4)
PNG_CASE(g8)
PNG_CASE(g16)
PNG_CASE(ga8)
PNG_CASE(ga16)
PNG_CASE(rgb8)
PNG_CASE(rgb16)
PNG_CASE(rgba8)
PNG_CASE(rgba16)
PNG_CASE(p1)
PNG_CASE(p2)
PNG_CASE(p4)
PNG_CASE(p8)
PNG_CASE(rgb8_adam7)
PNG_CASE(g1_adam7)
PNG_CASE(p4_adam7)
PNG_CASE(rgba16_adam7)
PNG_CASE(rgb8_stored)
PNG_CASE(rgb8_fixed)
PNG_CASE(rgb8_split)
PNG_CASE(1x1)
PNG_CASE(pillow)

Test(ppm_decode, p6) { check_fixture("ppm_rgb.ppm", "ppm_rgb.expect.pnm", EMOC_IMAGE_PPM); }
Test(ppm_decode, p5) { check_fixture("pgm_gray.pgm", "pgm_gray.expect.pnm", EMOC_IMAGE_PPM); }
Test(ppm_decode, maxval_100_rescaled_half_even) { check_fixture("ppm_maxval100.ppm", "ppm_maxval100.expect.pnm", EMOC_IMAGE_PPM); }
Test(bmp_decode, bgr24_bottom_up_padded) { check_fixture("bmp_24.bmp", "bmp_24.expect.pnm", EMOC_IMAGE_BMP); }
Test(bmp_decode, bgrx32) { check_fixture("bmp_32.bmp", "bmp_32.expect.pnm", EMOC_IMAGE_BMP); }
Test(bmp_decode, top_down) { check_fixture("bmp_topdown.bmp", "bmp_topdown.expect.pnm", EMOC_IMAGE_BMP); }

Test(image_file, load_file_matches_memory_decode_and_names_path_on_error)
{
    emoc_image img;
    emoc_error err;
    cr_assert_eq(emoc_image_load_file(fx_path("png_rgb8.png"), NULL, &img, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(img.width, 13);
    cr_assert_eq(img.height, 11);
    cr_assert_eq(img.channels, 3);
    emoc_image_free(&img);
    emoc_status st = emoc_image_load_file("/nonexistent/x.png", NULL, &img, &err);
    cr_assert_eq(st, EMOC_E_IO);
    cr_assert(strstr(err.msg, "/nonexistent/x.png"), "%s", err.msg);
    cr_assert_null(img.pixels);
}

Test(image_file, gray_to_rgb_replicates)
{
    emoc_image g, rgb;
    emoc_error err;
    cr_assert_eq(emoc_image_load_file(fx_path("pgm_gray.pgm"), NULL, &g, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emoc_image_to_rgb(&g, &rgb, &err), EMOC_OK);
    cr_assert_eq(rgb.channels, 3);
    for (int i = 0; i < g.width * g.height; i++)
        for (int c = 0; c < 3; c++) cr_assert_eq(rgb.pixels[3 * i + c], g.pixels[i]);
    emoc_image_free(&g);
    emoc_image_free(&rgb);
}
