/* test_blazeface.c — BlazeFace pieces with hand-computed expectations: the data-movement and
 * resampling ops (engine/ops/blazeops.c), OpenCV's fixed-point warp (engine/image/warp_cv2.c),
 * anchors, decoding, weighted NMS and projection (nets/blazeface_post.c), and the TFLite
 * converter's refusals (weights/convert_tflite.c). The whole pipeline is checked on the real
 * weights against TFLite by `make conformance` (tools/reference/blazeface/). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "engine/image/warp_cv2.h"
#include "engine/kernels/kernels.h"
#include "engine/ops/blazeops.h"
#include "nets/blazeface_post.h"
#include "tests/weights/tflite_fixture.h"
#include "weights/convert.h"

Test(blazeops, pad_spatial_and_channels)
{
    float x[2 * 2 * 2] = {1, 2, 3, 4, 5, 6, 7, 8}; /* 2×2×2 */
    float y[4 * 3 * 3];                            /* pads t1 l0 b1 r1, channels front 0 back 1 */
    memset(y, 0x7f, sizeof y);
    emoc__blaze_pad(x, 2, 2, 2, 1, 0, 0, y, 4, 3, 3, 0, 4);
    const float want[36] = {0, 0, 0, 0, 0, 0, 0, 0, 0,  1, 2, 0, 3, 4, 0, 0, 0, 0,
                            5, 6, 0, 7, 8, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 36; i++) cr_assert_eq(y[i], want[i], "at %d: %g", i, y[i]);
}

Test(blazeops, maxpool_2x2_stride_2_odd_size_floors)
{
    float x[3 * 3] = {1, 5, 2, 3, -1, 9, 7, 8, 4}; /* 3×3×1 → 1×1 */
    float y[1];
    emoc_f32_eltwise_ref.max2x2(x, 3, 1, y, 0, 1);
    cr_assert_eq(y[0], 5.0f);
}

Test(blazeops, resize_half_pixel_upsample_matches_tflite_formula)
{
    /* 1×2 → 1×4, half pixel: src x = (i + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25;
     * lo = max(floor, 0), hi = min(ceil, 1): the ends clamp to one pixel (lo == hi). */
    float x[2] = {10, 20}, y[4];
    emoc__blaze_resize(x, 1, 2, 1, y, 1, 4, 1, 0, 1);
    cr_assert_float_eq(y[0], 10.0f, 1e-6);
    cr_assert_float_eq(y[1], 12.5f, 1e-6);
    cr_assert_float_eq(y[2], 17.5f, 1e-6);
    cr_assert_float_eq(y[3], 20.0f, 1e-6);
    emoc__blaze_resize(x, 1, 2, 1, y, 1, 4, 0, 0, 1); /* corner-free: s = i/2 */
    cr_assert_float_eq(y[1], 15.0f, 1e-6);
    cr_assert_float_eq(y[3], 20.0f, 1e-6);
}

Test(blazeops, depth_to_space_dcr_order)
{
    float x[1 * 1 * 8] = {0, 1, 2, 3, 4, 5, 6, 7}; /* block 2, 2 output channels */
    float y[2 * 2 * 2];
    emoc__blaze_depth2space(x, 1, 1, 8, 2, y, 0, 2);
    /* y[h][w][c] = x[((h%2)·2 + w%2)·2 + c] */
    const float want[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    for (int i = 0; i < 8; i++) cr_assert_eq(y[i], want[i]);
    float x2[1 * 2 * 4] = {0, 1, 2, 3, 10, 11, 12, 13}, y2[2 * 4 * 1];
    emoc__blaze_depth2space(x2, 1, 2, 4, 2, y2, 0, 2);
    const float want2[8] = {0, 1, 10, 11, 2, 3, 12, 13};
    for (int i = 0; i < 8; i++) cr_assert_eq(y2[i], want2[i], "at %d", i);
}

Test(warp_cv2, identity_copies_and_border_is_zero)
{
    uint8_t src[3 * 2] = {10, 20, 30, 40, 50, 60}, dst[4 * 3];
    emoc__warp_scale_cv2(src, 3, 2, 1, 0.0, 0.0, 1.0, dst, 4, 3);
    const uint8_t want[12] = {10, 20, 30, 0, 40, 50, 60, 0, 0, 0, 0, 0};
    for (int i = 0; i < 12; i++) cr_assert_eq(dst[i], want[i], "at %d: %d", i, dst[i]);
}

Test(warp_cv2, fixed_point_weights_and_rounding)
{
    /* x = 0.5 → X = 16/32: (10·16 + 20·16)·32 ... (10·(16·32·32) + 20·(16·32·32) + 2^14) >> 15 = 15;
     * x = 1/64 → X = round(0.5) = 0 (half to even): the pixel is exactly src[0]; x = 3/64 →
     * X = round(1.5) = 2: (10·30 + 20·2)·32·32 / 2^15 = 10.625 → 11 */
    uint8_t src[2] = {10, 20}, dst[1];
    emoc__warp_scale_cv2(src, 2, 1, 1, 0.5, 0.0, 1.0, dst, 1, 1);
    cr_assert_eq(dst[0], 15);
    emoc__warp_scale_cv2(src, 2, 1, 1, 1.0 / 64, 0.0, 1.0, dst, 1, 1);
    cr_assert_eq(dst[0], 10);
    emoc__warp_scale_cv2(src, 2, 1, 1, 3.0 / 64, 0.0, 1.0, dst, 1, 1);
    cr_assert_eq(dst[0], 11);
    /* left of the image: tap −1 reads 0: x = −0.5 → (0·16 + 10·16)/32 = 5 */
    emoc__warp_scale_cv2(src, 2, 1, 1, -0.5, 0.0, 1.0, dst, 1, 1);
    cr_assert_eq(dst[0], 5);
}

Test(blazeface_post, anchors_short_and_full)
{
    static float xy[2 * 2304];
    cr_assert_eq(blaze_anchors(128, xy, 2304), 896);
    cr_assert_float_eq(xy[0], 0.5f / 16, 1e-7);          /* first cell of the 16×16 map */
    cr_assert_float_eq(xy[2], 0.5f / 16, 1e-7);          /* two anchors per cell */
    cr_assert_float_eq(xy[2 * 2], 1.5f / 16, 1e-7);
    cr_assert_float_eq(xy[2 * 512], 0.5f / 8, 1e-7);     /* the 8×8 map, six per cell */
    cr_assert_float_eq(xy[2 * 518], 1.5f / 8, 1e-7);
    cr_assert_float_eq(xy[2 * 895 + 1], 7.5f / 8, 1e-7);
    cr_assert_eq(blaze_anchors(192, xy, 2304), 2304);
    cr_assert_float_eq(xy[2 * 49], 1.5f / 48, 1e-7);
    cr_assert_float_eq(xy[2 * 49 + 1], 1.5f / 48, 1e-7);
    cr_assert_eq(blaze_anchors(160, xy, 2304), -1);
}

Test(blazeface_post, decode_clips_scores_and_scales_boxes)
{
    float anchors[4] = {0.25f, 0.5f, 0.75f, 0.5f};
    float raw[2 * 16 + 2] = {0};
    raw[0] = 12.8f;   /* x centre + 0.1 */
    raw[2] = 25.6f;   /* width 0.2 */
    raw[3] = 12.8f;   /* height 0.1 */
    raw[4] = -12.8f;  /* keypoint 0 x − 0.1 */
    raw[32] = 1000.0f;  /* clipped to 100: sigmoid = 1 */
    raw[33] = -1.0f;    /* sigmoid 0.269 < 0.5: dropped */
    blaze_det d[2];
    int n = blaze_decode(raw, 2, anchors, 128.0f, 0.5f, d);
    cr_assert_eq(n, 1);
    cr_assert_float_eq(d[0].score, 1.0f, 1e-7);
    cr_assert_float_eq(d[0].xmin, 0.35f - 0.1f, 1e-6);
    cr_assert_float_eq(d[0].width, 0.2f, 1e-6);
    cr_assert_float_eq(d[0].ymin, 0.45f, 1e-6);
    cr_assert_float_eq(d[0].kp[0], 0.15f, 1e-6);
    cr_assert_float_eq(d[0].kp[1], 0.5f, 1e-6);
}

Test(blazeface_post, weighted_nms_averages_the_cluster)
{
    blaze_det d[3] = {{.xmin = 0.0f, .ymin = 0.0f, .width = 1.0f, .height = 1.0f, .score = 0.6f},
                      {.xmin = 0.1f, .ymin = 0.0f, .width = 1.0f, .height = 1.0f, .score = 0.9f},
                      {.xmin = 5.0f, .ymin = 5.0f, .width = 1.0f, .height = 1.0f, .score = 0.7f}};
    d[0].kp[0] = 1.0f;
    d[1].kp[0] = 2.0f;
    int order[3], remain[3];
    blaze_det out[3];
    int n = blaze_weighted_nms(d, 3, 0.3f, order, remain, out);
    cr_assert_eq(n, 2);
    cr_assert_float_eq(out[0].score, 0.9f, 1e-7);                       /* best score kept */
    cr_assert_float_eq(out[0].xmin, (0.0f * 0.6f + 0.1f * 0.9f) / 1.5f, 1e-6);
    cr_assert_float_eq(out[0].width, (1.0f * 0.6f + 1.1f * 0.9f) / 1.5f - out[0].xmin, 1e-6);
    cr_assert_float_eq(out[0].kp[0], (1.0f * 0.6f + 2.0f * 0.9f) / 1.5f, 1e-6);
    cr_assert_float_eq(out[1].xmin, 5.0f, 1e-7);                        /* alone: unchanged */
    cr_assert_float_eq(out[1].score, 0.7f, 1e-7);
}

Test(blazeface_post, projection_undoes_the_letterbox_of_a_wide_image)
{
    blaze_roi roi;
    blaze_roi_letterbox(200, 100, &roi);                                /* side 200, y0 = −50 */
    cr_assert_float_eq(roi.y0, -50.0f, 1e-6);
    blaze_det d = {.xmin = 0.25f, .ymin = 0.25f, .width = 0.5f, .height = 0.5f, .score = 0.8f};
    d.kp[0] = 0.5f;
    d.kp[1] = 0.5f;
    blaze_face f;
    blaze_project(&d, &roi, 200, 100, &f);
    cr_assert_float_eq(f.x1, 50.0f, 1e-4);
    cr_assert_float_eq(f.x2, 150.0f, 1e-4);
    cr_assert_float_eq(f.y1, 0.0f, 1e-4);    /* tensor y 0.25 → image −50 + 50 */
    cr_assert_float_eq(f.y2, 100.0f, 1e-4);
    cr_assert_float_eq(f.kp[0][0], 100.0f, 1e-4);
    cr_assert_float_eq(f.kp[0][1], 50.0f, 1e-4);
    cr_assert_float_eq(f.score, 0.8f, 1e-7);
}

Test(convert_tflite, refuses_a_model_that_is_not_blazeface)
{
    tfl_fixture f;
    tfl_fixture_build(&f);
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emoc_convert_opts o = {.dtype = EMW_F32, .source_name = "x.tflite"};
    emoc_error err = {{0}};
    cr_assert_eq(emoc__convert_tflite(f.buf, f.size, &o, w, &err), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "the graph has 1 inputs and 1 outputs; BlazeFace has 1 and 2"), "%s",
              err.msg);
    emw_writer_free(w);
}
