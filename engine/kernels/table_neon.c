/* table_neon.c — NEON overrides of the kernel table (compiled for AArch64 and 32-bit ARMv7). */
#include "engine/kernels/kernels.h"

#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20) /* linux arch/arm64/include/uapi/asm/hwcap.h */
#endif
#endif

extern const emoc_gemm_kernel emoc_f32_gemm_8x8__neon;
extern const emoc_gemm_lp_kernel emoc_bf16_gemm_8x8__neon;
#if defined(__aarch64__)
extern const emoc_gemm_lp_kernel emoc_i8_gemm_8x8__neon;
#endif
extern const emoc_dwconv_kernel emoc_f32_dwconv_c4__neon;
extern const emoc_conv2d_kernel emoc_f32_conv2d_4x4__neon;
extern const emoc_act_kernel emoc_f32_act_c4__neon;
extern const emoc_groupnorm_kernel emoc_f32_groupnorm_c4__neon;
extern const emoc_linattn_kernel emoc_f32_linattn_c4__neon;
extern const emoc_resize_kernel emoc_f32_resize_c4__neon;
extern const emoc_eltwise_kernel emoc_f32_eltwise_c4__neon;

void emoc__kernel_table_neon(emoc_kernel_table *t)
{
    t->gemm = emoc_f32_gemm_8x8__neon;
    t->gemm_bf16 = emoc_bf16_gemm_8x8__neon;
#if defined(__aarch64__)
    /* SDOT (ARMv8.2 dot product) when the kernel reports it; else the int8 reference */
    if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) t->gemm_i8 = emoc_i8_gemm_8x8__neon;
#endif
    t->dwconv = emoc_f32_dwconv_c4__neon;
    t->conv2d = emoc_f32_conv2d_4x4__neon;
    t->act = emoc_f32_act_c4__neon;
    t->groupnorm = emoc_f32_groupnorm_c4__neon;
    t->linattn = emoc_f32_linattn_c4__neon;
    t->resize = emoc_f32_resize_c4__neon;
    t->eltwise = emoc_f32_eltwise_c4__neon;
}
