/*
 * ppm.c — binary PGM (P5) and PPM (P6) decoder, 8-bit samples.
 * maxval < 255 is rescaled to 0..255, rounding half to even, as Pillow does; maxval > 255 (16-bit samples)
 * is refused with EMOC_E_UNSUPPORTED (Pillow and OpenCV disagree on what it should become).
 */
#include "engine/image/decoders.h"

#include <stdlib.h>
#include <string.h>

/* Skips whitespace and '#' comments (to end of line) from *pos. */
static void skip_space(const uint8_t *d, size_t size, size_t *pos)
{
    while (*pos < size) {
        uint8_t c = d[*pos];
        if (c == '#') {
            while (*pos < size && d[*pos] != '\n' && d[*pos] != '\r') (*pos)++;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
            (*pos)++;
        } else {
            break;
        }
    }
}

static emoc_status read_uint(const uint8_t *d, size_t size, size_t *pos, const char *field,
                             long long *out, emoc_error *err)
{
    skip_space(d, size, pos);
    if (*pos >= size)
        return emoc__fail(err, EMOC_E_TRUNCATED, "ppm: offset %zu: file ends before the %s", *pos, field);
    if (d[*pos] < '0' || d[*pos] > '9')
        return emoc__fail(err, EMOC_E_FORMAT, "ppm: offset %zu: %s is not a decimal number (byte 0x%02x)",
                          *pos, field, d[*pos]);
    long long v = 0;
    size_t start = *pos;
    while (*pos < size && d[*pos] >= '0' && d[*pos] <= '9') {
        v = v * 10 + (d[*pos] - '0');
        if (v > 2147483647LL)
            return emoc__fail(err, EMOC_E_LIMIT, "ppm: offset %zu: %s too large", start, field);
        (*pos)++;
    }
    *out = v;
    return EMOC_OK;
}

emoc_status emoc__decode_ppm(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                             emoc__image *out, emoc_error *err)
{
    if (size < 2 || data[0] != 'P' || (data[1] != '5' && data[1] != '6'))
        return emoc__fail(err, EMOC_E_FORMAT, "ppm: offset 0: bad magic (expected P5 or P6)");
    int channels = data[1] == '6' ? 3 : 1;
    size_t pos = 2;
    long long w, h, maxval;
    emoc_status st;
    if ((st = read_uint(data, size, &pos, "width", &w, err))) return st;
    if ((st = read_uint(data, size, &pos, "height", &h, err))) return st;
    size_t m_off = pos;
    if ((st = read_uint(data, size, &pos, "maxval", &maxval, err))) return st;
    if (maxval < 1 || maxval > 65535)
        return emoc__fail(err, EMOC_E_FORMAT, "ppm: offset %zu: maxval %lld outside 1..65535", m_off, maxval);
    if (maxval > 255)
        return emoc__fail(err, EMOC_E_UNSUPPORTED,
                          "ppm: offset %zu: 16-bit samples (maxval %lld) are not supported; "
                          "convert to 8-bit", m_off, maxval);
    /* Exactly one whitespace byte separates maxval from the raster. */
    if (pos >= size)
        return emoc__fail(err, EMOC_E_TRUNCATED, "ppm: offset %zu: file ends after the header", pos);
    uint8_t sep = data[pos];
    if (sep != ' ' && sep != '\t' && sep != '\n' && sep != '\r')
        return emoc__fail(err, EMOC_E_FORMAT, "ppm: offset %zu: expected whitespace after maxval, got 0x%02x",
                          pos, sep);
    pos++;
    if ((st = emoc__image_check(w, h, channels, lim, "ppm", 2, err))) return st;
    size_t need = (size_t)w * (size_t)h * (size_t)channels;
    if (size - pos < need)
        return emoc__fail(err, EMOC_E_TRUNCATED,
                          "ppm: offset %zu: raster truncated (%zu bytes present, %zu needed for %lldx%lldx%d)",
                          size, size - pos, need, w, h, channels);
    if ((st = emoc__image_alloc(out, w, h, channels, lim, "ppm", 2, err))) return st;
    if (maxval == 255) {
        memcpy(out->pixels, data + pos, need);
    } else {
        unsigned m = (unsigned)maxval;
        for (size_t i = 0; i < need; i++) {
            unsigned v = data[pos + i];
            if (v > m) v = m;
            unsigned q = v * 255 / m, r = v * 255 % m;
            if (2 * r > m || (2 * r == m && (q & 1))) q++; /* round half to even, as Pillow's round() */
            out->pixels[i] = (uint8_t)q;
        }
    }
    return EMOC_OK;
}
