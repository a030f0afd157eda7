/*
 * fuzz_jpeg.c — libFuzzer target for the JPEG decoder (engine/image/jpeg*.c). Built and run by
 * tests/fuzz/run.sh; seeds in corpus/jpeg/ (small baseline, progressive, restart, gray and EXIF
 * files from tests/fixtures/jpeg), markers in jpeg.dict.
 *
 * The input is copied into an exactly-sized buffer so ASan catches any read past the end.
 * Limits are tighter than the defaults to keep each run fast; the decoder's contract is checked:
 * failures carry a message, successes return in-limit dimensions, 1 or 3 channels, orientation
 * 1..8 and a fully readable pixel buffer. The whole decode (rows leave MCU row by MCU row,
 * engine/image/jpeg_output.c) must give the same status and bytes as the reference through whole
 * component planes (emoc__decode_jpeg_planes); the streamed decoder (emoc__decode_jpeg_rows) must
 * succeed exactly when the whole one does and give the same rows once the whole image is turned
 * per its EXIF orientation.
 */
#include "engine/image/decoders.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const emoc__image *whole; /* oriented; NULL when the whole decode failed */
    int rows;
} compare;

static emoc_status c_begin(void *u, int w, int h, int ch, emoc_error *err)
{
    const compare *c = u;
    (void)err;
    if (c->whole && (w != c->whole->width || h != c->whole->height || ch != c->whole->channels)) abort();
    return EMOC_OK;
}

static emoc_status c_row(void *u, const uint8_t *px, emoc_error *err)
{
    compare *c = u;
    (void)err;
    if (c->whole) {
        size_t stride = (size_t)c->whole->width * (size_t)c->whole->channels;
        if (c->rows >= c->whole->height || memcmp(px, c->whole->pixels + (size_t)c->rows * stride, stride)) abort();
    }
    c->rows++;
    return EMOC_OK;
}

/* The reference through whole planes: same status, same image. */
static void check_planes(const uint8_t *buf, size_t size, const emoc__image_limits *lim, const emoc__image *im,
                         emoc_status st)
{
    emoc__image ref;
    emoc_error err;
    emoc_status rs = emoc__decode_jpeg_planes(buf, size, lim, &ref, &err);
    if (rs != st) abort();
    if (st != EMOC_OK) return;
    if (ref.width != im->width || ref.height != im->height || ref.channels != im->channels ||
        ref.orientation != im->orientation ||
        memcmp(ref.pixels, im->pixels, (size_t)im->width * im->height * im->channels))
        abort();
    free(ref.pixels);
}

static void check_rows(const uint8_t *buf, size_t size, const emoc__image_limits *lim, emoc__image *whole, int ok)
{
    emoc_error err;
    if (ok && emoc__image_apply_orientation(whole, &err) != EMOC_OK) return;
    compare c = {ok ? whole : NULL, 0};
    emoc__row_sink sink = {c_begin, c_row, &c};
    emoc_status rs = emoc__decode_jpeg_rows(buf, size, lim, &sink, &err);
    if ((rs == EMOC_OK) != ok) abort();
    if (ok && c.rows != whole->height) abort();
}

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
        /* the pixel buffer is read in full by check_planes' memcmp (ASan sees a short one) */
    }
    check_planes(buf, size, &lim, &im, st);
    check_rows(buf, size, &lim, &im, st == EMOC_OK);
    if (st == EMOC_OK) free(im.pixels);
    free(buf);
    return 0;
}
