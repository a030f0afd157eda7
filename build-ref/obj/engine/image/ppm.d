build-ref/obj/engine/image/ppm.o: engine/image/ppm.c \
 engine/image/decoders.h include/emoc.h
engine/image/decoders.h:
include/emoc.h:
