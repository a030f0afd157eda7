/* dwconv_ref.c — scalar reference depthwise convolution, NHWC, any kernel size, stride and
 * (asymmetric) padding. Accumulates taps in (ky, kx) order, then bias, activation. */
#include "engine/kernels/kernels.h"

static void dwconv_ref(const emoc_dwconv_args *a, int oy0, int oy1)
{
    for (int oy = oy0; oy < oy1; oy++) {
        for (int ox = 0; ox < a->ow; ox++) {
            float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * a->y_pstride;
            for (int c = 0; c < a->c; c++) {
                float acc = 0.0f;
                for (int ky = 0; ky < a->kh; ky++) {
                    int iy = oy * a->sh + ky - a->pad_t;
                    if (iy < 0 || iy >= a->ih) continue;
                    for (int kx = 0; kx < a->kw; kx++) {
                        int ix = ox * a->sw + kx - a->pad_l;
                        if (ix < 0 || ix >= a->iw) continue;
                        acc += a->x[((size_t)iy * (size_t)a->iw + (size_t)ix) * a->x_pstride + (size_t)c] *
                               a->w[((size_t)ky * (size_t)a->kw + (size_t)kx) * (size_t)a->c + (size_t)c];
                    }
                }
                if (a->bias) acc += a->bias[c];
                yp[c] = emoc__act_scalar(acc, a->act, a->slope ? a->slope[c] : 0.0f);
            }
        }
    }
}

const emoc_dwconv_kernel emoc_f32_dwconv_ref = {"emoc_f32_dwconv_c1__ref", dwconv_ref};
