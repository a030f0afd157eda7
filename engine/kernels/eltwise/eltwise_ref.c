/*
 * eltwise_ref.c — reference elementwise kernels (semantics: kernels.h, "Elementwise"): the
 * residual add with its fused activation and the 2×2 stride-2 max pool of BlazeFace.
 */
#include "engine/kernels/kernels.h"

static void add_act_ref(const float *a, const float *b, float *y, size_t n, emoc_act act)
{
    for (size_t i = 0; i < n; i++) y[i] = emoc__act_scalar(a[i] + b[i], act, 0.0f);
}

static void max2x2_ref(const float *x, int W, int C, float *y, int oy0, int oy1)
{
    int OW = W / 2;
    for (int oy = oy0; oy < oy1; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const float *p = x + ((size_t)(2 * oy) * (size_t)W + (size_t)(2 * ox)) * (size_t)C;
            const float *q = p + (size_t)W * (size_t)C;
            float *o = y + ((size_t)oy * (size_t)OW + (size_t)ox) * (size_t)C;
            for (int c = 0; c < C; c++) {
                float m = p[c];
                if (p[C + c] > m) m = p[C + c];
                if (q[c] > m) m = q[c];
                if (q[C + c] > m) m = q[C + c];
                o[c] = m;
            }
        }
}

const emoc_eltwise_kernel emoc_f32_eltwise_ref = {"emoc_f32_eltwise_c1__ref", add_act_ref, max2x2_ref};
