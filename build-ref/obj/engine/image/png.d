build-ref/obj/engine/image/png.o: engine/image/png.c \
 engine/image/decoders.h include/emoc.h
engine/image/decoders.h:
include/emoc.h:
