build-ref/obj/engine/image/jpeg.o: engine/image/jpeg.c \
 engine/image/jpeg_internal.h engine/image/decoders.h include/emoc.h
engine/image/jpeg_internal.h:
engine/image/decoders.h:
include/emoc.h:
