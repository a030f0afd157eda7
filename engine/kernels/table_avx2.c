/* table_avx2.c — AVX2+FMA overrides of the kernel table (compiled only for x86-64). Slots not
 * set here keep their reference kernel. */
#include "engine/kernels/kernels.h"

extern const emoc_gemm_kernel emoc_f32_gemm_6x16__avx2;
extern const emoc_dwconv_kernel emoc_f32_dwconv_c8__avx2;
extern const emoc_conv2d_kernel emoc_f32_conv2d_4x8__avx2;
extern const emoc_act_kernel emoc_f32_act_c8__avx2;
extern const emoc_coordatt_kernel emoc_f32_coordatt_c8__avx2;
extern const emoc_groupnorm_kernel emoc_f32_groupnorm_c8__avx2;
extern const emoc_linattn_kernel emoc_f32_linattn_c8__avx2;
extern const emoc_resize_kernel emoc_f32_resize_c8__avx2;
extern const emoc_eltwise_kernel emoc_f32_eltwise_c8__avx2;

void emoc__kernel_table_avx2(emoc_kernel_table *t)
{
    t->gemm = emoc_f32_gemm_6x16__avx2;
    t->dwconv = emoc_f32_dwconv_c8__avx2;
    t->conv2d = emoc_f32_conv2d_4x8__avx2;
    t->act = emoc_f32_act_c8__avx2;
    t->coordatt = emoc_f32_coordatt_c8__avx2;
    t->groupnorm = emoc_f32_groupnorm_c8__avx2;
    t->linattn = emoc_f32_linattn_c8__avx2;
    t->resize = emoc_f32_resize_c8__avx2;
    t->eltwise = emoc_f32_eltwise_c8__avx2;
}
