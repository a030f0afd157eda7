/*
 * warp_cv2.h — cv::warpPerspective(INTER_LINEAR, BORDER_CONSTANT 0) into uint8 for the
 * axis-aligned transforms MediaPipe's image_to_tensor builds (docs/blazeface.md §2): output
 * pixel (x, y) samples the source at (x0 + x·s, y0 + y·s). As OpenCV does, each source
 * coordinate is rounded to 1/32 px (round half to even), the bilinear weights are the 15-bit
 * products (32 − fy|fy)·(32 − fx|fx)·32, taps outside the image read 0, and a pixel is
 * (Σ tap·weight + 2^14) >> 15. OpenCV inverts the matrix numerically, so where x0·32 + x·s·32
 * lands exactly on a half the rounding may tip the other way there (docs/blazeface.md §2).
 */
#ifndef EMOC_IMAGE_WARP_CV2_H
#define EMOC_IMAGE_WARP_CV2_H

#include <stdint.h>

/* src: sw×sh×cn interleaved; dst: dw×dh×cn. */
void emoc__warp_scale_cv2(const uint8_t *src, int sw, int sh, int cn, double x0, double y0,
                          double s, uint8_t *dst, int dw, int dh);

#endif
