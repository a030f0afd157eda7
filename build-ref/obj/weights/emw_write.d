build-ref/obj/weights/emw_write.o: weights/emw_write.c weights/emw.h \
 include/emoc.h weights/emw_util.h
weights/emw.h:
include/emoc.h:
weights/emw_util.h:
