build-ref/obj/engine/image/jpeg_std_tables.o: \
 engine/image/jpeg_std_tables.c engine/image/jpeg_internal.h \
 engine/image/decoders.h include/emoc.h
engine/image/jpeg_internal.h:
engine/image/decoders.h:
include/emoc.h:
