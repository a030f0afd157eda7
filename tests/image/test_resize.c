/* test_resize.c — cv2 INTER_LINEAR and PIL BILINEAR replicas against the hashes of OpenCV's and
 * Pillow's outputs (tests/fixtures/image/resize.txt), crop boxes, EXIF orientation, and the
 * float32 NCHW preprocessing. */
#include "tests/image/image_fixture.h"
#include "engine/image/decoders.h"

#include <math.h>

Test(resize, matches_opencv_and_pillow_bit_exactly)
{
    size_t size;
    char *txt = (char *)fx_read("resize.txt", &size);
    txt[size] = 0;
    int cases = 0;
    char *save = NULL;
    for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char src[128], mode[8];
        int w, h;
        unsigned long long want;
        cr_assert_eq(sscanf(line, "%127s %7s %d %d %llx", src, mode, &w, &h, &want), 5, "%s", line);
        emoc_image in, out;
        fx_read_pnm(src, &in);
        emoc_resize_mode m;
        cr_assert_eq(emoc_resize_mode_parse(mode, &m), EMOC_OK);
        emoc_error err;
        cr_assert_eq(emoc_image_resize(&in, w, h, m, &out, &err), EMOC_OK, "%s", err.msg);
        uint64_t got = fx_fnv1a64(out.pixels, (size_t)w * h * in.channels);
        cr_assert_eq(got, (uint64_t)want, "%s %s -> %dx%d: hash %016llx, reference %016llx", src, mode, w, h,
                     (unsigned long long)got, want);
        emoc_image_free(&in);
        emoc_image_free(&out);
        cases++;
    }
    cr_assert_geq(cases, 40);
    free(txt);
}

Test(resize, arguments)
{
    uint8_t px[12] = {0};
    emoc_image in = {2, 2, 3, px}, out;
    emoc_error err;
    cr_assert_eq(emoc_image_resize(&in, 0, 4, EMOC_RESIZE_CV2, &out, &err), EMOC_E_ARG);
    cr_assert_eq(emoc_image_resize(&in, 4, 4, (emoc_resize_mode)7, &out, &err), EMOC_E_ARG);
    emoc_resize_mode m;
    cr_assert_eq(emoc_resize_mode_parse("pil_bilinear", &m), EMOC_OK);
    cr_assert_eq(m, EMOC_RESIZE_PIL);
    cr_assert_eq(emoc_resize_mode_parse("cv2_linear", &m), EMOC_OK);
    cr_assert_eq(m, EMOC_RESIZE_CV2);
    cr_assert_eq(emoc_resize_mode_parse("nearest", &m), EMOC_E_ARG);
}

Test(crop, clipped_to_image_and_empty_is_an_error)
{
    uint8_t px[4 * 3];
    for (int i = 0; i < 12; i++) px[i] = (uint8_t)i;
    emoc_image in = {4, 3, 1, px}, out;
    emoc_error err;
    cr_assert_eq(emoc_image_crop(&in, 1, 1, 2, 2, &out, &err), EMOC_OK);
    cr_assert_eq(out.width, 2);
    cr_assert_eq(out.height, 2);
    cr_assert_eq(out.pixels[0], 5);
    cr_assert_eq(out.pixels[3], 10);
    emoc_image_free(&out);
    cr_assert_eq(emoc_image_crop(&in, -2, -1, 4, 3, &out, &err), EMOC_OK); /* → x 0..1, y 0..1 */
    cr_assert_eq(out.width, 2);
    cr_assert_eq(out.height, 2);
    cr_assert_eq(out.pixels[3], 5);
    emoc_image_free(&out);
    cr_assert_eq(emoc_image_crop(&in, 3, 2, 100, 100, &out, &err), EMOC_OK);
    cr_assert_eq(out.width * out.height, 1);
    cr_assert_eq(out.pixels[0], 11);
    emoc_image_free(&out);
    cr_assert_eq(emoc_image_crop(&in, 4, 0, 2, 2, &out, &err), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "empty"), "%s", err.msg);
    cr_assert_eq(emoc_image_crop(&in, 0, 0, 0, 2, &out, &err), EMOC_E_SHAPE);
    cr_assert_eq(emoc_image_crop(&in, -10, 0, 5, 2, &out, &err), EMOC_E_SHAPE);
    cr_assert_eq(emoc_image_crop(&in, 2147483600, 0, 2147483600, 2, &out, &err), EMOC_E_SHAPE);
    cr_assert_null(out.pixels);
}

Test(orientation, all_eight_exif_values_match_pillow_exif_transpose)
{
    /* Pillow's ImageOps.exif_transpose on the 3x2 image 0..5 (see make_fixtures notes). */
    static const uint8_t want[9][6] = {{0}, {0, 1, 2, 3, 4, 5}, {2, 1, 0, 5, 4, 3}, {5, 4, 3, 2, 1, 0},
                                       {3, 4, 5, 0, 1, 2}, {0, 3, 1, 4, 2, 5}, {3, 0, 4, 1, 5, 2},
                                       {5, 2, 4, 1, 3, 0}, {2, 5, 1, 4, 0, 3}};
    for (int o = 1; o <= 8; o++) {
        emoc__image img = {3, 2, 1, malloc(6), o};
        for (int i = 0; i < 6; i++) img.pixels[i] = (uint8_t)i;
        emoc_error err;
        cr_assert_eq(emoc__image_apply_orientation(&img, &err), EMOC_OK);
        cr_assert_eq(img.width, o >= 5 ? 2 : 3, "orientation %d", o);
        for (int i = 0; i < 6; i++) cr_assert_eq(img.pixels[i], want[o][i], "orientation %d byte %d", o, i);
        free(img.pixels);
    }
}

Test(preprocess, normalises_into_nchw_and_expands_gray)
{
    uint8_t px[2] = {0, 255};
    emoc_image gray = {2, 1, 1, px};
    const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    float out[3 * 4];
    emoc_error err;
    /* 2x1 → 2x2 by cv2: rows repeat, columns stay (scale 1 horizontally) */
    cr_assert_eq(emoc_image_preprocess(&gray, 2, mean, std, EMOC_RESIZE_CV2, out, 12, &err), EMOC_OK, "%s", err.msg);
    for (int c = 0; c < 3; c++) {
        float lo = (0.0f / 255.0f - mean[c]) / std[c], hi = (255.0f / 255.0f - mean[c]) / std[c];
        cr_assert_float_eq(out[c * 4 + 0], lo, 1e-7f);
        cr_assert_float_eq(out[c * 4 + 1], hi, 1e-7f);
        cr_assert_float_eq(out[c * 4 + 2], lo, 1e-7f);
        cr_assert_float_eq(out[c * 4 + 3], hi, 1e-7f);
    }
    uint8_t rgb[3] = {10, 20, 30};
    emoc_image one = {1, 1, 3, rgb};
    const float half[3] = {0.5f, 0.5f, 0.5f};
    cr_assert_eq(emoc_image_preprocess(&one, 2, half, half, EMOC_RESIZE_PIL, out, 12, &err), EMOC_OK);
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 4; i++) cr_assert_float_eq(out[c * 4 + i], (rgb[c] / 255.0f - 0.5f) / 0.5f, 1e-7f);
    cr_assert_eq(emoc_image_preprocess(&one, 2, half, half, EMOC_RESIZE_PIL, out, 11, &err), EMOC_E_SHAPE);
    const float bad[3] = {0.5f, 0.0f, 0.5f};
    cr_assert_eq(emoc_image_preprocess(&one, 2, half, bad, EMOC_RESIZE_PIL, out, 12, &err), EMOC_E_ARG);
}
