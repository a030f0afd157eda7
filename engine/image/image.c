/*
 * image.c — public image entry points: limits, format sniffing, the decoder dispatcher (with EXIF
 * orientation applied after JPEG decoding), file loading, gray→RGB and crop boxes.
 * Decoders live in ppm.c, png.c (+ inflate.c), bmp.c and jpeg*.c behind decoders.h.
 */
#include "engine/image/decoders.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void emoc_image_limits_default(emoc_image_limits *lim)
{
    if (!lim) return;
    lim->max_width = 16384;
    lim->max_height = 16384;
    lim->max_bytes = (size_t)256 << 20;
}

emoc_status emoc__image_check(long long w, long long h, int channels, const emoc__image_limits *lim,
                              const char *fmt, size_t offset, emoc_error *err)
{
    if (w <= 0 || h <= 0)
        return emoc__fail(err, EMOC_E_FORMAT, "%s: offset %zu: zero or negative dimensions %lldx%lld",
                          fmt, offset, w, h);
    if (w > lim->max_width || h > lim->max_height)
        return emoc__fail(err, EMOC_E_LIMIT,
                          "%s: offset %zu: dimensions %lldx%lld exceed the limit %dx%d", fmt, offset,
                          w, h, lim->max_width, lim->max_height);
    /* w, h ≤ INT_MAX each and channels ≤ 4, so the product fits in 64 bits. */
    int counted = channels < lim->min_channels ? lim->min_channels : channels;
    unsigned long long bytes = (unsigned long long)w * (unsigned long long)h * (unsigned)counted;
    if ((bytes > lim->max_bytes || bytes > (unsigned long long)SIZE_MAX) && lim->min_channels == 3)
        return emoc__fail(err, EMOC_E_LIMIT, "%s: offset %zu: %lldx%lld = %llu pixels exceeds the limit of %zu pixels "
                          "(3 bytes each as RGB, %zu bytes)", fmt, offset, w, h, (unsigned long long)w * (unsigned long long)h,
                          lim->max_bytes / 3, lim->max_bytes);
    if (bytes > lim->max_bytes || bytes > (unsigned long long)SIZE_MAX)
        return emoc__fail(err, EMOC_E_LIMIT, "%s: offset %zu: %lldx%lldx%d = %llu bytes exceed the limit %zu",
                          fmt, offset, w, h, channels, bytes, lim->max_bytes);
    return EMOC_OK;
}

emoc_status emoc__image_alloc(emoc__image *out, long long w, long long h, int channels,
                              const emoc__image_limits *lim, const char *fmt, size_t offset,
                              emoc_error *err)
{
    emoc_status st = emoc__image_check(w, h, channels, lim, fmt, offset, err);
    if (st) return st;
    size_t bytes = (size_t)w * (size_t)h * (size_t)channels;
    out->pixels = malloc(bytes);
    if (!out->pixels)
        return emoc__fail(err, EMOC_E_NOMEM, "%s: cannot allocate %zu bytes", fmt, bytes);
    out->width = (int)w;
    out->height = (int)h;
    out->channels = channels;
    return EMOC_OK;
}

emoc_image_format emoc_image_sniff(const void *data, size_t size)
{
    const uint8_t *p = data;
    if (!p || size < 2) return EMOC_IMAGE_UNKNOWN;
    if (size >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8)) return EMOC_IMAGE_PNG;
    if (size >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return EMOC_IMAGE_JPEG;
    if (p[0] == 'P' && (p[1] == '5' || p[1] == '6')) return EMOC_IMAGE_PPM;
    if (p[0] == 'B' && p[1] == 'M') return EMOC_IMAGE_BMP;
    return EMOC_IMAGE_UNKNOWN;
}

const char *emoc_image_format_name(emoc_image_format fmt)
{
    switch (fmt) {
    case EMOC_IMAGE_PPM: return "ppm";
    case EMOC_IMAGE_PNG: return "png";
    case EMOC_IMAGE_JPEG: return "jpeg";
    case EMOC_IMAGE_BMP: return "bmp";
    default: return "unknown";
    }
}

/* Applies EXIF orientation 2..8 (TIFF tag 0x0112) the way Pillow's ImageOps.exif_transpose and
 * cv2.imread do: out(x, y) = in(map(x, y)). */
emoc_status emoc__image_apply_orientation(emoc__image *img, emoc_error *err)
{
    int o = img->orientation;
    if (o <= 1 || o > 8) return EMOC_OK;
    int w = img->width, h = img->height, c = img->channels;
    int swap = o >= 5;
    int ow = swap ? h : w, oh = swap ? w : h;
    uint8_t *dst = malloc((size_t)w * h * c);
    if (!dst) return emoc__fail(err, EMOC_E_NOMEM, "jpeg: cannot allocate the rotated image");
    for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            switch (o) {
            case 2: sx = w - 1 - x; sy = y; break;              /* mirror horizontal */
            case 3: sx = w - 1 - x; sy = h - 1 - y; break;      /* rotate 180 */
            case 4: sx = x; sy = h - 1 - y; break;              /* mirror vertical */
            case 5: sx = y; sy = x; break;                      /* transpose */
            case 6: sx = y; sy = h - 1 - x; break;              /* rotate 90 CW */
            case 7: sx = w - 1 - y; sy = h - 1 - x; break;      /* transverse */
            default: sx = w - 1 - y; sy = x; break;             /* 8: rotate 90 CCW */
            }
            memcpy(dst + ((size_t)y * ow + x) * c, img->pixels + ((size_t)sy * w + sx) * c, c);
        }
    }
    free(img->pixels);
    img->pixels = dst;
    img->width = ow;
    img->height = oh;
    img->orientation = 1;
    return EMOC_OK;
}

/* Where source pixel (sx, sy) of a w×h image lands once turned per orientation 2..8: the
 * inverse of the map above. */
static void turned_xy(int o, int w, int h, int sx, int sy, int *x, int *y)
{
    switch (o) {
    case 2: *x = w - 1 - sx; *y = sy; break;
    case 3: *x = w - 1 - sx; *y = h - 1 - sy; break;
    case 4: *x = sx; *y = h - 1 - sy; break;
    case 5: *x = sy; *y = sx; break;
    case 6: *x = h - 1 - sy; *y = sx; break;
    case 7: *x = h - 1 - sy; *y = w - 1 - sx; break;
    default: *x = sy; *y = w - 1 - sx; break; /* 8 */
    }
}

emoc_status emoc__turn_begin(void *user, int w, int h, int channels, emoc_error *err)
{
    emoc__turn_sink *t = user;
    size_t bytes = (size_t)w * (size_t)h * (size_t)channels;
    t->img.pixels = malloc(bytes);
    if (!t->img.pixels) return emoc__fail(err, EMOC_E_NOMEM, "image: cannot allocate %zu bytes for the turned image", bytes);
    int swap = t->orientation >= 5;
    t->src_w = w, t->src_h = h, t->rows = 0;
    t->img.width = swap ? h : w, t->img.height = swap ? w : h, t->img.channels = channels, t->img.orientation = 1;
    return EMOC_OK;
}

emoc_status emoc__turn_row(void *user, const uint8_t *px, emoc_error *err)
{
    emoc__turn_sink *t = user;
    if (t->rows >= t->src_h) return emoc__fail(err, EMOC_E_INTERNAL, "image: row %d of %d", t->rows, t->src_h);
    const int c = t->img.channels, ow = t->img.width, sy = t->rows++;
    for (int sx = 0; sx < t->src_w; sx++) {
        int x, y;
        turned_xy(t->orientation, t->src_w, t->src_h, sx, sy, &x, &y);
        memcpy(t->img.pixels + ((size_t)y * ow + x) * c, px + (size_t)sx * c, (size_t)c);
    }
    return EMOC_OK;
}

emoc_status emoc_image_decode(const void *data, size_t size, const emoc_image_limits *lim,
                              emoc_image *out, emoc_error *err)
{
    if (!out) return emoc__fail(err, EMOC_E_ARG, "image: NULL output");
    memset(out, 0, sizeof *out);
    if (!data && size) return emoc__fail(err, EMOC_E_ARG, "image: NULL data");
    emoc_image_limits d;
    if (!lim || !(lim->max_width || lim->max_height || lim->max_bytes)) {
        emoc_image_limits_default(&d);
        lim = &d;
    }
    emoc__image_limits l = {lim->max_width, lim->max_height, lim->max_bytes, 0};
    return emoc__image_decode_lim(data, size, &l, out, err);
}

emoc_status emoc__image_decode_lim(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                   emoc_image *out, emoc_error *err)
{
    memset(out, 0, sizeof *out);
    if (size == 0) return emoc__fail(err, EMOC_E_TRUNCATED, "image: empty file (0 bytes)");
    emoc__image img = {0, 0, 0, NULL, 1};
    emoc_status st;
    switch (emoc_image_sniff(data, size)) {
    case EMOC_IMAGE_PPM: st = emoc__decode_ppm(data, size, lim, &img, err); break;
    case EMOC_IMAGE_PNG: st = emoc__decode_png(data, size, lim, &img, err); break;
    case EMOC_IMAGE_JPEG: st = emoc__decode_jpeg(data, size, lim, &img, err); break;
    case EMOC_IMAGE_BMP: st = emoc__decode_bmp(data, size, lim, &img, err); break;
    default: {
        const uint8_t *p = data;
        return emoc__fail(err, EMOC_E_UNSUPPORTED,
                          "image: offset 0: unknown format (first bytes %02x %02x %02x %02x; "
                          "expected PNG, JPEG, PPM/PGM P5/P6 or BMP)",
                          p[0], size > 1 ? p[1] : 0, size > 2 ? p[2] : 0, size > 3 ? p[3] : 0);
    }
    }
    if (st == EMOC_OK && (!img.pixels || (img.channels != 1 && img.channels != 3)))
        st = emoc__fail(err, EMOC_E_INTERNAL, "image: decoder returned no pixels");
    if (st == EMOC_OK) st = emoc__image_apply_orientation(&img, err);
    if (st != EMOC_OK) {
        free(img.pixels);
        return st;
    }
    out->width = img.width;
    out->height = img.height;
    out->channels = img.channels;
    out->pixels = img.pixels;
    return EMOC_OK;
}

/* "PATH: " + as much of the decoder's message as fits. */
void emoc__image_prefix_path(emoc_error *err, const char *path, const emoc_error *e2)
{
    if (!err) return;
    size_t n = strlen(path);
    if (n > sizeof err->msg / 2) n = sizeof err->msg / 2;
    memcpy(err->msg, path, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof err->msg - n - 3, m = strlen(e2->msg);
    if (m > room) m = room;
    memcpy(err->msg + n + 2, e2->msg, m);
    err->msg[n + 2 + m] = 0;
}

emoc_status emoc__image_read_file(const char *path, size_t max_bytes, uint8_t **data, size_t *size,
                                  emoc_error *err)
{
    *data = NULL;
    *size = 0;
    /* O_NONBLOCK: a FIFO named as an image must not hang the open waiting for a writer; reads
     * block again below (a pipe given on purpose still works). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return emoc__fail(err, EMOC_E_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
        close(fd);
        return emoc__fail(err, EMOC_E_IO, "%s: not a file", path);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return emoc__fail(err, EMOC_E_NOMEM, "%s: out of memory", path);
    }
    /* Sniff the format from the first bytes, then read at most the format's cap: a 3 GB
     * non-image is refused after 16 bytes, not after reading it whole (docs/reliability.md). */
    uint8_t head[16];
    size_t n = fread(head, 1, sizeof head, f);
    emoc_image_format fmt = emoc_image_sniff(head, n);
    size_t cap_bytes = emoc__image_file_cap(fmt, max_bytes);
    emoc_status st = EMOC_OK;
    if (ferror(f)) st = emoc__fail(err, EMOC_E_IO, "%s: read error: %s", path, strerror(errno));
    else if (n == 0) st = emoc__fail(err, EMOC_E_TRUNCATED, "%s: image: empty file (0 bytes)", path);
    else if (fmt == EMOC_IMAGE_UNKNOWN)
        st = emoc__fail(err, EMOC_E_FORMAT, "%s: image: unknown format (first bytes %02x %02x %02x %02x; "
                        "expected JPEG, PNG, PPM/PGM or BMP)", path, head[0], n > 1 ? head[1] : 0,
                        n > 2 ? head[2] : 0, n > 3 ? head[3] : 0);
    else if (S_ISREG(sb.st_mode) && (unsigned long long)sb.st_size > cap_bytes)
        st = emoc__fail(err, EMOC_E_LIMIT, "%s: %s file of %lld bytes exceeds the %zu-byte cap for the "
                        "pixel limit of %zu bytes", path, emoc_image_format_name(fmt), (long long)sb.st_size,
                        cap_bytes, max_bytes);
    if (st != EMOC_OK) {
        fclose(f);
        return st;
    }
    /* Read in growing chunks: works for pipes too, and bounds memory by the cap. */
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    if (buf) memcpy(buf, head, n);
    while (buf) {
        if (n == cap) {
            if (cap >= cap_bytes) {
                st = emoc__fail(err, EMOC_E_LIMIT, "%s: %s stream longer than the %zu-byte cap", path,
                                emoc_image_format_name(fmt), cap_bytes);
                break;
            }
            size_t nc = cap * 2 < cap_bytes ? cap * 2 : cap_bytes;
            uint8_t *nb = realloc(buf, nc);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = nc;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (st == EMOC_OK && !buf) st = emoc__fail(err, EMOC_E_NOMEM, "%s: out of memory reading", path);
    if (st == EMOC_OK && ferror(f)) st = emoc__fail(err, EMOC_E_IO, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (st != EMOC_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *size = n;
    return EMOC_OK;
}

emoc_status emoc__image_load_file_lim(const char *path, const emoc__image_limits *lim, emoc_image *out,
                                      emoc_error *err)
{
    memset(out, 0, sizeof *out);
    uint8_t *buf;
    size_t n;
    emoc_status st = emoc__image_read_file(path, lim->max_bytes, &buf, &n, err);
    if (st) return st;
    emoc_error e2;
    st = emoc__image_decode_lim(buf, n, lim, out, &e2);
    if (st) emoc__image_prefix_path(err, path, &e2);
    free(buf);
    return st;
}

emoc_status emoc_image_load_file(const char *path, const emoc_image_limits *lim, emoc_image *out,
                                 emoc_error *err)
{
    if (!out) return emoc__fail(err, EMOC_E_ARG, "image: NULL output");
    memset(out, 0, sizeof *out);
    if (!path) return emoc__fail(err, EMOC_E_ARG, "image: NULL path");
    emoc_image_limits d;
    if (!lim || !(lim->max_width || lim->max_height || lim->max_bytes)) {
        emoc_image_limits_default(&d);
        lim = &d;
    }
    emoc__image_limits l = {lim->max_width, lim->max_height, lim->max_bytes, 0};
    return emoc__image_load_file_lim(path, &l, out, err);
}

size_t emoc__image_file_cap(emoc_image_format fmt, size_t max_bytes)
{
#if SIZE_MAX > 0xFFFFFFFFu
    const size_t clamp = (size_t)1 << 40;
#else
    const size_t clamp = SIZE_MAX / 4 - (1 << 20); /* 32-bit: 3·b + 1 MiB must not wrap */
#endif
    size_t b = max_bytes > clamp ? clamp : max_bytes;
    switch (fmt) {
    case EMOC_IMAGE_PPM: return 2 * b + 4096;          /* 16-bit samples, plus the header */
    case EMOC_IMAGE_BMP: return b / 3 * 4 + (1 << 16); /* 32-bit pixels for 3-byte ones, palette */
    case EMOC_IMAGE_PNG: return 3 * b + (1 << 20);     /* stored 16-bit RGBA: 8 bytes per 3 kept */
    case EMOC_IMAGE_JPEG: return 2 * b + (1 << 20);    /* no real JPEG is larger than twice its pixels */
    default: return 16;
    }
}

void emoc_image_free(emoc_image *img)
{
    if (!img) return;
    free(img->pixels);
    memset(img, 0, sizeof *img);
}

static emoc_status check_image(const emoc_image *img, emoc_error *err)
{
    if (!img || !img->pixels || img->width <= 0 || img->height <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return emoc__fail(err, EMOC_E_ARG, "image: invalid image (NULL pixels or bad size/channels)");
    return EMOC_OK;
}

emoc_status emoc_image_to_rgb(const emoc_image *src, emoc_image *out, emoc_error *err)
{
    if (!out) return emoc__fail(err, EMOC_E_ARG, "image: NULL output");
    memset(out, 0, sizeof *out);
    emoc_status st = check_image(src, err);
    if (st) return st;
    size_t n = (size_t)src->width * src->height;
    out->pixels = malloc(n * 3);
    if (!out->pixels) return emoc__fail(err, EMOC_E_NOMEM, "image: cannot allocate %zu bytes", n * 3);
    if (src->channels == 3) {
        memcpy(out->pixels, src->pixels, n * 3);
    } else {
        for (size_t i = 0; i < n; i++)
            out->pixels[3 * i] = out->pixels[3 * i + 1] = out->pixels[3 * i + 2] = src->pixels[i];
    }
    out->width = src->width;
    out->height = src->height;
    out->channels = 3;
    return EMOC_OK;
}

emoc_status emoc_image_crop(const emoc_image *src, int x, int y, int w, int h, emoc_image *out,
                            emoc_error *err)
{
    if (!out) return emoc__fail(err, EMOC_E_ARG, "image: NULL output");
    memset(out, 0, sizeof *out);
    emoc_status st = check_image(src, err);
    if (st) return st;
    /* Clip in 64-bit so x + w cannot overflow. */
    long long x0 = x, y0 = y, x1 = (long long)x + w, y1 = (long long)y + h;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > src->width) x1 = src->width;
    if (y1 > src->height) y1 = src->height;
    if (w <= 0 || h <= 0 || x1 <= x0 || y1 <= y0)
        return emoc__fail(err, EMOC_E_SHAPE, "box x=%d y=%d w=%d h=%d is empty inside the %dx%d image",
                          x, y, w, h, src->width, src->height);
    int cw = (int)(x1 - x0), ch = (int)(y1 - y0), c = src->channels;
    out->pixels = malloc((size_t)cw * ch * c);
    if (!out->pixels) return emoc__fail(err, EMOC_E_NOMEM, "image: cannot allocate the crop");
    for (int r = 0; r < ch; r++)
        memcpy(out->pixels + (size_t)r * cw * c,
               src->pixels + (((size_t)(y0 + r)) * src->width + (size_t)x0) * c, (size_t)cw * c);
    out->width = cw;
    out->height = ch;
    out->channels = c;
    return EMOC_OK;
}
