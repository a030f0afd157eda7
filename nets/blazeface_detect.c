/*
 * blazeface_detect.c — one frame through MediaPipe's face-detection CPU graph (API:
 * blazeface_detect.h; the graph and its constants: docs/blazeface.md).
 */
#include "nets/blazeface_detect.h"

#include "engine/core/core.h"
#include "engine/core/subnet.h"
#include "engine/image/warp_cv2.h"
#include "nets/nets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct blaze_state {
    emoc_allocator alloc;
    emoc_pool *pool;
    emoc_subnet *net;
    uint8_t *arena;
    float *input;               /* the network's NHWC input inside the arena */
    int S, n_anchors;
    float min_score;
    char variant[16];
    float *anchors;             /* n_anchors × 2 */
    uint8_t *u8;                /* S×S×3 warped frame */
    uint8_t *rgb3;              /* grey frames expanded (grown on demand) */
    size_t rgb3_cap;
    blaze_det *dets, *kept;
    int *order, *remain;
    blaze_timing t;
    emoc_trace_fn trace;
    void *trace_user;
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
    emoc__subnet_free(s->net);
    emoc__subnet_pool_free(s->pool);
    emoc__free(&s->alloc, s->arena);
    free(s->anchors);
    free(s->u8);
    free(s->rgb3);
    free(s->dets);
    free(s->kept);
    free(s->order);
    free(s->remain);
    free(s);
}

emoc_status blaze_open(const emw_file *f, const emoc_options *opt, int threads,
                       blaze_state **out, emoc_error *err)
{
    *out = NULL;
    blaze_state *s = calloc(1, sizeof *s);
    if (!s) return emoc__fail(err, EMOC_E_NOMEM, "out of memory");
    s->alloc = opt && opt->allocator ? *opt->allocator : emoc__default_allocator;
    emoc_status st;
    const emw_meta *v = emw_find_meta(f, "emoc.variant"), *sz = emw_find_meta(f, "input.size");
    const emw_meta *an = emw_find_meta(f, "detect.anchors");
    if (!v || v->type != EMW_T_STR || !sz || sz->type != EMW_T_I64 || !an ||
        an->type != EMW_T_I64 || (sz->i64 != 128 && sz->i64 != 192)) {
        st = emoc__fail(err, EMOC_E_FORMAT, "blazeface: metadata emoc.variant, input.size (128 "
                        "or 192) and detect.anchors are required");
        goto fail;
    }
    snprintf(s->variant, sizeof s->variant, "%s", v->str);
    s->S = (int)sz->i64;
    s->min_score = s->S == 128 ? 0.5f : 0.6f; /* face_detection_{short,full}_range.pbtxt */
    s->n_anchors = s->S == 128 ? 896 : 2304;
    if (an->i64 != s->n_anchors) {
        st = emoc__fail(err, EMOC_E_SHAPE, "blazeface: %lld anchors in the file, MediaPipe's "
                        "%d×%d graph has %d", (long long)an->i64, s->S, s->S, s->n_anchors);
        goto fail;
    }
    st = emoc__subnet_pool_create(&s->alloc, threads, &s->pool);
    if (!st) st = emoc__subnet_create(f, "blazeface", "layer", emoc__net_build_blazeface, NULL,
                                     &s->alloc, opt ? opt->isa : EMOC_ISA_AUTO, &s->net, err);
    if (st) goto fail;
    int oh, ow, oc, ih, iw, ic;
    size_t bytes = emoc__subnet_arena_size(s->net, emoc__pool_threads(s->pool));
    s->arena = emoc__alloc(&s->alloc, bytes ? bytes : 64, 64);
    if (!s->arena) {
        st = emoc__fail(err, EMOC_E_NOMEM, "out of memory (%zu-byte arena)", bytes);
        goto fail;
    }
    s->input = emoc__subnet_input(s->net, s->arena, &ih, &iw, &ic);
    oh = ow = oc = 0;
    emoc__subnet_output(s->net, NULL, 0, &oh, &ow, &oc); /* shape only */
    if (ih != s->S || iw != s->S ||
        ic != 3 || (long long)oh * ow * oc != 17LL * s->n_anchors) {
        st = emoc__fail(err, EMOC_E_SHAPE, "blazeface: the network is %dx%dx%d → %d values; "
                        "expected %dx%dx3 → %d", ih, iw, ic, oh * ow * oc, s->S, s->S,
                        17 * s->n_anchors);
        goto fail;
    }
    s->anchors = malloc(sizeof(float) * 2 * (size_t)s->n_anchors);
    s->u8 = malloc((size_t)s->S * (size_t)s->S * 3);
    s->dets = malloc(sizeof(blaze_det) * (size_t)s->n_anchors);
    s->kept = malloc(sizeof(blaze_det) * (size_t)s->n_anchors);
    s->order = malloc(sizeof(int) * (size_t)s->n_anchors);
    s->remain = malloc(sizeof(int) * (size_t)s->n_anchors);
    if (!s->anchors || !s->u8 || !s->dets || !s->kept || !s->order || !s->remain) {
        st = emoc__fail(err, EMOC_E_NOMEM, "out of memory");
        goto fail;
    }
    blaze_anchors(s->S, s->anchors, s->n_anchors);
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

void blaze_set_trace(blaze_state *s, emoc_trace_fn fn, void *user)
{
    s->trace = fn;
    s->trace_user = user;
}

int blaze_op_count(const blaze_state *s) { return emoc__subnet_op_count(s->net); }
emoc_isa blaze_isa(const blaze_state *s) { return emoc__subnet_isa(s->net); }

static const float *run_net(blaze_state *s)
{
    if (s->trace) emoc__subnet_run_traced(s->net, s->arena, s->pool, s->trace, s->trace_user);
    else emoc__subnet_run(s->net, s->arena, s->pool);
    return emoc__subnet_output(s->net, s->arena, 0, NULL, NULL, NULL);
}

emoc_status blaze_run_raw(blaze_state *s, const float *nhwc, const float **raw, int *n_anchors,
                          emoc_error *err)
{
    size_t n = (size_t)s->S * (size_t)s->S * 3;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(nhwc[i])) return emoc__fail(err, EMOC_E_NONFINITE, "input value %zu is not finite", i);
    memcpy(s->input, nhwc, n * sizeof(float));
    *raw = run_net(s);
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
    size_t n_in = (size_t)s->S * (size_t)s->S * 3;
    const float scale = 2.0f / 255.0f;
    for (size_t i = 0; i < n_in; i++) s->input[i] = (float)s->u8[i] * scale + -1.0f;
    uint64_t t1 = now_ns();
    const float *raw = run_net(s);
    uint64_t t2 = now_ns();
    s->t.warp = t1 - t0;
    s->t.net = t2 - t1;
    *n = finish(s, raw, img->width, img->height, threshold, faces, cap);
    return EMOC_OK;
}
