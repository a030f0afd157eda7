/*
 * rows.h — the row scheduler shared by the convolution kernels of every ISA (dwconv_*.c,
 * conv2d_*.c): which output pixels of a row see every kernel tap, and in which groups the ISA's
 * tile function computes them.
 *
 * A row of output pixels splits into a left border (pixels whose kernel hangs over the left
 * padding), the interior (every kx tap inside the input) and a right border. Border pixels go
 * one at a time over their valid kx range; interior pixels go in groups of the widths the ISA
 * gives, widest first, each width used while it fits (8, 4, 2, 1 → 8·n, then at most one 4, one
 * 2, one 1). The group function receives the valid tap ranges [ky0, ky1) × [kx0, kx1); taps
 * outside them are exactly the ones the reference skips, so whatever the grouping every output
 * element is the same FMA chain and the result does not depend on the rows a call is given.
 *
 * Plain C and static inline (docs/architecture.md R2): each ISA file includes it and gets its own
 * copy compiled with its own flags; the group function is a constant at every call site, so the
 * walk is inlined and costs one direct call per group.
 */
#ifndef EMOC_KERNELS_ROWS_H
#define EMOC_KERNELS_ROWS_H

/* Spatial geometry of a convolution: input ih×iw, output oh×ow, kernel kh×kw, stride sh×sw,
 * top/left padding (the bottom/right padding is what oh/ow imply). */
typedef struct emoc_conv_geom {
    int ih, iw, oh, ow, kh, kw, sh, sw, pad_t, pad_l;
} emoc_conv_geom;

#define EMOC_CONV_GEOM(a)                                                                        \
    ((emoc_conv_geom){(a)->ih, (a)->iw, (a)->oh, (a)->ow, (a)->kh, (a)->kw, (a)->sh, (a)->sw,    \
                      (a)->pad_t, (a)->pad_l})

/* Valid taps [*k0, *k1) of output index o along one axis (stride s, leading padding pad, kernel
 * k, input length n). */
static inline void emoc__tap_range(int o, int s, int pad, int k, int n, int *k0, int *k1)
{
    int lo = pad - o * s, hi = n + pad - o * s;
    *k0 = lo > 0 ? lo : 0;
    *k1 = hi < k ? hi : k;
}

/* Interior output columns [*lo, *hi): ox·sw − pad_l ≥ 0 and ox·sw − pad_l + kw ≤ iw. */
static inline void emoc__row_interior(const emoc_conv_geom *g, int *lo, int *hi)
{
    int l = (g->pad_l + g->sw - 1) / g->sw;
    int h = g->iw - g->kw + g->pad_l < 0 ? 0 : (g->iw - g->kw + g->pad_l) / g->sw + 1;
    if (l > g->ow) l = g->ow;
    if (h > g->ow) h = g->ow;
    *lo = l;
    *hi = h < l ? l : h;
}

/* group(ctx, oy, ox, npx, ky0, ky1, kx0, kx1): npx pixels from (oy, ox); npx is one of the
 * widths (interior, kx0 = 0, kx1 = kw) or 1 (a border pixel, or an interior one when 1 is among
 * the widths). */
typedef void (*emoc_row_group_fn)(const void *ctx, int oy, int ox, int npx, int ky0, int ky1, int kx0,
                                  int kx1);

/* Output rows [oy0, oy1): borders one pixel at a time, the interior in groups of widths[0..n)
 * (descending; include 1 to finish the interior, else its last pixels go through the border
 * path with their full kx range). */
static inline __attribute__((always_inline)) void
emoc__conv_rows(const emoc_conv_geom *g, int oy0, int oy1, const int *widths, int n_widths,
                emoc_row_group_fn group, const void *ctx)
{
    int lo, hi;
    emoc__row_interior(g, &lo, &hi);
    for (int oy = oy0; oy < oy1; oy++) {
        int ky0, ky1, kx0, kx1;
        emoc__tap_range(oy, g->sh, g->pad_t, g->kh, g->ih, &ky0, &ky1);
        int ox = 0;
        for (; ox < lo; ox++) {
            emoc__tap_range(ox, g->sw, g->pad_l, g->kw, g->iw, &kx0, &kx1);
            group(ctx, oy, ox, 1, ky0, ky1, kx0, kx1);
        }
        for (int i = 0; i < n_widths; i++)
            for (; ox + widths[i] <= hi; ox += widths[i]) group(ctx, oy, ox, widths[i], ky0, ky1, 0, g->kw);
        for (; ox < g->ow; ox++) {
            emoc__tap_range(ox, g->sw, g->pad_l, g->kw, g->iw, &kx0, &kx1);
            group(ctx, oy, ox, 1, ky0, ky1, kx0, kx1);
        }
    }
}

#endif
