/*
 * preprocess.c — resize dispatch and the network input: resize (cv2 or PIL), then
 * (v/255 − mean)/std per channel, RGB, float32 NCHW — what the PyTorch/ONNX pipelines hand the net.
 */
#include "engine/image/resize.h"

#include <stdlib.h>
#include <string.h>

emoc_status emoc_resize_mode_parse(const char *name, emoc_resize_mode *out)
{
    if (!name || !out) return EMOC_E_ARG;
    if (!strcmp(name, "cv2") || !strcmp(name, "cv2_linear") || !strcmp(name, "opencv")) {
        *out = EMOC_RESIZE_CV2;
        return EMOC_OK;
    }
    if (!strcmp(name, "pil") || !strcmp(name, "pil_bilinear")) {
        *out = EMOC_RESIZE_PIL;
        return EMOC_OK;
    }
    return EMOC_E_ARG;
}

emoc_status emoc__resizer_init(emoc__resizer *r, emoc_resize_mode mode, int sw, int sh, int cn,
                               uint8_t *dst, int dw, int dh, emoc_error *err)
{
    memset(r, 0, sizeof *r);
    r->mode = mode;
    return mode == EMOC_RESIZE_CV2 ? emoc__cv2_resizer_create(sw, sh, cn, dst, dw, dh, &r->cv2, err)
                                   : emoc__pil_resizer_create(sw, sh, cn, dst, dw, dh, &r->pil, err);
}

void emoc__resizer_push(emoc__resizer *r, const uint8_t *row)
{
    if (r->cv2) emoc__cv2_resizer_push(r->cv2, row);
    else emoc__pil_resizer_push(r->pil, row);
}

void emoc__resizer_release(emoc__resizer *r)
{
    emoc__cv2_resizer_free(r->cv2);
    emoc__pil_resizer_free(r->pil);
    r->cv2 = NULL;
    r->pil = NULL;
}

emoc_status emoc_image_resize(const emoc_image *src, int dst_w, int dst_h, emoc_resize_mode mode,
                              emoc_image *out, emoc_error *err)
{
    if (!out) return emoc__fail(err, EMOC_E_ARG, "resize: NULL output");
    memset(out, 0, sizeof *out);
    if (!src || !src->pixels || src->width <= 0 || src->height <= 0 || (src->channels != 1 && src->channels != 3))
        return emoc__fail(err, EMOC_E_ARG, "resize: invalid source image");
    if (dst_w <= 0 || dst_h <= 0 || dst_w > 16384 || dst_h > 16384)
        return emoc__fail(err, EMOC_E_ARG, "resize: target size %dx%d outside 1..16384", dst_w, dst_h);
    if (mode != EMOC_RESIZE_CV2 && mode != EMOC_RESIZE_PIL)
        return emoc__fail(err, EMOC_E_ARG, "resize: unknown mode %d", (int)mode);
    out->pixels = malloc((size_t)dst_w * dst_h * src->channels);
    if (!out->pixels) return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate %dx%d", dst_w, dst_h);
    emoc_status st = mode == EMOC_RESIZE_CV2
                         ? emoc__resize_cv2(src->pixels, src->width, src->height, src->channels, out->pixels, dst_w, dst_h, err)
                         : emoc__resize_pil(src->pixels, src->width, src->height, src->channels, out->pixels, dst_w, dst_h, err);
    if (st) {
        free(out->pixels);
        out->pixels = NULL;
        return st;
    }
    out->width = dst_w;
    out->height = dst_h;
    out->channels = src->channels;
    return EMOC_OK;
}

emoc_status emoc_image_preprocess(const emoc_image *src, int size, const float mean[3],
                                  const float std[3], emoc_resize_mode mode, float *out_nchw,
                                  size_t n_values, emoc_error *err)
{
    if (!mean || !std || !out_nchw) return emoc__fail(err, EMOC_E_ARG, "preprocess: NULL argument");
    if (size <= 0 || size > 4096) return emoc__fail(err, EMOC_E_ARG, "preprocess: size %d outside 1..4096", size);
    size_t plane = (size_t)size * size;
    if (n_values != 3 * plane)
        return emoc__fail(err, EMOC_E_SHAPE, "preprocess: output holds %zu values, 3x%dx%d = %zu needed",
                          n_values, size, size, 3 * plane);
    for (int c = 0; c < 3; c++)
        if (!(std[c] > 0.0f) || mean[c] != mean[c])
            return emoc__fail(err, EMOC_E_ARG, "preprocess: channel %d has mean %g std %g", c, mean[c], std[c]);
    emoc_image r;
    emoc_status st = emoc_image_resize(src, size, size, mode, &r, err);
    if (st) return st;
    /* Same float32 arithmetic as torchvision: ToTensor divides by 255, Normalize subtracts the
     * mean and divides by the std. */
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < 3; c++) {
            uint8_t v = r.pixels[i * r.channels + (r.channels == 3 ? c : 0)];
            out_nchw[c * plane + i] = ((float)v / 255.0f - mean[c]) / std[c];
        }
    emoc_image_free(&r);
    return EMOC_OK;
}
