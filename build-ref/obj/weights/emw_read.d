build-ref/obj/weights/emw_read.o: weights/emw_read.c weights/emw.h \
 include/emoc.h weights/emw_read_internal.h weights/emw_util.h
weights/emw.h:
include/emoc.h:
weights/emw_read_internal.h:
weights/emw_util.h:
