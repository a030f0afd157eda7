/*
 * resize.h — the two reference resizers behind emoc_image_resize (preprocess.c). Both take
 * interleaved 8-bit pixels with cn channels and write dw × dh × cn bytes; arguments are
 * validated by the caller.
 */
#ifndef EMOC_IMAGE_RESIZE_H
#define EMOC_IMAGE_RESIZE_H

#include "engine/image/decoders.h"

emoc_status emoc__resize_cv2(const uint8_t *src, int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                             emoc_error *err);
emoc_status emoc__resize_pil(const uint8_t *src, int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                             emoc_error *err);

#endif
