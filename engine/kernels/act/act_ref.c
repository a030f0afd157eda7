/* act_ref.c — scalar reference in-place activation; slope has period c (PReLU). */
#include "engine/kernels/kernels.h"

static void act_ref(float *x, size_t n, int c, const float *slope, emoc_act act)
{
    for (size_t i = 0; i < n; i++) x[i] = emoc__act_scalar(x[i], act, slope ? slope[i % (size_t)c] : 0.0f);
}

const emoc_act_kernel emoc_f32_act_ref = {"emoc_f32_act_c1__ref", act_ref};
