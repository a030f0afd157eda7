build-ref/obj/engine/kernels/conv2d/conv2d_ref.o: \
 engine/kernels/conv2d/conv2d_ref.c engine/kernels/kernels.h \
 include/emoc.h
engine/kernels/kernels.h:
include/emoc.h:
