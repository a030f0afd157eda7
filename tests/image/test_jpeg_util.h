/* test_jpeg_util.h — helpers for the JPEG tests: fixture loading and JPEG segment lookup. */
#ifndef EMOC_TEST_JPEG_UTIL_H
#define EMOC_TEST_JPEG_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/image/decoders.h"

static inline const char *jt_root(void)
{
    const char *r = getenv("EMOC_ROOT");
    return r && *r ? r : ".";
}

/* Reads a whole file; NULL if it cannot be opened. */
static inline uint8_t *jt_read(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    cr_assert_not_null(b);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n, "short read of %s", path);
    fclose(f);
    *size = (size_t)n;
    return b;
}

/* Reads tests/fixtures/jpeg/NAME, failing the test when missing. */
static inline uint8_t *jt_fixture(const char *name, size_t *size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/jpeg/%s", jt_root(), name);
    uint8_t *b = jt_read(path, size);
    cr_assert_not_null(b, "missing fixture %s", path);
    return b;
}

static inline emoc__image_limits jt_default_limits(void)
{
    emoc__image_limits lim = {16384, 16384, (size_t)256 << 20, 0};
    return lim;
}

/* Offset of the k-th (0-based) segment with this marker before the first SOS (or the SOS
 * itself), pointing at its 0xFF; -1 if absent. */
static inline long jt_segment(const uint8_t *b, size_t n, int marker, int k)
{
    size_t pos = 2;
    while (pos + 4 <= n && b[pos] == 0xFF) {
        int m = b[pos + 1];
        size_t len = (size_t)b[pos + 2] << 8 | b[pos + 3];
        if (m == marker && k-- == 0) return (long)pos;
        if (m == 0xDA) return -1;
        pos += 2 + len;
    }
    return -1;
}

/* Decodes a buffer with default limits; frees any pixels. */
static inline emoc_status jt_decode(const uint8_t *b, size_t n, emoc_error *err)
{
    emoc__image_limits lim = jt_default_limits();
    emoc__image im;
    memset(err, 0, sizeof *err);
    emoc_status st = emoc__decode_jpeg(b, n, &lim, &im, err);
    if (st == EMOC_OK) free(im.pixels);
    return st;
}

#endif
