/*
 * fuzz_ppm.c — libFuzzer target for the PGM/PPM decoder (engine/image/ppm.c) through
 * emoc_image_decode, plus crop, gray→RGB, both resizers and the float preprocessing on what
 * decodes. Seeds in corpus/ppm/. The input copy is exactly `size` bytes (ASan sees over-reads).
 */
#include "emoc.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    emoc_image_limits lim = {4096, 4096, (size_t)16 << 20};
    emoc_image img, c, r;
    emoc_error err;
    if (emoc_image_decode(copy, size, &lim, &img, &err) == EMOC_OK) {
        int k = size ? data[size - 1] : 0;
        if (emoc_image_crop(&img, (k & 7) - 2, (k >> 3 & 7) - 2, img.width - (k & 3), img.height, &c, &err) == EMOC_OK) {
            if (emoc_image_to_rgb(&c, &r, &err) == EMOC_OK) {
                const float mean[3] = {0.5f, 0.5f, 0.5f}, sd[3] = {0.25f, 0.25f, 0.25f};
                float out[3 * 9 * 9];
                emoc_image_preprocess(&r, 1 + k % 9, mean, sd, (emoc_resize_mode)(k >> 7), out,
                                      3 * (size_t)(1 + k % 9) * (size_t)(1 + k % 9), &err);
                emoc_image_free(&r);
            }
            emoc_image_free(&c);
        }
        if (emoc_image_resize(&img, 1 + k % 50, 1 + (k * 7) % 50, EMOC_RESIZE_CV2, &r, &err) == EMOC_OK) emoc_image_free(&r);
        if (emoc_image_resize(&img, 1 + (k * 3) % 50, 1 + k % 50, EMOC_RESIZE_PIL, &r, &err) == EMOC_OK) emoc_image_free(&r);
        emoc_image_free(&img);
    }
    free(copy);
    return 0;
}
