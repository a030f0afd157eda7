build-ref/obj/engine/image/inflate.o: engine/image/inflate.c \
 engine/image/decoders.h include/emoc.h
engine/image/decoders.h:
include/emoc.h:
