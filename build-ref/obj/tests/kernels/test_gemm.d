build-ref/obj/tests/kernels/test_gemm.o: tests/kernels/test_gemm.c \
 tests/kernels/ktest.h include/emoc.h engine/kernels/kernels.h
tests/kernels/ktest.h:
include/emoc.h:
engine/kernels/kernels.h:
