/*
 * fuzz_png.c — libFuzzer target for the PNG decoder (engine/image/png.c + inflate.c) through
 * the public emoc_image_decode. Built and run by tests/fuzz/run.sh; seeds in corpus/png/.
 *
 * Each input is decoded as is; then a copy with every chunk CRC recomputed is decoded, so
 * mutations reach IHDR validation, inflate, the filters and Adam7 instead of stopping at a CRC
 * mismatch. Decoded images go through both resizers at small sizes. Copies are exactly `size`
 * bytes so ASan catches any read past the end; limits are lowered to keep allocations small.
 * The streamed decoder (emoc__decode_png_rows, rows straight from the inflater) must succeed
 * exactly when the whole decode does, with the same rows in the same order.
 */
#include "engine/image/decoders.h"

#include <stdlib.h>
#include <string.h>

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static void exercise(const emoc_image *img, const uint8_t *data, size_t size)
{
    int w = 1 + (size ? data[size - 1] % 40 : 7), h = 1 + (size > 1 ? data[size - 2] % 40 : 5);
    emoc_image r;
    emoc_error err;
    if (emoc_image_resize(img, w, h, EMOC_RESIZE_CV2, &r, &err) == EMOC_OK) emoc_image_free(&r);
    if (emoc_image_resize(img, h, w, EMOC_RESIZE_PIL, &r, &err) == EMOC_OK) emoc_image_free(&r);
}

typedef struct {
    const emoc_image *whole; /* NULL when the whole decode failed */
    int rows;
} compare;

static emoc_status c_begin(void *u, int w, int h, int ch, emoc_error *err)
{
    const compare *c = u;
    (void)err;
    if (!c->whole) return EMOC_OK; /* may still fail later (checksum, truncation) */
    if (w != c->whole->width || h != c->whole->height || ch != c->whole->channels) abort();
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

static void decode(const uint8_t *data, size_t size)
{
    emoc_image_limits lim = {2048, 2048, (size_t)16 << 20};
    emoc_image img;
    emoc_error err;
    emoc_status st = emoc_image_decode(data, size, &lim, &img, &err);
    compare c = {st == EMOC_OK ? &img : NULL, 0};
    emoc__image_limits il = {2048, 2048, (size_t)16 << 20, 0};
    emoc__row_sink sink = {c_begin, c_row, &c};
    if (size >= 8 && !memcmp(data, "\x89PNG\r\n\x1a\n", 8)) {
        emoc_status rs = emoc__decode_png_rows(data, size, &il, &sink, &err);
        if ((rs == EMOC_OK) != (st == EMOC_OK)) abort();
        if (rs == EMOC_OK && c.rows != img.height) abort();
    }
    if (st == EMOC_OK) {
        exercise(&img, data, size);
        emoc_image_free(&img);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    decode(copy, size);
    /* Fix every chunk CRC and decode again. */
    if (size >= 8 && !memcmp(copy, "\x89PNG\r\n\x1a\n", 8)) {
        size_t pos = 8;
        while (size - pos >= 12) {
            uint32_t len = (uint32_t)copy[pos] << 24 | (uint32_t)copy[pos + 1] << 16 | (uint32_t)copy[pos + 2] << 8 | copy[pos + 3];
            if (len > size - pos - 12) break;
            uint32_t c = crc32_of(copy + pos + 4, (size_t)len + 4);
            uint8_t *q = copy + pos + 8 + len;
            q[0] = (uint8_t)(c >> 24);
            q[1] = (uint8_t)(c >> 16);
            q[2] = (uint8_t)(c >> 8);
            q[3] = (uint8_t)c;
            pos += 12 + (size_t)len;
        }
        decode(copy, size);
    }
    free(copy);
    return 0;
}
