/*
 * input_iter.h — the input iterator behind `emoc predict`, `emoc features` and friends
 * (tools/input/inputs.h is the CLI-facing wrapper; tests use this header directly).
 *
 *   emoc__input_open(&opt, &it, &err) → while (emoc__input_next(it, &item)) {...} → close
 *
 * Guarantee: every input frame yields exactly one item, in input order, whatever happens to it.
 * A file that is missing, unreadable or corrupt, a raw frame cut short by the end of the stream,
 * a box that misses the image, a malformed --boxes row: each is an item with a non-ok status and
 * a message, never a silent drop. Only the *structure* of the request can fail at open time
 * (bad options, unreadable --boxes file, a directory that cannot be listed).
 *
 * Inputs:
 *   - files: taken as given, in command-line order;
 *   - directories: walked recursively in natural order (00002 < 00010, "v2" < "v10"); only
 *     image files (.jpg .jpeg .png .ppm .pgm .bmp, any case, not hidden) are inputs. Aff-Wild2
 *     layout ROOT/VIDEO/00001.jpg gives video "VIDEO", frame 1;
 *   - raw: rgb24 frames of exactly W·H·3 bytes from paths[0] ("-" = stdin) until end of stream;
 *     a short final frame is one `truncated` item;
 *   - boxes: a CSV `image,x,y,w,h[,face_id]` (optional header line, exactly `image,x,y,w,h` or
 *     `image,x,y,w,h,face_id`; any other line is a row or a bad_row) defines the items, one per
 *     row in file order; the image is decoded once for consecutive rows naming it; the box is
 *     clipped to the image and an empty box gives an `empty_box` item. A regular file is listed
 *     at open; a pipe or FIFO is read one row per item (an endless stream yields rows as they
 *     come, in constant memory; total unknown; the select hook refuses it).
 */
#ifndef EMOC_IMAGE_INPUT_ITER_H
#define EMOC_IMAGE_INPUT_ITER_H

#include "emoc.h"
#include <stdio.h>

typedef enum emoc__input_status {
    EMOC_INPUT_OK = 0,
    EMOC_INPUT_DECODE_ERROR = 1, /* corrupt or unsupported image */
    EMOC_INPUT_TRUNCATED = 2,    /* image file or raw frame ends early */
    EMOC_INPUT_EMPTY_BOX = 3,    /* crop box empty after clipping to the image */
    EMOC_INPUT_NONFINITE = 4,    /* reserved for callers: non-finite values in a tensor input */
    EMOC_INPUT_IO_ERROR = 5,     /* missing or unreadable file, read error on the stream */
    EMOC_INPUT_BAD_ROW = 6,      /* malformed --boxes row */
    EMOC_INPUT_SIZE_MISMATCH = 7, /* reserved for callers: a --tensor file of the wrong size */
    EMOC_INPUT_RUN_ERROR = 8,    /* reserved for callers: the forward pass failed */
    EMOC_INPUT_NONFINITE_OUTPUT = 9 /* reserved for callers: finite input, non-finite scores */
} emoc__input_status;

/* "ok", "decode_error", "truncated", "empty_box", "nonfinite_input", "io_error", "bad_row",
 * "size_mismatch", "run_error", "nonfinite_output". */
const char *emoc__input_status_name(emoc__input_status st);

typedef struct emoc__input_options {
    const char *const *paths;   /* files / directories; for raw mode paths[0] is the stream */
    int n_paths;
    int raw_width, raw_height;  /* both > 0: raw rgb24 mode */
    FILE *raw_stream;           /* raw mode: read this stream instead of opening paths[0] */
    const char *boxes_csv;      /* optional; then paths must be empty */
    emoc_image_limits limits;   /* all zero: emoc_image_limits_default; max_bytes counts 3 bytes
                                 * per pixel from the header whatever the channels (frames become
                                 * RGB) */
    /* > 0: the caller only resizes each frame to resize_to × resize_to with resize_mode, so a
     * file without a box is decoded row by row straight into that resize (peak memory
     * independent of its pixels: docs/reliability.md, "Images"); item.image is then the
     * resized frame, item.src_width/src_height the decoded size. --boxes rows and raw frames
     * are not affected. */
    int resize_to;
    emoc_resize_mode resize_mode;
    /* Optional (file and --boxes modes; ignored for raw streams): called once after listing
     * with every entry's path (NULL for a malformed --boxes row) and video, in input order;
     * entries whose keep[i] it leaves 0 yield no item and are not counted by
     * emoc__input_total (the CLI's --shard and --resume). Returns 0, or -1 to fail the open. */
    int (*select)(void *user, size_t n, const char *const *paths, const char *const *videos,
                  unsigned char *keep);
    void *select_user;
} emoc__input_options;

typedef struct emoc__input_item {
    long index;                 /* 0-based position in input order */
    long position;              /* 0-based position in the whole listing: differs from index
                                 * only when the select hook dropped inputs (--shard) */
    const char *input;          /* path (or "-"); valid until the next call */
    const char *video;          /* parent folder name for frame files, "" when unknown */
    long frame;                 /* number in the file name (00042.jpg → 42), raw: 1-based; -1 */
    int face_id;                /* --boxes column 6, else 0 */
    int has_box;
    int box[4];                 /* x, y, w, h as given */
    emoc__input_status status;
    emoc_status error;          /* library status behind a non-ok item (EMOC_OK when ok) */
    char message[512];          /* "" when ok */
    emoc_image image;           /* ok: RGB (3 channels), cropped (or resized, see resize_to);
                                 * owned by the iterator and valid until the next call; zeroed
                                 * otherwise */
    int src_width, src_height;  /* ok: the decoded (cropped) size before any resize_to */
    int deferred;               /* 1: not decoded yet (emoc__input_defer_decode): image and
                                 * src size are empty, status ok until the caller's decode */
} emoc__input_item;

typedef struct emoc__input_iter emoc__input_iter;

emoc_status emoc__input_open(const emoc__input_options *opt, emoc__input_iter **out, emoc_error *err);
/* 1: *item filled; 0: no more inputs. */
int emoc__input_next(emoc__input_iter *it, emoc__input_item *item);
/* With resize_to > 0, a file without a box is then not decoded by emoc__input_next: its item
 * comes with `deferred` set and the caller decodes it with emoc__input_decode_deferred, which
 * reads only settings fixed at open, so several threads may decode at once while the fetch
 * itself (listing order, --boxes rows, raw streams) stays serial. Same pixels, same messages. */
void emoc__input_defer_decode(emoc__input_iter *it, int on);
/* The decode emoc__input_next would have done for a deferred item of `path`: *out the resized
 * RGB frame (caller frees), its decoded size, and the item status a failure maps to. */
emoc_status emoc__input_decode_deferred(const emoc__input_iter *it, const char *path, emoc_image *out,
                                        int *src_w, int *src_h, emoc__input_status *status, emoc_error *e);
/* Files found in walked directories that are not images (so yield no item); *first (may be
 * NULL) gets the path of the first one, valid until close. Callers tell the user: a folder of
 * .gif or .tif frames must not look like a folder of nothing. */
size_t emoc__input_skipped(const emoc__input_iter *it, const char **first);
/* Number of items that will be yielded, or -1 when unknown (stdin). */
long emoc__input_total(const emoc__input_iter *it);
void emoc__input_close(emoc__input_iter *it);

/* Natural order used for directory walks: digit runs compare by value. */
int emoc__natural_cmp(const char *a, const char *b);

#endif
