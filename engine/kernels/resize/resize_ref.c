/* resize_ref.c — scalar reference bilinear resize with align_corners (kernels.h), and the
 * coefficient rule every ISA shares (PyTorch's area_pixel_compute_scale /
 * compute_indices_weights_linear: scale = (in − 1)/(out − 1) in float, source = scale·i,
 * i0 = floor, neighbour i0 + 1 unless at the last index, l1 = source − i0 clamped to [0, 1]). */
#include "engine/kernels/kernels.h"

void emoc_resize_ac_coeff(int in, int out, int i, int *i0, int *i1, float *l0, float *l1)
{
    float scale = out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
    float src = scale * (float)i;
    int j = (int)src;
    if (j > in - 1) j = in - 1;
    float l = src - (float)j;
    l = l < 0.0f ? 0.0f : (l > 1.0f ? 1.0f : l);
    *i0 = j;
    *i1 = j < in - 1 ? j + 1 : j;
    *l1 = l;
    *l0 = 1.0f - l;
}

static void resize_ref(const float *x, int ih, int iw, int C, float *y, int oh, int ow, int oy0,
                       int oy1)
{
    for (int oy = oy0; oy < oy1; oy++) {
        int y0, y1;
        float h0, h1;
        emoc_resize_ac_coeff(ih, oh, oy, &y0, &y1, &h0, &h1);
        for (int ox = 0; ox < ow; ox++) {
            int x0, x1;
            float w0, w1;
            emoc_resize_ac_coeff(iw, ow, ox, &x0, &x1, &w0, &w1);
            const float *a = x + ((size_t)y0 * iw + x0) * C, *b = x + ((size_t)y0 * iw + x1) * C;
            const float *c = x + ((size_t)y1 * iw + x0) * C, *d = x + ((size_t)y1 * iw + x1) * C;
            float *py = y + ((size_t)oy * ow + ox) * C;
            for (int k = 0; k < C; k++)
                py[k] = h0 * (w0 * a[k] + w1 * b[k]) + h1 * (w0 * c[k] + w1 * d[k]);
        }
    }
}

const emoc_resize_kernel emoc_f32_resize_ref = {"emoc_f32_resize_c1__ref", resize_ref};
