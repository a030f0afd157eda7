build-ref/obj/engine/image/preprocess.o: engine/image/preprocess.c \
 engine/image/resize.h engine/image/decoders.h include/emoc.h
engine/image/resize.h:
engine/image/decoders.h:
include/emoc.h:
