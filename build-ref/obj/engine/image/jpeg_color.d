build-ref/obj/engine/image/jpeg_color.o: engine/image/jpeg_color.c \
 engine/image/jpeg_internal.h engine/image/decoders.h include/emoc.h
engine/image/jpeg_internal.h:
engine/image/decoders.h:
include/emoc.h:
