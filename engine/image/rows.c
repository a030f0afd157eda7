/*
 * rows.c — decoded rows as a stream (decoders.h: emoc__row_sink) and the one consumer the CLI
 * needs: an image file resized to the network's input as it is decoded, so that a PNG or a
 * baseline JPEG of any size within the limits costs its file, the inflater's window or three MCU
 * rows, and a few rows, not its pixels
 * (docs/reliability.md, "Images"). The whole-image path (emoc_image_load_file +
 * emoc_image_resize) gives the same bytes: the resizers are streamed in both (resize.h).
 */
#include "engine/image/resize.h"

#include <stdlib.h>
#include <string.h>

emoc_status emoc__image_decode_rows(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                    const emoc__row_sink *sink, emoc_error *err)
{
    emoc_image_format fmt = emoc_image_sniff(data, size);
    if (fmt == EMOC_IMAGE_PNG) return emoc__decode_png_rows(data, size, lim, sink, err);
    if (fmt == EMOC_IMAGE_JPEG) return emoc__decode_jpeg_rows(data, size, lim, sink, err);
    emoc_image img;
    emoc_status st = emoc__image_decode_lim(data, size, lim, &img, err);
    if (st == EMOC_OK) st = sink->begin(sink->user, img.width, img.height, img.channels, err);
    size_t stride = (size_t)img.width * (size_t)img.channels;
    for (int y = 0; st == EMOC_OK && y < img.height; y++) st = sink->row(sink->user, img.pixels + y * stride, err);
    emoc_image_free(&img);
    return st;
}

typedef struct {
    int size, width, height, channels, rows;
    emoc_resize_mode mode;
    emoc__resizer rz;
    uint8_t *dst;
} resize_sink;

static emoc_status resize_begin(void *user, int w, int h, int channels, emoc_error *err)
{
    resize_sink *r = user;
    r->width = w, r->height = h, r->channels = channels;
    r->dst = malloc((size_t)r->size * r->size * channels);
    if (!r->dst) return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate %dx%d", r->size, r->size);
    return emoc__resizer_init(&r->rz, r->mode, w, h, channels, r->dst, r->size, r->size, err);
}

static emoc_status resize_row(void *user, const uint8_t *pixels, emoc_error *err)
{
    resize_sink *r = user;
    (void)err;
    emoc__resizer_push(&r->rz, pixels);
    r->rows++;
    return EMOC_OK;
}

emoc_status emoc__image_load_resized(const char *path, const emoc__image_limits *lim, int size,
                                     emoc_resize_mode mode, emoc_image *out, int *src_w, int *src_h,
                                     emoc_error *err)
{
    memset(out, 0, sizeof *out);
    *src_w = *src_h = 0;
    if (size <= 0 || size > 4096 || (mode != EMOC_RESIZE_CV2 && mode != EMOC_RESIZE_PIL))
        return emoc__fail(err, EMOC_E_ARG, "%s: resize to %d with mode %d", path, size, (int)mode);
    uint8_t *buf;
    size_t n;
    emoc_status st = emoc__image_read_file(path, lim->max_bytes, &buf, &n, err);
    if (st) return st;
    resize_sink r;
    memset(&r, 0, sizeof r);
    r.size = size;
    r.mode = mode;
    emoc__row_sink sink = {resize_begin, resize_row, &r};
    emoc_error e2;
    st = emoc__image_decode_rows(buf, n, lim, &sink, &e2);
    free(buf);
    emoc__resizer_release(&r.rz);
    if (st == EMOC_OK && r.rows != r.height)
        st = emoc__fail(&e2, EMOC_E_INTERNAL, "decoder gave %d of %d rows", r.rows, r.height);
    if (st) {
        free(r.dst);
        emoc__image_prefix_path(err, path, &e2);
        return st;
    }
    out->width = out->height = size;
    out->channels = r.channels;
    out->pixels = r.dst;
    *src_w = r.width;
    *src_h = r.height;
    return EMOC_OK;
}
