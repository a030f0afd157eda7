/*
 * fuzz_jpeg.c — libFuzzer target for the JPEG decoder (engine/image/jpeg*.c). Built and run by
 * tests/fuzz/run.sh; seeds in corpus/jpeg/ (small baseline, progressive, restart, gray and EXIF
 * files from tests/fixtures/jpeg), markers in jpeg.dict.
 *
 * The input is copied into an exactly-sized buffer so ASan catches any read past the end.
 * Limits are tighter than the defaults to keep each run fast; the decoder's contract is checked:
 * failures carry a message, successes return in-limit dimensions, 1 or 3 channels, orientation
 * 1..8 and a fully readable pixel buffer.
 */
#include "engine/image/decoders.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    emoc__image_limits lim = {2048, 2048, (size_t)8 << 20, 0};
    emoc__image im;
    emoc_error err;
    err.msg[0] = '\0';
    emoc_status st = emoc__decode_jpeg(buf, size, &lim, &im, &err);
    if (st != EMOC_OK) {
        if (err.msg[0] == '\0') abort(); /* every failure must say why */
    } else {
        if (im.width < 1 || im.height < 1 || im.width > lim.max_width || im.height > lim.max_height ||
            (im.channels != 1 && im.channels != 3) || im.orientation < 1 || im.orientation > 8 || !im.pixels)
            abort();
        size_t n = (size_t)im.width * im.height * im.channels;
        if (n > lim.max_bytes) abort();
        volatile unsigned sum = 0;
        for (size_t i = 0; i < n; i++) sum += im.pixels[i];
        free(im.pixels);
    }
    free(buf);
    return 0;
}
