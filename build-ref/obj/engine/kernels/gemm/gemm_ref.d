build-ref/obj/engine/kernels/gemm/gemm_ref.o: \
 engine/kernels/gemm/gemm_ref.c engine/kernels/kernels.h include/emoc.h
engine/kernels/kernels.h:
include/emoc.h:
