/* table_neon.c — neon overrides of the kernel table (compiled only for its architecture). */
#include "engine/kernels/kernels.h"

void emoc__kernel_table_neon(emoc_kernel_table *t)
{
    (void)t; /* no neon kernels yet: every slot keeps its reference */
}
