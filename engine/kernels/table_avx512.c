/* table_avx512.c — avx512 overrides of the kernel table (compiled only for its architecture). */
#include "engine/kernels/kernels.h"

void emoc__kernel_table_avx512(emoc_kernel_table *t)
{
    (void)t; /* no avx512 kernels yet: every slot keeps its reference */
}
