/*
 * jpeg_output.c — where the decoded samples live and when rows leave the decoder.
 *
 * A sequential image whose first scan carries every component (every baseline JPEG a camera or
 * libjpeg writes) is decoded into rings of 3 MCU rows per component: once MCU row r is decoded,
 * the output rows of MCU row r − 1 are complete (fancy upsampling reads one component row above
 * and below: the last row of MCU row r − 2 and the first of row r), are upsampled, colour-
 * converted and handed to the row sink, and row r + 1 may then overwrite row r − 2. A progressive
 * image keeps its DCT coefficients until the last scan, then is inverse-transformed into the same
 * rings MCU row by MCU row. Only a sequential image split into several scans (components decoded
 * one after another) needs its whole component planes. docs/reliability.md, "Images", gives the
 * memory of each case.
 */
#include "engine/image/jpeg_internal.h"

#include <stdlib.h>
#include <string.h>

emoc_status jpeg__start_output(jpeg_decoder *d)
{
    /* libjpeg fixes the colour space from the markers before the first SOS (later APPn are
     * ignored by the parser). */
    d->ycc = 1;
    if (d->ncomp == 3 && !d->saw_jfif) {
        if (d->saw_adobe) d->ycc = d->adobe_transform != 0;
        else if (d->comp[0].id == 'R' && d->comp[1].id == 'G' && d->comp[2].id == 'B') d->ycc = 0;
    }
    if (d->turn_sink && d->orientation > 1) {
        d->sink = d->turn_sink;
        d->turn->orientation = d->orientation;
    }
    d->single_scan = !d->progressive && d->scan_ncomp == d->ncomp;
    const int ring = !d->force_planes && (d->single_scan || d->progressive);
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_component *c = &d->comp[i];
        size_t width = (size_t)c->blocks_w * 8, all_rows = (size_t)c->blocks_h * 8; /* < 2^36 samples */
        c->ring_blocks = ring ? 3 * c->v : 0;
        size_t rows = ring ? (size_t)c->ring_blocks * 8 : all_rows;
        c->plane = calloc(width * rows, 1);
        if (!c->plane)
            return jpeg__fail(d, EMOC_E_NOMEM, 0, "cannot allocate %zu bytes for component %d", width * rows, c->id);
        if (d->progressive) {
            c->coefs = calloc(width * all_rows, sizeof(int16_t));
            if (!c->coefs)
                return jpeg__fail(d, EMOC_E_NOMEM, 0, "cannot allocate %zu coefficients for component %d",
                                  width * all_rows, c->id);
        }
    }
    emoc_status st = jpeg__color_init(d);
    if (st) return st;
    return d->sink->begin(d->sink->user, d->width, d->height, d->ncomp == 1 ? 1 : 3, d->err);
}

emoc_status jpeg__mcu_row_done(jpeg_decoder *d, int r)
{
    /* output rows of MCU rows 0 .. r − 1 have every component row they read */
    return jpeg__emit_rows_upto(d, r * 8 * d->vmax);
}

/* Progressive: dequantise and inverse-transform MCU row r of every component into its buffer. */
static void idct_mcu_row(jpeg_decoder *d, int r)
{
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_component *c = &d->comp[i];
        size_t stride = (size_t)c->blocks_w * 8;
        for (int by = r * c->v; by < (r + 1) * c->v; by++)
            for (int bx = 0; bx < c->blocks_w; bx++)
                jpeg__idct_islow(c->coefs + ((size_t)by * c->blocks_w + bx) * 64, c->quant, jpeg__block_at(c, bx, by),
                                 stride);
    }
}

emoc_status jpeg__finish_output(jpeg_decoder *d)
{
    if (d->progressive) {
        for (int i = 0; i < d->ncomp; i++) {
            jpeg_component *c = &d->comp[i];
            if (!c->quant_latched) { /* never in a scan: libjpeg decodes it as flat grey */
                if (!d->qt_defined[c->tq])
                    return jpeg__fail(d, EMOC_E_FORMAT, d->size, "component %d was never scanned", c->id);
                memcpy(c->quant, d->qt[c->tq], sizeof c->quant);
            }
        }
        for (int r = 0; r < d->mcuy; r++) {
            idct_mcu_row(d, r);
            emoc_status st = jpeg__mcu_row_done(d, r);
            if (st) return st;
        }
        for (int i = 0; i < d->ncomp; i++) { /* the buffers hold everything still needed */
            free(d->comp[i].coefs);
            d->comp[i].coefs = NULL;
        }
    }
    return jpeg__emit_rows_upto(d, d->height);
}

void jpeg__release_output(jpeg_decoder *d)
{
    for (int i = 0; i < JPEG_MAX_COMPONENTS; i++) {
        free(d->comp[i].plane);
        free(d->comp[i].coefs);
        d->comp[i].plane = NULL;
        d->comp[i].coefs = NULL;
    }
    free(d->rowbuf);
    d->rowbuf = NULL;
}
