/* groupnorm_ref.c — scalar reference of the one-group GroupNorm kernels (kernels.h): chunk sums
 * in double in index order, and the per-channel affine (x − mean)·a[c] + beta[c]. */
#include "engine/kernels/kernels.h"

static double gn_sum_ref(const float *x, size_t n)
{
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) acc += x[i];
    return acc;
}

static double gn_sqdev_ref(const float *x, size_t n, float mean)
{
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = x[i] - mean;
        acc += d * d;
    }
    return acc;
}

static void gn_apply_ref(const float *x, size_t C, float mean, const float *a, const float *beta,
                         float *y, size_t p0, size_t p1)
{
    for (size_t p = p0; p < p1; p++) {
        const float *px = x + p * C;
        float *py = y + p * C;
        for (size_t c = 0; c < C; c++) py[c] = (px[c] - mean) * a[c] + beta[c];
    }
}

const emoc_groupnorm_kernel emoc_f32_groupnorm_ref = {"emoc_f32_groupnorm_c1__ref", gn_sum_ref,
                                                      gn_sqdev_ref, gn_apply_ref};
