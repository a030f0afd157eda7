/*
 * jpeg.c — JPEG (JFIF/Exif) decoder entry point: the marker parser (SOI, APPn, DQT, DHT, DRI,
 * SOF0/1/2, SOS, EOI), validation of frame and scan headers, EXIF orientation (APP1, IFD0 tag
 * 0x0112), the Adobe APP14 colour transform flag, allocation after the limits check, and the
 * final IDCT/colour pass. Supported: 8-bit baseline, extended sequential and progressive Huffman,
 * 1 (gray) or 3 components, any integer sampling ratio. Anything else (12-bit, arithmetic coding,
 * lossless, hierarchical, CMYK) is EMOC_E_UNSUPPORTED with the reason. Rows leave as soon as
 * they are complete (jpeg_output.c): the whole image or a row sink receives them.
 * Every segment length is checked against what remains; every error names the byte offset.
 * Policy differences from libjpeg, on purpose: where libjpeg pads truncated entropy data with
 * zeros and only warns ("Premature end of JPEG file"), we return EMOC_E_TRUNCATED; a corrupt
 * Huffman code, a coefficient run past the block, or a missing/wrong restart marker is an error
 * instead of a warning plus resynchronisation. A sequential image whose EOI alone is missing
 * is accepted (all its data is there); a progressive one is not (later scans may be missing).
 */
#include "engine/image/jpeg_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint8_t jpeg__zigzag[64 + 16] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63};

emoc_status jpeg__fail(jpeg_decoder *d, emoc_status status, size_t offset, const char *fmt, ...)
{
    if (d->err) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "jpeg: offset %zu: ", offset);
        va_list ap;
        va_start(ap, fmt);
        emoc__vset_err_prefixed(d->err, prefix, fmt, ap);
        va_end(ap);
    }
    return status;
}

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* ---- APPn: EXIF orientation, JFIF, Adobe ---------------------------------------------- */

static unsigned tiff16(const uint8_t *p, int le) { return le ? (unsigned)p[1] << 8 | p[0] : be16(p); }
static uint32_t tiff32(const uint8_t *p, int le)
{
    return le ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Orientation from an Exif APP1 payload; 0 when absent or malformed (ignored, as Pillow does). */
static int exif_orientation(const uint8_t *p, size_t n)
{
    if (n < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0) return 0;
    const uint8_t *t = p + 6;
    size_t tn = n - 6;
    int le;
    if (t[0] == 'I' && t[1] == 'I') le = 1;
    else if (t[0] == 'M' && t[1] == 'M') le = 0;
    else return 0;
    if (tiff16(t + 2, le) != 42) return 0;
    uint32_t ifd = tiff32(t + 4, le);
    if (ifd > tn || tn - ifd < 2) return 0;
    unsigned entries = tiff16(t + ifd, le);
    if ((tn - ifd - 2) / 12 < entries) return 0;
    for (unsigned i = 0; i < entries; i++) {
        const uint8_t *e = t + ifd + 2 + 12 * (size_t)i;
        if (tiff16(e, le) == 0x0112 && tiff16(e + 2, le) == 3 && tiff32(e + 4, le) >= 1) {
            unsigned v = tiff16(e + 8, le);
            return v >= 1 && v <= 8 ? (int)v : 0;
        }
    }
    return 0;
}

static void parse_app(jpeg_decoder *d, int marker, const uint8_t *p, size_t n)
{
    /* After the first SOS rows may already be out; libjpeg and Pillow read these before it. */
    if (d->scans > 0) return;
    if (marker == 0xE0 && n >= 5 && memcmp(p, "JFIF\0", 5) == 0) d->saw_jfif = 1;
    if (marker == 0xE1 && !d->orientation) d->orientation = exif_orientation(p, n);
    if (marker == 0xEE && n >= 12 && memcmp(p, "Adobe", 5) == 0) {
        d->saw_adobe = 1;
        d->adobe_transform = p[11];
    }
}

/* ---- tables ----------------------------------------------------------------------------- */

static emoc_status parse_dqt(jpeg_decoder *d, const uint8_t *p, size_t n, size_t off)
{
    size_t i = 0;
    while (i < n) {
        int pq = p[i] >> 4, tq = p[i] & 15;
        if (pq > 1 || tq > 3)
            return jpeg__fail(d, EMOC_E_FORMAT, off + i, "DQT: bad precision %d or table id %d", pq, tq);
        size_t need = 1 + 64 * (size_t)(pq + 1);
        if (n - i < need)
            return jpeg__fail(d, EMOC_E_FORMAT, off + i, "DQT: table %d needs %zu bytes, segment has %zu",
                              tq, need, n - i);
        for (int k = 0; k < 64; k++) {
            unsigned q = pq ? be16(p + i + 1 + 2 * k) : p[i + 1 + k];
            d->qt[tq][jpeg__zigzag[k]] = (uint16_t)q;
        }
        d->qt_defined[tq] = 1;
        i += need;
    }
    return EMOC_OK;
}

static emoc_status parse_dht(jpeg_decoder *d, const uint8_t *p, size_t n, size_t off)
{
    size_t i = 0;
    while (i < n) {
        if (n - i < 17)
            return jpeg__fail(d, EMOC_E_FORMAT, off + i, "DHT: %zu bytes left, a table header needs 17", n - i);
        int tc = p[i] >> 4, th = p[i] & 15;
        if (tc > 1 || th > 3)
            return jpeg__fail(d, EMOC_E_FORMAT, off + i, "DHT: bad class %d or table id %d", tc, th);
        int total = 0;
        for (int k = 0; k < 16; k++) total += p[i + 1 + k];
        if (total > 256)
            return jpeg__fail(d, EMOC_E_FORMAT, off + i, "bad Huffman table: %d codes (max 256)", total);
        if (n - i - 17 < (size_t)total)
            return jpeg__fail(d, EMOC_E_FORMAT, off + i, "DHT: table declares %d symbols, segment has %zu bytes",
                              total, n - i - 17);
        jpeg_huffman *h = tc == 0 ? &d->dc_huff[th] : &d->ac_huff[th];
        emoc_status st = jpeg__build_huffman(d, h, p + i + 1, p + i + 17, total, tc == 0, off + i);
        if (st) return st;
        i += 17 + (size_t)total;
    }
    return EMOC_OK;
}

/* ---- frame and scan headers ------------------------------------------------------------ */

static emoc_status parse_sof(jpeg_decoder *d, int marker, const uint8_t *p, size_t n, size_t off,
                             const emoc__image_limits *lim)
{
    if (marker == 0xC3 || marker == 0xC7 || marker == 0xCB || marker == 0xCF)
        return jpeg__fail(d, EMOC_E_UNSUPPORTED, off - 4, "lossless JPEG (SOF%d) is not supported", marker - 0xC0);
    if (marker == 0xC5 || marker == 0xC6 || marker == 0xCD || marker == 0xCE)
        return jpeg__fail(d, EMOC_E_UNSUPPORTED, off - 4, "hierarchical JPEG (SOF%d) is not supported", marker - 0xC0);
    if (marker >= 0xC9)
        return jpeg__fail(d, EMOC_E_UNSUPPORTED, off - 4, "arithmetic-coded JPEG (SOF%d) is not supported",
                          marker - 0xC0);
    if (d->frame_seen) return jpeg__fail(d, EMOC_E_FORMAT, off - 4, "second SOF marker");
    if (n < 6) return jpeg__fail(d, EMOC_E_FORMAT, off, "SOF segment of %zu bytes is too short", n);
    if (p[0] != 8)
        return jpeg__fail(d, EMOC_E_UNSUPPORTED, off, "%d-bit sample precision is not supported (only 8-bit)", p[0]);
    d->height = (int)be16(p + 1);
    d->width = (int)be16(p + 3);
    d->ncomp = p[5];
    if (d->width == 0 || d->height == 0)
        return jpeg__fail(d, EMOC_E_FORMAT, off + 1, "zero image size %dx%d (DNL not supported)", d->width, d->height);
    if (d->ncomp == 4)
        return jpeg__fail(d, EMOC_E_UNSUPPORTED, off + 5, "4-component (CMYK/YCCK) JPEG is not supported");
    if (d->ncomp != 1 && d->ncomp != 3)
        return jpeg__fail(d, EMOC_E_UNSUPPORTED, off + 5, "%d components (only 1 or 3 supported)", d->ncomp);
    if (n != 6 + 3 * (size_t)d->ncomp)
        return jpeg__fail(d, EMOC_E_FORMAT, off, "SOF length %zu does not match %d components", n, d->ncomp);
    if (d->width > lim->max_width || d->height > lim->max_height)
        return jpeg__fail(d, EMOC_E_LIMIT, off + 1, "image %dx%d exceeds the limit %dx%d", d->width,
                          d->height, lim->max_width, lim->max_height);
    int ch = d->ncomp == 1 ? 1 : 3, counted = ch < lim->min_channels ? lim->min_channels : ch;
    size_t pixels = (size_t)d->width * (size_t)d->height;
    if (pixels * (size_t)counted > lim->max_bytes && lim->min_channels == 3)
        return jpeg__fail(d, EMOC_E_LIMIT, off + 1, "image %dx%d = %zu pixels exceeds the limit of %zu pixels "
                          "(3 bytes each as RGB, %zu bytes)", d->width, d->height, pixels, lim->max_bytes / 3, lim->max_bytes);
    if (pixels * (size_t)counted > lim->max_bytes)
        return jpeg__fail(d, EMOC_E_LIMIT, off + 1, "image %dx%dx%d exceeds the %zu-byte limit", d->width,
                          d->height, ch, lim->max_bytes);

    d->hmax = d->vmax = 1;
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_component *c = &d->comp[i];
        const uint8_t *q = p + 6 + 3 * i;
        c->id = q[0];
        c->h = q[1] >> 4;
        c->v = q[1] & 15;
        c->tq = q[2];
        for (int j = 0; j < i; j++)
            if (d->comp[j].id == c->id)
                return jpeg__fail(d, EMOC_E_FORMAT, off + 6 + 3 * (size_t)i, "duplicate component id %d", c->id);
        if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4)
            return jpeg__fail(d, EMOC_E_FORMAT, off + 7 + 3 * (size_t)i,
                              "component %d: sampling factors %dx%d outside 1..4", c->id, c->h, c->v);
        if (c->tq > 3)
            return jpeg__fail(d, EMOC_E_FORMAT, off + 8 + 3 * (size_t)i,
                              "component %d: quantisation table %d > 3", c->id, c->tq);
        if (c->h > d->hmax) d->hmax = c->h;
        if (c->v > d->vmax) d->vmax = c->v;
    }
    if (d->ncomp == 1) { /* a single component is never interleaved: its factors do not matter */
        d->comp[0].h = d->comp[0].v = d->hmax = d->vmax = 1;
    }
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_component *c = &d->comp[i];
        if (d->hmax % c->h || d->vmax % c->v)
            return jpeg__fail(d, EMOC_E_UNSUPPORTED, off + 7 + 3 * (size_t)i,
                              "component %d: fractional sampling ratio %d/%d x %d/%d", c->id, d->hmax, c->h,
                              d->vmax, c->v);
    }
    d->mcux = (d->width + 8 * d->hmax - 1) / (8 * d->hmax);
    d->mcuy = (d->height + 8 * d->vmax - 1) / (8 * d->vmax);
    d->progressive = marker == 0xC2;
    size_t coef_bytes = 0;
    for (int i = 0; i < d->ncomp; i++)
        coef_bytes += (size_t)d->mcux * d->comp[i].h * 64 * (size_t)d->mcuy * d->comp[i].v * sizeof(int16_t);
    /* A progressive image keeps every DCT coefficient until its last scan: 2 bytes a sample of
     * each component. They must fit the pixel limit too (docs/reliability.md, "Images"). */
    if (d->progressive && coef_bytes > lim->max_bytes)
        return jpeg__fail(d, EMOC_E_LIMIT, off + 1, "progressive %dx%d image needs %zu bytes of DCT coefficients, "
                          "above the %zu-byte limit (a baseline JPEG of this size needs none)", d->width, d->height,
                          coef_bytes, lim->max_bytes);
    for (int i = 0; i < d->ncomp; i++) { /* buffers are allocated at the first SOS */
        jpeg_component *c = &d->comp[i];
        c->blocks_w = d->mcux * c->h;
        c->blocks_h = d->mcuy * c->v;
        c->comp_w = (int)(((size_t)d->width * c->h + d->hmax - 1) / d->hmax);
        c->comp_h = (int)(((size_t)d->height * c->v + d->vmax - 1) / d->vmax);
    }
    d->frame_seen = 1;
    return EMOC_OK;
}

static emoc_status parse_sos(jpeg_decoder *d, const uint8_t *p, size_t n, size_t off)
{
    if (!d->frame_seen) return jpeg__fail(d, EMOC_E_FORMAT, off - 4, "SOS before SOF");
    if (d->single_scan) /* as libjpeg: "Didn't expect more than one scan" */
        return jpeg__fail(d, EMOC_E_FORMAT, off - 4, "second scan in a sequential image whose first scan "
                          "carried every component");
    if (++d->scans > JPEG_MAX_SCANS)
        return jpeg__fail(d, EMOC_E_LIMIT, off - 4, "more than %d scans", JPEG_MAX_SCANS);
    if (n < 1) return jpeg__fail(d, EMOC_E_FORMAT, off, "empty SOS segment");
    if (d->scans == 1) { /* libjpeg-turbo fills empty table slots when decoding starts */
        emoc_status st = jpeg__default_huffman(d);
        if (st) return st;
    }
    int ns = p[0];
    if (ns < 1 || ns > d->ncomp)
        return jpeg__fail(d, EMOC_E_FORMAT, off, "SOS: %d components in scan (frame has %d)", ns, d->ncomp);
    if (n != 4 + 2 * (size_t)ns)
        return jpeg__fail(d, EMOC_E_FORMAT, off, "SOS length %zu does not match %d components", n, ns);
    int blocks = 0;
    for (int i = 0; i < ns; i++) {
        int id = p[1 + 2 * i], ci = -1;
        for (int j = 0; j < d->ncomp; j++)
            if (d->comp[j].id == id) ci = j;
        if (ci < 0) return jpeg__fail(d, EMOC_E_FORMAT, off + 1 + 2 * (size_t)i, "SOS: unknown component id %d", id);
        for (int j = 0; j < i; j++)
            if (d->scan_comp[j] == ci)
                return jpeg__fail(d, EMOC_E_FORMAT, off + 1 + 2 * (size_t)i, "SOS: component %d listed twice", id);
        jpeg_component *c = &d->comp[ci];
        c->dc_table = p[2 + 2 * i] >> 4;
        c->ac_table = p[2 + 2 * i] & 15;
        if (c->dc_table > 3 || c->ac_table > 3)
            return jpeg__fail(d, EMOC_E_FORMAT, off + 2 + 2 * (size_t)i, "SOS: Huffman table id %d/%d > 3",
                              c->dc_table, c->ac_table);
        d->scan_comp[i] = ci;
        blocks += c->h * c->v;
    }
    if (ns > 1 && blocks > 10)
        return jpeg__fail(d, EMOC_E_FORMAT, off, "SOS: %d blocks per MCU (max 10)", blocks);
    const uint8_t *q = p + 1 + 2 * ns;
    d->scan_ncomp = ns;
    d->ss = q[0];
    d->se = q[1];
    d->ah = q[2] >> 4;
    d->al = q[2] & 15;
    size_t qoff = off + 1 + 2 * (size_t)ns;
    if (d->progressive) {
        if (d->ss == 0 && d->se != 0)
            return jpeg__fail(d, EMOC_E_FORMAT, qoff, "progressive DC scan with Se=%d", d->se);
        if (d->ss > 0 && (d->se < d->ss || d->se > 63 || ns != 1))
            return jpeg__fail(d, EMOC_E_FORMAT, qoff, "progressive AC scan Ss=%d Se=%d with %d components",
                              d->ss, d->se, ns);
        if (d->al > 13 || (d->ah != 0 && d->ah != d->al + 1))
            return jpeg__fail(d, EMOC_E_FORMAT, qoff + 2, "successive approximation Ah=%d Al=%d", d->ah, d->al);
    } else if (d->ss != 0 || d->se != 63 || d->ah != 0 || d->al != 0) {
        /* libjpeg only warns; the values are meaningless for sequential scans */
        d->ss = 0, d->se = 63, d->ah = d->al = 0;
    }

    for (int i = 0; i < ns; i++) {
        jpeg_component *c = &d->comp[d->scan_comp[i]];
        int need_dc = !d->progressive || (d->ss == 0 && d->ah == 0);
        int need_ac = !d->progressive || d->ss > 0;
        if (need_dc && !d->dc_huff[c->dc_table].defined)
            return jpeg__fail(d, EMOC_E_FORMAT, off, "scan uses undefined DC Huffman table %d", c->dc_table);
        if (need_ac && !d->ac_huff[c->ac_table].defined)
            return jpeg__fail(d, EMOC_E_FORMAT, off, "scan uses undefined AC Huffman table %d", c->ac_table);
        if (!c->quant_latched) {
            if (!d->qt_defined[c->tq])
                return jpeg__fail(d, EMOC_E_FORMAT, off, "component %d uses undefined quantisation table %d",
                                  c->id, c->tq);
            memcpy(c->quant, d->qt[c->tq], sizeof c->quant);
            c->quant_latched = 1;
        }
        c->covered = 1;
    }
    return EMOC_OK;
}

/* ---- top level --------------------------------------------------------------------------- */

static int all_covered(const jpeg_decoder *d)
{
    for (int i = 0; i < d->ncomp; i++)
        if (!d->comp[i].covered) return 0;
    return 1;
}

/* Walks the markers up to EOI; on success every scan has been entropy-decoded. */
static emoc_status parse(jpeg_decoder *d, const emoc__image_limits *lim)
{
    if (d->size < 2 || d->data[0] != 0xFF || d->data[1] != 0xD8)
        return jpeg__fail(d, EMOC_E_FORMAT, 0, "no SOI marker (not a JPEG file)");
    size_t pos = 2;
    for (;;) {
        /* Find the next marker; libjpeg skips stray bytes between segments with a warning. */
        while (pos < d->size && d->data[pos] != 0xFF) pos++;
        while (pos + 1 < d->size && d->data[pos + 1] == 0xFF) pos++;
        if (pos + 1 >= d->size) {
            if (d->frame_seen && d->scans > 0 && !d->progressive && all_covered(d))
                return EMOC_OK; /* complete sequential image, only the EOI marker is missing */
            return jpeg__fail(d, EMOC_E_TRUNCATED, d->size, "data ends before the EOI marker%s",
                              d->frame_seen ? "" : " (no frame header)");
        }
        int marker = d->data[pos + 1];
        size_t moff = pos;
        pos += 2;
        if (marker == 0xD9) {
            if (!d->frame_seen || d->scans == 0)
                return jpeg__fail(d, EMOC_E_FORMAT, moff, "EOI before any image data");
            if (!d->progressive && !all_covered(d))
                return jpeg__fail(d, EMOC_E_FORMAT, moff, "EOI before every component had a scan");
            return EMOC_OK;
        }
        if (marker >= 0xD0 && marker <= 0xD7)
            return jpeg__fail(d, EMOC_E_FORMAT, moff, "restart marker RST%d outside entropy-coded data",
                              marker - 0xD0);
        if (marker == 0xD8 || marker == 0x01 || marker == 0x00)
            return jpeg__fail(d, EMOC_E_FORMAT, moff, "unexpected marker 0xFF%02X", marker);
        if (d->size - pos < 2)
            return jpeg__fail(d, EMOC_E_TRUNCATED, d->size, "marker 0xFF%02X at offset %zu has no length",
                              marker, moff);
        size_t len = be16(d->data + pos);
        if (len < 2) return jpeg__fail(d, EMOC_E_FORMAT, pos, "segment length %zu < 2", len);
        if (len > d->size - pos)
            return jpeg__fail(d, EMOC_E_TRUNCATED, pos, "marker 0xFF%02X segment of %zu bytes, %zu remain",
                              marker, len, d->size - pos);
        const uint8_t *p = d->data + pos + 2;
        size_t n = len - 2, off = pos + 2;
        pos += len;
        emoc_status st = EMOC_OK;
        if (marker >= 0xE0 && marker <= 0xEF) {
            parse_app(d, marker, p, n);
        } else if (marker == 0xFE) {
            /* comment */
        } else if (marker == 0xDB) {
            st = parse_dqt(d, p, n, off);
        } else if (marker == 0xC4) {
            st = parse_dht(d, p, n, off);
        } else if (marker == 0xCC) {
            st = jpeg__fail(d, EMOC_E_UNSUPPORTED, moff, "arithmetic coding (DAC) is not supported");
        } else if (marker == 0xDD) {
            if (n != 2) return jpeg__fail(d, EMOC_E_FORMAT, off, "DRI segment of %zu bytes (expected 2)", n);
            d->restart_interval = (int)be16(p);
        } else if (marker >= 0xC0 && marker <= 0xCF) {
            st = parse_sof(d, marker, p, n, off, lim);
        } else if (marker == 0xDA) {
            st = parse_sos(d, p, n, off);
            if (!st && d->scans == 1) st = jpeg__start_output(d);
            if (!st) st = jpeg__decode_scan(d, pos, &pos);
        } else if (marker == 0xDC) {
            st = jpeg__fail(d, EMOC_E_UNSUPPORTED, moff, "DNL marker (height defined after the scan)");
        } else if ((marker >= 0xF0 && marker <= 0xFD) || marker == 0xDE || marker == 0xDF) {
            /* JPGn / hierarchical extension segments: skipped */
        } else {
            st = jpeg__fail(d, EMOC_E_FORMAT, moff, "unknown marker 0xFF%02X", marker);
        }
        if (st) return st;
    }
}

/* A row sink that collects the rows into one image (the whole decode, and an EXIF-rotated
 * image before it is turned). */
typedef struct {
    emoc__image img;
    int rows;
} collect_image;

static emoc_status collect_begin(void *user, int w, int h, int channels, emoc_error *err)
{
    collect_image *c = user;
    size_t bytes = (size_t)w * (size_t)h * (size_t)channels;
    c->img.pixels = malloc(bytes);
    if (!c->img.pixels) return emoc__fail(err, EMOC_E_NOMEM, "jpeg: cannot allocate %zu bytes of pixels", bytes);
    c->img.width = w, c->img.height = h, c->img.channels = channels;
    return EMOC_OK;
}

static emoc_status collect_row(void *user, const uint8_t *px, emoc_error *err)
{
    collect_image *c = user;
    size_t stride = (size_t)c->img.width * (size_t)c->img.channels;
    if (c->rows >= c->img.height) return emoc__fail(err, EMOC_E_INTERNAL, "jpeg: row %d of %d", c->rows, c->img.height);
    memcpy(c->img.pixels + (size_t)c->rows++ * stride, px, stride);
    return EMOC_OK;
}

static jpeg_decoder *new_decoder(const uint8_t *data, size_t size, emoc_error *err)
{
    jpeg_decoder *d = calloc(1, sizeof *d);
    if (!d) {
        if (err) snprintf(err->msg, sizeof err->msg, "jpeg: cannot allocate the decoder state");
        return NULL;
    }
    d->data = data;
    d->size = size;
    d->err = err;
    return d;
}

/* Parses and decodes the stream, handing rows to d->sink (or d->turn_sink) as they complete. */
static emoc_status run(jpeg_decoder *d, const emoc__image_limits *lim)
{
    emoc_status st = parse(d, lim);
    if (!st) st = jpeg__finish_output(d);
    jpeg__release_output(d);
    return st;
}

/* The whole image (orientation recorded, not applied); whole_planes: the reference path. */
static emoc_status decode_whole(const uint8_t *data, size_t size, const emoc__image_limits *lim, emoc__image *out,
                                emoc_error *err, int whole_planes)
{
    if (!out || !lim || (!data && size)) {
        if (err) snprintf(err->msg, sizeof err->msg, "jpeg: NULL %s", !out ? "output image" : !lim ? "limits" : "data");
        return EMOC_E_ARG;
    }
    memset(out, 0, sizeof *out);
    jpeg_decoder *d = new_decoder(data, size, err);
    if (!d) return EMOC_E_NOMEM;
    collect_image c;
    memset(&c, 0, sizeof c);
    emoc__row_sink collect = {collect_begin, collect_row, &c};
    d->sink = &collect;
    d->force_planes = whole_planes;
    emoc_status st = run(d, lim);
    if (!st && c.rows != d->height) st = jpeg__fail(d, EMOC_E_INTERNAL, d->size, "%d of %d rows decoded", c.rows, d->height);
    if (!st) {
        *out = c.img;
        out->orientation = d->orientation ? d->orientation : 1;
    } else {
        free(c.img.pixels);
    }
    free(d);
    return st;
}

emoc_status emoc__decode_jpeg(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                              emoc__image *out, emoc_error *err)
{
    return decode_whole(data, size, lim, out, err, 0);
}

emoc_status emoc__decode_jpeg_planes(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                     emoc__image *out, emoc_error *err)
{
    return decode_whole(data, size, lim, out, err, 1);
}

emoc_status emoc__decode_jpeg_rows(const uint8_t *data, size_t size, const emoc__image_limits *lim,
                                   const emoc__row_sink *sink, emoc_error *err)
{
    jpeg_decoder *d = new_decoder(data, size, err);
    if (!d) return EMOC_E_NOMEM;
    /* EXIF rotation: rows of the turned image need the whole image first; each decoded row
     * goes straight to its place in it */
    emoc__turn_sink t;
    memset(&t, 0, sizeof t);
    emoc__row_sink turn = {emoc__turn_begin, emoc__turn_row, &t};
    d->sink = sink;
    d->turn_sink = &turn;
    d->turn = &t;
    emoc_status st = run(d, lim);
    if (!st && d->sink == &turn && t.rows != t.src_h)
        st = jpeg__fail(d, EMOC_E_INTERNAL, d->size, "%d of %d rows decoded", t.rows, t.src_h);
    if (!st && d->sink == &turn) {
        st = sink->begin(sink->user, t.img.width, t.img.height, t.img.channels, err);
        size_t stride = (size_t)t.img.width * (size_t)t.img.channels;
        for (int y = 0; !st && y < t.img.height; y++) st = sink->row(sink->user, t.img.pixels + y * stride, err);
    }
    free(t.img.pixels);
    free(d);
    return st;
}
