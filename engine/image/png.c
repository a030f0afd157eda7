/*
 * png.c — PNG decoder: every chunk's CRC checked, IHDR validated before any allocation, IDAT
 * inflated by inflate.c into a buffer of exactly the expected size, the five filter types,
 * Adam7 interlace. Output as Pillow's convert('RGB') / convert('L') gives it:
 *   gray 1/2/4/8 bit → gray (low depths scaled ×255/×85/×17), gray+alpha → gray, RGB(A) → RGB,
 *   palette 1/2/4/8 bit → RGB (tRNS ignored, an index past the palette gives black),
 *   16-bit samples → their high byte (what Pillow does for RGB/RGBA/LA and OpenCV for all).
 */
#include "engine/base/crc32.h"
#include "engine/image/decoders.h"

#include <stdlib.h>
#include <string.h>

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

typedef struct {
    uint32_t w, h;
    int depth, color, interlace;
    int samples;              /* channels in the file: 1, 2, 3, 4 */
    uint8_t palette[256 * 3];
    int palette_n;            /* -1: no PLTE */
} png_header;

static const int ADAM7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

static size_t row_bytes(const png_header *h, size_t width)
{
    return (width * (size_t)h->samples * (size_t)h->depth + 7) / 8;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc) return a;
    return pb <= pc ? b : c;
}

static emoc_status unfilter(uint8_t *row, const uint8_t *prev, size_t n, size_t bpp, int type,
                            size_t at, emoc_error *err)
{
    switch (type) {
    case 0: break;
    case 1: for (size_t i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]); break;
    case 2: for (size_t i = 0; i < n; i++) row[i] = (uint8_t)(row[i] + prev[i]); break;
    case 3:
        for (size_t i = 0; i < n; i++)
            row[i] = (uint8_t)(row[i] + (((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1));
        break;
    case 4:
        for (size_t i = 0; i < n; i++)
            row[i] = (uint8_t)(row[i] + paeth(i >= bpp ? row[i - bpp] : 0, prev[i], i >= bpp ? prev[i - bpp] : 0));
        break;
    default:
        return emoc__fail(err, EMOC_E_FORMAT, "png: decompressed byte %zu: invalid filter type %d", at, type);
    }
    return EMOC_OK;
}

/* Converts pixel i of an unfiltered row into out[0..channels) (8-bit). */
static void pixel(const png_header *h, const uint8_t *row, size_t i, uint8_t *out)
{
    if (h->depth < 8) {
        size_t bit = i * (size_t)h->depth;
        unsigned v = (row[bit >> 3] >> (8 - h->depth - (bit & 7))) & ((1u << h->depth) - 1);
        if (h->color == 3) {
            if ((int)v < h->palette_n) memcpy(out, h->palette + 3 * v, 3);
            else out[0] = out[1] = out[2] = 0;
        } else {
            out[0] = (uint8_t)(v * (h->depth == 1 ? 255 : h->depth == 2 ? 85 : 17));
        }
        return;
    }
    size_t step = (size_t)h->depth / 8; /* 1 or 2: the high byte comes first */
    const uint8_t *s = row + i * (size_t)h->samples * step;
    switch (h->color) {
    case 0: case 4: out[0] = s[0]; break;
    case 2: case 6: out[0] = s[0]; out[1] = s[step]; out[2] = s[2 * step]; break;
    default: {
        unsigned v = s[0];
        if ((int)v < h->palette_n) memcpy(out, h->palette + 3 * v, 3);
        else out[0] = out[1] = out[2] = 0;
    }
    }
}

static emoc_status parse_ihdr(const uint8_t *d, uint32_t len, size_t at, png_header *h, emoc_error *err)
{
    if (len != 13) return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: IHDR length %u, expected 13", at, len);
    h->w = be32(d);
    h->h = be32(d + 4);
    h->depth = d[8];
    h->color = d[9];
    h->interlace = d[12];
    if (d[10] != 0 || d[11] != 0)
        return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: unknown compression %u or filter method %u",
                          at + 10, d[10], d[11]);
    if (h->interlace > 1) return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: unknown interlace method %d", at + 12, h->interlace);
    int ok;
    switch (h->color) {
    case 0: h->samples = 1; ok = h->depth == 1 || h->depth == 2 || h->depth == 4 || h->depth == 8 || h->depth == 16; break;
    case 2: h->samples = 3; ok = h->depth == 8 || h->depth == 16; break;
    case 3: h->samples = 1; ok = h->depth == 1 || h->depth == 2 || h->depth == 4 || h->depth == 8; break;
    case 4: h->samples = 2; ok = h->depth == 8 || h->depth == 16; break;
    case 6: h->samples = 4; ok = h->depth == 8 || h->depth == 16; break;
    default:
        return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: unknown color type %d", at + 9, h->color);
    }
    if (!ok)
        return emoc__fail(err, EMOC_E_UNSUPPORTED, "png: offset %zu: bit depth %d not allowed for color type %d",
                          at + 8, h->depth, h->color);
    return EMOC_OK;
}

/* Walks the chunks: checks lengths and CRCs, reads IHDR/PLTE, totals the IDAT bytes, and (when
 * idat != NULL) copies them. */
static emoc_status walk_chunks(const uint8_t *data, size_t size, png_header *h, uint8_t *idat,
                               size_t *idat_size, emoc_error *err)
{
    size_t pos = 8, total = 0;
    int seen_ihdr = 0, seen_idat = 0, idat_ended = 0;
    for (;;) {
        if (size - pos < 12)
            return emoc__fail(err, EMOC_E_TRUNCATED, "png: offset %zu: file ends before %s", pos,
                              seen_ihdr ? "IEND" : "IHDR");
        uint32_t len = be32(data + pos);
        const uint8_t *type = data + pos + 4;
        char name[5];
        for (int i = 0; i < 4; i++)
            name[i] = (type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z') ? (char)type[i] : '?';
        name[4] = 0;
        if (len > 0x7FFFFFFFu)
            return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: %s chunk length %u exceeds 2^31-1", pos, name, len);
        if (size - pos - 12 < len)
            return emoc__fail(err, EMOC_E_TRUNCATED, "png: offset %zu: %s chunk of %u bytes runs past the end of the file (%zu)",
                              pos, name, len, size);
        const uint8_t *body = data + pos + 8;
        uint32_t stored = be32(body + len), computed = emoc__crc32(0, type, (size_t)len + 4);
        if (stored != computed)
            return emoc__fail(err, EMOC_E_CHECKSUM, "png: offset %zu: %s CRC mismatch (stored 0x%08x, computed 0x%08x)",
                              pos + 8 + len, name, stored, computed);
        if (!seen_ihdr && memcmp(type, "IHDR", 4))
            return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: first chunk is %s, expected IHDR", pos, name);
        if (!memcmp(type, "IHDR", 4)) {
            if (seen_ihdr) return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: second IHDR", pos);
            emoc_status st = parse_ihdr(body, len, pos + 8, h, err);
            if (st) return st;
            seen_ihdr = 1;
        } else if (!memcmp(type, "PLTE", 4)) {
            if (len % 3 || len == 0 || len > 768)
                return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: PLTE length %u is not 3..768 and a multiple of 3", pos, len);
            if (seen_idat) return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: PLTE after IDAT", pos);
            memcpy(h->palette, body, len);
            h->palette_n = (int)(len / 3);
        } else if (!memcmp(type, "IDAT", 4)) {
            if (idat_ended) return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: IDAT chunks are not consecutive", pos);
            if (idat) memcpy(idat + total, body, len);
            total += len;
            seen_idat = 1;
        } else if (!memcmp(type, "IEND", 4)) {
            break;
        } else if (!(type[0] & 0x20)) {
            return emoc__fail(err, EMOC_E_UNSUPPORTED, "png: offset %zu: unknown critical chunk %s", pos, name);
        }
        if (seen_idat && memcmp(type, "IDAT", 4)) idat_ended = 1;
        pos += 12 + (size_t)len;
    }
    if (!seen_idat) return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: no IDAT chunk", pos);
    if (h->color == 3 && h->palette_n < 0)
        return emoc__fail(err, EMOC_E_FORMAT, "png: offset %zu: palette image without PLTE", pos);
    *idat_size = total;
    return EMOC_OK;
}

/* Signature, chunks, limits: fills h, *idat_size, *out_ch and *want (scanline bytes). */
static emoc_status png_header_checks(const uint8_t *data, size_t size, const emoc__image_limits *lim, png_header *h,
                                     size_t *idat_size, int *out_ch, size_t *want, emoc_error *err)
{
    if (size < 8 || memcmp(data, "\x89PNG\r\n\x1a\n", 8))
        return emoc__fail(err, EMOC_E_FORMAT, "png: offset 0: bad signature");
    memset(h, 0, sizeof *h);
    h->palette_n = -1;
    *idat_size = 0;
    emoc_status st = walk_chunks(data, size, h, NULL, idat_size, err);
    if (st) return st;
    *out_ch = (h->color == 2 || h->color == 3 || h->color == 6) ? 3 : 1;
    if (h->w > 0x7FFFFFFFu || h->h > 0x7FFFFFFFu)
        return emoc__fail(err, EMOC_E_FORMAT, "png: offset 16: dimensions %ux%u exceed 2^31-1", h->w, h->h);
    /* Size limits checked here, before anything is allocated. */
    st = emoc__image_check(h->w, h->h, *out_ch, lim, "png", 16, err);
    if (st) return st;
    *want = 0;
    for (int p = 0; p < (h->interlace ? 7 : 1); p++) {
        size_t x0 = h->interlace ? ADAM7[p][0] : 0, y0 = h->interlace ? ADAM7[p][1] : 0;
        size_t dx = h->interlace ? ADAM7[p][2] : 1, dy = h->interlace ? ADAM7[p][3] : 1;
        size_t pw = h->w > x0 ? (h->w - x0 + dx - 1) / dx : 0, ph = h->h > y0 ? (h->h - y0 + dy - 1) / dy : 0;
        if (pw && ph) *want += ph * (1 + row_bytes(h, pw));
    }
    /* DEFLATE expands at most ~1032:1; refuse before allocating if the IDAT data cannot fill it. */
    if (*want / 1032 > *idat_size + 64)
        return emoc__fail(err, EMOC_E_TRUNCATED, "png: %zu bytes of IDAT cannot hold %ux%u pixels (%zu bytes)",
                          *idat_size, h->w, h->h, *want);
    return EMOC_OK;
}

emoc_status emoc__decode_png(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                             emoc__image *out, emoc_error *err)
{
    png_header h;
    size_t idat_size, want;
    int out_ch;
    emoc_status st = png_header_checks(data, size, lim, &h, &idat_size, &out_ch, &want, err);
    if (st) return st;
    st = emoc__image_alloc(out, h.w, h.h, out_ch, lim, "png", 16, err);
    if (st) return st;
    uint8_t *idat = malloc(idat_size ? idat_size : 1);
    uint8_t *raw = malloc(want);
    uint8_t *prev = calloc(row_bytes(&h, h.w) + 1, 1);
    if (!idat || !raw || !prev) {
        st = emoc__fail(err, EMOC_E_NOMEM, "png: cannot allocate %zu + %zu bytes", idat_size, want);
        goto done;
    }
    walk_chunks(data, size, &h, idat, &idat_size, err);
    size_t produced = 0;
    emoc_error zerr;
    st = emoc__zlib_inflate(idat, idat_size, raw, want, &produced, &zerr);
    if (st) {
        emoc__fail(err, st, "png: IDAT stream %s", zerr.msg);
        goto done;
    }
    if (produced != want) {
        st = emoc__fail(err, EMOC_E_TRUNCATED, "png: IDAT holds %zu bytes of scanlines, %zu expected for %ux%u",
                        produced, want, h.w, h.h);
        goto done;
    }
    size_t bpp = ((size_t)h.samples * h.depth + 7) / 8;
    size_t at = 0;
    for (int p = 0; p < (h.interlace ? 7 : 1); p++) {
        size_t x0 = h.interlace ? ADAM7[p][0] : 0, y0 = h.interlace ? ADAM7[p][1] : 0;
        size_t dx = h.interlace ? ADAM7[p][2] : 1, dy = h.interlace ? ADAM7[p][3] : 1;
        size_t pw = h.w > x0 ? (h.w - x0 + dx - 1) / dx : 0, ph = h.h > y0 ? (h.h - y0 + dy - 1) / dy : 0;
        if (!pw || !ph) continue;
        size_t rb = row_bytes(&h, pw);
        memset(prev, 0, rb);
        for (size_t j = 0; j < ph; j++) {
            uint8_t *row = raw + at + 1;
            st = unfilter(row, prev, rb, bpp, raw[at], at, err);
            if (st) goto done;
            uint8_t *dst = out->pixels + ((y0 + j * dy) * h.w) * (size_t)out_ch;
            for (size_t i = 0; i < pw; i++) pixel(&h, row, i, dst + (x0 + i * dx) * (size_t)out_ch);
            memcpy(prev, row, rb);
            at += 1 + rb;
        }
    }
    st = EMOC_OK;
done:
    free(idat);
    free(raw);
    free(prev);
    if (st) {
        free(out->pixels);
        out->pixels = NULL;
    }
    return st;
}

/* Streamed decoding: the inflater hands scanline bytes in pieces; each whole scanline is
 * unfiltered against the previous one, converted and given to the row sink. */
typedef struct {
    const png_header *h;
    const emoc__row_sink *sink;
    uint8_t *line, *prev, *pix; /* 1 + rb bytes (filter type first), rb, width·channels */
    size_t rb, bpp, fill, at;
    int out_ch;
    emoc_error *err;            /* the caller's: a row's error is not the inflater's */
    int failed;
} png_rows;

static emoc_status take_bytes(void *user, const uint8_t *bytes, size_t n, emoc_error *zerr)
{
    png_rows *r = user;
    emoc_error *err = r->err;
    (void)zerr;
    while (n) {
        size_t k = 1 + r->rb - r->fill < n ? 1 + r->rb - r->fill : n;
        memcpy(r->line + r->fill, bytes, k);
        r->fill += k, bytes += k, n -= k;
        if (r->fill < 1 + r->rb) break;
        emoc_status st = unfilter(r->line + 1, r->prev, r->rb, r->bpp, r->line[0], r->at, err);
        for (size_t i = 0; st == EMOC_OK && i < r->h->w; i++) pixel(r->h, r->line + 1, i, r->pix + i * (size_t)r->out_ch);
        if (st == EMOC_OK) st = r->sink->row(r->sink->user, r->pix, err);
        if (st) {
            r->failed = 1;
            return st;
        }
        memcpy(r->prev, r->line + 1, r->rb);
        r->at += 1 + r->rb;
        r->fill = 0;
    }
    return EMOC_OK;
}

static emoc_status whole_then_rows(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                   const emoc__row_sink *sink, emoc_error *err)
{
    emoc__image img = {0, 0, 0, NULL, 1};
    emoc_status st = emoc__decode_png(data, size, lim, &img, err);
    if (st == EMOC_OK) st = sink->begin(sink->user, img.width, img.height, img.channels, err);
    size_t stride = (size_t)img.width * (size_t)img.channels;
    for (int y = 0; st == EMOC_OK && y < img.height; y++) st = sink->row(sink->user, img.pixels + y * stride, err);
    free(img.pixels);
    return st;
}

emoc_status emoc__decode_png_rows(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                  const emoc__row_sink *sink, emoc_error *err)
{
    png_header h;
    size_t idat_size, want;
    int out_ch;
    emoc_status st = png_header_checks(data, size, lim, &h, &idat_size, &out_ch, &want, err);
    if (st) return st;
    if (h.interlace) return whole_then_rows(data, size, lim, sink, err); /* Adam7 fills rows 7 times */
    if ((st = sink->begin(sink->user, (int)h.w, (int)h.h, out_ch, err)) != EMOC_OK) return st;
    png_rows r = {&h, sink, NULL, NULL, NULL, row_bytes(&h, h.w), ((size_t)h.samples * h.depth + 7) / 8, 0, 0, out_ch, err, 0};
    uint8_t *idat = malloc(idat_size ? idat_size : 1);
    r.line = malloc(r.rb + 1);
    r.prev = calloc(r.rb + 1, 1);
    r.pix = malloc((size_t)h.w * out_ch);
    if (!idat || !r.line || !r.prev || !r.pix) {
        st = emoc__fail(err, EMOC_E_NOMEM, "png: cannot allocate %zu + 3 rows of %zu bytes", idat_size, r.rb);
    } else {
        walk_chunks(data, size, &h, idat, &idat_size, err);
        size_t produced = 0;
        emoc_error zerr;
        st = emoc__zlib_inflate_stream(idat, idat_size, want, take_bytes, &r, &produced, &zerr);
        if (st) {
            if (!r.failed) emoc__fail(err, st, "png: IDAT stream %s", zerr.msg);
        } else if (produced != want) {
            st = emoc__fail(err, EMOC_E_TRUNCATED, "png: IDAT holds %zu bytes of scanlines, %zu expected for %ux%u",
                            produced, want, h.w, h.h);
        }
    }
    free(idat);
    free(r.line);
    free(r.prev);
    free(r.pix);
    return st;
}
