/*
 * test_rows.c — the row scheduler shared by the convolution kernels (engine/kernels/rows.h):
 * over a sweep of input widths, kernel widths, strides and paddings (asymmetric included), every
 * output pixel of the given rows is handed out exactly once, interior groups only hold pixels
 * whose every tap is inside the input, and each call's tap ranges are exactly the taps that
 * land inside the input (the ones the reference kernels do not skip).
 */
#include "tests/kernels/ktest.h"

#include "engine/kernels/rows.h"

#include <string.h>

typedef struct {
    const emoc_conv_geom *g;
    int seen[64][64];
    int calls, groups_of[9];
} walk_log;

static void record(const void *ctx, int oy, int ox, int npx, int ky0, int ky1, int kx0, int kx1)
{
    walk_log *w = (walk_log *)(uintptr_t)ctx;
    const emoc_conv_geom *g = w->g;
    w->calls++;
    w->groups_of[npx < 9 ? npx : 0]++;
    for (int j = 0; j < npx; j++) {
        int ox_j = ox + j;
        cr_assert(ox_j < g->ow, "pixel %d past the row (ow %d)", ox_j, g->ow);
        w->seen[oy][ox_j]++;
        int e0, e1, f0, f1;
        emoc__tap_range(oy, g->sh, g->pad_t, g->kh, g->ih, &e0, &e1);
        emoc__tap_range(ox_j, g->sw, g->pad_l, g->kw, g->iw, &f0, &f1);
        cr_assert(ky0 == e0 && ky1 == e1, "row %d: ky [%d,%d) expected [%d,%d)", oy, ky0, ky1, e0, e1);
        cr_assert(kx0 == f0 && kx1 == f1, "pixel (%d,%d) of a %d-group: kx [%d,%d) expected [%d,%d)",
                  oy, ox_j, npx, kx0, kx1, f0, f1);
        /* every tap of the range lands inside the input, every tap outside it does not */
        for (int k = 0; k < g->kw; k++) {
            int ix = ox_j * g->sw - g->pad_l + k;
            cr_assert_eq(k >= kx0 && k < kx1, ix >= 0 && ix < g->iw, "pixel %d tap %d", ox_j, k);
        }
        for (int k = 0; k < g->kh; k++) {
            int iy = oy * g->sh - g->pad_t + k;
            cr_assert_eq(k >= ky0 && k < ky1, iy >= 0 && iy < g->ih, "row %d tap %d", oy, k);
        }
    }
    if (npx > 1) cr_assert(kx0 == 0 && kx1 == g->kw, "a %d-pixel group with a partial kernel", npx);
}

Test(rows, every_pixel_once_with_its_valid_taps)
{
    static const int widths[] = {8, 4, 2, 1}, widths_no1[] = {4};
    int cases = 0;
    for (int iw = 1; iw <= 21; iw += 2)
        for (int k = 1; k <= 9; k += 2)
            for (int s = 1; s <= 2; s++)
                for (int pl = 0; pl <= k / 2 + 1; pl++)
                    for (int pr = 0; pr <= k / 2; pr++)
                        for (int set = 0; set < 2; set++) {
                            int ow = (iw + pl + pr - k) / s + 1;
                            if (iw + pl + pr < k || ow > 64) continue;
                            /* rows: 5 high, kernel 3 stride 1 pad 1/1, or kernel 5 stride 2
                             * pad 1 top / 2 bottom (TF-SAME-like) */
                            emoc_conv_geom g = set == 0 ? (emoc_conv_geom){5, iw, 5, ow, 3, k, 1, s, 1, pl}
                                                        : (emoc_conv_geom){5, iw, 2, ow, 5, k, 2, s, 1, pl};
                            static walk_log w;
                            memset(&w, 0, sizeof w);
                            w.g = &g;
                            int oy0 = g.oh > 1 ? 1 : 0;
                            if (set == 0) emoc__conv_rows(&g, oy0, g.oh, widths, 4, record, &w);
                            else emoc__conv_rows(&g, oy0, g.oh, widths_no1, 1, record, &w);
                            for (int oy = 0; oy < g.oh; oy++)
                                for (int ox = 0; ox < ow; ox++)
                                    cr_assert_eq(w.seen[oy][ox], oy >= oy0, "iw %d k %d s %d pads %d/%d: "
                                                 "pixel (%d,%d) handed out %d times", iw, k, s, pl, pr,
                                                 oy, ox, w.seen[oy][ox]);
                            cases++;
                        }
    cr_assert_gt(cases, 500);
}

Test(rows, interior_groups_take_the_widest_width)
{
    /* 3-wide kernel, stride 1, padding 1 on a 21-pixel row: border pixels 0 and 20, interior
     * 1..19 = 19 pixels = 8 + 8 + 2 + 1. */
    emoc_conv_geom g = {1, 21, 1, 21, 1, 3, 1, 1, 0, 1};
    static const int widths[] = {8, 4, 2, 1};
    static walk_log w;
    memset(&w, 0, sizeof w);
    w.g = &g;
    emoc__conv_rows(&g, 0, 1, widths, 4, record, &w);
    cr_assert_eq(w.groups_of[8], 2);
    cr_assert_eq(w.groups_of[4], 0);
    cr_assert_eq(w.groups_of[2], 1);
    cr_assert_eq(w.groups_of[1], 3, "one interior pixel and two border pixels: %d", w.groups_of[1]);
    cr_assert_eq(w.calls, 6);
}
