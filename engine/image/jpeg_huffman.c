/*
 * jpeg_huffman.c — entropy decoding: Huffman table construction (with libjpeg's validation:
 * over-subscribed code lengths and DC symbols > 15 are errors), a bounded bit reader over the
 * byte-stuffed segment, restart-marker handling, and the block decoders for baseline/extended
 * sequential scans and the four progressive scan kinds (DC first/refine, AC first/refine with
 * EOB runs), following ITU-T T.81 Annex G and libjpeg's jdhuff.c/jdphuff.c behaviour.
 * Any bit taken from past a marker or the end of the data is an error, never a silent zero.
 */
#include "engine/image/jpeg_internal.h"

#include <string.h>

#define FAST_BITS 9

emoc_status jpeg__build_huffman(jpeg_decoder *d, jpeg_huffman *h, const uint8_t counts[16],
                                const uint8_t *symbols, int nsymbols, int is_dc, size_t offset)
{
    uint8_t size[257];
    uint16_t code_of[256];
    int p = 0;
    for (int l = 1; l <= 16; l++)
        for (int i = 0; i < counts[l - 1]; i++) size[p++] = (uint8_t)l;
    size[p] = 0;
    if (p != nsymbols) return jpeg__fail(d, EMOC_E_INTERNAL, offset, "Huffman symbol count");

    /* Canonical codes; a length whose codes do not fit in its bit width is over-subscribed. */
    uint32_t code = 0;
    int si = p ? size[0] : 0;
    p = 0;
    while (size[p]) {
        while (size[p] == si) {
            code_of[p++] = (uint16_t)code;
            code++;
        }
        if (code >= (1u << si))
            return jpeg__fail(d, EMOC_E_FORMAT, offset,
                              "bad Huffman table: code lengths over-subscribed at length %d", si);
        code <<= 1;
        si++;
    }

    memset(h, 0, sizeof *h);
    memcpy(h->symbols, symbols, (size_t)nsymbols);
    p = 0;
    for (int l = 1; l <= 16; l++) {
        if (counts[l - 1]) {
            h->valoffset[l] = p - (int32_t)code_of[p];
            p += counts[l - 1];
            h->maxcode[l] = code_of[p - 1];
        } else {
            h->maxcode[l] = -1;
        }
    }
    h->maxcode[17] = 0x7FFFFFFF;

    for (int i = 0; i < nsymbols; i++) {
        int len = size[i];
        if (is_dc && symbols[i] > 15)
            return jpeg__fail(d, EMOC_E_FORMAT, offset,
                              "bad Huffman table: DC symbol %d > 15", symbols[i]);
        if (len > FAST_BITS) continue;
        int shift = FAST_BITS - len;
        for (int j = 0; j < (1 << shift); j++)
            h->fast[(code_of[i] << shift) | j] = (uint16_t)((len << 8) | symbols[i]);
    }
    h->defined = 1;
    return EMOC_OK;
}

/* ---- bit reader ------------------------------------------------------------------------- */

static void bits_init(jpeg_bits *b, const uint8_t *data, size_t size, size_t pos)
{
    memset(b, 0, sizeof *b);
    b->data = data;
    b->size = size;
    b->pos = pos;
}

static void bits_fill(jpeg_bits *b)
{
    while (b->count <= 56) {
        uint64_t byte = 0;
        if (!b->stopped) {
            if (b->pos >= b->size) {
                b->stopped = 1;
            } else if (b->data[b->pos] != 0xFF) {
                byte = b->data[b->pos++];
            } else {
                size_t p = b->pos + 1;
                while (p < b->size && b->data[p] == 0xFF) p++; /* fill bytes */
                if (p < b->size && b->data[p] == 0x00) {
                    byte = 0xFF;
                    b->pos = p + 1;
                } else {
                    b->stopped = 1; /* a marker (or the end): stay on its first 0xFF */
                }
            }
        }
        if (b->stopped) b->fake += 8;
        b->buf |= byte << (56 - b->count);
        b->count += 8;
    }
}

static inline uint32_t bits_get(jpeg_bits *b, int n)
{
    if (n == 0) return 0;
    if (b->count < n) bits_fill(b);
    uint32_t v = (uint32_t)(b->buf >> (64 - n));
    b->buf <<= n;
    b->count -= n;
    return v;
}

static inline int extend(uint32_t v, int s)
{
    return s == 0 ? 0 : v < (1u << (s - 1)) ? (int)v - (1 << s) + 1 : (int)v;
}

/* Next Huffman symbol, or -1 for a code that is in no table. */
static inline int huff_decode(jpeg_bits *b, const jpeg_huffman *h)
{
    if (b->count < 32) bits_fill(b);
    uint16_t e = h->fast[b->buf >> (64 - FAST_BITS)];
    if (e) {
        int len = e >> 8;
        b->buf <<= len;
        b->count -= len;
        return e & 0xFF;
    }
    uint32_t code16 = (uint32_t)(b->buf >> 48);
    for (int l = FAST_BITS + 1; l <= 16; l++) {
        int32_t code = (int32_t)(code16 >> (16 - l));
        if (code <= h->maxcode[l]) {
            b->buf <<= l;
            b->count -= l;
            int idx = code + h->valoffset[l];
            return (idx >= 0 && idx < 256) ? h->symbols[idx] : -1;
        }
    }
    return -1;
}

/* ---- block decoders ------------------------------------------------------------------- */

enum { BLOCK_OK = 0, BLOCK_BAD_CODE = 1, BLOCK_BAD_INDEX = 2 };

static int decode_dc_diff(jpeg_decoder *d, const jpeg_huffman *h, int *diff)
{
    int s = huff_decode(&d->bits, h);
    if (s < 0) return BLOCK_BAD_CODE;
    *diff = extend(bits_get(&d->bits, s), s);
    return BLOCK_OK;
}

static int decode_sequential(jpeg_decoder *d, jpeg_component *c, int16_t coef[64])
{
    int diff;
    int r = decode_dc_diff(d, &d->dc_huff[c->dc_table], &diff);
    if (r) return r;
    c->dc_pred = (int16_t)(uint16_t)(c->dc_pred + diff); /* wraps on hostile input like JCOEF */
    coef[0] = (int16_t)c->dc_pred;
    const jpeg_huffman *ac = &d->ac_huff[c->ac_table];
    for (int k = 1; k < 64; k++) {
        int rs = huff_decode(&d->bits, ac);
        if (rs < 0) return BLOCK_BAD_CODE;
        int run = rs >> 4, s = rs & 15;
        if (s) {
            k += run;
            if (k > 63) return BLOCK_BAD_INDEX;
            coef[jpeg__zigzag[k]] = (int16_t)extend(bits_get(&d->bits, s), s);
        } else if (run == 15) {
            k += 15;
        } else {
            break;
        }
    }
    return BLOCK_OK;
}

static int decode_dc_first(jpeg_decoder *d, jpeg_component *c, int16_t coef[64])
{
    int diff;
    int r = decode_dc_diff(d, &d->dc_huff[c->dc_table], &diff);
    if (r) return r;
    c->dc_pred = (int16_t)(uint16_t)(c->dc_pred + diff);
    coef[0] = (int16_t)(uint16_t)((unsigned)c->dc_pred << d->al);
    return BLOCK_OK;
}

static int decode_dc_refine(jpeg_decoder *d, int16_t coef[64])
{
    if (bits_get(&d->bits, 1)) coef[0] = (int16_t)(uint16_t)((unsigned)coef[0] | (1u << d->al));
    return BLOCK_OK;
}

static int decode_ac_first(jpeg_decoder *d, jpeg_component *c, int16_t coef[64])
{
    if (d->eobrun > 0) {
        d->eobrun--;
        return BLOCK_OK;
    }
    const jpeg_huffman *ac = &d->ac_huff[c->ac_table];
    for (int k = d->ss; k <= d->se; k++) {
        int rs = huff_decode(&d->bits, ac);
        if (rs < 0) return BLOCK_BAD_CODE;
        int run = rs >> 4, s = rs & 15;
        if (s) {
            k += run;
            if (k > d->se) return BLOCK_BAD_INDEX;
            int v = extend(bits_get(&d->bits, s), s);
            coef[jpeg__zigzag[k]] = (int16_t)(uint16_t)((unsigned)v << d->al);
        } else if (run == 15) {
            k += 15;
        } else {
            d->eobrun = (1 << run) - 1;
            if (run) d->eobrun += (int)bits_get(&d->bits, run);
            break;
        }
    }
    return BLOCK_OK;
}

/* Correction bit for an already non-zero coefficient (T.81 G.1.2.3). */
static inline void refine_nonzero(jpeg_decoder *d, int16_t *cf, int p1)
{
    if (bits_get(&d->bits, 1) && (*cf & p1) == 0)
        *cf = (int16_t)(*cf >= 0 ? *cf + p1 : *cf - p1);
}

static int decode_ac_refine(jpeg_decoder *d, jpeg_component *c, int16_t coef[64])
{
    const int p1 = 1 << d->al;
    int k = d->ss;
    if (d->eobrun == 0) {
        const jpeg_huffman *ac = &d->ac_huff[c->ac_table];
        for (; k <= d->se; k++) {
            int rs = huff_decode(&d->bits, ac);
            if (rs < 0) return BLOCK_BAD_CODE;
            int run = rs >> 4, s = rs & 15, value = 0;
            if (s) {
                /* s must be 1 here; libjpeg warns and goes on, so do we */
                value = bits_get(&d->bits, 1) ? p1 : -p1;
            } else if (run != 15) {
                d->eobrun = 1 << run;
                if (run) d->eobrun += (int)bits_get(&d->bits, run);
                break;
            }
            /* Skip `run` zero coefficients, refining the non-zero ones passed over. */
            while (k <= d->se) {
                int16_t *cf = &coef[jpeg__zigzag[k]];
                if (*cf != 0) {
                    refine_nonzero(d, cf, p1);
                } else {
                    if (run == 0) break;
                    run--;
                }
                k++;
            }
            if (value) {
                if (k > d->se) return BLOCK_BAD_INDEX;
                coef[jpeg__zigzag[k]] = (int16_t)value;
            }
        }
    }
    if (d->eobrun > 0) {
        for (; k <= d->se; k++) {
            int16_t *cf = &coef[jpeg__zigzag[k]];
            if (*cf != 0) refine_nonzero(d, cf, p1);
        }
        d->eobrun--;
    }
    return BLOCK_OK;
}

/* ---- scan driver ------------------------------------------------------------------------ */

/* Where the reader stopped: end of data (truncation) or a marker (corrupt or cut-and-joined). */
static emoc_status overrun_error(jpeg_decoder *d, int mcu, int total)
{
    size_t p = d->bits.pos;
    while (p < d->size && d->data[p] == 0xFF) p++;
    if (p >= d->size)
        return jpeg__fail(d, EMOC_E_TRUNCATED, d->size,
                          "entropy-coded data of scan %d ends at MCU %d of %d", d->scans, mcu, total);
    return jpeg__fail(d, EMOC_E_FORMAT, d->bits.pos,
                      "marker 0xFF%02X inside the entropy-coded data of scan %d (MCU %d of %d)",
                      d->data[p], d->scans, mcu, total);
}

static emoc_status restart(jpeg_decoder *d, int *next_rst, int mcu, int total)
{
    jpeg_bits *b = &d->bits;
    size_t p = b->pos;
    while (p < d->size && d->data[p] == 0xFF && p + 1 < d->size && d->data[p + 1] == 0xFF) p++;
    if (p + 1 >= d->size)
        return jpeg__fail(d, EMOC_E_TRUNCATED, d->size,
                          "data ends before restart marker RST%d (scan %d, MCU %d of %d)",
                          *next_rst, d->scans, mcu, total);
    if (d->data[p] != 0xFF || d->data[p + 1] != 0xD0 + *next_rst)
        return jpeg__fail(d, EMOC_E_FORMAT, p,
                          "expected restart marker RST%d, found bytes 0x%02X 0x%02X (scan %d, MCU %d of %d)",
                          *next_rst, d->data[p], d->data[p + 1], d->scans, mcu, total);
    bits_init(b, d->data, d->size, p + 2);
    *next_rst = (*next_rst + 1) & 7;
    for (int i = 0; i < d->ncomp; i++) d->comp[i].dc_pred = 0;
    d->eobrun = 0;
    return EMOC_OK;
}

static int decode_block(jpeg_decoder *d, jpeg_component *c, int bx, int by)
{
    if (!d->progressive) {
        int16_t coef[64];
        memset(coef, 0, sizeof coef);
        int r = decode_sequential(d, c, coef);
        if (r == BLOCK_OK) jpeg__idct_islow(coef, c->quant, jpeg__block_at(c, bx, by), (size_t)c->blocks_w * 8);
        return r;
    }
    int16_t *coef = c->coefs + ((size_t)by * c->blocks_w + bx) * 64;
    if (d->ss == 0) return d->ah == 0 ? decode_dc_first(d, c, coef) : decode_dc_refine(d, coef);
    return d->ah == 0 ? decode_ac_first(d, c, coef) : decode_ac_refine(d, c, coef);
}

emoc_status jpeg__decode_scan(jpeg_decoder *d, size_t start, size_t *end)
{
    bits_init(&d->bits, d->data, d->size, start);
    d->eobrun = 0;
    for (int i = 0; i < d->scan_ncomp; i++) d->comp[d->scan_comp[i]].dc_pred = 0;

    const int interleaved = d->scan_ncomp > 1;
    jpeg_component *single = &d->comp[d->scan_comp[0]];
    const int units_w = interleaved ? d->mcux : (single->comp_w + 7) / 8;
    const int units_h = interleaved ? d->mcuy : (single->comp_h + 7) / 8;
    const int total = units_w * units_h; /* ≤ 2^26: width, height ≤ 65535 */
    int next_rst = 0;

    for (int m = 0; m < total; m++) {
        if (d->restart_interval && m > 0 && m % d->restart_interval == 0) {
            emoc_status st = restart(d, &next_rst, m, total);
            if (st) return st;
        }
        const int ux = m % units_w, uy = m / units_w;
        int r = BLOCK_OK;
        if (!interleaved) {
            r = decode_block(d, single, ux, uy);
        } else {
            for (int i = 0; i < d->scan_ncomp && r == BLOCK_OK; i++) {
                jpeg_component *c = &d->comp[d->scan_comp[i]];
                for (int v = 0; v < c->v && r == BLOCK_OK; v++)
                    for (int h = 0; h < c->h && r == BLOCK_OK; h++)
                        r = decode_block(d, c, ux * c->h + h, uy * c->v + v);
            }
        }
        /* An invented bit was used: report truncation before blaming the Huffman code. */
        if (d->bits.count < d->bits.fake) return overrun_error(d, m, total);
        if (r == BLOCK_BAD_CODE)
            return jpeg__fail(d, EMOC_E_FORMAT, d->bits.pos,
                              "invalid Huffman code in scan %d at MCU %d of %d", d->scans, m, total);
        if (r == BLOCK_BAD_INDEX)
            return jpeg__fail(d, EMOC_E_FORMAT, d->bits.pos,
                              "coefficient run past the end of the block in scan %d at MCU %d of %d",
                              d->scans, m, total);
        if (d->single_scan && ux == units_w - 1 && uy + 1 < units_h) {
            emoc_status st = jpeg__mcu_row_done(d, uy); /* rows leave as MCU rows complete */
            if (st) return st;
        }
    }
    *end = d->bits.pos;
    return EMOC_OK;
}
