build-ref/obj/nets/ddamfn.o: nets/ddamfn.c nets/nets.h engine/core/plan.h \
 include/emoc.h engine/kernels/kernels.h weights/emw.h \
 engine/ops/coordatt.h
nets/nets.h:
engine/core/plan.h:
include/emoc.h:
engine/kernels/kernels.h:
weights/emw.h:
engine/ops/coordatt.h:
