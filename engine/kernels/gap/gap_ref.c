/* gap_ref.c — scalar reference global-average-pool sum, NHWC: y[c] = Σ_p x[p][c] in increasing
 * pixel order, for channels [c0, c1) (kernels.h). */
#include "engine/kernels/kernels.h"

static void gap_ref(const float *x, size_t P, size_t C, float *y, size_t c0, size_t c1)
{
    for (size_t c = c0; c < c1; c++) {
        float acc = 0.0f;
        for (size_t p = 0; p < P; p++) acc += x[p * C + c];
        y[c] = acc;
    }
}

const emoc_gap_kernel emoc_f32_gap_ref = {"emoc_f32_gap_c1__ref", gap_ref};
