build-ref/obj/weights/convert_pth_load.o: weights/convert_pth_load.c \
 weights/pth.h include/emoc.h
weights/pth.h:
include/emoc.h:
