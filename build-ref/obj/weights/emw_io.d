build-ref/obj/weights/emw_io.o: weights/emw_io.c weights/emw.h \
 include/emoc.h
weights/emw.h:
include/emoc.h:
