build-ref/obj/weights/emw_access.o: weights/emw_access.c weights/emw.h \
 include/emoc.h weights/emw_util.h
weights/emw.h:
include/emoc.h:
weights/emw_util.h:
