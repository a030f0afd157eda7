/*
 * test_convert_detectors.c — the detector checkpoints through the converters `emoc convert` uses
 * (weights/convert_pth_mtcnn.c, weights/convert_pth_retinaface.c): random-weight files with
 * upstream's names and shapes (tests/fixtures/detconv/, written by tests/fuzz/gen_detconv_seeds.py)
 * convert, in any order, into detectors that load and run; each malformed variant is refused
 * with a message naming the file, the tensor and the shape expected.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"
#include "engine/emw/emw.h"
#include "tests/fixture_file.h"
#include "weights/convert.h"

typedef struct blob {
    uint8_t *b;
    size_t n;
} blob;

static blob fix(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/detconv/%s", name);
    blob x;
    x.b = fixture_read(rel, &x.n);
    return x;
}

/* emoc__convert_mtcnn on the three named fixtures; the serialised EMW in *out (may be NULL). */
static emoc_status mtcnn3(const char *a, const char *b, const char *c, emoc_error *err, blob *out)
{
    const char *names[3] = {a, b, c};
    blob f[3] = {fix(a), fix(b), fix(c)};
    const uint8_t *bufs[3] = {f[0].b, f[1].b, f[2].b};
    size_t sizes[3] = {f[0].n, f[1].n, f[2].n};
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emoc_convert_opts o = {EMW_F32, NULL};
    err->msg[0] = 0;
    emoc_status st = emoc__convert_mtcnn(bufs, sizes, names, 3, &o, w, err);
    if (!st && out) cr_assert_eq(emw_writer_to_memory(w, &out->b, &out->n), EMOC_OK);
    emw_writer_free(w);
    for (int k = 0; k < 3; k++) free(f[k].b);
    return st;
}

/* emoc__convert_pth (the dispatch of `emoc convert FILE.pth`) on one fixture. */
static emoc_status pth1(const char *name, emoc_error *err, blob *out)
{
    blob f = fix(name);
    emw_writer *w = NULL;
    cr_assert_eq(emw_writer_create(&w), EMOC_OK);
    emoc_convert_opts o = {EMW_F32, name};
    err->msg[0] = 0;
    emoc_status st = emoc__convert_pth(f.b, f.n, &o, w, err);
    if (!st && out) cr_assert_eq(emw_writer_to_memory(w, &out->b, &out->n), EMOC_OK);
    emw_writer_free(w);
    free(f.b);
    return st;
}

/* A converted detector loads as `arch` and runs on a 64×48 frame. */
static void loads_and_runs(const blob *emw, const char *arch)
{
    cr_assert_eq(emoc_emw_is_detector(emw->b, emw->n), 1);
    emoc_detector *d = NULL;
    emoc_error err = {{0}};
    cr_assert_eq(emoc_detector_load_memory(emw->b, emw->n, NULL, &d, &err), EMOC_OK, "%s", err.msg);
    cr_assert_str_eq(emoc_detector_arch(d), arch);
    static uint8_t px[64 * 48 * 3];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 7 + (i / 97) * 13);
    emoc_image img = {64, 48, 3, px};
    emoc_detect_options o;
    emoc_detect_options_default(&o);
    o.min_face = 20;
    emoc_face faces[8];
    int n = -1;
    cr_assert_eq(emoc_detect(d, &img, &o, faces, 8, &n), EMOC_OK, "%s", emoc_detector_last_error(d));
    cr_assert_geq(n, 0);
    emoc_detector_free(d);
}

Test(convert_detectors, mtcnn_in_any_order_gives_the_same_detector)
{
    emoc_error err;
    blob a, b;
    cr_assert_eq(mtcnn3("pnet.pt", "rnet.pt", "onet.pt", &err, &a), EMOC_OK, "%s", err.msg);
    cr_assert_eq(mtcnn3("onet.pt", "pnet.pt", "rnet.pt", &err, &b), EMOC_OK, "%s", err.msg);
    cr_assert_eq(a.n, b.n);
    cr_assert_eq(memcmp(a.b, b.b, a.n), 0, "each file is recognised by its tensors, not its place");
    loads_and_runs(&a, "mtcnn");
    free(a.b);
    free(b.b);
}

