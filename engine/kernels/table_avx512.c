/* table_avx512.c — AVX-512 overrides of the kernel table (compiled only for x86-64). Slots not
 * set here keep the AVX2 kernel (emoc__kernel_table_init applies avx2 first) or the reference. */
#include "engine/kernels/kernels.h"

extern const emoc_gemm_kernel emoc_f32_gemm_8x32__avx512;
extern const emoc_dwconv_kernel emoc_f32_dwconv_c16__avx512;
extern const emoc_conv2d_kernel emoc_f32_conv2d_4x16__avx512;
extern const emoc_act_kernel emoc_f32_act_c16__avx512;
extern const emoc_gap_kernel emoc_f32_gap_c16__avx512;
extern const emoc_groupnorm_kernel emoc_f32_groupnorm_c16__avx512;
extern const emoc_linattn_kernel emoc_f32_linattn_c16__avx512;
extern const emoc_resize_kernel emoc_f32_resize_c16__avx512;
extern const emoc_coordatt_kernel emoc_f32_coordatt_c16__avx512;

void emoc__kernel_table_avx512(emoc_kernel_table *t)
{
    t->gemm = emoc_f32_gemm_8x32__avx512;
    t->dwconv = emoc_f32_dwconv_c16__avx512;
    t->conv2d = emoc_f32_conv2d_4x16__avx512;
    t->act = emoc_f32_act_c16__avx512;
    t->gap = emoc_f32_gap_c16__avx512;
    t->groupnorm = emoc_f32_groupnorm_c16__avx512;
    t->linattn = emoc_f32_linattn_c16__avx512;
    t->resize = emoc_f32_resize_c16__avx512;
    t->coordatt = emoc_f32_coordatt_c16__avx512;
}
