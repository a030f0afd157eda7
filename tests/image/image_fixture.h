/*
 * image_fixture.h — helpers shared by the tests/image/ suites: reading fixture files from
 * $EMOC_ROOT/tests/fixtures/image, PNM parsing of expectations, PNG chunk surgery with CRC
 * recomputation, FNV-1a hashes. Header-only (static) so each suite stays self-contained.
 */
#ifndef EMOC_TESTS_IMAGE_FIXTURE_H
#define EMOC_TESTS_IMAGE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoc.h"

static inline char *fx_path(const char *name)
{
    const char *root = getenv("EMOC_ROOT");
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/tests/fixtures/image/%s", root ? root : ".", name);
    return buf;
}

static inline uint8_t *fx_read(const char *name, size_t *size)
{
    FILE *f = fopen(fx_path(name), "rb");
    cr_assert(f, "cannot open fixture %s", fx_path(name));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    cr_assert(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* Parses the P5/P6 files written by the fixture generator ("P6\nW H\n255\n" + raster). */
static inline void fx_read_pnm(const char *name, emoc_image *img)
{
    size_t size;
    uint8_t *d = fx_read(name, &size);
    int w, h, maxv, used = 0;
    char kind;
    cr_assert_eq(sscanf((char *)d, "P%c %d %d %d%n", &kind, &w, &h, &maxv, &used), 4, "%s", name);
    img->width = w;
    img->height = h;
    img->channels = kind == '6' ? 3 : 1;
    size_t n = (size_t)w * h * img->channels;
    cr_assert_eq(size, (size_t)used + 1 + n, "%s size", name);
    img->pixels = malloc(n);
    memcpy(img->pixels, d + used + 1, n);
    free(d);
}

static inline uint32_t fx_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static inline uint32_t fx_be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static inline void fx_put_be32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* Offset of the first chunk of `type` in a PNG, or 0. */
static inline size_t fx_png_find(const uint8_t *d, size_t size, const char *type)
{
    size_t pos = 8;
    while (pos + 12 <= size) {
        uint32_t len = fx_be32(d + pos);
        if (!memcmp(d + pos + 4, type, 4)) return pos;
        pos += 12 + (size_t)len;
    }
    return 0;
}

/* Recomputes the CRC of the chunk at `pos` after the test edited it. */
static inline void fx_png_fix_crc(uint8_t *d, size_t pos)
{
    uint32_t len = fx_be32(d + pos);
    fx_put_be32(d + pos + 8 + len, fx_crc32(d + pos + 4, (size_t)len + 4));
}

static inline uint64_t fx_fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001B3ull;
    }
    return h;
}

#endif
