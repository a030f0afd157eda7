/* warp_cv2.c — OpenCV's fixed-point bilinear warp for scale + translation (warp_cv2.h). */
#include "engine/image/warp_cv2.h"

#include <math.h>
#include <stddef.h>

void emoc__warp_scale_cv2(const uint8_t *src, int sw, int sh, int cn, double x0, double y0,
                          double s, uint8_t *dst, int dw, int dh)
{
    for (int y = 0; y < dh; y++) {
        long Y = lrint((y0 + (double)y * s) * 32.0); /* cvRound: half to even */
        long sy = Y >> 5;
        int fy = (int)(Y & 31);
        for (int x = 0; x < dw; x++) {
            long X = lrint((x0 + (double)x * s) * 32.0);
            long sx = X >> 5;
            int fx = (int)(X & 31);
            int w[4] = {(32 - fy) * (32 - fx) * 32, (32 - fy) * fx * 32, fy * (32 - fx) * 32,
                        fy * fx * 32};
            long tx[4] = {sx, sx + 1, sx, sx + 1}, ty[4] = {sy, sy, sy + 1, sy + 1};
            uint8_t *o = dst + ((size_t)y * (size_t)dw + (size_t)x) * (size_t)cn;
            for (int c = 0; c < cn; c++) {
                int acc = 0;
                for (int k = 0; k < 4; k++)
                    if (tx[k] >= 0 && tx[k] < sw && ty[k] >= 0 && ty[k] < sh)
                        acc += src[((size_t)ty[k] * (size_t)sw + (size_t)tx[k]) * (size_t)cn + (size_t)c] * w[k];
                int v = (acc + (1 << 14)) >> 15;
                o[c] = (uint8_t)(v > 255 ? 255 : v);
            }
        }
    }
}
