/*
 * resize_pil.c — Pillow's Image.resize(size, BILINEAR) on 8-bit images (libImaging/Resample.c),
 * the torchvision Resize of the ABAW notebooks: a triangle filter stretched by the scale when
 * downscaling (antialiased), coefficients normalised in double then converted to 22-bit fixed
 * point, a horizontal pass then a vertical pass, each rounding back to uint8. Passes whose size
 * does not change are skipped, as Pillow does. Streamed (resize.h): each source row goes through the
 * horizontal pass as it arrives; the vertical pass runs when the last one has.
 */
#include "engine/image/resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION_BITS (32 - 8 - 2)

typedef struct {
    int ksize;
    int *bounds; /* per output: first input index, count */
    int *kk;     /* per output: ksize fixed-point weights */
} coeffs;

static double bilinear_filter(double x)
{
    if (x < 0.0) x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

static int precompute(int in_size, int out_size, coeffs *c)
{
    double scale = (double)in_size / out_size, filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 1.0 * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    double *pre = malloc(sizeof(double) * (size_t)out_size * ksize);
    c->bounds = malloc(sizeof(int) * 2 * (size_t)out_size);
    c->kk = malloc(sizeof(int) * (size_t)out_size * ksize);
    c->ksize = ksize;
    if (!pre || !c->bounds || !c->kk) {
        free(pre);
        return -1;
    }
    for (int xx = 0; xx < out_size; xx++) {
        double center = (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        double *k = pre + (size_t)xx * ksize;
        int x;
        for (x = 0; x < xmax; x++) {
            double w = bilinear_filter((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (x = 0; x < xmax; x++)
            if (ww != 0.0) k[x] /= ww;
        for (; x < ksize; x++) k[x] = 0;
        c->bounds[2 * xx] = xmin;
        c->bounds[2 * xx + 1] = xmax;
    }
    for (size_t i = 0; i < (size_t)out_size * ksize; i++)
        c->kk[i] = pre[i] < 0 ? (int)(-0.5 + pre[i] * (1 << PRECISION_BITS))
                              : (int)(0.5 + pre[i] * (1 << PRECISION_BITS));
    free(pre);
    return 0;
}

static uint8_t clip8(int v)
{
    v >>= PRECISION_BITS;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static void horizontal(const uint8_t *src, int sw, int rows, int cn, uint8_t *dst, int dw, const coeffs *c)
{
    for (int y = 0; y < rows; y++) {
        const uint8_t *s = src + (size_t)y * sw * cn;
        uint8_t *d = dst + (size_t)y * dw * cn;
        for (int xx = 0; xx < dw; xx++) {
            int xmin = c->bounds[2 * xx], xmax = c->bounds[2 * xx + 1];
            const int *k = c->kk + (size_t)xx * c->ksize;
            for (int ch = 0; ch < cn; ch++) {
                int ss = 1 << (PRECISION_BITS - 1);
                for (int x = 0; x < xmax; x++) ss += s[(size_t)(x + xmin) * cn + ch] * k[x];
                d[xx * cn + ch] = clip8(ss);
            }
        }
    }
}

static void vertical(const uint8_t *src, int w, int cn, uint8_t *dst, int dh, const coeffs *c)
{
    size_t stride = (size_t)w * cn;
    for (int yy = 0; yy < dh; yy++) {
        int ymin = c->bounds[2 * yy], ymax = c->bounds[2 * yy + 1];
        const int *k = c->kk + (size_t)yy * c->ksize;
        uint8_t *d = dst + (size_t)yy * stride;
        for (size_t i = 0; i < stride; i++) {
            int ss = 1 << (PRECISION_BITS - 1);
            for (int y = 0; y < ymax; y++) ss += src[(size_t)(y + ymin) * stride + i] * k[y];
            d[i] = clip8(ss);
        }
    }
}

struct emoc__pil_resizer {
    int sw, sh, cn, dw, dh, need_h, need_v, y;
    uint8_t *dst, *tmp;    /* tmp: dw × sh × cn, the rows the vertical pass reads */
    coeffs cx, cy;
};

void emoc__pil_resizer_free(emoc__pil_resizer *r)
{
    if (!r) return;
    free(r->tmp);
    free(r->cx.bounds);
    free(r->cx.kk);
    free(r->cy.bounds);
    free(r->cy.kk);
    free(r);
}

emoc_status emoc__pil_resizer_create(int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                                     emoc__pil_resizer **out, emoc_error *err)
{
    *out = NULL;
    emoc__pil_resizer *r = calloc(1, sizeof *r);
    if (!r) return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate the resizer");
    r->sw = sw, r->sh = sh, r->cn = cn, r->dw = dw, r->dh = dh, r->dst = dst;
    r->need_h = dw != sw;
    r->need_v = dh != sh;
    if ((r->need_h && precompute(sw, dw, &r->cx)) || (r->need_v && precompute(sh, dh, &r->cy))) {
        emoc__pil_resizer_free(r);
        return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate coefficients");
    }
    if (r->need_v && !(r->tmp = malloc((size_t)dw * sh * cn))) {
        emoc__pil_resizer_free(r);
        return emoc__fail(err, EMOC_E_NOMEM, "resize: cannot allocate %dx%d buffer", dw, sh);
    }
    *out = r;
    return EMOC_OK;
}

void emoc__pil_resizer_push(emoc__pil_resizer *r, const uint8_t *row)
{
    if (r->y >= r->sh) return;
    size_t stride = (size_t)r->dw * r->cn;
    uint8_t *d = (r->need_v ? r->tmp : r->dst) + (size_t)r->y * stride;
    if (r->need_h) horizontal(row, r->sw, 1, r->cn, d, r->dw, &r->cx);
    else memcpy(d, row, stride);
    if (++r->y == r->sh && r->need_v) vertical(r->tmp, r->dw, r->cn, r->dst, r->dh, &r->cy);
}

emoc_status emoc__resize_pil(const uint8_t *src, int sw, int sh, int cn, uint8_t *dst, int dw, int dh,
                             emoc_error *err)
{
    emoc__pil_resizer *r;
    emoc_status st = emoc__pil_resizer_create(sw, sh, cn, dst, dw, dh, &r, err);
    if (st) return st;
    for (int y = 0; y < sh; y++) emoc__pil_resizer_push(r, src + (size_t)y * sw * cn);
    emoc__pil_resizer_free(r);
    return EMOC_OK;
}
