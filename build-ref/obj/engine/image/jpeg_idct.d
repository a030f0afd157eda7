build-ref/obj/engine/image/jpeg_idct.o: engine/image/jpeg_idct.c \
 engine/image/jpeg_internal.h engine/image/decoders.h include/emoc.h
engine/image/jpeg_internal.h:
engine/image/decoders.h:
include/emoc.h:
