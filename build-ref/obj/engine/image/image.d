build-ref/obj/engine/image/image.o: engine/image/image.c \
 engine/image/decoders.h include/emoc.h
engine/image/decoders.h:
include/emoc.h:
