/*
 * detect_common.c — score ordering and non-maximum suppression (detect_common.h).
 */
#include "nets/detect_common.h"

/* Stable bottom-up merge sort of indices by key; desc selects the direction. */
static void merge_sort(const float *keys, size_t stride, int n, int *order, int *tmp, int desc)
{
    for (int i = 0; i < n; i++) order[i] = i;
    int *src = order, *dst = tmp;
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                float a = keys[(size_t)src[i] * stride], b = keys[(size_t)src[j] * stride];
                int take_right = desc ? b > a : b < a; /* ties: left (lower index) first */
                dst[k++] = take_right ? src[j++] : src[i++];
            }
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        int *t = src;
        src = dst;
        dst = t;
    }
    if (src != order)
        for (int i = 0; i < n; i++) order[i] = src[i];
}

void det_order_by_score(const float *scores, size_t stride, int n, int *order, int *scratch)
{
    merge_sort(scores, stride, n, order, scratch, 1);
}

void det_order_ascending(const float *keys, size_t stride, int n, int *order, int *scratch)
{
    merge_sort(keys, stride, n, order, scratch, 0);
}

static inline float fmaxf_(float a, float b) { return a > b ? a : b; }
static inline float fminf_(float a, float b) { return a < b ? a : b; }

int det_nms_iou(const float *boxes, size_t stride, const int *order, int n, double thr,
                unsigned char *supp, int *keep)
{
    for (int i = 0; i < n; i++) supp[i] = 0;
    int kept = 0;
    for (int a = 0; a < n; a++) {
        int i = order[a];
        if (supp[i]) continue;
        keep[kept++] = i;
        const float *bi = boxes + (size_t)i * stride;
        float iarea = (bi[2] - bi[0]) * (bi[3] - bi[1]);
        for (int c = a + 1; c < n; c++) {
            int j = order[c];
            if (supp[j]) continue;
            const float *bj = boxes + (size_t)j * stride;
            float xx1 = fmaxf_(bi[0], bj[0]), yy1 = fmaxf_(bi[1], bj[1]);
            float xx2 = fminf_(bi[2], bj[2]), yy2 = fminf_(bi[3], bj[3]);
            float w = fmaxf_(0.0f, xx2 - xx1), h = fmaxf_(0.0f, yy2 - yy1);
            float inter = w * h;
            float jarea = (bj[2] - bj[0]) * (bj[3] - bj[1]);
            float ovr = inter / (iarea + jarea - inter);
            if ((double)ovr > thr) supp[j] = 1;
        }
    }
    return kept;
}

int det_nms_min(const float *boxes, size_t stride, const int *order, int n, float thr,
                unsigned char *supp, int *keep)
{
    for (int i = 0; i < n; i++) supp[i] = 0;
    int kept = 0;
    for (int a = 0; a < n; a++) {
        int i = order[a];
        if (supp[i]) continue;
        keep[kept++] = i;
        const float *bi = boxes + (size_t)i * stride;
        float iarea = (bi[2] - bi[0] + 1.0f) * (bi[3] - bi[1] + 1.0f);
        for (int c = a + 1; c < n; c++) {
            int j = order[c];
            if (supp[j]) continue;
            const float *bj = boxes + (size_t)j * stride;
            float xx1 = fmaxf_(bi[0], bj[0]), yy1 = fmaxf_(bi[1], bj[1]);
            float xx2 = fminf_(bi[2], bj[2]), yy2 = fminf_(bi[3], bj[3]);
            float w = fmaxf_(0.0f, xx2 - xx1 + 1.0f), h = fmaxf_(0.0f, yy2 - yy1 + 1.0f);
            float inter = w * h;
            float jarea = (bj[2] - bj[0] + 1.0f) * (bj[3] - bj[1] + 1.0f);
            float o = inter / fminf_(iarea, jarea);
            if (!(o <= thr)) supp[j] = 1;
        }
    }
    return kept;
}

float det_iou(const float *a, const float *b)
{
    float xx1 = fmaxf_(a[0], b[0]), yy1 = fmaxf_(a[1], b[1]);
    float xx2 = fminf_(a[2], b[2]), yy2 = fminf_(a[3], b[3]);
    float inter = fmaxf_(0.0f, xx2 - xx1) * fmaxf_(0.0f, yy2 - yy1);
    float u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    return u > 0.0f ? inter / u : 0.0f;
}
