/* table_avx512.c — AVX-512 overrides of the kernel table (compiled only for x86-64). Slots not
 * set here keep the AVX2 kernel (emoc__kernel_table_init applies avx2 first) or the reference. */
#include "engine/kernels/kernels.h"

#include <cpuid.h>

extern const emoc_gemm_kernel emoc_f32_gemm_8x32__avx512;
extern const emoc_gemm_lp_kernel emoc_bf16_gemm_8x32__avx512;
extern const emoc_gemm_lp_kernel emoc_bf16_gemm_f32fma_8x32__avx512;
extern const emoc_gemm_lp_kernel emoc_i8_gemm_8x32__avx512;
extern const emoc_dwconv_kernel emoc_f32_dwconv_c16__avx512;
extern const emoc_conv2d_kernel emoc_f32_conv2d_4x16__avx512;
extern const emoc_act_kernel emoc_f32_act_c16__avx512;
extern const emoc_gap_kernel emoc_f32_gap_c16__avx512;
extern const emoc_groupnorm_kernel emoc_f32_groupnorm_c16__avx512;
extern const emoc_linattn_kernel emoc_f32_linattn_c16__avx512;
extern const emoc_resize_kernel emoc_f32_resize_c16__avx512;
extern const emoc_eltwise_kernel emoc_f32_eltwise_c16__avx512;
extern const emoc_coordatt_kernel emoc_f32_coordatt_c16__avx512;

/* AVX512_BF16 (cpuid 7.1 EAX bit 5) and AVX512_VNNI (cpuid 7.0 ECX bit 11): extensions of the
 * AVX-512 state the caller already found enabled (engine/core/cpu.c). */
int emoc__cpu_has_avx512bf16(void)
{
    unsigned int a, b, c, d;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    if (a < 1) return 0;
    __cpuid_count(7, 1, a, b, c, d);
    return (a >> 5) & 1;
}

int emoc__cpu_has_avx512vnni(void)
{
    unsigned int a, b, c, d;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (c >> 11) & 1;
}

void emoc__kernel_table_avx512(emoc_kernel_table *t)
{
    t->gemm_bf16 = emoc__cpu_has_avx512bf16() ? emoc_bf16_gemm_8x32__avx512
                                              : emoc_bf16_gemm_f32fma_8x32__avx512;
    /* without VNNI the int8 slot keeps the reference (correct, slow; docs/precision.md) */
    if (emoc__cpu_has_avx512vnni()) t->gemm_i8 = emoc_i8_gemm_8x32__avx512;
    t->gemm = emoc_f32_gemm_8x32__avx512;
    t->dwconv = emoc_f32_dwconv_c16__avx512;
    t->conv2d = emoc_f32_conv2d_4x16__avx512;
    t->act = emoc_f32_act_c16__avx512;
    t->gap = emoc_f32_gap_c16__avx512;
    t->groupnorm = emoc_f32_groupnorm_c16__avx512;
    t->linattn = emoc_f32_linattn_c16__avx512;
    t->resize = emoc_f32_resize_c16__avx512;
    t->eltwise = emoc_f32_eltwise_c16__avx512;
    t->coordatt = emoc_f32_coordatt_c16__avx512;
}
