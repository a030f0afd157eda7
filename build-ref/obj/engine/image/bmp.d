build-ref/obj/engine/image/bmp.o: engine/image/bmp.c \
 engine/image/decoders.h include/emoc.h
engine/image/decoders.h:
include/emoc.h:
