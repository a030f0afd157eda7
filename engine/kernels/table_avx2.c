/* table_avx2.c — avx2 overrides of the kernel table (compiled only for its architecture). */
#include "engine/kernels/kernels.h"

void emoc__kernel_table_avx2(emoc_kernel_table *t)
{
    (void)t; /* no avx2 kernels yet: every slot keeps its reference */
}
