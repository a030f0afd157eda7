build-ref/obj/engine/kernels/kernels.o: engine/kernels/kernels.c \
 engine/kernels/kernels.h include/emoc.h
engine/kernels/kernels.h:
include/emoc.h:
