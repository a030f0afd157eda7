/*
 * test_retinaface_load.c — malformed RetinaFace inputs give clear errors: a detector EMW whose
 * tensors are missing or whose metadata is incomplete, `--arch retinaface_1mb` on a checkpoint
 * that is not RetinaFace, and a checkpoint of another network.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fixture_file.h"
#include "weights/convert.h"
#include "weights/emw.h"

static uint8_t *detector_emw(int with_meta, size_t *size)
{
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    static const int64_t MS[6] = {16, 32, 64, 128, 256, 512}, ST[3] = {8, 16, 32};
    static const double VAR[2] = {0.1, 0.2};
    cr_assert_eq(emw_writer_meta_str(w, "emoc.arch", "retinaface"), EMOC_OK);
    cr_assert_eq(emw_writer_meta_str(w, "emoc.task", "face_detection"), EMOC_OK);
    if (with_meta) {
        emw_writer_meta_i64_array(w, "retinaface.min_sizes", MS, 6);
        emw_writer_meta_i64_array(w, "retinaface.steps", ST, 3);
        emw_writer_meta_f64_array(w, "retinaface.variance", VAR, 2);
        emw_writer_meta_str(w, "retinaface.activation", "leaky_relu_0.1");
        emw_writer_meta_f64(w, "retinaface.confidence_threshold", 0.02);
        emw_writer_meta_i64(w, "retinaface.top_k", 5000);
        emw_writer_meta_f64(w, "retinaface.nms_threshold", 0.4);
        emw_writer_meta_i64(w, "retinaface.keep_top_k", 750);
    }
    float one = 1.0f;
    int64_t d1 = 1;
    cr_assert_eq(emw_writer_add_tensor(w, "heads.0.bias", EMW_F32, 1, &d1, &one), EMOC_OK);
    uint8_t *buf;
    cr_assert_eq(emw_writer_to_memory(w, &buf, size), EMOC_OK);
    emw_writer_free(w);
    return buf;
}

Test(retinaface_load, missing_tensor_is_named)
{
    size_t n;
    uint8_t *buf = detector_emw(1, &n);
    emoc_detector *d = NULL;
    emoc_error err = {{0}};
    emoc_status st = emoc_detector_load_memory(buf, n, NULL, &d, &err);
    cr_assert_neq(st, EMOC_OK);
    cr_assert_null(d);
    cr_assert(strstr(err.msg, "tensor 'body.stage1.0.0.weight'") && strstr(err.msg, "missing"),
              "%s", err.msg);
    free(buf);
}

Test(retinaface_load, incomplete_metadata_is_refused)
{
    size_t n;
    uint8_t *buf = detector_emw(0, &n);
    emoc_detector *d = NULL;
    emoc_error err = {{0}};
    cr_assert_eq(emoc_detector_load_memory(buf, n, NULL, &d, &err), EMOC_E_FORMAT);
    cr_assert(strstr(err.msg, "RetinaFace metadata is incomplete"), "%s", err.msg);
    free(buf);
}

Test(retinaface_load, arch_1mb_on_another_checkpoint_and_unknown_nets)
{
    size_t n;
    uint8_t *buf = fixture_read("tests/fixtures/pth/legacy_bare.pth", &n);
    emoc_convert_opts o = {EMW_F32, "legacy_bare.pth"};
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emoc_error err = {{0}};
    cr_assert_eq(emoc_convert_pth_arch(buf, n, &o, "retinaface_1mb", w, &err), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "no RetinaFace tensors"), "%s", err.msg);
    err.msg[0] = 0;
    cr_assert_eq(emoc_convert_pth_arch(buf, n, &o, "yolo", w, &err), EMOC_E_ARG);
    cr_assert(strstr(err.msg, "--arch 'yolo' is not known"), "%s", err.msg);
    err.msg[0] = 0;
    cr_assert_eq(emoc_convert_pth(buf, n, &o, w, &err), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "nor RetinaFace"), "%s", err.msg);
    emw_writer_free(w);
    free(buf);
}
