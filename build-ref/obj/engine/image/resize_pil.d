build-ref/obj/engine/image/resize_pil.o: engine/image/resize_pil.c \
 engine/image/resize.h engine/image/decoders.h include/emoc.h
engine/image/resize.h:
engine/image/decoders.h:
include/emoc.h:
