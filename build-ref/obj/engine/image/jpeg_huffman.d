build-ref/obj/engine/image/jpeg_huffman.o: engine/image/jpeg_huffman.c \
 engine/image/jpeg_internal.h engine/image/decoders.h include/emoc.h
engine/image/jpeg_internal.h:
engine/image/decoders.h:
include/emoc.h:
