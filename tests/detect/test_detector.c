/* test_detector.c — the face-detector API (include/emoc.h "Face detection") on a random-weight
 * MTCNN: loading and refusing files, frame checks, determinism, crop boxes; the box helpers
 * (nets/detect_common.h) and the MTCNN ops (ceil max-pool, width-major flatten, area resample). */
#include <criterion/criterion.h>

#include "emoc.h"
#include "engine/ops/maxpool.h"
#include "nets/detect_common.h"
#include "nets/mtcnn.h"
#include "tests/core/tinynet_fixture.h"
#include "tests/detect/mtcnn_fixture.h"

#include <stdlib.h>
#include <string.h>

static emoc_detector *load_fixture(void)
{
    size_t n = 0;
    uint8_t *b = mtcnn_fix_build(NULL, &n);
    cr_assert_not_null(b);
    emoc_detector *d = NULL;
    emoc_error e;
    emoc_status st = emoc_detector_load_memory(b, n, NULL, &d, &e);
    free(b);
    cr_assert_eq(st, EMOC_OK, "%s", e.msg);
    return d;
}

/* A frame of smooth random blobs (deterministic). */
static emoc_image make_frame(int w, int h, unsigned seed)
{
    emoc_image img = {w, h, 3, malloc((size_t)w * h * 3)};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                seed = seed * 1103515245u + 12345u;
                int v = ((x / 7 + y / 5 + c * 3) * 37 + (int)((seed >> 16) & 31)) & 255;
                img.pixels[((size_t)y * w + x) * 3 + c] = (uint8_t)v;
            }
    return img;
}

Test(detector, loads_mtcnn_and_reports_it)
{
    emoc_detector *d = load_fixture();
    cr_assert_str_eq(emoc_detector_arch(d), "mtcnn");
    cr_assert_eq(emoc_detector_landmark_count(d), 5);
    emoc_detector_free(d);
}

Test(detector, emotion_loader_refuses_a_detector)
{
    size_t n = 0;
    uint8_t *b = mtcnn_fix_build(NULL, &n);
    cr_assert_eq(emoc_emw_is_detector(b, n), 1);
    emoc_model *m = NULL;
    emoc_error e;
    cr_assert_eq(emoc_model_load_memory(b, n, NULL, &m, &e), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(e.msg, "face detector") && strstr(e.msg, "mtcnn"), "%s", e.msg);
    free(b);
}

Test(detector, detector_loader_refuses_an_emotion_model)
{
    tiny_opts o;
    tiny_default(&o);
    size_t n = 0;
    uint8_t *b = tiny_build(&o, &n);
    cr_assert_eq(emoc_emw_is_detector(b, n), 0);
    emoc_detector *d = NULL;
    emoc_error e;
    cr_assert_eq(emoc_detector_load_memory(b, n, NULL, &d, &e), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(e.msg, "emotion model") && strstr(e.msg, "tinynet"), "%s", e.msg);
    cr_assert_null(d);
    free(b);
}

static void expect_refused(const mtcnn_fix_opts *o, const char *needle)
{
    size_t n = 0;
    uint8_t *b = mtcnn_fix_build(o, &n);
    cr_assert_not_null(b);
    emoc_detector *d = NULL;
    emoc_error e;
    emoc_status st = emoc_detector_load_memory(b, n, NULL, &d, &e);
    free(b);
    cr_assert_neq(st, EMOC_OK);
    cr_assert_null(d);
    cr_assert(strstr(e.msg, needle), "message '%s' lacks '%s'", e.msg, needle);
}

Test(detector, wrong_tensors_are_named)
{
    expect_refused(&(mtcnn_fix_opts){.skip = "rnet.dense4.weight"}, "rnet.dense4.weight");
    expect_refused(&(mtcnn_fix_opts){.skip = "pnet.prelu2.weight"}, "pnet.prelu2.weight");
    expect_refused(&(mtcnn_fix_opts){.extra = "onet.conv9.weight"}, "onet.conv9.weight");
    expect_refused(&(mtcnn_fix_opts){.extra = "fc.weight"}, "fc.weight");
    expect_refused(&(mtcnn_fix_opts){.no_task = 1}, "not a face detector");
}

Test(detector, tiny_and_huge_frames)
{
    emoc_detector *d = load_fixture();
    emoc_face f[4];
    int n = -1;
    uint8_t px[3] = {1, 2, 3};
    emoc_image one = {1, 1, 3, px};
    cr_assert_eq(emoc_detect(d, &one, NULL, f, 4, &n), EMOC_OK, "%s", emoc_detector_last_error(d));
    cr_assert_eq(n, 0);
    /* refused before anything is read or allocated: the pixel buffer is only 3 bytes */
    emoc_image huge = {16384, 16384, 3, px};
    cr_assert_eq(emoc_detect(d, &huge, NULL, f, 4, &n), EMOC_E_LIMIT);
    cr_assert(strstr(emoc_detector_last_error(d), "4096"), "%s", emoc_detector_last_error(d));
    emoc_image wide = {EMOC_DETECT_MAX_SIDE + 1, 2, 3, px};
    cr_assert_eq(emoc_detect(d, &wide, NULL, f, 4, &n), EMOC_E_LIMIT);
    emoc_image gray = {1, 1, 1, px};
    cr_assert_eq(emoc_detect(d, &gray, NULL, f, 4, &n), EMOC_E_ARG);
    /* a pyramid whose first level would exceed the cap */
    emoc_image big = make_frame(4096, 4096, 1);
    emoc_detect_options o;
    emoc_detect_options_default(&o);
    o.min_face = 12;
    cr_assert_eq(emoc_detect(d, &big, &o, f, 4, &n), EMOC_E_LIMIT);
    cr_assert(strstr(emoc_detector_last_error(d), "raise min_face"), "%s",
              emoc_detector_last_error(d));
    o.threshold = 2.0f;
    cr_assert_eq(emoc_detect(d, &one, &o, f, 4, &n), EMOC_E_ARG);
    free(big.pixels);
    emoc_detector_free(d);
}

Test(detector, finds_faces_deterministically_and_respects_cap)
{
    emoc_detector *d = load_fixture();
    emoc_image img = make_frame(160, 120, 3), other = make_frame(97, 131, 5);
    emoc_detect_options o;
    emoc_detect_options_default(&o);
    o.threshold = 0.0f;
    emoc_face a[512], b[512];
    int na = 0, nb = 0, nc = 0;
    cr_assert_eq(emoc_detect(d, &img, &o, a, 512, &na), EMOC_OK, "%s", emoc_detector_last_error(d));
    cr_assert_gt(na, 0, "the fixture is built to find candidates");
    cr_assert_leq(na, 512);
    cr_assert_eq(emoc_detect(d, &other, &o, b, 512, &nb), EMOC_OK);
    cr_assert_eq(emoc_detect(d, &img, &o, b, 512, &nb), EMOC_OK);
    cr_assert_eq(na, nb);
    cr_assert_eq(memcmp(a, b, sizeof(emoc_face) * (size_t)na), 0, "same frame, same faces");
    for (int i = 0; i + 1 < na; i++) {  /* largest box first */
        float ai = (a[i].x2 - a[i].x1) * (a[i].y2 - a[i].y1);
        float aj = (a[i + 1].x2 - a[i + 1].x1) * (a[i + 1].y2 - a[i + 1].y1);
        cr_assert_geq(ai, aj);
        cr_assert_eq(a[i].n_landmarks, 5);
        cr_assert(a[i].score > 0.7f && a[i].score <= 1.0f);
    }
    cr_assert_eq(emoc_detect(d, &img, &o, b, 1, &nc), EMOC_OK);
    cr_assert_eq(nc, na, "count is the total even when cap is smaller");
    cr_assert_eq(memcmp(&a[0], &b[0], sizeof(emoc_face)), 0);
    /* threshold: only faces above it, order kept */
    o.threshold = a[0].score;
    cr_assert_eq(emoc_detect(d, &img, &o, b, 512, &nb), EMOC_OK);
    for (int i = 0; i < nb; i++) cr_assert_gt(b[i].score, a[0].score);
    cr_assert_lt(nb, na);
    /* min_face larger than the frame: no pyramid level, no face */
    o.threshold = 0.0f;
    o.min_face = 400;
    cr_assert_eq(emoc_detect(d, &img, &o, b, 512, &nb), EMOC_OK);
    cr_assert_eq(nb, 0);
    free(img.pixels);
    free(other.pixels);
    emoc_detector_free(d);
}

Test(detector, crop_box_truncates_and_clips)
{
    int x, y, w, h;
    emoc_face f = {.x1 = -5.7f, .y1 = 10.9f, .x2 = 30.2f, .y2 = 250.0f};
    emoc_face_crop_box(&f, 100, 200, &x, &y, &w, &h);
    cr_assert(x == 0 && y == 10 && w == 30 && h == 190, "%d %d %d %d", x, y, w, h);
    emoc_face g = {.x1 = -0.9f, .y1 = -0.5f, .x2 = 0.9f, .y2 = 3.0f};
    emoc_face_crop_box(&g, 100, 200, &x, &y, &w, &h);
    cr_assert(x == 0 && y == 0 && w == 0 && h == 3, "trunc toward zero: %d %d %d %d", x, y, w, h);
    emoc_face out = {.x1 = 120.0f, .y1 = 5.0f, .x2 = 140.0f, .y2 = 20.0f};
    emoc_face_crop_box(&out, 100, 200, &x, &y, &w, &h);
    cr_assert_eq(w, 0);
}

Test(detect_common, nms_iou_and_min)
{
    /* box, then score at [4] */
    float b[4][5] = {{0, 0, 10, 10, 0.9f}, {1, 1, 11, 11, 0.8f}, {20, 20, 30, 30, 0.7f},
                     {2, 2, 8, 8, 0.95f}};
    int order[4], scratch[4], keep[4];
    unsigned char supp[4];
    det_order_by_score(&b[0][4], 5, 4, order, scratch);
    cr_assert(order[0] == 3 && order[1] == 0 && order[2] == 1 && order[3] == 2);
    /* IoU(0,1) = 81/119 = 0.68; IoU(3,0) = 36/100 */
    int k = det_nms_iou(&b[0][0], 5, order, 4, 0.5, supp, keep);
    cr_assert_eq(k, 3);
    cr_assert(keep[0] == 3 && keep[1] == 0 && keep[2] == 2);
    k = det_nms_iou(&b[0][0], 5, order, 4, 0.7, supp, keep);
    cr_assert_eq(k, 4);
    /* Min mode: box 3 (7x7 with +1) lies inside box 0 → overlap 1 → suppressed */
    k = det_nms_min(&b[0][0], 5, order, 4, 0.7f, supp, keep);
    cr_assert_eq(k, 2);
    cr_assert(keep[0] == 3 && keep[1] == 2, "%d %d", keep[0], keep[1]);
    float ties[3] = {0.5f, 0.5f, 0.5f};
    det_order_by_score(ties, 1, 3, order, scratch);
    cr_assert(order[0] == 0 && order[1] == 1 && order[2] == 2, "stable");
    cr_assert_float_eq(det_iou(b[0], b[1]), 81.0f / 119.0f, 1e-6);
}

Test(mtcnn_ops, maxpool_ceil_sizes_and_values)
{
    cr_assert_eq(emoc__maxpool_out_ceil(5, 2, 2), 3);
    cr_assert_eq(emoc__maxpool_out_ceil(22, 3, 2), 11);
    cr_assert_eq(emoc__maxpool_out_ceil(10, 3, 2), 5);
    cr_assert_eq(emoc__maxpool_out_ceil(11, 3, 2), 5);
    cr_assert_eq(emoc__maxpool_out_ceil(4, 2, 2), 2);
    cr_assert_eq(emoc__maxpool_out_ceil(1, 2, 2), 0);
    float x2[3 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 99}, y2[4];
    emoc__maxpool_rows(x2, 3, 3, 1, 2, 2, y2, 2, 2, 0, 2);
    cr_assert(y2[0] == 5 && y2[1] == 6 && y2[2] == 8 && y2[3] == 99, "edge windows are clipped");
}

Test(mtcnn_ops, flatten_is_width_major)
{
    /* x[h][w][c], h=2 w=3 c=2 */
    float x[12], y[12];
    for (int i = 0; i < 12; i++) x[i] = (float)i;
    emoc__flatten_wh(x, 2, 3, 2, y);
    /* y[(w*H + h)*C + c] = x[(h*W + w)*C + c] */
    for (int h = 0; h < 2; h++)
        for (int w = 0; w < 3; w++)
            for (int c = 0; c < 2; c++) cr_assert_eq(y[(w * 2 + h) * 2 + c], x[(h * 3 + w) * 2 + c]);
}

Test(mtcnn_ops, area_resample_windows)
{
    /* 3 px wide, 1 tall, to 2: windows [0,2) and [1,3) (PyTorch adaptive pooling) */
    uint8_t img[9] = {0, 0, 0, 30, 30, 30, 90, 90, 90};
    float out[6];
    emoc_mtcnn_area_resample(img, 9, 0, 0, 3, 1, 1, 2, out);
    cr_assert_float_eq(out[0], (15.0f - 127.5f) * 0.0078125f, 1e-7);
    cr_assert_float_eq(out[3], (60.0f - 127.5f) * 0.0078125f, 1e-7);
    /* upsampling 1 px to 2: both copies */
    emoc_mtcnn_area_resample(img + 6, 3, 0, 0, 1, 1, 1, 2, out);
    cr_assert_float_eq(out[0], (90.0f - 127.5f) * 0.0078125f, 1e-7);
    cr_assert_float_eq(out[3], out[0], 0);
    double s[64];
    cr_assert_eq(emoc_mtcnn_scales(40, 40, 40, s, 64), 1);
    cr_assert_eq(emoc_mtcnn_scales(39, 200, 40, s, 64), 0);
    int n = emoc_mtcnn_scales(640, 480, 40, s, 64);
    cr_assert_eq(n, 8); /* 144·0.709^k ≥ 12 for k = 0..7 */
    cr_assert_float_eq(s[1], 0.3 * 0.709, 1e-15);
}
