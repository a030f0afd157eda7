build-ref/obj/tests/core/test_planner.o: tests/core/test_planner.c \
 engine/core/core.h include/emoc.h engine/core/plan.h \
 engine/kernels/kernels.h weights/emw.h
engine/core/core.h:
include/emoc.h:
engine/core/plan.h:
engine/kernels/kernels.h:
weights/emw.h:
