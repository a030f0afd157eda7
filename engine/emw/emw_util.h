/*
 * emw_util.h — private helpers of the EMW reader and writer: little-endian field access (byte by
 * byte, so any buffer alignment and any host byte order work), overflow-checked size arithmetic
 * (every size and running total goes through these; docs/reliability.md, loader checklist item 4) and UTF-8
 * validation. Header-only, static inline.
 */
#ifndef EMOC_WEIGHTS_EMW_UTIL_H
#define EMOC_WEIGHTS_EMW_UTIL_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t emw__ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t emw__ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline uint64_t emw__ld64(const uint8_t *p)
{
    return (uint64_t)emw__ld32(p) | ((uint64_t)emw__ld32(p + 4) << 32);
}
static inline void emw__st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void emw__st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void emw__st64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Checked arithmetic: return 0 and leave *out untouched on overflow. */
static inline int emw__add(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a > UINT64_MAX - b) return 0;
    *out = a + b;
    return 1;
}
static inline int emw__mul(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}
/* Rounds up to a multiple of `align` (a power of two), refusing to wrap. */
static inline int emw__align_up(uint64_t a, uint64_t align, uint64_t *out)
{
    uint64_t t;
    if (!emw__add(a, align - 1, &t)) return 0;
    *out = t & ~(align - 1);
    return 1;
}

/* Strict UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF) without NUL bytes. Returns 1 if valid,
 * else 0 with *bad = offset of the first offending byte. */
static inline int emw__utf8_valid(const uint8_t *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c == 0) goto fail;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; min = 0x10000; }
        else goto fail;
        if (len > n - i) goto fail;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) goto fail;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) goto fail;
        i += len;
    }
    return 1;
fail:
    *bad = i;
    return 0;
}

#endif
