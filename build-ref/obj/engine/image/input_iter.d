build-ref/obj/engine/image/input_iter.o: engine/image/input_iter.c \
 engine/image/input_list.h engine/image/decoders.h include/emoc.h \
 engine/image/input_iter.h
engine/image/input_list.h:
engine/image/decoders.h:
include/emoc.h:
engine/image/input_iter.h:
