/*
 * blazeface_post.h — MediaPipe's face-detection CPU graph around the BlazeFace network
 * (docs/blazeface.md §2-§6): letterbox ROI, SSD anchors, box/keypoint decoding with a clipped
 * sigmoid score, weighted NMS and projection back to the image. Pure functions over caller
 * buffers, all arithmetic float32 in MediaPipe's order.
 */
#ifndef EMOC_NETS_BLAZEFACE_POST_H
#define EMOC_NETS_BLAZEFACE_POST_H

#include "emoc.h"

#define BLAZE_KEYPOINTS 6

/* A detection in tensor-relative coordinates (0..1 over the S×S input). */
typedef struct blaze_det {
    float xmin, ymin, width, height;
    float kp[2 * BLAZE_KEYPOINTS];
    float score;
} blaze_det;

/* Variant constants from the graph options (docs/blazeface.md §3). */
typedef struct blaze_variant {
    int size;                   /* S */
    int n_anchors;
    float min_score;            /* 0.5 short, 0.6 full */
} blaze_variant;

/* Anchor centres (x, y) for S = 128 (strides 8,16,16,16; 2+6 per cell) or 192 (stride 4, 1 per
 * cell); returns the count written (≤ cap) or -1 for another size. */
int blaze_anchors(int size, float *xy, int cap);

/* ROI of MediaPipe's keep-aspect letterbox and the warp/projection it implies. */
typedef struct blaze_roi {
    float side;                 /* L = max(W, H) */
    float x0, y0;               /* top-left corner of the square ROI in pixels */
    float m[8];                 /* projection rows (m0 m1 _ m3 / m4 m5 _ m7), relative coords */
} blaze_roi;
void blaze_roi_letterbox(int width, int height, blaze_roi *roi);

/* raw: n_anchors × 16 regressors then n_anchors classificators. Writes the detections with
 * score ≥ min_score (anchor order) and returns their count. */
int blaze_decode(const float *raw, int n_anchors, const float *anchors, float scale,
                 float min_score, blaze_det *out);

/* Weighted NMS (IoU > thr joins the cluster of the best remaining detection; box corners and
 * keypoints averaged with score weights; the cluster keeps the best score). dets is reordered
 * (sorted by score, stable); order/remain: n ints of scratch. Returns the count in out. */
int blaze_weighted_nms(blaze_det *dets, int n, float thr, int *order, int *remain,
                       blaze_det *out);

/* A detection in image pixels (unclipped): box corners, score, the 6 keypoints (right eye,
 * left eye, nose tip, mouth centre, right ear, left ear). */
typedef struct blaze_face {
    float x1, y1, x2, y2, score;
    float kp[BLAZE_KEYPOINTS][2];
} blaze_face;

/* Projects a tensor-relative detection into image pixels. */
void blaze_project(const blaze_det *d, const blaze_roi *roi, int width, int height,
                   blaze_face *face);

#endif
