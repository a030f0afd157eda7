/*
 * blazeface_post.c — anchors, decoding, weighted NMS and projection of MediaPipe's face
 * detection graph (API: blazeface_post.h; facts and citations: docs/blazeface.md).
 */
#include "nets/blazeface_post.h"

#include <math.h>
#include <string.h>

int blaze_anchors(int size, float *xy, int cap)
{
    /* ssd_anchors_calculator: layers with equal strides share one feature map; fixed anchor
     * size, so only the centres matter: ((x + 0.5) / fw, (y + 0.5) / fh). */
    int strides[4], per_cell[4], n_maps;
    if (size == 128) {
        strides[0] = 8; per_cell[0] = 2;   /* one layer, aspect 1 + interpolated */
        strides[1] = 16; per_cell[1] = 6;  /* three layers of stride 16 merged */
        n_maps = 2;
    } else if (size == 192) {
        strides[0] = 4; per_cell[0] = 1;   /* interpolated_scale_aspect_ratio 0: one per cell */
        n_maps = 1;
    } else {
        return -1;
    }
    int n = 0;
    for (int m = 0; m < n_maps; m++) {
        int fm = (size + strides[m] - 1) / strides[m];
        for (int y = 0; y < fm; y++)
            for (int x = 0; x < fm; x++)
                for (int k = 0; k < per_cell[m]; k++) {
                    if (n >= cap) return n;
                    xy[2 * n] = ((float)x + 0.5f) / (float)fm;
                    xy[2 * n + 1] = ((float)y + 0.5f) / (float)fm;
                    n++;
                }
    }
    return n;
}

void blaze_roi_letterbox(int width, int height, blaze_roi *r)
{
    /* image_to_tensor_utils: ROI = whole image, padded to the tensor's aspect (1) around its
     * centre; GetRotatedSubRectToRectTransformMatrix with rotation 0, no flip. */
    float W = (float)width, H = (float)height;
    float side = W > H ? W : H;
    float cx = W / 2.0f, cy = H / 2.0f;
    r->side = side;
    r->x0 = cx - side / 2.0f;
    r->y0 = cy - side / 2.0f;
    float g = 1.0f / W, h = 1.0f / H;
    memset(r->m, 0, sizeof r->m);
    r->m[0] = side * g;
    r->m[3] = (-0.5f * side + cx) * g;
    r->m[5] = side * h;
    r->m[7] = (-0.5f * side + cy) * h;
}

int blaze_decode(const float *raw, int n_anchors, const float *anchors, float scale,
                 float min_score, blaze_det *out)
{
    const float *cls = raw + (size_t)n_anchors * 16;
    int n = 0;
    for (int i = 0; i < n_anchors; i++) {
        /* tensors_to_detections: sigmoid of the score clipped to ±100 */
        float c = cls[i];
        if (c < -100.0f) c = -100.0f;
        if (c > 100.0f) c = 100.0f;
        float score = 1.0f / (1.0f + expf(-c));
        if (!(score >= min_score)) continue;
        const float *r = raw + (size_t)i * 16;
        float ax = anchors[2 * i], ay = anchors[2 * i + 1];
        /* reverse_output_order: x, y, w, h; anchor w = h = 1 */
        float xc = r[0] / scale * 1.0f + ax, yc = r[1] / scale * 1.0f + ay;
        float w = r[2] / scale * 1.0f, h = r[3] / scale * 1.0f;
        float xmin = xc - w / 2.0f, ymin = yc - h / 2.0f, xmax = xc + w / 2.0f, ymax = yc + h / 2.0f;
        blaze_det *d = &out[n];
        d->xmin = xmin;
        d->ymin = ymin;
        d->width = xmax - xmin;
        d->height = ymax - ymin;
        if (!(d->width >= 0.0f) || !(d->height >= 0.0f)) continue; /* negative or NaN */
        for (int k = 0; k < BLAZE_KEYPOINTS; k++) {
            d->kp[2 * k] = r[4 + 2 * k] / scale * 1.0f + ax;
            d->kp[2 * k + 1] = r[5 + 2 * k] / scale * 1.0f + ay;
        }
        d->score = score;
        n++;
    }
    return n;
}

/* non_max_suppression_calculator: IoU of float rectangles, 0 when they do not intersect. */
static float iou(const blaze_det *a, const blaze_det *b)
{
    float ix0 = fmaxf(a->xmin, b->xmin), iy0 = fmaxf(a->ymin, b->ymin);
    float ix1 = fminf(a->xmin + a->width, b->xmin + b->width);
    float iy1 = fminf(a->ymin + a->height, b->ymin + b->height);
    if (ix1 < ix0 || iy1 < iy0) return 0.0f;
    float inter = (ix1 - ix0) * (iy1 - iy0);
    float uni = a->width * a->height + b->width * b->height - inter;
    return uni > 0.0f ? inter / uni : 0.0f;
}

int blaze_weighted_nms(blaze_det *dets, int n, float thr, int *order, int *remain, blaze_det *out)
{
    /* stable sort by score descending (insertion: n is small after the score threshold) */
    for (int i = 0; i < n; i++) {
        int j = i;
        while (j > 0 && dets[order[j - 1]].score < dets[i].score) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    int n_rem = n, n_out = 0;
    memcpy(remain, order, sizeof(int) * (size_t)n);
    while (n_rem > 0) {
        const blaze_det *top = &dets[remain[0]];
        float total = 0.0f, wx0 = 0.0f, wy0 = 0.0f, wx1 = 0.0f, wy1 = 0.0f;
        float kp[2 * BLAZE_KEYPOINTS] = {0};
        int kept = 0;
        for (int i = 0; i < n_rem; i++) {
            const blaze_det *d = &dets[remain[i]];
            if (iou(d, top) > thr) {
                float s = d->score;
                total += s;
                wx0 += d->xmin * s;
                wy0 += d->ymin * s;
                wx1 += (d->xmin + d->width) * s;
                wy1 += (d->ymin + d->height) * s;
                for (int k = 0; k < 2 * BLAZE_KEYPOINTS; k++) kp[k] += d->kp[k] * s;
            } else {
                remain[kept++] = remain[i];
            }
        }
        blaze_det w = *top;
        if (total > 0.0f) {
            w.xmin = wx0 / total;
            w.ymin = wy0 / total;
            w.width = wx1 / total - w.xmin;
            w.height = wy1 / total - w.ymin;
            for (int k = 0; k < 2 * BLAZE_KEYPOINTS; k++) w.kp[k] = kp[k] / total;
        }
        out[n_out++] = w;
        if (kept == n_rem) break; /* nothing joined (NaN box): stop as MediaPipe does */
        n_rem = kept;
    }
    return n_out;
}

void blaze_project(const blaze_det *d, const blaze_roi *roi, int width, int height,
                   blaze_face *f)
{
    /* detection_projection_calculator: corners and keypoints through the ROI matrix, the box is
     * the bounding box of the projected corners; then relative → pixels. */
    const float *m = roi->m;
    float cx[4] = {d->xmin, d->xmin + d->width, d->xmin + d->width, d->xmin};
    float cy[4] = {d->ymin, d->ymin, d->ymin + d->height, d->ymin + d->height};
    float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
        float px = cx[i] * m[0] + cy[i] * m[1] + m[3];
        float py = cx[i] * m[4] + cy[i] * m[5] + m[7];
        x0 = fminf(x0, px);
        y0 = fminf(y0, py);
        x1 = fmaxf(x1, px);
        y1 = fmaxf(y1, py);
    }
    float W = (float)width, H = (float)height;
    memset(f, 0, sizeof *f);
    f->x1 = x0 * W;
    f->y1 = y0 * H;
    f->x2 = x1 * W;
    f->y2 = y1 * H;
    f->score = d->score;
    for (int k = 0; k < BLAZE_KEYPOINTS; k++) {
        float px = d->kp[2 * k] * m[0] + d->kp[2 * k + 1] * m[1] + m[3];
        float py = d->kp[2 * k] * m[4] + d->kp[2 * k + 1] * m[5] + m[7];
        f->kp[k][0] = px * W;
        f->kp[k][1] = py * H;
    }
}
