build-ref/obj/engine/core/builder.o: engine/core/builder.c \
 engine/core/core.h include/emoc.h engine/core/plan.h \
 engine/kernels/kernels.h weights/emw.h engine/core/ops.h nets/nets.h
engine/core/core.h:
include/emoc.h:
engine/core/plan.h:
engine/kernels/kernels.h:
weights/emw.h:
engine/core/ops.h:
nets/nets.h:
