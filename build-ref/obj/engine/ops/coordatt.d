build-ref/obj/engine/ops/coordatt.o: engine/ops/coordatt.c \
 engine/ops/coordatt.h engine/core/plan.h include/emoc.h \
 engine/kernels/kernels.h weights/emw.h
engine/ops/coordatt.h:
engine/core/plan.h:
include/emoc.h:
engine/kernels/kernels.h:
weights/emw.h:
