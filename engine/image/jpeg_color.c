/*
 * jpeg_color.c — from decoded component planes to interleaved 8-bit pixels, reproducing
 * libjpeg-turbo's defaults (do_fancy_upsampling = TRUE, JDCT_ISLOW) so results match Pillow and
 * OpenCV: triangle-filter ("fancy") upsampling for 2:1 horizontal (h2v1), 2:1 vertical (h1v2)
 * and both (h2v2), plain replication for other integer ratios and for chroma rows of at most two
 * samples (libjpeg's rule), edge rows replicated at the top and bottom of the downsampled
 * component, then YCbCr→RGB with libjpeg's 16-bit fixed-point tables (jdcolor.c). Rows go to a
 * row sink one at a time (decoders.h), so no whole RGB image is needed; the component rows
 * are read through jpeg__comp_row, so they may sit in MCU-row rings (jpeg_output.c).
 */
#include "engine/image/jpeg_internal.h"

#include <stdlib.h>
#include <string.h>

#define SCALEBITS 16
#define ONE_HALF ((int32_t)1 << (SCALEBITS - 1))
#define FIX(x) ((int32_t)((x) * (1L << SCALEBITS) + 0.5))

static inline uint8_t clamp255(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* Produces output row y (width d->width, buffer has room for 2·comp_w + 8) of component c. */
static void upsample_row(const jpeg_decoder *d, const jpeg_component *c, int y, uint8_t *out)
{
    const int hr = d->hmax / c->h, vr = d->vmax / c->v;
    const int cw = c->comp_w, ch = c->comp_h;

    if (hr == 1 && vr == 1) {
        memcpy(out, jpeg__comp_row(c, y), (size_t)d->width);
        return;
    }
    if (hr == 2 && vr == 1 && cw > 2) { /* h2v1 fancy */
        const uint8_t *in = jpeg__comp_row(c, y);
        out[0] = in[0];
        out[1] = (uint8_t)((in[0] * 3 + in[1] + 2) >> 2);
        for (int x = 1; x < cw - 1; x++) {
            int v = in[x] * 3;
            out[2 * x] = (uint8_t)((v + in[x - 1] + 1) >> 2);
            out[2 * x + 1] = (uint8_t)((v + in[x + 1] + 2) >> 2);
        }
        out[2 * cw - 2] = (uint8_t)((in[cw - 1] * 3 + in[cw - 2] + 1) >> 2);
        out[2 * cw - 1] = in[cw - 1];
        return;
    }
    if (vr == 2 && (hr == 1 || (hr == 2 && cw > 2))) { /* h1v2 / h2v2 fancy */
        int iy = y / 2, below = y & 1;
        int ny = below ? iy + 1 : iy - 1;
        if (ny < 0) ny = 0;
        if (ny > ch - 1) ny = ch - 1;
        const uint8_t *r0 = jpeg__comp_row(c, iy);
        const uint8_t *r1 = jpeg__comp_row(c, ny);
        if (hr == 1) {
            int bias = below ? 2 : 1;
            for (int x = 0; x < cw; x++) out[x] = (uint8_t)((r0[x] * 3 + r1[x] + bias) >> 2);
            return;
        }
        int last = r0[0] * 3 + r1[0], cur = last, next;
        out[0] = (uint8_t)((cur * 4 + 8) >> 4);
        next = r0[1] * 3 + r1[1];
        out[1] = (uint8_t)((cur * 3 + next + 7) >> 4);
        last = cur;
        cur = next;
        for (int x = 1; x < cw - 1; x++) {
            next = r0[x + 1] * 3 + r1[x + 1];
            out[2 * x] = (uint8_t)((cur * 3 + last + 8) >> 4);
            out[2 * x + 1] = (uint8_t)((cur * 3 + next + 7) >> 4);
            last = cur;
            cur = next;
        }
        out[2 * cw - 2] = (uint8_t)((cur * 3 + last + 8) >> 4);
        out[2 * cw - 1] = (uint8_t)((cur * 4 + 7) >> 4);
        return;
    }
    /* Integer replication (libjpeg's int_upsample / h2v1_upsample / h2v2_upsample). */
    const uint8_t *in = jpeg__comp_row(c, y / vr);
    for (int x = 0; x < d->width; x++) out[x] = in[x / hr];
}

emoc_status jpeg__color_init(jpeg_decoder *d)
{
    const size_t w = (size_t)d->width;
    if (d->ncomp == 1) return EMOC_OK; /* gray rows go out straight from the plane */
    size_t rowlen = 0;
    for (int i = 0; i < 3; i++) {
        size_t need = (size_t)d->comp[i].comp_w * 2 + 8;
        if (need < w) need = w;
        if (need > rowlen) rowlen = need;
    }
    d->rowbuf = malloc(rowlen * 3 + w * 3);
    if (!d->rowbuf) return jpeg__fail(d, EMOC_E_NOMEM, 0, "cannot allocate %zu bytes of row buffers", rowlen * 3 + w * 3);
    d->rowlen = rowlen;
    for (int i = 0; i < 256; i++) {
        int32_t x = i - 128;
        d->cr_r[i] = (int)((FIX(1.40200) * x + ONE_HALF) >> SCALEBITS);
        d->cb_b[i] = (int)((FIX(1.77200) * x + ONE_HALF) >> SCALEBITS);
        d->cr_g[i] = -FIX(0.71414) * x;
        d->cb_g[i] = -FIX(0.34414) * x + ONE_HALF;
    }
    return EMOC_OK;
}

emoc_status jpeg__emit_rows_upto(jpeg_decoder *d, int y_end)
{
    const size_t w = (size_t)d->width;
    const emoc__row_sink *sink = d->sink;
    if (y_end > d->height) y_end = d->height;
    if (d->ncomp == 1) {
        for (; d->next_row < y_end; d->next_row++) {
            emoc_status st = sink->row(sink->user, jpeg__comp_row(&d->comp[0], d->next_row), d->err);
            if (st) return st;
        }
        return EMOC_OK;
    }
    uint8_t *r0 = d->rowbuf, *r1 = r0 + d->rowlen, *r2 = r1 + d->rowlen, *o = r2 + d->rowlen;
    for (; d->next_row < y_end; d->next_row++) {
        const int y = d->next_row;
        upsample_row(d, &d->comp[0], y, r0);
        upsample_row(d, &d->comp[1], y, r1);
        upsample_row(d, &d->comp[2], y, r2);
        if (d->ycc) {
            for (size_t x = 0; x < w; x++) {
                int yy = r0[x], cb = r1[x], cr = r2[x];
                o[3 * x + 0] = clamp255(yy + d->cr_r[cr]);
                o[3 * x + 1] = clamp255(yy + (int)((d->cb_g[cb] + d->cr_g[cr]) >> SCALEBITS));
                o[3 * x + 2] = clamp255(yy + d->cb_b[cb]);
            }
        } else {
            for (size_t x = 0; x < w; x++) {
                o[3 * x + 0] = r0[x];
                o[3 * x + 1] = r1[x];
                o[3 * x + 2] = r2[x];
            }
        }
        emoc_status st = sink->row(sink->user, o, d->err);
        if (st) return st;
    }
    return EMOC_OK;
}