Test(convert_detectors, mtcnn_defects_are_named)
{
    emoc_error err;
    cr_assert_eq(mtcnn3("pnet_shape.pt", "rnet.pt", "onet.pt", &err, NULL), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "pnet_shape.pt (MTCNN PNet): tensor 'conv4_2.weight' has shape [4x31x1x1], "
                              "expected [4x32x1x1]"), "%s", err.msg);
    cr_assert_eq(mtcnn3("pnet.pt", "rnet_missing.pt", "onet.pt", &err, NULL), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "rnet_missing.pt (MTCNN RNet): tensor 'prelu4.weight' is missing"), "%s", err.msg);
    cr_assert_eq(mtcnn3("onet.pt", "rnet.pt", "pnet_extra.pt", &err, NULL), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "pnet_extra.pt (MTCNN PNet): tensor 'conv5.weight' is not part of the network"),
              "%s", err.msg);
    cr_assert_eq(mtcnn3("pnet.pt", "onet.pt", "pnet_extra.pt", &err, NULL), EMOC_E_ARG);
    cr_assert(strstr(err.msg, "pnet.pt and pnet_extra.pt are both MTCNN PNet"), "%s", err.msg);
    cr_assert_eq(mtcnn3("pnet.pt", "retinaface_zip.pth", "onet.pt", &err, NULL), EMOC_E_UNSUPPORTED);
    cr_assert(strstr(err.msg, "retinaface_zip.pth: state_dict of") && strstr(err.msg, "none of MTCNN's PNet"),
              "%s", err.msg);
    /* one MTCNN file alone, as `emoc convert pnet.pt -o x.emw` */
    cr_assert_eq(pth1("pnet.pt", &err, NULL), EMOC_E_ARG);
    cr_assert(strstr(err.msg, "convert all three together"), "%s", err.msg);
}

Test(convert_detectors, retinaface_legacy_prefixed_and_zip_give_the_same_tensors)
{
    emoc_error err;
    blob a, b;
    cr_assert_eq(pth1("retinaface_legacy.pth", &err, &a), EMOC_OK, "%s", err.msg);
    cr_assert_eq(pth1("retinaface_zip.pth", &err, &b), EMOC_OK, "%s", err.msg);
    emw_file fa, fb;
    cr_assert_eq(emw_parse(a.b, a.n, 1, &fa, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(emw_parse(b.b, b.n, 1, &fb, &err), EMOC_OK, "%s", err.msg);
    cr_assert_eq(fa.n_tensors, fb.n_tensors);
    cr_assert_gt(fa.n_tensors, 100);
    for (size_t i = 0; i < fa.n_tensors; i++) {
        const emw_tensor *ta = &fa.tensors[i], *tb = emw_find_tensor(&fb, ta->name);
        cr_assert_not_null(tb, "%s", ta->name);
        cr_assert_eq(ta->nbytes, tb->nbytes, "%s", ta->name);
        cr_assert_eq(memcmp(ta->data, tb->data, ta->nbytes), 0, "%s", ta->name);
    }
    emw_file_release(&fa);
    emw_file_release(&fb);
    loads_and_runs(&a, "retinaface");
    free(a.b);
    free(b.b);
}

Test(convert_detectors, retinaface_defects_are_named)
{
    emoc_error err;
    cr_assert_eq(pth1("retinaface_head.pth", &err, NULL), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "tensor 'ClassHead.1.conv1x1.weight' has shape [4x7x1x1], expected [4x8x1x1]"), "%s",
              err.msg);
    cr_assert_eq(pth1("retinaface_bn.pth", &err, NULL), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "tensor 'fpn.merge1.1.running_var' has shape [7], expected [8]"), "%s", err.msg);
    cr_assert_eq(pth1("retinaface_missing.pth", &err, NULL), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "tensor 'ssh2.conv7x7_3.0.weight' is missing"), "%s", err.msg);
    cr_assert_eq(pth1("retinaface_extra.pth", &err, NULL), EMOC_E_SHAPE);
    cr_assert(strstr(err.msg, "tensor 'LandmarkHead.3.conv1x1.weight' is not part of the recognised architecture"),
              "%s", err.msg);
}
