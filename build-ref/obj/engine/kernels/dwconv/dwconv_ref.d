build-ref/obj/engine/kernels/dwconv/dwconv_ref.o: \
 engine/kernels/dwconv/dwconv_ref.c engine/kernels/kernels.h \
 include/emoc.h
engine/kernels/kernels.h:
include/emoc.h:
