build-ref/obj/engine/core/session.o: engine/core/session.c \
 engine/core/core.h include/emoc.h engine/core/plan.h \
 engine/kernels/kernels.h weights/emw.h
engine/core/core.h:
include/emoc.h:
engine/core/plan.h:
engine/kernels/kernels.h:
weights/emw.h:
