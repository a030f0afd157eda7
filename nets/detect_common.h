/*
 * detect_common.h — box helpers shared by every face detector back-end (nets/detector.h):
 * ordering by score and the non-maximum suppressions the upstream detectors use, each with the
 * exact arithmetic of its upstream (float32, same comparisons), because a one-ulp difference
 * in an overlap can keep or drop a box.
 *
 * Boxes are float[4] (x1, y1, x2, y2) found at boxes + i·stride (stride in floats).
 */
#ifndef EMOC_NETS_DETECT_COMMON_H
#define EMOC_NETS_DETECT_COMMON_H

#include <stddef.h>

/* order[0..n) = indices sorted by score descending; equal scores keep index order (stable).
 * scratch: n ints. */
void det_order_by_score(const float *scores, size_t stride, int n, int *order, int *scratch);
/* Same, ascending by key (stable); used for "largest first" = reverse of an ascending argsort. */
void det_order_ascending(const float *keys, size_t stride, int n, int *order, int *scratch);

/* torchvision.ops.nms: greedy over `order` (score descending); area (x2−x1)·(y2−y1);
 * a box is suppressed when IoU (float32) > thr (compared in double). Writes kept indices (in
 * order) to keep and returns their count. supp: n bytes of scratch (indexed by box). */
int det_nms_iou(const float *boxes, size_t stride, const int *order, int n, double thr,
                unsigned char *supp, int *keep);
/* MTCNN's numpy NMS in "Min" mode: areas (x2−x1+1)·(y2−y1+1), overlap = intersection (with
 * the +1 widths) / min(area) in float32; a box survives while overlap ≤ thr (float32). */
int det_nms_min(const float *boxes, size_t stride, const int *order, int n, float thr,
                unsigned char *supp, int *keep);
/* Intersection over union of two boxes, areas without +1 (0 when both are empty). */
float det_iou(const float *a, const float *b);

#endif
