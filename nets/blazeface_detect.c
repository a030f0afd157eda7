/*
 * blazeface_detect.c — one frame through MediaPipe's face-detection CPU graph (API:
 * blazeface_detect.h; the graph and its constants: docs/blazeface.md).
 */
#include "nets/blazeface_detect.h"

#include "engine/core/error.h"
#include "engine/image/warp_cv2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct blaze_state {
    emoc_model *model;
    emoc_session *session;
    int S, n_anchors;
    float min_score;
    char variant[16];
    float *anchors;             /* n_anchors × 2 */
    uint8_t *u8;                /* S×S×3 warped frame */
    uint8_t *rgb3;              /* grey frames expanded (grown on demand) */
    size_t rgb3_cap;
    float *nchw;                /* network input */
    blaze_det *dets, *kept;
    int *order, *remain;
    blaze_timing t;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void blaze_close(blaze_state *s)
{
    if (!s) return;
    emoc_session_free(s->session);
    emoc_model_free(s->model);
    free(s->anchors);
    free(s->u8);
    free(s->rgb3);
    free(s->nchw);
    free(s->dets);
    free(s->kept);
    free(s->order);
    free(s->remain);
    free(s);
}

emoc_status blaze_open(const void *emw, size_t size, const emoc_options *opt, int threads,
                       blaze_state **out, emoc_error *err)
{
    *out = NULL;
    blaze_state *s = calloc(1, sizeof *s);
    if (!s) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    emoc_status st = emoc_model_load_memory(emw, size, opt, &s->model, err);
    if (st) goto fail;
    const char *arch = emoc_model_meta(s->model, "emoc.arch");
    const char *variant = emoc_model_meta(s->model, "emoc.variant");
    if (!arch || strcmp(arch, "blazeface") || !variant) {
        st = emoc__fail(err, EMOC_E_UNSUPPORTED, "this file is '%s', not a BlazeFace detector",
                        arch ? arch : "?");
        goto fail;
    }
    snprintf(s->variant, sizeof s->variant, "%s", variant);
    emoc_model_info info;
    emoc_model_get_info(s->model, &info);
    s->S = info.input_size;
    s->n_anchors = info.n_scores / 17;
    s->min_score = s->S == 128 ? 0.5f : 0.6f; /* face_detection_{short,full}_range.pbtxt */
    s->anchors = malloc(sizeof(float) * 2 * (size_t)s->n_anchors);
    s->u8 = malloc((size_t)s->S * (size_t)s->S * 3);
    s->nchw = malloc(sizeof(float) * 3 * (size_t)s->S * (size_t)s->S);
    s->dets = malloc(sizeof(blaze_det) * (size_t)s->n_anchors);
    s->kept = malloc(sizeof(blaze_det) * (size_t)s->n_anchors);
    s->order = malloc(sizeof(int) * (size_t)s->n_anchors);
    s->remain = malloc(sizeof(int) * (size_t)s->n_anchors);
    if (!s->anchors || !s->u8 || !s->nchw || !s->dets || !s->kept || !s->order || !s->remain) {
        st = emoc__fail(err, EMOC_E_NOMEM, "out of memory");
        goto fail;
    }
    int na = blaze_anchors(s->S, s->anchors, s->n_anchors);
    if (na != s->n_anchors || info.n_scores != 17 * na) {
        st = emoc__fail(err, EMOC_E_SHAPE, "BlazeFace %d×%d has %d anchors; the network gives "
                        "%d outputs (expected %d)", s->S, s->S, na, info.n_scores, 17 * na);
        goto fail;
    }
    st = emoc_session_create(s->model, threads, NULL, 0, &s->session, err);
    if (st) goto fail;
    *out = s;
    return EMOC_OK;
fail:
    blaze_close(s);
    return st;
}

const char *blaze_variant_name(const blaze_state *s) { return s->variant; }
float blaze_default_threshold(const blaze_state *s) { return s->min_score; }
int blaze_input_size(const blaze_state *s) { return s->S; }
const uint8_t *blaze_last_warp(const blaze_state *s) { return s->u8; }
const blaze_timing *blaze_last_timing(const blaze_state *s) { return &s->t; }

