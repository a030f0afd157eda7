build-ref/obj/engine/core/model.o: engine/core/model.c engine/core/core.h \
 include/emoc.h engine/core/plan.h engine/kernels/kernels.h weights/emw.h
engine/core/core.h:
include/emoc.h:
engine/core/plan.h:
engine/kernels/kernels.h:
weights/emw.h:
