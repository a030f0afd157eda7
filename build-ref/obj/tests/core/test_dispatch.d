build-ref/obj/tests/core/test_dispatch.o: tests/core/test_dispatch.c \
 include/emoc.h engine/kernels/kernels.h tests/core/tinynet_fixture.h
include/emoc.h:
engine/kernels/kernels.h:
tests/core/tinynet_fixture.h:
