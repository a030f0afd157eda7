/*
 * resize_cv2.c — bit-exact replica of OpenCV's cv::resize(INTER_LINEAR) on 8-bit images (the
 * ONNX pipeline of EmotiEffLib / hsemotion-onnx). What must match, from imgproc/src/resize.cpp:
 *   - scale = 1 / (dst/src) in double; source coordinate f = (float)((d + 0.5)·scale − 0.5),
 *     s = floor(f), f −= s (in float);
 *   - x only: s < 0 → (s, f) = (0, 0); s ≥ W−1 → (s, f) = (W−1, 0) and those columns use S·2048;
 *     y keeps negative s and f, and clamps the row indices s, s+1 into [0, H−1] afterwards;
 *   - coefficients round((1−f)·2048), round(f·2048) in float, round-half-even (cvRound);
 *   - horizontal pass in int: S0·a0 + S1·a1; vertical pass
 *     ((b0·(H0 >> 4)) >> 16) + ((b1·(H1 >> 4)) >> 16) + 2) >> 2 (VResizeLinear<uchar>);
 *   - an exact 2× downscale in both axes is routed to INTER_AREA: (a + b + c + d + 2) >> 2.
 * Streamed (resize.h): output row dy reads source rows r0 = clamp(sy), r1 = clamp(sy + 1) only,
 * so it is written as soon as row r1 arrives.
 */
#include "engine/image/resize.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COEF_BITS 11
#define COEF_ONE (1 << COEF_BITS)

static int cv_round(float v) { return (int)lrintf(v); } /* SSE cvtss2si: nearest, ties to even */

static int saturate_int(double v) { return v > 2147483647.0 ? 2147483647 : v < -2147483648.0 ? (-2147483647 - 1) : (int)lrint(v); }

struct emoc__cv2_resizer {
    int sw, sh, cn, dw, dh;
    uint8_t *dst;
    int area;              /* exact 2× downscale: INTER_AREA (a + b + c + d + 2) >> 2 */
    double scale_y;
    int xmax;
    int *xofs;
    short *alpha;
    int *hrow[2];          /* horizontally resized source rows, slot = row & 1 */
    uint8_t *even;         /* area: the last even source row */
    int y, next_dy;        /* next source row to arrive, next output row to write */
};

/* Source rows (clamped) and vertical weights of output row dy. */
static void rows_of(const emoc__cv2_resizer *r, int dy, int *r0, int *r1, int *b0, int *b1)
{
    float fy = (float)((dy + 0.5) * r->scale_y - 0.5);
    int sy = (int)floorf(fy);
    fy -= (float)sy;
    *b0 = cv_round((1.f - fy) * COEF_ONE);
    *b1 = cv_round(fy * COEF_ONE);
    *r0 = sy < 0 ? 0 : sy >= r->sh ? r->sh - 1 : sy;
    *r1 = sy + 1 < 0 ? 0 : sy + 1 >= r->sh ? r->sh - 1 : sy + 1;
}

static void horizontal_row(const emoc__cv2_resizer *r, const uint8_t *s, int *h)
{
    int cn = r->cn;
    for (int dx = 0; dx < r->dw; dx++) {
        const uint8_t *p = s + (size_t)r->xofs[dx] * cn;
        int a0 = r->alpha[2 * dx], a1 = r->alpha[2 * dx + 1];
        for (int c = 0; c < cn; c++)
            h[dx * cn + c] = dx < r->xmax ? p[c] * a0 + p[c + cn] * a1 : p[c] * COEF_ONE;
    }
}

static void area_row(const emoc__cv2_resizer *r, const uint8_t *s0, const uint8_t *s1, uint8_t *d)
{
    int cn = r->cn;
    for (int x = 0; x < r->dw; x++)
        for (int c = 0; c < cn; c++) {
            size_t i = (size_t)(2 * x) * cn + c;
            d[x * cn + c] = (uint8_t)((s0[i] + s0[i + cn] + s1[i] + s1[i + cn] + 2) >> 2);
        }
}

void emoc__cv2_resizer_push(emoc__cv2_resizer *r, const uint8_t *row)
{
    int y = r->y++;
    size_t out_stride = (size_t)r->dw * r->cn;
    if (r->area) {
        if (y / 2 >= r->dh) return;
        if (!(y & 1)) memcpy(r->even, row, (size_t)r->sw * r->cn);
        else area_row(r, r->even, row, r->dst + (size_t)(y / 2) * out_stride);
        return;
    }
    int r0, r1, b0, b1;
    if (r->next_dy >= r->dh) return;
    rows_of(r, r->next_dy, &r0, &r1, &b0, &b1);
    /* Every output row still to come reads rows ≥ r0 of the next one, and r1 ≤ r0 + 1: a row
     * below r0 is never read; rows r0 and r0 + 1 have different parities, hence two slots. */
    if (y < r0) return;
    horizontal_row(r, row, r->hrow[y & 1]);
    while (r1 <= y) {
        const int *h0 = r->hrow[r0 & 1], *h1 = r->hrow[r1 & 1];
        uint8_t *d = r->dst + (size_t)r->next_dy * out_stride;
        for (size_t i = 0; i < out_stride; i++)
            d[i] = (uint8_t)((((b0 * (h0[i] >> 4)) >> 16) + ((b1 * (h1[i] >> 4)) >> 16) + 2) >> 2);
        if (++r->next_dy >= r->dh) break;
        rows_of(r, r->next_dy, &r0, &r1, &b0, &b1);
    }
}

void emoc__cv2_resizer_free(emoc__cv2_resizer *r)
{
    if (!r) return;
    free(r->xofs);
    free(r->alpha);
    free(r->hrow[0]);
    free(r->hrow[1]);
    free(r->even);
    free(r);
}

emoc_status emoc__cv2_resizer_create(int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                                     emoc__cv2_resizer **out, emoc_error *err)
{
    *out = NULL;
    emoc__cv2_resizer *r = calloc(1, sizeof *r);
    if (!r) return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate the resizer");
    r->sw = sw, r->sh = sh, r->cn = cn, r->dw = dw, r->dh = dh, r->dst = dst;
    double inv_x = (double)dw / sw, inv_y = (double)dh / sh;
    double scale_x = 1. / inv_x, scale_y = 1. / inv_y;
    int isx = saturate_int(scale_x), isy = saturate_int(scale_y);
    r->scale_y = scale_y;
    r->area = fabs(scale_x - isx) < DBL_EPSILON && fabs(scale_y - isy) < DBL_EPSILON && isx == 2 && isy == 2;
    if (r->area) {
        r->even = malloc((size_t)sw * cn);
        if (!r->even) {
            emoc__cv2_resizer_free(r);
            return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate a row of width %d", sw);
        }
        *out = r;
        return EMOC_OK;
    }
    r->xofs = malloc(sizeof(int) * (size_t)dw);
    r->alpha = malloc(sizeof(short) * 2 * (size_t)dw);
    r->hrow[0] = malloc(sizeof(int) * (size_t)dw * cn);
    r->hrow[1] = malloc(sizeof(int) * (size_t)dw * cn);
    if (!r->xofs || !r->alpha || !r->hrow[0] || !r->hrow[1]) {
        emoc__cv2_resizer_free(r);
        return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate buffers for width %d", dw);
    }
    r->xmax = dw;
    for (int dx = 0; dx < dw; dx++) {
        float fx = (float)((dx + 0.5) * scale_x - 0.5);
        int sx = (int)floorf(fx);
        fx -= (float)sx;
        if (sx < 0) fx = 0, sx = 0;
        if (sx + 1 >= sw) {
            if (dx < r->xmax) r->xmax = dx;
            if (sx >= sw - 1) fx = 0, sx = sw - 1;
        }
        r->xofs[dx] = sx;
        r->alpha[2 * dx] = (short)cv_round((1.f - fx) * COEF_ONE);
        r->alpha[2 * dx + 1] = (short)cv_round(fx * COEF_ONE);
    }
    *out = r;
    return EMOC_OK;
}

emoc_status emoc__resize_cv2(const uint8_t *src, int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                             emoc_error *err)
{
    emoc__cv2_resizer *r;
    emoc_status st = emoc__cv2_resizer_create(sw, sh, cn, dst, dw, dh, &r, err);
    if (st) return st;
    for (int y = 0; y < sh; y++) emoc__cv2_resizer_push(r, src + (size_t)y * sw * cn);
    emoc__cv2_resizer_free(r);
    return EMOC_OK;
}
