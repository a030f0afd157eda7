/*
 * resize.h — the two reference resizers behind emoc_image_resize (preprocess.c), whole-image and
 * streamed. Both take interleaved 8-bit pixels with cn channels and write dw × dh × cn bytes;
 * arguments are validated by the caller.
 *
 * The streamed form takes the source rows one at a time, top to bottom, and writes every output
 * row as soon as the source rows it reads have arrived; the whole-image functions push their rows
 * through it, so both give the same bytes by construction. Working memory (docs/reliability.md,
 * "Images"): cv2 keeps two horizontally resized rows (2·dw·cn ints) and, for an exact 2× downscale,
 * one source row; PIL keeps the horizontally resized image (dw·sh·cn bytes) for its vertical pass.
 */
#ifndef EMOC_IMAGE_RESIZE_H
#define EMOC_IMAGE_RESIZE_H

#include "engine/image/decoders.h"

emoc_status emoc__resize_cv2(const uint8_t *src, int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                             emoc_error *err);
emoc_status emoc__resize_pil(const uint8_t *src, int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                             emoc_error *err);

typedef struct emoc__cv2_resizer emoc__cv2_resizer;
typedef struct emoc__pil_resizer emoc__pil_resizer;

emoc_status emoc__cv2_resizer_create(int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                                     emoc__cv2_resizer **out, emoc_error *err);
void emoc__cv2_resizer_push(emoc__cv2_resizer *r, const uint8_t *row); /* the next source row */
void emoc__cv2_resizer_free(emoc__cv2_resizer *r);

emoc_status emoc__pil_resizer_create(int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                                     emoc__pil_resizer **out, emoc_error *err);
void emoc__pil_resizer_push(emoc__pil_resizer *r, const uint8_t *row);
void emoc__pil_resizer_free(emoc__pil_resizer *r);

/* Either of the two, chosen by mode: sw·cn bytes per pushed row; dst is complete once the sh-th
 * row has been pushed. */
typedef struct emoc__resizer {
    emoc_resize_mode mode;
    emoc__cv2_resizer *cv2;
    emoc__pil_resizer *pil;
} emoc__resizer;

emoc_status emoc__resizer_init(emoc__resizer *r, emoc_resize_mode mode, int sw, int sh, int cn,
                               uint8_t *dst, int dw, int dh, emoc_error *err);
void emoc__resizer_push(emoc__resizer *r, const uint8_t *row);
void emoc__resizer_release(emoc__resizer *r);

#endif
