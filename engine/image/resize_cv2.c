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
 */
#include "engine/image/resize.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define COEF_BITS 11
#define COEF_ONE (1 << COEF_BITS)

static int cv_round(float v) { return (int)lrintf(v); } /* SSE cvtss2si: nearest, ties to even */

static int saturate_int(double v) { return v > 2147483647.0 ? 2147483647 : v < -2147483648.0 ? (-2147483647 - 1) : (int)lrint(v); }

static void area2x(const uint8_t *src, int sw, uint8_t *dst, int dw, int dh, int cn)
{
    for (int y = 0; y < dh; y++) {
        const uint8_t *s0 = src + (size_t)(2 * y) * sw * cn, *s1 = s0 + (size_t)sw * cn;
        uint8_t *d = dst + (size_t)y * dw * cn;
        for (int x = 0; x < dw; x++)
            for (int c = 0; c < cn; c++) {
                size_t i = (size_t)(2 * x) * cn + c;
                d[x * cn + c] = (uint8_t)((s0[i] + s0[i + cn] + s1[i] + s1[i + cn] + 2) >> 2);
            }
    }
}

emoc_status emoc__resize_cv2(const uint8_t *src, int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                             emoc_error *err)
{
    double inv_x = (double)dw / sw, inv_y = (double)dh / sh;
    double scale_x = 1. / inv_x, scale_y = 1. / inv_y;
    int isx = saturate_int(scale_x), isy = saturate_int(scale_y);
    if (fabs(scale_x - isx) < DBL_EPSILON && fabs(scale_y - isy) < DBL_EPSILON && isx == 2 && isy == 2) {
        area2x(src, sw, dst, dw, dh, cn);
        return EMOC_OK;
    }
    int *xofs = malloc(sizeof(int) * (size_t)dw);
    short *alpha = malloc(sizeof(short) * 2 * (size_t)dw);
    int *hbuf = malloc(sizeof(int) * 2 * (size_t)dw * cn);
    if (!xofs || !alpha || !hbuf) {
        free(xofs);
        free(alpha);
        free(hbuf);
        return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate buffers for width %d", dw);
    }
    int xmax = dw;
    for (int dx = 0; dx < dw; dx++) {
        float fx = (float)((dx + 0.5) * scale_x - 0.5);
        int sx = (int)floorf(fx);
        fx -= (float)sx;
        if (sx < 0) fx = 0, sx = 0;
        if (sx + 1 >= sw) {
            if (dx < xmax) xmax = dx;
            if (sx >= sw - 1) fx = 0, sx = sw - 1;
        }
        xofs[dx] = sx;
        alpha[2 * dx] = (short)cv_round((1.f - fx) * COEF_ONE);
        alpha[2 * dx + 1] = (short)cv_round(fx * COEF_ONE);
    }
    int *h0 = hbuf, *h1 = hbuf + (size_t)dw * cn;
    for (int dy = 0; dy < dh; dy++) {
        float fy = (float)((dy + 0.5) * scale_y - 0.5);
        int sy = (int)floorf(fy);
        fy -= (float)sy;
        int b0 = cv_round((1.f - fy) * COEF_ONE), b1 = cv_round(fy * COEF_ONE);
        int rows[2];
        for (int k = 0; k < 2; k++) {
            int r = sy + k;
            rows[k] = r < 0 ? 0 : r >= sh ? sh - 1 : r;
        }
        for (int k = 0; k < 2; k++) {
            const uint8_t *s = src + (size_t)rows[k] * sw * cn;
            int *h = k ? h1 : h0;
            for (int dx = 0; dx < dw; dx++) {
                const uint8_t *p = s + (size_t)xofs[dx] * cn;
                int a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
                for (int c = 0; c < cn; c++)
                    h[dx * cn + c] = dx < xmax ? p[c] * a0 + p[c + cn] * a1 : p[c] * COEF_ONE;
            }
        }
        uint8_t *d = dst + (size_t)dy * dw * cn;
        for (int i = 0; i < dw * cn; i++)
            d[i] = (uint8_t)((((b0 * (h0[i] >> 4)) >> 16) + ((b1 * (h1[i] >> 4)) >> 16) + 2) >> 2);
    }
    free(xofs);
    free(alpha);
    free(hbuf);
    return EMOC_OK;
}
