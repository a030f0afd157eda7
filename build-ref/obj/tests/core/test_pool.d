build-ref/obj/tests/core/test_pool.o: tests/core/test_pool.c \
 engine/core/core.h include/emoc.h engine/core/plan.h \
 engine/kernels/kernels.h weights/emw.h
engine/core/core.h:
include/emoc.h:
engine/core/plan.h:
engine/kernels/kernels.h:
weights/emw.h:
