/*
 * jpeg_internal.h — state shared by the JPEG decoder's files:
 *   jpeg.c          marker parser, frame/scan validation, EXIF orientation, top level
 *   jpeg_huffman.c  Huffman tables, bit reader, baseline and progressive block decoding
 *   jpeg_idct.c     libjpeg-turbo's "islow" integer IDCT (jidctint.c algorithm)
 *   jpeg_color.c    fancy chroma upsampling and YCbCr→RGB exactly as libjpeg-turbo does
 *   jpeg_output.c   component buffers (MCU-row rings or whole planes) and when rows leave
 *   jpeg_std_tables.c  default Huffman tables for Motion-JPEG frames that omit DHT
 * Everything here is private to engine/image/jpeg*.c.
 */
#ifndef EMOC_IMAGE_JPEG_INTERNAL_H
#define EMOC_IMAGE_JPEG_INTERNAL_H

#include "engine/image/decoders.h"
#include <stddef.h>
#include <stdint.h>

#define JPEG_MAX_COMPONENTS 4
#define JPEG_MAX_SCANS 500 /* like libjpeg-turbo fuzzers/tjbench: more is a CPU-exhaustion attempt */

/* Huffman table ready for decoding: 9-bit lookahead plus canonical per-length bounds. */
typedef struct jpeg_huffman {
    int defined;
    uint16_t fast[1 << 9];  /* (length << 8) | symbol, or 0 when the code is longer than 9 bits */
    int32_t maxcode[18];    /* largest code of each length, -1 if none; [17] sentinel */
    int32_t valoffset[17];  /* symbol index = code + valoffset[length] */
    uint8_t symbols[256];
} jpeg_huffman;

typedef struct jpeg_component {
    int id, h, v, tq;        /* from SOF */
    int blocks_w, blocks_h;  /* blocks covering the component in an interleaved MCU grid */
    int comp_w, comp_h;      /* downsampled size: ceil(W·h/hmax), ceil(H·v/vmax) */
    int dc_table, ac_table;  /* from the current SOS */
    int dc_pred;
    int quant_latched;       /* libjpeg latches the quantiser at the component's first scan */
    uint16_t quant[64];      /* natural order */
    int covered;             /* at least one scan carried this component */
    uint8_t *plane;          /* blocks_w·8 samples wide: every block row, or a ring (below) */
    int ring_blocks;         /* 0: whole plane; else the plane keeps this many block rows (3 MCU
                              * rows), block row by at by % ring_blocks (jpeg_output.c) */
    int16_t *coefs;          /* progressive only: blocks_w·blocks_h·64, natural order */
} jpeg_component;

/* Bit reader over entropy-coded data; appends zero bits past a marker or the end of data and
 * counts them so that any use of an invented bit is reported as truncation. */
typedef struct jpeg_bits {
    const uint8_t *data;
    size_t size, pos;        /* pos: next byte not yet taken into buf */
    uint64_t buf;            /* MSB-aligned */
    int count;               /* valid bits in buf */
    int fake;                /* of which this many (the lowest) are invented zeros */
    int stopped;             /* hit a marker or the end of data */
} jpeg_bits;

typedef struct jpeg_decoder {
    const uint8_t *data;
    size_t size;
    emoc_error *err;

    int width, height, ncomp, progressive, frame_seen;
    int hmax, vmax, mcux, mcuy;
    jpeg_component comp[JPEG_MAX_COMPONENTS];

    uint16_t qt[4][64];      /* natural order */
    int qt_defined[4];
    jpeg_huffman dc_huff[4], ac_huff[4];
    int restart_interval;

    int saw_jfif, saw_adobe, adobe_transform;
    int orientation;
    int scans;

    /* output, set up at the first SOS (jpeg_output.c) */
    const emoc__row_sink *sink;      /* where finished rows go */
    const emoc__row_sink *turn_sink; /* replaces sink for an EXIF orientation > 1 (NULL: never); */
    emoc__turn_sink *turn;           /* its user data, told the orientation at the first SOS */
    int force_planes;                /* whole planes even where MCU rows suffice (test reference) */
    int single_scan;                 /* sequential, first scan carries every component: rows
                                      * leave as its MCU rows are decoded */
    int ycc;                         /* 3 components are YCbCr (decided at the first SOS) */
    int next_row;                    /* next output row to hand to the sink */
    uint8_t *rowbuf;                 /* upsampled component rows + one output row */
    size_t rowlen;
    int cr_r[256], cb_b[256];        /* YCbCr→RGB tables (jdcolor.c) */
    int32_t cr_g[256], cb_g[256];

    /* current scan */
    int scan_ncomp, scan_comp[JPEG_MAX_COMPONENTS];
    int ss, se, ah, al;
    int eobrun;
    jpeg_bits bits;
} jpeg_decoder;

/* Writes "jpeg: offset N: reason" into d->err and returns `status`. */
emoc_status jpeg__fail(jpeg_decoder *d, emoc_status status, size_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

extern const uint8_t jpeg__zigzag[64 + 16]; /* zigzag index → natural index; tail maps to 63 */

/* jpeg_huffman.c */
emoc_status jpeg__build_huffman(jpeg_decoder *d, jpeg_huffman *h, const uint8_t counts[16],
                                const uint8_t *symbols, int nsymbols, int is_dc, size_t offset);
/* jpeg_std_tables.c: installs the T.81 Annex K tables in empty slots 0 and 1 (libjpeg-turbo). */
emoc_status jpeg__default_huffman(jpeg_decoder *d);
/* Decodes the entropy-coded segment of the current scan starting at byte `start`; returns the
 * offset where the parser should look for the next marker in *end. */
emoc_status jpeg__decode_scan(jpeg_decoder *d, size_t start, size_t *end);

/* jpeg_idct.c: dequantises and inverse-transforms one block into out (stride bytes/row). */
void jpeg__idct_islow(const int16_t coef[64], const uint16_t quant[64], uint8_t *out,
                      size_t stride);

/* Where block (bx, by) of component c starts in its plane (stride blocks_w·8). */
static inline uint8_t *jpeg__block_at(const jpeg_component *c, int bx, int by)
{
    size_t row = (size_t)(c->ring_blocks ? by % c->ring_blocks : by) * 8;
    return c->plane + row * (size_t)c->blocks_w * 8 + (size_t)bx * 8;
}

/* Sample row y of component c (y < blocks_h·8, inside the ring when there is one). */
static inline const uint8_t *jpeg__comp_row(const jpeg_component *c, int y)
{
    size_t row = (size_t)(c->ring_blocks ? y % (c->ring_blocks * 8) : y);
    return c->plane + row * (size_t)c->blocks_w * 8;
}

/* jpeg_color.c: row buffers and colour tables; then upsamples and converts output rows
 * d->next_row .. y_end − 1 (their component rows, with one row of context above and below,
 * must be in the buffers), handing each (width × 1 or 3 bytes) to d->sink. */
emoc_status jpeg__color_init(jpeg_decoder *d);
emoc_status jpeg__emit_rows_upto(jpeg_decoder *d, int y_end);

/* jpeg_output.c */
/* At the first SOS: colour transform, sink, buffers (MCU-row rings for a single-scan sequential
 * or a progressive image, whole planes otherwise), then sink->begin. */
emoc_status jpeg__start_output(jpeg_decoder *d);
/* Single-scan sequential: MCU rows 0..r are decoded; hands out the rows now complete. */
emoc_status jpeg__mcu_row_done(jpeg_decoder *d, int r);
/* After the last scan: progressive coefficients inverse-transformed MCU row by MCU row, and
 * every row not yet handed out. */
emoc_status jpeg__finish_output(jpeg_decoder *d);
void jpeg__release_output(jpeg_decoder *d);

#endif