emoc_status blaze_run_raw(blaze_state *s, const float *nhwc, const float **raw, int *n_anchors,
                          emoc_error *err)
{
    size_t hw = (size_t)s->S * (size_t)s->S;
    for (size_t i = 0; i < hw; i++)
        for (int c = 0; c < 3; c++) s->nchw[(size_t)c * hw + i] = nhwc[i * 3 + (size_t)c];
    emoc_output o;
    emoc_status st = emoc_session_run(s->session, s->nchw, 3 * hw, &o);
    if (st) return emoc__fail(err, st, "%s", emoc_session_last_error(s->session));
    *raw = o.scores;
    *n_anchors = s->n_anchors;
    return EMOC_OK;
}

static int finish(blaze_state *s, const float *raw, int width, int height, float threshold,
                  blaze_face *faces, int cap)
{
    uint64_t t0 = now_ns();
    float thr = threshold >= 0.0f ? threshold : s->min_score;
    int n = blaze_decode(raw, s->n_anchors, s->anchors, (float)s->S, thr, s->dets);
    uint64_t t1 = now_ns();
    int k = blaze_weighted_nms(s->dets, n, 0.3f, s->order, s->remain, s->kept);
    uint64_t t2 = now_ns();
    blaze_roi roi;
    blaze_roi_letterbox(width, height, &roi);
    for (int i = 0; i < k && i < cap; i++) blaze_project(&s->kept[i], &roi, width, height, &faces[i]);
    s->t.decode = t1 - t0;
    s->t.nms = t2 - t1;
    s->t.project = now_ns() - t2;
    return k;
}

int blaze_decode_raw(blaze_state *s, const float *raw, int width, int height, float threshold,
                     blaze_face *faces, int cap)
{
    return finish(s, raw, width, height, threshold, faces, cap);
}

emoc_status blaze_detect(blaze_state *s, const emoc_image *img, float threshold,
                         blaze_face *faces, int cap, int *n, emoc_error *err)
{
    *n = 0;
    if (!img || !img->pixels || img->width < 1 || img->height < 1 ||
        (img->channels != 3 && img->channels != 1))
        return emoc__fail(err, EMOC_E_ARG, "blazeface: expected a 1- or 3-channel image");
    uint64_t t0 = now_ns();
    const uint8_t *px = img->pixels;
    size_t npx = (size_t)img->width * (size_t)img->height;
    if (img->channels == 1) { /* grey: the same value in R, G and B */
        if (s->rgb3_cap < npx * 3) {
            uint8_t *p = realloc(s->rgb3, npx * 3);
            if (!p) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
            s->rgb3 = p;
            s->rgb3_cap = npx * 3;
        }
        for (size_t i = 0; i < npx; i++) s->rgb3[3 * i] = s->rgb3[3 * i + 1] = s->rgb3[3 * i + 2] = px[i];
        px = s->rgb3;
    }
    blaze_roi roi;
    blaze_roi_letterbox(img->width, img->height, &roi);
    emoc__warp_scale_cv2(px, img->width, img->height, 3, roi.x0, roi.y0,
                         (double)roi.side / (double)s->S, s->u8, s->S, s->S);
    /* image_to_tensor: convertTo(CV_32F, 2/255, -1) */
    size_t hw = (size_t)s->S * (size_t)s->S;
    const float scale = 2.0f / 255.0f;
    for (size_t i = 0; i < hw; i++)
        for (int c = 0; c < 3; c++) s->nchw[(size_t)c * hw + i] = (float)s->u8[i * 3 + (size_t)c] * scale + -1.0f;
    uint64_t t1 = now_ns();
    emoc_output o;
    emoc_status st = emoc_session_run(s->session, s->nchw, 3 * hw, &o);
    if (st) return emoc__fail(err, st, "%s", emoc_session_last_error(s->session));
    uint64_t t2 = now_ns();
    s->t.warp = t1 - t0;
    s->t.net = t2 - t1;
    *n = finish(s, o.scores, img->width, img->height, threshold, faces, cap);
    return EMOC_OK;
}
