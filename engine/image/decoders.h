/*
 * decoders.h — internal interface between the image dispatcher (engine/image/image.c) and the
 * per-format decoders (ppm.c, png.c + inflate.c, jpeg*.c, bmp.c).
 *
 * Every decoder:
 *   - reads only inside [data, data + size) through a bounded cursor;
 *   - checks dimensions against `lim` BEFORE allocating anything;
 *   - returns 8-bit pixels, channels = 1 (gray) or 3 (RGB), rows top to bottom, interleaved,
 *     in a buffer from malloc() that the caller releases with free() (emoc_image_free);
 *     alpha is dropped (as cv2.imread and PIL convert('RGB') do), 16-bit samples are reduced
 *     to 8 bits, palettes are expanded;
 *   - on failure returns a status and writes into err->msg the byte offset and the reason, e.g.
 *     "png: offset 1234: IDAT CRC mismatch (stored 0x1a2b3c4d, computed 0x...)"; the caller
 *     prefixes the file name.
 */
#ifndef EMOC_IMAGE_DECODERS_H
#define EMOC_IMAGE_DECODERS_H

#include "emoc.h"
#include "engine/base/error.h"
#include <stddef.h>
#include <stdint.h>

typedef struct emoc__image_limits {
    int max_width, max_height;   /* default 16384 × 16384 */
    size_t max_bytes;            /* default 256 MiB for the decoded pixels */
    int min_channels;            /* 0; 3: count every image as RGB against max_bytes (the input
                                  * iterator, whose frames all become RGB), from the header */
} emoc__image_limits;

typedef struct emoc__image {
    int width, height, channels; /* channels 1 or 3 */
    uint8_t *pixels;             /* width·height·channels bytes, malloc'ed */
    int orientation;             /* EXIF orientation 1..8 (JPEG only); the dispatcher sets 1
                                  * before calling a decoder and applies it afterwards */
} emoc__image;

emoc_status emoc__decode_ppm(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                             emoc__image *out, emoc_error *err);
emoc_status emoc__decode_png(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                             emoc__image *out, emoc_error *err);
emoc_status emoc__decode_jpeg(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                              emoc__image *out, emoc_error *err);
emoc_status emoc__decode_bmp(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                             emoc__image *out, emoc_error *err);

/* The checks of emoc__image_alloc without allocating (decoders call it before checking that
 * the file holds the pixel data, so a tiny file cannot make us allocate the limit). */
/* Largest file of format fmt that emoc_image_load_file reads for a pixel limit of max_bytes
 * (docs/reliability.md); 16 for an unknown format (only the sniffed bytes). */
size_t emoc__image_file_cap(emoc_image_format fmt, size_t max_bytes);

emoc_status emoc__image_check(long long w, long long h, int channels, const emoc__image_limits *lim,
                              const char *fmt, size_t offset, emoc_error *err);

/* Checks w, h (> 0, ≤ limits) and w·h·channels (≤ max_bytes, no overflow) BEFORE allocating,
 * then mallocs out->pixels and fills width/height/channels. `fmt` and `offset` name the header
 * field in the error message. */
emoc_status emoc__image_alloc(emoc__image *out, long long w, long long h, int channels,
                              const emoc__image_limits *lim, const char *fmt, size_t offset,
                              emoc_error *err);

/* Rotates/flips img in place per img->orientation (EXIF 2..8, as Pillow's exif_transpose),
 * then sets orientation = 1. Called by the dispatcher after every decoder. */
emoc_status emoc__image_apply_orientation(emoc__image *img, emoc_error *err);

/* Rows of a decoded image, top to bottom, as they are decoded (engine/image/rows.c). begin is
 * called once, after the header checks and before the decoder's large allocations; row gets
 * width·channels bytes for each row in turn. An error from either stops the decoder and is
 * returned as is. */
typedef struct emoc__row_sink {
    emoc_status (*begin)(void *user, int width, int height, int channels, emoc_error *err);
    emoc_status (*row)(void *user, const uint8_t *pixels, emoc_error *err);
    void *user;
} emoc__row_sink;

/* A row sink that puts each row straight where it lands in the image turned per EXIF
 * `orientation` (2..8; set before begin), so the turned image is the only copy: img is
 * malloc'ed by begin (orientation 1 after), src_w × src_h the rows' size. */
typedef struct emoc__turn_sink {
    emoc__image img;
    int orientation, src_w, src_h, rows;
} emoc__turn_sink;
emoc_status emoc__turn_begin(void *user, int width, int height, int channels, emoc_error *err);
emoc_status emoc__turn_row(void *user, const uint8_t *pixels, emoc_error *err);

/* PNG rows streamed from the inflater (non-interlaced; an Adam7 image is decoded whole first). */
emoc_status emoc__decode_png_rows(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                  const emoc__row_sink *sink, emoc_error *err);
/* JPEG rows upsampled and colour-converted as their MCU rows are decoded (engine/image/
 * jpeg_output.c: no whole RGB image, and no whole component planes unless the sequential image
 * has several scans; with an EXIF orientation other than 1 the image is turned whole first). */
emoc_status emoc__decode_jpeg_rows(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                   const emoc__row_sink *sink, emoc_error *err);
/* emoc__decode_jpeg through whole component planes on every path: the reference the tests and
 * the fuzz target compare the MCU-row path with. */
emoc_status emoc__decode_jpeg_planes(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                     emoc__image *out, emoc_error *err);
/* Any format: streamed where the decoder can (PNG, JPEG), else decoded whole (with EXIF orientation
 * applied) and then handed out row by row. */
emoc_status emoc__image_decode_rows(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                    const emoc__row_sink *sink, emoc_error *err);
/* Reads a file for decoding: sniffs its first bytes (unknown format: refused) and reads at most
 * emoc__image_file_cap(format, max_bytes) bytes (image.c). *data is malloc'ed. */
emoc_status emoc__image_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *size,
                                  emoc_error *err);
/* err = "PATH: " + as much of e2's message as fits. */
void emoc__image_prefix_path(emoc_error *err, const char *path, const emoc_error *e2);
/* emoc_image_load_file with internal limits. */
emoc_status emoc__image_load_file_lim(const char *path, const emoc__image_limits *lim, emoc_image *out,
                                      emoc_error *err);
/* The network's input pixels of an image file: decoded row by row (emoc__image_decode_rows)
 * straight into a size × size resize with `mode` (resize.h), so no whole decoded image is held
 * for a PNG or a JPEG (unless EXIF-rotated). out: size × size, the image's channels (1 or 3); *src_w, *src_h: its decoded size.
 * Peak memory: docs/reliability.md, "Images". */
emoc_status emoc__image_load_resized(const char *path, const emoc__image_limits *lim, int size,
                                     emoc_resize_mode mode, emoc_image *out, int *src_w, int *src_h,
                                     emoc_error *err);
/* emoc_image_decode with internal limits. */
emoc_status emoc__image_decode_lim(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                   emoc_image *out, emoc_error *err);

/* zlib stream (RFC 1950) inflate into a caller buffer of exactly `want` bytes; *produced is set.
 * Output beyond `want` is an error (no decompression bombs); so is a missing adler32. */
emoc_status emoc__zlib_inflate(const uint8_t *src, size_t src_size, uint8_t *dst, size_t want,
                               size_t *produced, emoc_error *err);

/* The same, streamed: the output passes through a 128 KiB buffer (the last 32 KiB are DEFLATE's
 * window) and is handed to sink in order, in pieces of any length; at most `want` bytes in
 * total. A sink error stops the inflate and is returned as is. */
typedef emoc_status (*emoc__inflate_sink)(void *user, const uint8_t *bytes, size_t n, emoc_error *err);
emoc_status emoc__zlib_inflate_stream(const uint8_t *src, size_t src_size, size_t want, emoc__inflate_sink sink,
                                      void *user, size_t *produced, emoc_error *err);

#endif
