build-ref/obj/tests/kernels/test_dwconv.o: tests/kernels/test_dwconv.c \
 tests/kernels/ktest.h include/emoc.h engine/kernels/kernels.h
tests/kernels/ktest.h:
include/emoc.h:
engine/kernels/kernels.h:
