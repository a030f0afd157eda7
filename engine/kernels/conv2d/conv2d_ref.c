/* conv2d_ref.c — scalar reference full/grouped convolution, NHWC. Packed layout = the
 * reference layout w[o][ky][kx][ci]. Accumulates in (ky, kx, ci) order, then bias, activation. */
#include "engine/kernels/kernels.h"

#include <string.h>

static size_t packed_size_ref(int cout, int kh, int kw, int cin_g, int groups)
{
    (void)groups;
    return (size_t)cout * (size_t)kh * (size_t)kw * (size_t)cin_g;
}

static void pack_ref(const float *w, int cout, int kh, int kw, int cin_g, int groups, float *packed)
{
    memcpy(packed, w, sizeof(float) * packed_size_ref(cout, kh, kw, cin_g, groups));
}

static void conv2d_ref(const emoc_conv2d_args *a, int oy0, int oy1)
{
    const int cin_g = a->cin / a->groups, cout_g = a->cout / a->groups;
    for (int oy = oy0; oy < oy1; oy++) {
        for (int ox = 0; ox < a->ow; ox++) {
            float *yp = a->y + ((size_t)oy * (size_t)a->ow + (size_t)ox) * (size_t)a->cout;
            for (int o = 0; o < a->cout; o++) {
                const int g = o / cout_g;
                const float *wo = a->w_packed + (size_t)o * (size_t)a->kh * (size_t)a->kw * (size_t)cin_g;
                float acc = 0.0f;
                for (int ky = 0; ky < a->kh; ky++) {
                    int iy = oy * a->sh + ky - a->pad_t;
                    if (iy < 0 || iy >= a->ih) continue;
                    for (int kx = 0; kx < a->kw; kx++) {
                        int ix = ox * a->sw + kx - a->pad_l;
                        if (ix < 0 || ix >= a->iw) continue;
                        const float *xp = a->x + ((size_t)iy * (size_t)a->iw + (size_t)ix) * (size_t)a->cin +
                                          (size_t)g * (size_t)cin_g;
                        const float *wp = wo + ((size_t)ky * (size_t)a->kw + (size_t)kx) * (size_t)cin_g;
                        for (int ci = 0; ci < cin_g; ci++) acc += xp[ci] * wp[ci];
                    }
                }
                if (a->bias) acc += a->bias[o];
                yp[o] = emoc__act_scalar(acc, a->act, a->slope ? a->slope[o] : 0.0f);
            }
        }
    }
}

const emoc_conv2d_kernel emoc_f32_conv2d_ref = {"emoc_f32_conv2d_1x1__ref", conv2d_ref,
                                                 packed_size_ref, pack_ref};
