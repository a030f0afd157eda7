build-ref/obj/engine/kernels/act/act_ref.o: engine/kernels/act/act_ref.c \
 engine/kernels/kernels.h include/emoc.h
engine/kernels/kernels.h:
include/emoc.h:
