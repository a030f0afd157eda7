/*
 * bmp.c — Windows BMP decoder: uncompressed 24-bit (BGR) and 32-bit (BGRX, or BI_BITFIELDS with
 * the standard 0x00FF0000/0x0000FF00/0x000000FF masks), bottom-up (height > 0) or top-down
 * (height < 0). The fourth byte of 32-bit pixels is ignored, as Pillow and OpenCV do.
 */
#include "engine/image/decoders.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

emoc_status emoc__decode_bmp(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                             emoc__image *out, emoc_error *err)
{
    if (size < 2 || data[0] != 'B' || data[1] != 'M')
        return emoc__fail(err, EMOC_E_FORMAT, "bmp: offset 0: bad magic (expected BM)");
    if (size < 14 + 4)
        return emoc__fail(err, EMOC_E_TRUNCATED, "bmp: offset %zu: file ends inside the file header", size);
    uint32_t off_bits = rd32(data + 10);
    uint32_t dib = rd32(data + 14);
    if (dib < 40 || dib > 1024)
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "bmp: offset 14: DIB header size %u not supported "
                          "(only BITMAPINFOHEADER and later, 40..124 bytes)", dib);
    if (size < 14 + (size_t)40)
        return emoc__fail(err, EMOC_E_TRUNCATED, "bmp: offset %zu: file ends inside the DIB header", size);
    int32_t w = (int32_t)rd32(data + 18);
    int32_t h = (int32_t)rd32(data + 22);
    uint16_t planes = rd16(data + 26);
    uint16_t bits = rd16(data + 28);
    uint32_t compression = rd32(data + 30);
    if (planes != 1)
        return emoc__fail(err, EMOC_E_FORMAT, "bmp: offset 26: planes = %u, expected 1", planes);
    if (bits != 24 && bits != 32)
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "bmp: offset 28: %u bits per pixel not supported (24 or 32 only)", bits);
    if (compression == 3 && bits == 32) {
        /* Masks follow a 40-byte header, or sit inside a V4/V5 header at the same place. */
        if (size < 14 + 40 + 12)
            return emoc__fail(err, EMOC_E_TRUNCATED, "bmp: offset %zu: file ends inside the bit masks", size);
        uint32_t r = rd32(data + 54), g = rd32(data + 58), b = rd32(data + 62);
        if (r != 0x00FF0000u || g != 0x0000FF00u || b != 0x000000FFu)
            return emoc__fail(err, EMOC_E_UNSUPPORTED, "bmp: offset 54: bit masks R=%08x G=%08x B=%08x not supported",
                              r, g, b);
    } else if (compression != 0) {
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "bmp: offset 30: compression %u not supported (uncompressed only)",
                          compression);
    }
    if (h == INT32_MIN)
        return emoc__fail(err, EMOC_E_FORMAT, "bmp: offset 22: height %d invalid", h);
    int top_down = h < 0;
    long long ah = top_down ? -(long long)h : h;
    emoc_status st = emoc__image_check(w, ah, 3, lim, "bmp", 18, err);
    if (st) return st;
    size_t bpp = bits / 8u;
    size_t stride = (((size_t)w * bits + 31) / 32) * 4;
    /* Some writers omit the padding of the last row: require only the pixels themselves. */
    size_t need = stride * ((size_t)ah - 1) + (size_t)w * bpp;
    if (off_bits > size || size - off_bits < need)
        return emoc__fail(err, EMOC_E_TRUNCATED,
                          "bmp: offset %zu: pixel data truncated (starts at %u, %zu bytes needed for "
                          "%lldx%lld)", size, off_bits, need, (long long)w, ah);
    if ((st = emoc__image_alloc(out, w, ah, 3, lim, "bmp", 18, err))) return st;
    for (long long y = 0; y < ah; y++) {
        const uint8_t *row = data + off_bits + (size_t)y * stride;
        long long oy = top_down ? y : ah - 1 - y;
        uint8_t *dst = out->pixels + (size_t)oy * (size_t)w * 3;
        for (int32_t x = 0; x < w; x++) {
            dst[3 * x + 0] = row[x * bpp + 2];
            dst[3 * x + 1] = row[x * bpp + 1];
            dst[3 * x + 2] = row[x * bpp + 0];
        }
    }
    return EMOC_OK;
}
