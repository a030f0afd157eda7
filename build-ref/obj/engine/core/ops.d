build-ref/obj/engine/core/ops.o: engine/core/ops.c engine/core/ops.h \
 engine/core/plan.h include/emoc.h engine/kernels/kernels.h weights/emw.h
engine/core/ops.h:
engine/core/plan.h:
include/emoc.h:
engine/kernels/kernels.h:
weights/emw.h:
