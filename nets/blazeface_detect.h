/*
 * blazeface_detect.h — the whole MediaPipe face-detection CPU graph on one RGB frame
 * (docs/blazeface.md): letterbox warp into S×S uint8 (OpenCV-exact), ×2/255 − 1, the network,
 * decoding, weighted NMS (IoU 0.3), projection back to the image. Buffers are allocated at open;
 * a frame allocates nothing.
 */
#ifndef EMOC_NETS_BLAZEFACE_DETECT_H
#define EMOC_NETS_BLAZEFACE_DETECT_H

#include "emoc.h"
#include "nets/blazeface_post.h"
#include "engine/emw/emw.h"

typedef struct blaze_state blaze_state;

/* Stage timings of the last frame (ns), for `emoc bench`-style reports. */
typedef struct blaze_timing {
    uint64_t warp, net, decode, nms, project;
} blaze_timing;

/* f: a validated BlazeFace EMW that outlives the state; threads ≤ 0: online cores. */
emoc_status blaze_open(const emw_file *f, const emoc_options *opt, int threads,
                       blaze_state **out, emoc_error *err);
void blaze_close(blaze_state *s);
const char *blaze_variant_name(const blaze_state *s);   /* "short", "full_sparse", "full" */
float blaze_default_threshold(const blaze_state *s);    /* 0.5 short, 0.6 full */
int blaze_input_size(const blaze_state *s);

/* rgb: 3 (or 1: grey, replicated) channels. threshold < 0: the variant's min score. Writes up
 * to cap faces in MediaPipe's order (score descending); *n = how many were found. */
emoc_status blaze_detect(blaze_state *s, const emoc_image *rgb, float threshold,
                         blaze_face *faces, int cap, int *n, emoc_error *err);

/* Pieces for the conformance harness: the uint8 tensor of the last frame (S×S×3), the raw
 * network outputs for a given NHWC float input (N×16 regressors then N scores), and decoding
 * of given raw outputs for an image size. */
const uint8_t *blaze_last_warp(const blaze_state *s);
emoc_status blaze_run_raw(blaze_state *s, const float *nhwc, const float **raw, int *n_anchors,
                          emoc_error *err);
int blaze_decode_raw(blaze_state *s, const float *raw, int width, int height, float threshold,
                     blaze_face *faces, int cap);
const blaze_timing *blaze_last_timing(const blaze_state *s);
/* Per-op trace of the network in later frames (fn NULL: off): one event per op with its wall
 * time, for `emoc bench --per-op` on a detector. */
void blaze_set_trace(blaze_state *s, emoc_trace_fn fn, void *user);
/* Ops in the network's plan (the trace's op_index range). */
int blaze_op_count(const blaze_state *s);
emoc_isa blaze_isa(const blaze_state *s);       /* the kernel set the network runs */

#endif
