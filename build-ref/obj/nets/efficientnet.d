build-ref/obj/nets/efficientnet.o: nets/efficientnet.c nets/nets.h \
 engine/core/plan.h include/emoc.h engine/kernels/kernels.h weights/emw.h
nets/nets.h:
engine/core/plan.h:
include/emoc.h:
engine/kernels/kernels.h:
weights/emw.h:
